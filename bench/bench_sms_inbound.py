"""Benchmark: signed inbound SMS webhooks against the app on PostgreSQL and Redis.

Creates a scratch PostgreSQL database, gives ``--users`` users a number each,
starts the reference app with uvicorn in a subprocess on a loopback port
(memory SMS transport, so replies are logged but not sent), then posts
``--messages`` signed inbound webhooks with ``--concurrency`` in flight, 10 % of
them repeated (same ``MessageSid``, some at the same moment as the original).

Prints messages/s, p50/p95 latency of the webhook answers, and the count of
messages processed (inbound rows logged and agent replies sent), which must
equal the unique count: zero lost, zero doubled.

    .venv/bin/python bench/bench_sms_inbound.py                      # short run
    .venv/bin/python bench/bench_sms_inbound.py --messages 20000 --workers 2

The outbound pace is raised (``PA_SMS_SEGMENTS_PER_SECOND``) so that replies are
not held back by the 1 segment/s per number a real long code allows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from pa_core.config import Settings  # noqa: E402
from pa_core.ids import new_id  # noqa: E402
from pa_core.migrations import upgrade  # noqa: E402
from pa_core.stores.sqlalchemy import Database, SqlUserRepository  # noqa: E402
from pa_core.users import User  # noqa: E402
from pa_sms.models import PhoneNumber, WebhookConfig  # noqa: E402
from pa_sms.stores.sqlalchemy_store import SqlSmsStore  # noqa: E402
from pa_sms.webhooks import compute_signature, webhook_auth_token  # noqa: E402

PG_SERVER = os.environ.get("PA_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("PA_BENCH_REDIS", "redis://127.0.0.1:6379/14")
SECRET = "bench-secret-" + "x" * 40
ACCOUNT_SID = "AC" + "0" * 32


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_SERVER)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def seed(url: str, users: int) -> list[str]:
    """``users`` users with one active number each; returns the numbers."""
    db = Database(url)
    repo, store = SqlUserRepository(db), SqlSmsStore(db)
    numbers = []
    now = datetime.now(UTC)
    for n in range(users):
        user = User(
            id=new_id(),
            email=f"bench{n}@example.com",
            password_hash=None,
            created_at=now,
            updated_at=now,
        )
        await repo.add(user)
        phone = f"+1415{n:07d}"
        number = PhoneNumber(
            id=new_id(),
            user_id=user.id,
            phone_number=phone,
            provider_sid="PN" + secrets.token_hex(16),
            status="active",
            capabilities={"sms": True},
            provisioned_at=now,
        )
        await store.add_number(number, WebhookConfig(number.id, phone, "u", "u", "s"))
        numbers.append(phone)
    await db.dispose()
    return numbers


async def count(url: str) -> tuple[int, int]:
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        inbound = await conn.fetchval("SELECT count(*) FROM sms_messages WHERE direction='inbound'")
        outbound = await conn.fetchval(
            "SELECT count(*) FROM sms_messages WHERE direction='outbound'"
        )
    finally:
        await conn.close()
    return int(inbound), int(outbound)


def requests(
    base: str, token: str, numbers: list[str], total: int, dup_ratio: float
) -> tuple[list[tuple[str, str]], int]:
    """(body, signature) pairs in sending order, and how many unique messages they hold."""
    url = base + "/sms/inbound"
    unique = round(total / (1 + dup_ratio))
    made: list[tuple[str, str]] = []
    for n in range(unique):
        sid = "SM" + secrets.token_hex(16)
        form = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "Body": f"bench message {n}",
            "From": f"+1555{n % 9_000_000:07d}",
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": random.choice(numbers),
        }
        made.append((urlencode(form), compute_signature(token, url, form.items())))
    order = list(made)
    for original in random.sample(made, total - unique):
        # Half right behind the original (concurrent duplicates), half later (retries).
        position = order.index(original) + 1 if random.random() < 0.5 else len(order)
        order.insert(random.randint(position, len(order)), original)
    return order, unique


async def load(
    base: str, order: list[tuple[str, str]], concurrency: int
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for item in order:
        queue.put_nowait(item)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal errors
            while not queue.empty():
                body, signature = queue.get_nowait()
                started = time.perf_counter()
                response = await client.post(
                    "/sms/inbound",
                    content=body,
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "X-Twilio-Signature": signature,
                    },
                )
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, errors


async def run(args: argparse.Namespace) -> int:
    name = "pa_bench_" + secrets.token_hex(4)
    await admin(f'CREATE DATABASE "{name}"')
    url = PG_SERVER.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0] + "/" + name
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PA_DATABASE_URL": url,
        "PA_REDIS_URL": REDIS_URL,
        "PA_SECRET_KEY": SECRET,
        "PA_PUBLIC_BASE_URL": base,
        "PA_SMS_TRANSPORT": "memory",
        "PA_EMAIL_BACKEND": "memory",
        "PA_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "PA_SMS_SEGMENTS_PER_SECOND": "1000000",
        "PA_AUTO_MIGRATE": "false",
        "PA_DB_POOL_SIZE": "10",
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
    }
    server: subprocess.Popen[bytes] | None = None
    try:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        await asyncio.to_thread(upgrade, url)
        numbers = await seed(url, args.users)
        settings = Settings(_env_file=None, secret_key=SECRET)  # type: ignore[call-arg]
        token = webhook_auth_token(settings)
        order, unique = requests(base, token, numbers, args.messages, args.duplicates)
        server = subprocess.Popen(  # noqa: ASYNC220
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "examples.litestar_app.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
        )
        async with httpx.AsyncClient() as probe:
            for _ in range(200):
                try:
                    if (await probe.get(base + "/health")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        warm = order[: min(50, len(order))]
        del warm  # the first requests are measured too: no warm-up trickery
        elapsed, latencies, errors = await load(base, order, args.concurrency)
        deadline = time.monotonic() + args.drain
        inbound = outbound = 0
        while time.monotonic() < deadline:
            inbound, outbound = await count(url)
            if outbound >= unique:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.5)
        inbound, outbound = await count(url)
        latencies.sort()
        p50 = statistics.median(latencies) * 1000
        p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
        print(f"requests sent:         {len(order)} ({len(order) - unique} duplicates)")
        print(f"uvicorn workers:       {args.workers}, concurrency {args.concurrency}")
        print(f"throughput:            {len(order) / elapsed:.0f} messages/s")
        print(f"latency p50 / p95:     {p50:.1f} ms / {p95:.1f} ms")
        print(f"non-200 answers:       {errors}")
        print(f"unique messages:       {unique}")
        print(f"inbound logged:        {inbound}")
        print(f"processed (replied):   {outbound}")
        ok = inbound == unique == outbound and errors == 0
        print("result:                " + ("OK, none lost, none doubled" if ok else "MISMATCH"))
        return 0 if ok else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=3000, help="requests to send in all")
    parser.add_argument("--duplicates", type=float, default=0.1, help="share of repeats")
    parser.add_argument("--users", type=int, default=50, help="users, one number each")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--drain", type=float, default=60.0, help="seconds to wait for replies")
    raise SystemExit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
