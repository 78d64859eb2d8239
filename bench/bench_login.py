"""Password hashing never blocks the event loop (issue 4's benchmark).

While 8 clients log in continuously (argon2id verification in worker threads),
another client measures ``/health``; prints logins/s and /health p50/p95.
Target: /health p95 below 20 ms on 2 cores.

    python bench/bench_login.py [--seconds 15] [--clients 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark passphrase 2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def wait_until_up(http: httpx.AsyncClient, seconds: float = 60) -> None:
    """Wait for the server to answer /health."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if (await http.get("/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start")


async def run(base: str, seconds: float, clients: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        await wait_until_up(http)
        emails = [f"bench{i}@example.com" for i in range(clients)]
        for email in emails:
            await http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})

        deadline = time.monotonic() + seconds
        logins = 0
        failures = 0
        health: list[float] = []

        async def login_loop(email: str) -> None:
            nonlocal logins, failures
            while time.monotonic() < deadline:
                response = await http.post(
                    "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
                )
                if response.status_code == 200:
                    logins += 1
                else:
                    failures += 1

        async def health_loop() -> None:
            while time.monotonic() < deadline:
                start = time.perf_counter()
                await http.get("/health")
                health.append((time.perf_counter() - start) * 1000)
                await asyncio.sleep(0.01)

        started = time.monotonic()
        await asyncio.gather(health_loop(), *(login_loop(e) for e in emails))
        elapsed = time.monotonic() - started

    print(f"logins: {logins} in {elapsed:.1f} s = {logins / elapsed:.1f}/s ({failures} failed)")
    print(
        f"/health while logging in: n={len(health)} "
        f"p50={statistics.median(health):.2f} ms p95={percentile(health, 0.95):.2f} ms "
        f"max={max(health):.2f} ms (target p95 < 20 ms)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PA_DATA_DIR": tmp,
            "PA_EMAIL_BACKEND": "memory",
            "PA_SMS_TRANSPORT": "memory",
            "PA_RATE_LIMIT_LOGIN_PER_IP": "1000000/1m",
            "PA_RATE_LIMIT_REGISTER_PER_IP": "1000/1m",
            "PYTHONPATH": str(ROOT),
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "examples.litestar_app.app:create_app",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            asyncio.run(run(f"http://127.0.0.1:{port}", args.seconds, args.clients))
        finally:
            server.terminate()
            server.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
