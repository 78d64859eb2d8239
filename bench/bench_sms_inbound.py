"""Benchmark: signed inbound SMS webhooks against the app on PostgreSQL and Redis.

Creates a scratch PostgreSQL database, gives ``--users`` users a number each,
starts the reference app with uvicorn (``--workers`` processes) and, with the
Redis job queue (the default here), ``--sms-workers`` separate
``python -m examples.litestar_app sms-worker`` processes, all on this machine
(memory SMS transport, so replies are logged but not sent). Then it posts
``--messages`` signed inbound webhooks with ``--concurrency`` in flight, 10 %
of them repeated (same ``MessageSid``; half right behind the original, so
concurrent with it, half later, as retries).

The load generator is a minimal asyncio HTTP/1.1 keep-alive client writing
pre-built request bytes and reading ``Content-Length`` bodies, so it costs the
shared CPU little; every answer's status and latency is kept.

Prints the intake (webhook answers: messages/s, p50/p95 latency), then the
end-to-end figures (time until every unique message was processed, i.e. its
agent ran and its reply was logged; processed/s), then checks: processed ==
inbound logged == unique, conversation messages in == out == unique, no
non-200 answer, and the job stream empty (no message body left in Redis).

    flock /tmp/bench.lock .venv/bin/python bench/bench_sms_inbound.py
    flock /tmp/bench.lock .venv/bin/python bench/bench_sms_inbound.py --queue inprocess

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
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from pa_core.database import Database  # noqa: E402
from pa_core.ids import new_id  # noqa: E402
from pa_core.migrations import upgrade  # noqa: E402
from pa_core.users import User  # noqa: E402
from pa_core.users.sqlalchemy import SqlUserRepository  # noqa: E402
from pa_sms.config import SmsSettings  # noqa: E402
from pa_sms.records.base import PhoneNumber, WebhookConfig  # noqa: E402
from pa_sms.records.sqlalchemy import SqlSmsStore  # noqa: E402
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


_COUNTS = """
SELECT (SELECT count(*) FROM sms_messages WHERE direction = 'inbound'),
       (SELECT count(*) FROM sms_messages WHERE direction = 'outbound')
"""


async def count(conn: asyncpg.Connection) -> tuple[int, int]:
    """(inbound logged, outbound logged = processed)."""
    row = await conn.fetchrow(_COUNTS)
    return int(row[0]), int(row[1])


async def conversation_counts(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT direction, count(*) FROM messages WHERE channel = 'sms' GROUP BY direction"
    )
    return {str(r[0]): int(r[1]) for r in rows}


def requests(
    base: str, token: str, numbers: list[str], total: int, dup_ratio: float
) -> tuple[list[bytes], int]:
    """The raw HTTP requests in sending order, and how many unique messages they hold."""
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
        made.append(raw_request(base, urlencode(form), compute_signature(token, url, form.items())))
    order = list(made)
    for original in random.sample(made, total - unique):
        # Half right behind the original (concurrent duplicates), half later (retries).
        position = order.index(original) + 1 if random.random() < 0.5 else len(order)
        order.insert(random.randint(position, len(order)), original)
    return order, unique


def raw_request(base: str, body: str, signature: str) -> bytes:
    """One keep-alive HTTP/1.1 POST of ``body`` to ``/sms/inbound``, as bytes on the wire."""
    host = base.split("://", 1)[1]
    content = body.encode()
    head = (
        f"POST /sms/inbound HTTP/1.1\r\nHost: {host}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"X-Twilio-Signature: {signature}\r\nContent-Length: {len(content)}\r\n\r\n"
    )
    return head.encode() + content


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    """Send one request, read its whole answer; return the status code."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def load(
    port: int, order: list[bytes], concurrency: int, rate: float = 0
) -> tuple[float, list[float], dict[int, int]]:
    """Post every request over ``concurrency`` keep-alive connections; latencies in seconds.

    ``rate`` 0: closed loop, each connection sends its next request as soon as
    the previous one is answered (the most the app can take). ``rate`` > 0:
    open loop, request ``i`` is due ``i / rate`` seconds after the start and
    its latency counts from then, so time spent waiting for a free connection
    (the app falling behind) counts too.
    """
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    pending = iter(enumerate(order))
    begin = time.perf_counter() + 0.1

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for index, request in pending:
                if rate:
                    due = begin + index / rate
                    if due > time.perf_counter():
                        await asyncio.sleep(due - time.perf_counter())
                else:
                    due = time.perf_counter()
                status = await exchange(reader, writer, request)
                latencies.append(time.perf_counter() - due)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    started = begin if rate else time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, statuses


async def wait_healthy(port: int) -> None:
    probe = f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    for _ in range(300):
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                if await exchange(reader, writer, probe) == 200:
                    return
            finally:
                writer.close()
        except OSError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("the app did not start")


def percentile(ordered: list[float], share: float) -> float:
    return ordered[max(0, int(len(ordered) * share) - 1)] * 1000


