"""Redis session store (``redis.asyncio``); needs the ``redis`` extra.

Layout, under a configurable namespace (default ``pa:sessions``):

- ``{ns}:s:{session_id}``: a hash with the session's fields, times as integer
  microseconds since the epoch; it expires with the session.
- ``{ns}:u:{user_id}``: a sorted set of the user's session ids scored by
  creation; it lives as long as the user's longest-lived session.
- ``{ns}:epoch``: the revocation epoch, a counter incremented by the same
  script that revokes (or evicts) sessions. Processes caching sessions read it
  on every heartbeat (:mod:`pa_core.sessions.redis_revocations`): a revocation
  whose broadcast was lost still reaches them.

Every operation that reads or writes more than one key is one Lua script, so
the concurrent-session limit, listing and revoke-all are atomic and each is a
single round trip. The scripts build session keys from the namespace, so the
store needs a single Redis (or a Sentinel-managed primary), not Redis Cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from pa_core.kv.redis import create_redis_client, redis_errors
from pa_core.redis_values import MICROSECOND, as_text, epoch_micros, from_epoch_micros
from pa_core.sessions.base import TOUCH_INTERVAL, Session

__all__ = ["DEFAULT_EPOCH_KEY", "DEFAULT_NAMESPACE", "DEPENDENCY", "RedisSessionStore"]

DEFAULT_NAMESPACE = "pa:sessions"
"""Key prefix of the session store."""

EPOCH_SUFFIX = ":epoch"
"""The revocation epoch of a store is ``{namespace}:epoch``."""

DEFAULT_EPOCH_KEY = DEFAULT_NAMESPACE + EPOCH_SUFFIX
"""The revocation epoch of a store in the default namespace."""

DEPENDENCY = "session_store"
"""The name :class:`~pa_core.errors.ServiceUnavailable` gives when Redis fails."""


# Drops the index entries (and hashes) of dead sessions; returns live ids, oldest first.
_PRUNE = """
local function prune(index, prefix, now)
  local live = {}
  for _, id in ipairs(redis.call('ZRANGE', index, 0, -1)) do
    local exp = redis.call('HGET', prefix .. id, 'expires_at')
    if exp and tonumber(exp) > now then
      table.insert(live, id)
    else
      redis.call('ZREM', index, id)
      if exp then redis.call('DEL', prefix .. id) end
    end
  end
  return live
end
"""

# KEYS: index, session, epoch. ARGV: prefix, id, now, max, ttl_ms, score, field, value, ...
_CREATE = (
    _PRUNE
    + """
