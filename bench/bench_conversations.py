"""Benchmark: conversation listing, deep message paging and search on PostgreSQL.

Loads a database of its own (dropped and created again unless ``--reuse``) with
generated users, conversations and messages, then times the library's SQL
repository (``SqlConversationRepository`` over asyncpg, as the app uses it):

* list: the first page (20) of a user's conversations, newest activity first;
* deep page: 20 messages of a conversation from a cursor 90 % of the way in;
* search: one or two words across a user's messages, best match first, first page.

Default: 100,000 messages over 100 users (about a minute). ``--full``: 1,000,000
messages over 1,000 users (the issue's target: each p95 under 50 ms on 2 cores).

    python bench/bench_conversations.py [--full] [--reuse] [--server URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable

import asyncpg
from sqlalchemy.engine import make_url

from pa_core.conversations.search import SearchQuery
from pa_core.conversations.sqlalchemy import SqlConversationRepository
from pa_core.database import Database
from pa_core.migrations import upgrade
from pa_core.pagination import PageRequest, encode_cursor

SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DATABASE = "pa_bench_conversations"
CONVERSATIONS_PER_USER = 10
WORDS = tuple(
    """
    call mom dentist appointment tomorrow buy milk bread eggs pay rent bill electricity
    water plants remember meeting project deadline email boss doctor pharmacy pick kids
    school laundry clean kitchen book flight hotel trip passport renew insurance car
    service oil change gym workout run walk dog vet groceries cook dinner lunch breakfast
    coffee friend birthday gift party cancel reschedule reminder tonight morning evening
    week weekend monday tuesday wednesday thursday friday saturday sunday today later soon
    please thanks okay done finished started working focus task list priority urgent
    important notes idea write read article podcast listen music practice guitar piano
    study exam homework library return package delivery post office bank transfer budget
    savings taxes form sign document print scan upload download password update phone
    charger battery repair plumber electrician landlord neighbour meds refill sleep early
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(server: str, sql: str) -> None:
    conn = await asyncpg.connect(_dsn(server))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


LOAD = """
INSERT INTO users (id, email, email_key, password_hash, display_name, timezone, locale,
                   disabled, created_at, updated_at)
SELECT 'u' || lpad(u::text, 25, '0'), 'user' || u || '@example.com',
       'user' || u || '@example.com', NULL, NULL, 'UTC', 'en', false, now(), now()
FROM generate_series(1, $1::int) AS u;

INSERT INTO conversations (id, owner_id, title, archived, created_at, updated_at,
                           last_message_at, activity_at, last_seq)
SELECT 'c' || lpad(c::text, 25, '0'), 'u' || lpad(((c - 1) / {per_user} + 1)::text, 25, '0'),
       'conversation ' || c, false, now() - interval '400 days', now() - interval '400 days',
       NULL, now() - interval '400 days', 0
FROM generate_series(1, $1::int * {per_user}) AS c;

INSERT INTO messages (id, conversation_id, owner_id, seq, body, direction, channel,
                      reply_to, created_at)
SELECT 'm' || lpad(m::text, 25, '0'),
       'c' || lpad(conv::text, 25, '0'),
       'u' || lpad(((conv - 1) / {per_user} + 1)::text, 25, '0'),
       (m - 1) / ($1::int * {per_user}) + 1,
       (SELECT string_agg(w[1 + floor(power(random(), 2) * array_length(w, 1))::int], ' '
                          ORDER BY g)
          FROM generate_series(1, 6 + (m % 12)) AS g),
       CASE WHEN m % 2 = 0 THEN 'in' ELSE 'out' END,
       CASE WHEN m % 3 = 0 THEN 'sms' ELSE 'web' END,
       NULL,
       now() - interval '400 days' + (m || ' seconds')::interval
FROM generate_series(1, $2::int) AS m,
     LATERAL (SELECT (m - 1) % ($1::int * {per_user}) + 1 AS conv) AS x,
     LATERAL (SELECT $3::text[] AS w) AS words;

UPDATE conversations c SET last_seq = s.n, last_message_at = s.last, activity_at = s.last
FROM (SELECT conversation_id, count(*) AS n, max(created_at) AS last
      FROM messages GROUP BY conversation_id) s
WHERE s.conversation_id = c.id;
"""


async def load(url: str, users: int, messages: int) -> None:
    conn = await asyncpg.connect(_dsn(url))
    try:
        async with conn.transaction():
            for statement in LOAD.format(per_user=CONVERSATIONS_PER_USER).split(";\n\n"):
                arguments = [users, messages, list(WORDS)]
                needed = sum(f"${n}" in statement for n in (1, 2, 3))
                await conn.execute(statement, *arguments[:needed])
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def timed(
    label: str, runs: int, call: Callable[[], Awaitable[object]]
) -> tuple[str, float, float]:
    for _ in range(min(20, runs)):  # warm the pool and the caches
        await call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    return label, statistics.median(samples), p95


async def measure(url: str, users: int, messages: int, runs: int) -> None:
    database = Database(url)
    repository = SqlConversationRepository(database)
    rng = random.Random(7)
    per_conversation = messages // (users * CONVERSATIONS_PER_USER)

    def user() -> str:
        return "u" + str(rng.randint(1, users)).zfill(25)

    async def list_page() -> object:
        return await repository.list(user(), PageRequest(limit=20))

    async def deep_page() -> object:
        conversation = rng.randint(1, users * CONVERSATIONS_PER_USER)
        owner = "u" + str((conversation - 1) // CONVERSATIONS_PER_USER + 1).zfill(25)
        cursor = encode_cursor([int(per_conversation * 0.9)])
        page = await repository.list_messages(
            owner, "c" + str(conversation).zfill(25), PageRequest(limit=20, cursor=cursor)
        )
        assert page.items
        return page

    async def search() -> object:
        words = rng.sample(WORDS, rng.choice((1, 2)))
        return await repository.search(user(), SearchQuery.parse(" ".join(words)), PageRequest())

    try:
        results = [
            await timed("list conversations (first page of 20)", runs, list_page),
            await timed("messages, deep page by cursor (20)", runs, deep_page),
            await timed("search, first page (20)", runs, search),
        ]
    finally:
        await database.dispose()
    print(f"{messages:,} messages, {users:,} users, {runs} runs each")
    for label, p50, p95 in results:
        print(f"  {label:<40} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="1,000,000 messages, 1,000 users")
    parser.add_argument("--users", type=int)
    parser.add_argument("--messages", type=int)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--server", default=SERVER, help="asyncpg URL of a server")
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    args = parser.parse_args()
    users = args.users or (1000 if args.full else 100)
    messages = args.messages or (1_000_000 if args.full else 100_000)
    url = make_url(args.server).set(database=args.database).render_as_string(hide_password=False)
    if not args.reuse:
        started = time.perf_counter()
        await _admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        await _admin(args.server, f'CREATE DATABASE "{args.database}"')
        await asyncio.to_thread(upgrade, url)
        await load(url, users, messages)
        print(f"loaded in {time.perf_counter() - started:.0f} s")
    await measure(url, users, messages, args.runs)


if __name__ == "__main__":
    asyncio.run(main())