async def run(args: argparse.Namespace) -> int:
    name = "pa_bench_" + secrets.token_hex(4)
    await admin(f'CREATE DATABASE "{name}"')
    url = PG_SERVER.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0] + "/" + name
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    redis_queue = args.queue == "redis"
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
        "PA_DB_POOL_SIZE": str(max(10, args.job_concurrency + 4)),  # no connection churn
        "PA_DB_POOL_PRE_PING_IDLE": str(args.pre_ping_idle),
        "PA_SMS_JOB_QUEUE": args.queue,
        "PA_SMS_WORKER_IN_APP": "false" if redis_queue and args.sms_workers else "true",
        "PA_SMS_WORKER_CONCURRENCY": str(args.job_concurrency),
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
    }
    processes: list[subprocess.Popen[bytes]] = []
    conn: asyncpg.Connection | None = None
    try:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        await asyncio.to_thread(upgrade, url)
        numbers = await seed(url, args.users)
        settings = SmsSettings(_env_file=None, secret_key=SECRET)  # type: ignore[call-arg]
        token = webhook_auth_token(settings)
        order, unique = requests(base, token, numbers, args.messages, args.duplicates)
        app = [sys.executable, "-m", "uvicorn", "--factory", "examples.litestar_app.app:create_app"]
        app += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers)]
        app += ["--log-level", "warning", "--no-access-log"]
        processes.append(subprocess.Popen(app, cwd=ROOT, env=env))  # noqa: ASYNC220
        for _ in range(args.sms_workers if redis_queue else 0):
            worker = ["nice", "-n", str(args.worker_nice), sys.executable, "-m"]
            worker += ["examples.litestar_app", "sms-worker"]
            processes.append(
                subprocess.Popen(worker, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)  # noqa: ASYNC220
            )
        await wait_healthy(port)
        await asyncio.sleep(1.0)  # let the workers connect too
        conn = await asyncpg.connect(url.replace("+asyncpg", ""))
        done_at: list[float] = []

        async def watch(started: float) -> None:
            assert conn is not None
            while (await count(conn))[1] < unique:  # noqa: ASYNC110 (polls the database)
                await asyncio.sleep(0.05)
            done_at.append(time.perf_counter() - started)

        started = time.perf_counter()
        watcher = asyncio.create_task(watch(started))
        elapsed, latencies, statuses = await load(port, order, args.concurrency, args.rate)
        try:
            await asyncio.wait_for(asyncio.shield(watcher), args.drain)
        except TimeoutError:
            watcher.cancel()
        await asyncio.sleep(1.0)  # anything processed twice would show up now
        inbound, outbound = await count(conn)
        said = await conversation_counts(conn)
        left = redis.Redis.from_url(REDIS_URL).xlen("pa:sms:jobs") if redis_queue else 0
        latencies.sort()
        errors = sum(n for status, n in statuses.items() if status != 200)
        shape = f"{args.workers} uvicorn worker(s)"
        shape += (
            f" + {args.sms_workers} sms-worker(s) at nice {args.worker_nice}"
            if redis_queue
            else " (in-process jobs)"
        )
        print(f"requests sent:          {len(order)} ({len(order) - unique} duplicates)")
        print(f"processes:              {shape}, job queue {args.queue}")
        jobs = args.job_concurrency
        print(f"concurrency:            {args.concurrency} connections, {jobs} jobs a process")
        offered = f"{args.rate:.0f} messages/s offered" if args.rate else "as fast as answered"
        print(f"load:                   {offered}")
        print(f"database pool pre-ping: on, for connections idle {args.pre_ping_idle:g} s or more")
        print("-- intake (webhook answers)")
        print(f"throughput:             {len(order) / elapsed:.0f} messages/s in {elapsed:.1f} s")
        print(
            f"latency p50 / p95:      {percentile(latencies, 0.5):.1f} ms"
            f" / {percentile(latencies, 0.95):.1f} ms (max {latencies[-1] * 1000:.0f} ms)"
        )
        print(f"non-200 answers:        {errors}")
        print("-- end to end (agent ran, reply logged)")
        if done_at:
            print(f"all processed after:    {done_at[0]:.1f} s")
            print(f"processed throughput:   {unique / done_at[0]:.0f} messages/s")
        else:
            print(f"all processed after:    not within {args.drain:.0f} s")
        print("-- checks")
        print(f"unique messages:        {unique}")
        print(f"inbound logged:         {inbound}")
        print(f"processed (replied):    {outbound}")
        print(f"conversation in / out:  {said.get('in', 0)} / {said.get('out', 0)}")
        print(f"jobs left in Redis:     {left}")
        ok = (
            inbound == unique == outbound == said.get("in", 0) == said.get("out", 0)
            and errors == 0
            and left == 0
        )
        print("result:                 " + ("OK, none lost, none doubled" if ok else "MISMATCH"))
        return 0 if ok else 1
    finally:
        if conn is not None:
            await conn.close()
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(15)
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=11000, help="requests to send in all")
    parser.add_argument("--duplicates", type=float, default=0.1, help="share of repeats")
    parser.add_argument("--users", type=int, default=100, help="users, one number each")
    parser.add_argument("--concurrency", type=int, default=64, help="connections (most in flight)")
    parser.add_argument(
        "--rate",
        type=float,
        default=500,
        help="messages/s offered (open loop, latency from each request's due time); "
        "0: as fast as the app answers (closed loop)",
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--sms-workers", type=int, default=1, help="sms-worker processes")
    parser.add_argument("--queue", choices=["redis", "inprocess"], default="redis")
    parser.add_argument("--job-concurrency", type=int, default=16, help="jobs per process")
    parser.add_argument(
        "--worker-nice", type=int, default=10, help="nice level of the sms-worker processes"
    )
    parser.add_argument(
        "--pre-ping-idle",
        type=float,
        default=10.0,
        help="PA_DB_POOL_PRE_PING_IDLE (0: test every connection at every checkout)",
    )
    parser.add_argument("--drain", type=float, default=120.0, help="seconds to wait for replies")
    raise SystemExit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
