"""Authenticated vs unauthenticated throughput of the same endpoint (issue 3's benchmark).

Serves the app (uvicorn, one process unless ``--workers``; Redis-backed
sessions, embedded SQLite) with two routes that differ only in authentication,
both served by the same process(es), loads each with wrk (64
connections), and prints requests/s and p50/p90/p95/p99 of both and the ratio.
Then checks, ``--revocations`` times, that a session fails at the very next
request after its logout, whichever process answers it, and prints token
encode/verify rates.

    python bench/bench_auth.py [--duration 10] [--connections 64] [--workers 1]

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


WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("PCT %d %d %d %d\\n", math.floor(latency:percentile(50)),
    math.floor(latency:percentile(90)), math.floor(latency:percentile(95)),
    math.floor(latency:percentile(99))))
end
"""


def wrk(url: str, duration: int, connections: int, token: str | None) -> dict[str, float]:
    """Load ``url`` with wrk; requests/s, non-2xx answers and latency percentiles in ms."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_REPORT)
    args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", script.name, url]
    if token:
        args[1:1] = ["-H", f"Authorization: Bearer {token}"]
    try:
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        if done.returncode != 0:  # the command holds the token: show wrk's words only
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
        out = done.stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p50, p90, p95, p99 = (
        int(v) / 1000 for v in re.search(r"PCT (\d+) (\d+) (\d+) (\d+)", out).groups()
    )  # type: ignore[union-attr]
    return {
        "rps": rps,
        "p50": p50,
        "p90": p90,
        "p95": p95,
        "p99": p99,
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
    }


def microbench() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from pa_core.clock import SystemClock
    from pa_core.tokens import KeySet, SigningKey, TokenPurpose, TokenService

    service = TokenService(KeySet(SigningKey.hs256(b"k" * 32)), "pa", "pa", SystemClock())
    n = 20_000
    start = time.perf_counter()
    tokens = [
        service.issue(TokenPurpose.ACCESS, "user", timedelta(minutes=15), session_id="s").token
        for _ in range(n)
    ]
    encode = n / (time.perf_counter() - start)
    start = time.perf_counter()
    for token in tokens:  # each seen once: signature and claims checked in full
        service.verify(token, TokenPurpose.ACCESS)
    verify = n / (time.perf_counter() - start)
    recent = tokens[-5_000:]  # fewer than the cache holds
    start = time.perf_counter()
    for _ in range(4):
        for token in recent:  # seen before: answered from the verified-claims cache
            service.verify(token, TokenPurpose.ACCESS)
    repeat = 4 * len(recent) / (time.perf_counter() - start)
    print(
        f"token encode: {encode:,.0f}/s   verify (first sight): {verify:,.0f}/s   "
        f"verify (repeated, cached): {repeat:,.0f}/s   (HS256, one core)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--revocations", type=int, default=50)
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
            "PA_RATE_LIMIT_LOGIN_PER_IP": "100000/1m",  # the revocation check logs in often
            "PYTHONPATH": str(ROOT),
        }
        # Several workers must not race to migrate one database: migrate once, first.
        subprocess.run(
            [sys.executable, "-m", "examples.litestar_app", "migrate"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        env["PA_AUTO_MIGRATE"] = "false"
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
                "--workers",
                str(args.workers),
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

            def login() -> str:
                status, pair = request(
                    "POST", f"{base}/api/v1/auth/login", {"email": email, "password": password}
                )
                assert status == 200, pair
                return str(pair["access_token"])

            token = login()
            assert request("GET", f"{base}/bench/authenticated", token=token)[0] == 200

            wrk(f"{base}/bench/open", 2, args.connections, None)  # warm-up
            wrk(f"{base}/bench/authenticated", 2, args.connections, token)
            open_ = wrk(f"{base}/bench/open", args.duration, args.connections, None)
            authed = wrk(f"{base}/bench/authenticated", args.duration, args.connections, token)

            # Revocation must still bite at the very next request, in every process.
            refused = 0
            for n in range(args.revocations):
                revoked = token if n == 0 else login()
                for _ in range(4):  # cached as valid in each process first
                    assert request("GET", f"{base}/bench/authenticated", token=revoked)[0] == 200
                assert request("POST", f"{base}/api/v1/auth/logout", token=revoked)[0] == 204
                if request("GET", f"{base}/bench/authenticated", token=revoked)[0] == 401:
                    refused += 1
        finally:
            server.terminate()
            server.wait()

    print(
        f"\n{args.workers} uvicorn worker(s), {args.connections} connections, "
        f"{args.duration} s each"
    )
    print(
        f"{'endpoint':<16}{'req/s':>10}{'p50 ms':>9}{'p90 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'non-2xx':>9}"
    )
    for name, row in (("unauthenticated", open_), ("authenticated", authed)):
        print(
            f"{name:<16}{row['rps']:>10,.0f}{row['p50']:>9.2f}{row['p90']:>9.2f}"
            f"{row['p95']:>9.2f}{row['p99']:>9.2f}{row['errors']:>9.0f}"
        )
    print(
        "\nauthenticated / unauthenticated throughput: "
        f"{authed['rps'] / open_['rps']:.0%} (target >= 70%)"
    )
    print(f"authenticated p95 {authed['p95']:.2f} ms (target < 20 ms)")
    print(
        f"sessions refused at the request right after their logout: {refused}/{args.revocations}"
        " (expected all)"
    )
    return 0 if refused == args.revocations else 1


if __name__ == "__main__":
    raise SystemExit(main())