local index, key, prefix, id = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
local now, max = tonumber(ARGV[3]), tonumber(ARGV[4])
local ttl, score = tonumber(ARGV[5]), tonumber(ARGV[6])
local live = prune(index, prefix, now)
if #live > 0 then
  local top = tonumber(redis.call('ZSCORE', index, live[#live]))
  if top >= score then score = top + 1 end
end
redis.call('DEL', key)
redis.call('HSET', key, unpack(ARGV, 7))
redis.call('PEXPIRE', key, ttl)
redis.call('ZADD', index, score, id)
local evicted = {}
for i = 1, #live + 1 - max do
  table.insert(evicted, live[i])
  redis.call('DEL', prefix .. live[i])
  redis.call('ZREM', index, live[i])
end
if #evicted > 0 then redis.call('INCR', KEYS[3]) end
if redis.call('PTTL', index) < ttl then redis.call('PEXPIRE', index, ttl) end
return evicted
"""
)

# KEYS: session. ARGV: now, interval.
_GET_AND_TOUCH = """
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return false end
local now = tonumber(ARGV[1])
local expires, seen
for i = 1, #fields, 2 do
  if fields[i] == 'expires_at' then expires = tonumber(fields[i + 1])
  elseif fields[i] == 'last_seen_at' then seen = i + 1 end
end
if expires <= now then return false end
if now - tonumber(fields[seen]) >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'last_seen_at', ARGV[1])
  fields[seen] = ARGV[1]
end
return fields
"""

# KEYS: index. ARGV: prefix, now. Returns {id, field, value, ...} rows, newest first.
_LIST = (
    _PRUNE
    + """
local live = prune(KEYS[1], ARGV[1], tonumber(ARGV[2]))
local rows = {}
for i = #live, 1, -1 do
  local row = {live[i]}
  for _, x in ipairs(redis.call('HGETALL', ARGV[1] .. live[i])) do table.insert(row, x) end
  table.insert(rows, row)
end
return rows
"""
)

# KEYS: session, epoch. ARGV: index prefix, id, now, check owner ('1'/'0'), user id.
_REVOKE = """
local found = redis.call('HMGET', KEYS[1], 'user_id', 'expires_at')
local owner, expires = found[1], found[2]
if not owner then return 0 end
if ARGV[4] == '1' and owner ~= ARGV[5] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', ARGV[1] .. owner, ARGV[2])
if tonumber(expires) <= tonumber(ARGV[3]) then return 0 end
redis.call('INCR', KEYS[2])
return 1
"""

# KEYS: index, epoch. ARGV: prefix, now, id to keep ('' for none).
_REVOKE_USER = (
    _PRUNE
    + """
local ended = {}
for _, id in ipairs(prune(KEYS[1], ARGV[1], tonumber(ARGV[2]))) do
  if id ~= ARGV[3] then
    redis.call('DEL', ARGV[1] .. id)
    redis.call('ZREM', KEYS[1], id)
    table.insert(ended, id)
  end
end
if #ended > 0 then redis.call('INCR', KEYS[2]) end
return ended
"""
)


def _encode(session: Session) -> list[str | int]:
    fields: dict[str, str | int | None] = {
        "user_id": session.user_id,
        "created_at": epoch_micros(session.created_at),
        "last_seen_at": epoch_micros(session.last_seen_at),
        "expires_at": epoch_micros(session.expires_at),
        "ip": session.ip,
        "user_agent": session.user_agent,
        "mfa_method": session.mfa_method,
    }
    flat: list[str | int] = []
    for name, value in fields.items():
        if value is not None:
            flat += [name, value]
    return flat


def _decode(session_id: str, flat: Sequence[bytes | str]) -> Session:
    fields = {as_text(flat[i]): as_text(flat[i + 1]) for i in range(0, len(flat), 2)}
    return Session(
        id=session_id,
        user_id=fields["user_id"],
        created_at=from_epoch_micros(fields["created_at"]),
        last_seen_at=from_epoch_micros(fields["last_seen_at"]),
        expires_at=from_epoch_micros(fields["expires_at"]),
        ip=fields.get("ip"),
        user_agent=fields.get("user_agent"),
        mfa_method=fields.get("mfa_method"),
    )


class RedisSessionStore:
    """Session store on Redis with an atomic per-user index.

    Args:
        client: An async client; use :func:`~pa_core.kv.redis.create_redis_client`
            (or :meth:`from_url`) so that a hung server fails fast instead of
            hanging requests.
        namespace: Prefix of every key of the store.
    """

    def __init__(self, client: Redis, namespace: str = DEFAULT_NAMESPACE) -> None:
        self.client = client
        self.namespace = namespace
        self._session_prefix = f"{namespace}:s:"
        self._user_prefix = f"{namespace}:u:"
        self.epoch_key = namespace + EPOCH_SUFFIX
        self._create = client.register_script(_CREATE)
        self._get_and_touch = client.register_script(_GET_AND_TOUCH)
        self._list = client.register_script(_LIST)
        self._revoke = client.register_script(_REVOKE)
        self._revoke_user = client.register_script(_REVOKE_USER)

    @classmethod
    def from_url(
        cls, url: str, *, timeout: float = 0.5, namespace: str = DEFAULT_NAMESPACE
    ) -> RedisSessionStore:
        """Connect to ``url`` with a fail-fast client (``timeout`` seconds per operation)."""
        return cls(create_redis_client(url, timeout), namespace)

    async def epoch(self) -> int:
        """The revocation epoch: how many revocations this namespace has stored."""
        with redis_errors(DEPENDENCY):
            value = await self.client.get(self.epoch_key)
        return int(value or 0)

    def _session_key(self, session_id: str) -> str:
        return self._session_prefix + session_id

    def _user_key(self, user_id: str) -> str:
        return self._user_prefix + user_id

    async def create(self, session: Session, max_per_user: int, now: datetime) -> list[str]:
        """Store ``session`` and evict the oldest beyond ``max_per_user``, in one script."""
        ttl_ms = max(1, (session.expires_at - now) // timedelta(milliseconds=1))
        with redis_errors(DEPENDENCY):
            evicted: list[bytes] = await self._create(
                keys=[
                    self._user_key(session.user_id),
                    self._session_key(session.id),
                    self.epoch_key,
                ],
                args=[
                    self._session_prefix,
                    session.id,
                    epoch_micros(now),
                    max_per_user,
                    ttl_ms,
                    epoch_micros(session.created_at),
                    *_encode(session),
                ],
            )
        return [as_text(sid) for sid in evicted]

    async def get(self, session_id: str, now: datetime) -> Session | None:
        """The live session, or ``None`` (``HGETALL``)."""
        with redis_errors(DEPENDENCY):
            fields: dict[Any, Any] = await self.client.hgetall(self._session_key(session_id))
        if not fields:
            return None
        session = _decode(session_id, [x for pair in fields.items() for x in pair])
        return session if session.alive(now) else None

    async def get_and_touch(
        self, session_id: str, now: datetime, interval: timedelta = TOUCH_INTERVAL
    ) -> Session | None:
        """The live session, ``last_seen_at`` refreshed if ``interval`` passed; one script."""
        with redis_errors(DEPENDENCY):
            flat: list[bytes] | None = await self._get_and_touch(
                keys=[self._session_key(session_id)],
                args=[epoch_micros(now), interval // MICROSECOND],
            )
        return None if flat is None else _decode(session_id, flat)

    async def list_for_user(self, user_id: str, now: datetime) -> list[Session]:
        """The user's live sessions, newest first; dead index entries are pruned."""
        with redis_errors(DEPENDENCY):
            rows: list[list[bytes]] = await self._list(
                keys=[self._user_key(user_id)], args=[self._session_prefix, epoch_micros(now)]
            )
        return [_decode(as_text(row[0]), row[1:]) for row in rows]

    async def revoke(self, session_id: str, now: datetime, user_id: str | None = None) -> bool:
        """End a live session (of ``user_id``, if given), in one script."""
        with redis_errors(DEPENDENCY):
            ended = await self._revoke(
                keys=[self._session_key(session_id), self.epoch_key],
                args=[
                    self._user_prefix,
                    session_id,
                    epoch_micros(now),
                    "0" if user_id is None else "1",
                    user_id or "",
                ],
            )
        return bool(ended)

    async def revoke_user(
        self, user_id: str, now: datetime, except_session_id: str | None = None
    ) -> list[str]:
        """End every live session of ``user_id`` but ``except_session_id``, in one script."""
        with redis_errors(DEPENDENCY):
            ended: list[bytes] = await self._revoke_user(
                keys=[self._user_key(user_id), self.epoch_key],
                args=[self._session_prefix, epoch_micros(now), except_session_id or ""],
            )
        return [as_text(sid) for sid in ended]

    async def ping(self) -> None:
        """``PING``; raises ``ServiceUnavailable`` (``session_store``) when Redis is silent."""
        with redis_errors(DEPENDENCY):
            await self.client.ping()

    async def close(self) -> None:
        """Close the client's connections."""
        await self.client.aclose()
