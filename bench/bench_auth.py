"""Authenticated vs unauthenticated throughput of the same endpoint (issue 3's benchmark).

Serves one app process (uvicorn, Redis-backed sessions, embedded SQLite) with two
routes that differ only in authentication, loads each with wrk (64 connections),
and prints requests/s and p50/p95/p99 of both and the ratio. Then checks that a
revoked session fails at its very next request, and prints token encode/verify
rates.

    python bench/bench_auth.py [--duration 10] [--connections 64] [--redis redis://127.0.0.1:6379/14]

Needs wrk (Debian package ``wrk``) and a Redis server.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_MODULE = "bench._auth_app:create_bench_app"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def request(
    method: str, url: str, body: dict[str, object] | None = None, token: str | None = None
) -> tuple[int, dict[str, object]]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def wrk(url: str, duration: int, connections: int, token: str | None) -> dict[str, float]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if token:
        args[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def pct(label: str) -> float:
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {
        "rps": rps,
        "p50": pct("50"),
        "p90": pct("90"),
        "p99": pct("99"),
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
    }


def microbench() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from pa_core.clock import SystemClock
    from pa_core.tokens import KeySet, SigningKey, TokenPurpose, TokenService

    service = TokenService(KeySet(SigningKey.hs256(b"k" * 32)), "pa", "pa", SystemClock())
    n = 20_000
    start = time.perf_counter()
    for _ in range(n):
        token = service.issue(TokenPurpose.ACCESS, "user", timedelta(minutes=15), session_id="s")
    encode = n / (time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(n):
        service.verify(token.token, TokenPurpose.ACCESS)
    verify = n / (time.perf_counter() - start)
    print(f"token encode: {encode:,.0f}/s   token verify: {verify:,.0f}/s (HS256, one core)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--redis", default=os.environ.get("PA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2

    microbench()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PA_DATA_DIR": tmp,
            "PA_REDIS_URL": args.redis,
            "PA_EMAIL_BACKEND": "memory",
            "PA_SMS_TRANSPORT": "memory",
            "PYTHONPATH": str(ROOT),
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                APP_MODULE,
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
                "--loop",
                "uvloop",
                "--http",
                "httptools",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            for _ in range(100):
                try:
                    if request("GET", f"{base}/health")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.1)
            email = f"bench-{int(time.time())}@example.com"
            password = "benchmark passphrase 2026"
            request("POST", f"{base}/api/v1/auth/register", {"email": email, "password": password})
            status, pair = request(
                "POST", f"{base}/api/v1/auth/login", {"email": email, "password": password}
            )
            assert status == 200, pair
            token = str(pair["access_token"])
            assert request("GET", f"{base}/bench/authenticated", token=token)[0] == 200

            wrk(f"{base}/bench/open", 2, args.connections, None)  # warm-up
            open_ = wrk(f"{base}/bench/open", args.duration, args.connections, None)
            authed = wrk(f"{base}/bench/authenticated", args.duration, args.connections, token)

            # Revocation must still bite at the very next request.
            status, _ = request("POST", f"{base}/api/v1/auth/logout", token=token)
            revoked_status = request("GET", f"{base}/bench/authenticated", token=token)[0]
        finally:
            server.terminate()
            server.wait()

    print(f"\n{'endpoint':<16}{'req/s':>10}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'non-2xx':>9}")
    for name, row in (("unauthenticated", open_), ("authenticated", authed)):
        print(
            f"{name:<16}{row['rps']:>10,.0f}{row['p50']:>9.2f}{row['p90']:>9.2f}{row['p99']:>9.2f}{row['errors']:>9.0f}"
        )
    print(
        "\nauthenticated / unauthenticated throughput: "
        f"{authed['rps'] / open_['rps']:.0%} (target >= 70%)"
    )
    print(
        f"authenticated p90 {authed['p90']:.2f} ms (wrk prints p50/p75/p90/p99; target p95 < 20 ms)"
    )
    print(f"revoked session at its next request: HTTP {revoked_status} (expected 401)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
