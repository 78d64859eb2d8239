"""Benchmark: 30-day SMS usage reports by user, by number and by day on PostgreSQL.

Creates a database of its own (dropped and created again unless ``--reuse``),
generates users, one number each (some released, some without a known price)
and a message log with ``generate_series`` spread over 90 days (both directions,
1 to 3 segments, half of the prices known, some failed or undelivered), builds
the daily rollups with ``SqlUsageStore.rebuild()``, then times the library's
report path (``UsageAnalytics.report``: one ``GROUP BY`` over the rollups plus
the numbers' rental, then every line encoded to JSON as the app serves it), and
the rollup query alone.

Default: 200,000 messages over 10,000 users and 10,000 numbers (about a
minute). ``--full``: 10,000,000 messages (the issue's target: each p95 under
200 ms on 2 cores).

    python bench/bench_sms_analytics.py [--full] [--reuse] [--runs N] [--server URL]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import msgspec
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pa_sms.records.models  # noqa: F401  (the SMS tables and their migrations)
from examples.litestar_app.sms.schemas import AnalyticsOut
from pa_core.clock import SystemClock
from pa_core.database import Database
from pa_core.migrations import upgrade
from pa_sms.usage.base import GROUP_BY, GroupBy
from pa_sms.usage.reports import UsageAnalytics, UsageReport
from pa_sms.usage.sqlalchemy import SqlUsageStore

SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DATABASE = "pa_bench_sms_analytics_i16"
USERS = 10_000
DAYS = 90
SMALL_ROWS = 200_000
FULL_ROWS = 10_000_000
CHUNK = 1_000_000
REPORT_DAYS = 30
TIMEZONE = "America/New_York"


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(server: str, sql: str) -> None:
    conn = await asyncpg.connect(_dsn(server))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


USERS_AND_NUMBERS = """
INSERT INTO users (id, email, email_key, password_hash, display_name, timezone, locale,
                   disabled, created_at, updated_at)
SELECT 'u' || lpad(u::text, 25, '0'), 'user' || u || '@example.com',
       'user' || u || '@example.com', NULL, NULL, 'UTC', 'en', false, now(), now()
FROM generate_series(1, $1::int) AS u;
"""

NUMBERS = """
INSERT INTO user_phone_numbers (id, user_id, phone_number, provider_sid, status, capabilities,
                                friendly_name, monthly_price, price_unit, provisioned_at,
                                released_at)
SELECT 'n' || lpad(n::text, 25, '0'), 'u' || lpad(n::text, 25, '0'),
       '+1415' || lpad(n::text, 7, '0'), 'PN' || n,
       CASE WHEN n % 10 = 0 THEN 'released' ELSE 'active' END, '{"sms": true}'::json, NULL,
       CASE WHEN n % 2 = 0 THEN '1.15' END, CASE WHEN n % 2 = 0 THEN 'USD' END,
       now() - interval '120 days',
       CASE WHEN n % 10 = 0 THEN now() - interval '10 days' END
FROM generate_series(1, $1::int) AS n;
"""

MESSAGES = """
INSERT INTO sms_messages (id, sid, direction, from_number, to_number, user_id, number_id,
                          segments, encoding, status, error_code, price, price_unit,
                          estimated_cost, created_at, updated_at, completed_at)
SELECT 'm' || lpad(i::text, 25, '0'), 'SM' || i,
       CASE WHEN i % 3 = 0 THEN 'inbound' ELSE 'outbound' END,
       CASE WHEN i % 3 = 0 THEN '+1555' || lpad((i % 9999991)::text, 7, '0')
            ELSE '+1415' || lpad((i % $3 + 1)::text, 7, '0') END,
       CASE WHEN i % 3 = 0 THEN '+1415' || lpad((i % $3 + 1)::text, 7, '0')
            ELSE '+1555' || lpad((i % 9999991)::text, 7, '0') END,
       'u' || lpad((i % $3 + 1)::text, 25, '0'), 'n' || lpad((i % $3 + 1)::text, 25, '0'),
       1 + i % 3, 'GSM-7',
       CASE WHEN i % 3 = 0 THEN 'received' WHEN i % 50 = 1 THEN 'failed'
            WHEN i % 50 = 2 THEN 'undelivered' ELSE 'delivered' END,
       NULL,
       CASE WHEN i % 2 = 0 THEN ((1 + i % 3) * 0.0079)::text END,
       CASE WHEN i % 2 = 0 THEN 'USD' END,
       ((1 + i % 3) * 0.0079)::text,
       t, t, t
FROM generate_series($1::bigint, $2::bigint) AS i,
     LATERAL (SELECT now() - make_interval(secs => (i * 7919) % ($4::bigint * 86400)) AS t) AS s;
"""


async def load(server: str, url: str, rows: int) -> None:
    await _admin(server, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    await _admin(server, f'CREATE DATABASE "{DATABASE}"')
    upgrade(url)
    conn = await asyncpg.connect(_dsn(url))
    try:
        started = time.perf_counter()
        await conn.execute(USERS_AND_NUMBERS, USERS)
        await conn.execute(NUMBERS, USERS)
        for first in range(1, rows + 1, CHUNK):
            last = min(rows, first + CHUNK - 1)
            await conn.execute(MESSAGES, first, last, USERS, DAYS)
            print(f"  {last:>12,} messages ({time.perf_counter() - started:.0f} s)", flush=True)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def timed(runs: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    await call()  # warm caches and the connection pool
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def as_json(report: UsageReport) -> bytes:
    """The report as the app answers it: its response schema, encoded by msgspec (as Litestar)."""
    return msgspec.json.encode(AnalyticsOut.of(report))


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="10,000,000 messages")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the loaded database and its rollups"
    )
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--server", default=SERVER)
    args = parser.parse_args()
    rows = FULL_ROWS if args.full else SMALL_ROWS
    url = make_url(args.server).set(database=DATABASE).render_as_string(hide_password=False)
    if not args.reuse:
        print(f"loading {rows:,} messages, {USERS:,} users and numbers over {DAYS} days")
        await load(args.server, url, rows)
    else:
        await asyncio.to_thread(upgrade, url)  # a database loaded by an older version
    database = Database(url)
    tz = ZoneInfo(TIMEZONE)
    clock = SystemClock()
    usage = SqlUsageStore(database, clock, timezone=tz)
    analytics = UsageAnalytics(usage, clock, timezone=tz)
    try:
        if not args.reuse:
            started = time.perf_counter()
            days = await usage.rebuild()
            print(f"rollups rebuilt: {days} days in {time.perf_counter() - started:.1f} s")
            # What autovacuum does soon after: statistics of the new rollups, no dead rows.
            await _admin(url, "VACUUM ANALYZE")
        started = time.perf_counter()
        await usage.refresh()
        print(f"a refresh with nothing new: {(time.perf_counter() - started) * 1000:.1f} ms")
        gc.collect()
        gc.freeze()  # as the app does once started (examples.litestar_app.core.app)
        until = analytics.today()
        since = until - timedelta(days=REPORT_DAYS - 1)
        print(f"30-day reports ({since} .. {until}), {args.runs} runs each:")
        for group_by in GROUP_BY:
            report = await analytics.report(group_by, since, until)

            async def served(g: GroupBy = group_by) -> bytes:
                return as_json(await analytics.report(g, since, until))

            whole = await timed(args.runs, served)
            query = await timed(args.runs, lambda g=group_by: usage.totals(g, since, until))
            print(
                f"  by {group_by:<6} {len(report.items):>6} items: "
                f"report as JSON p95 {p95(whole):6.1f} ms "
                f"(median {statistics.median(whole):6.1f}), "
                f"rollup query p95 {p95(query):6.1f} ms"
            )
    finally:
        await database.dispose()


if __name__ == "__main__":
    asyncio.run(main())
