"""Redis refresh-token store (``redis.asyncio``); needs the ``redis`` extra.

Layout, under a configurable namespace (default ``pa:refresh``):

- ``{ns}:t:{token_hash}``: a hash ``f`` (family), ``s`` (session), ``u`` (user),
  ``e`` (expiry, integer microseconds since the epoch), ``x`` (``1`` once spent).
- ``{ns}:f:{family_id}``: a hash ``s``, ``u``, ``e`` and ``r`` (``1`` once revoked).
- ``{ns}:s:{session_id}`` and ``{ns}:u:{user_id}``: sorted sets of family ids
  scored by expiry, pruned of expired families on every login.

Expiry is decided against the caller's ``now``; Redis TTLs (the time left at
creation) only clean up. Every token of a family checks the family's ``r`` flag,
so revoking a family is one write however long its rotation chain. Each
operation is one Lua script, hence atomic; the scripts build keys from the
namespace, so the store needs a single Redis (or a Sentinel-managed primary),
not Redis Cluster.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from redis.asyncio import Redis

from pa_core.kv.redis import create_redis_client, redis_errors
from pa_core.redis_values import as_text, epoch_micros, from_epoch_micros
from pa_core.refresh_tokens.base import RotateResult, RotateStatus

__all__ = ["DEFAULT_NAMESPACE", "DEPENDENCY", "RedisRefreshTokenStore"]

DEFAULT_NAMESPACE: Final = "pa:refresh"
"""Key prefix of the refresh-token store."""

DEPENDENCY: Final = "refresh_token_store"
"""The name :class:`~pa_core.errors.ServiceUnavailable` gives when Redis fails."""


# KEYS: family, token, session index, user index.
# ARGV: family id, session id, user id, expires (us), ttl (ms), now (us).
_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 'family' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'token' end
local ttl = tonumber(ARGV[5])
redis.call('HSET', KEYS[1], 's', ARGV[2], 'u', ARGV[3], 'e', ARGV[4], 'r', '0')
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('HSET', KEYS[2], 'f', ARGV[1], 's', ARGV[2], 'u', ARGV[3], 'e', ARGV[4], 'x', '0')
redis.call('PEXPIRE', KEYS[2], ttl)
for i = 3, 4 do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[6])
  redis.call('ZADD', KEYS[i], ARGV[4], ARGV[1])
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return 'ok'
"""

# KEYS: old token, new token. ARGV: family prefix, now (us).
# Returns {status, family, session, user, expires} ({status} alone when unknown).
_ROTATE = """
local t = redis.call('HMGET', KEYS[1], 'f', 's', 'u', 'e', 'x')
if not t[1] then return {'unknown'} end
local family = ARGV[1] .. t[1]
local function answer(status) return {status, t[1], t[2], t[3], t[4]} end
if redis.call('HGET', family, 'r') ~= '0' then return answer('revoked') end
if tonumber(ARGV[2]) >= tonumber(t[4]) then return answer('expired') end
if t[5] == '1' then
  redis.call('HSET', family, 'r', '1')
  return answer('reused')
end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'collision'} end
local ttl = redis.call('PTTL', KEYS[1])
redis.call('HSET', KEYS[1], 'x', '1')
redis.call('HSET', KEYS[2], 'f', t[1], 's', t[2], 'u', t[3], 'e', t[4], 'x', '0')
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return answer('ok')
"""

# KEYS: family.
_REVOKE_FAMILY = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'r', '1') end
return 1
"""

# KEYS: index (session or user). ARGV: family prefix.
_REVOKE_INDEX = """
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local family = ARGV[1] .. id
  if redis.call('EXISTS', family) == 1 then redis.call('HSET', family, 'r', '1') end
end
redis.call('DEL', KEYS[1])
return 1
"""


class RedisRefreshTokenStore:
    """Refresh-token store on Redis; every operation is one atomic script.

    Args:
        client: An async client; use :func:`~pa_core.kv.redis.create_redis_client`
            (or :meth:`from_url`) so that a hung server fails fast.
        namespace: Prefix of every key of the store.
    """

    def __init__(self, client: Redis, namespace: str = DEFAULT_NAMESPACE) -> None:
        self.client = client
        self.namespace = namespace
        self._token_prefix = f"{namespace}:t:"
        self._family_prefix = f"{namespace}:f:"
        self._session_prefix = f"{namespace}:s:"
        self._user_prefix = f"{namespace}:u:"
        self._create = client.register_script(_CREATE)
        self._rotate = client.register_script(_ROTATE)
        self._revoke_family = client.register_script(_REVOKE_FAMILY)
        self._revoke_index = client.register_script(_REVOKE_INDEX)

    @classmethod
    def from_url(
        cls, url: str, *, timeout: float = 0.5, namespace: str = DEFAULT_NAMESPACE
    ) -> RedisRefreshTokenStore:
        """Connect to ``url`` with a fail-fast client (``timeout`` seconds per operation)."""
        return cls(create_redis_client(url, timeout), namespace)

    async def create(
        self,
        family_id: str,
        session_id: str,
        user_id: str,
        token_hash: str,
        expires_at: datetime,
        now: datetime,
    ) -> None:
        """Start a family with its first token, in one script."""
        if expires_at <= now:
            raise ValueError("expires_at must be after now")
        ttl_ms = max(1, (expires_at - now) // timedelta(milliseconds=1))
        with redis_errors(DEPENDENCY):
            outcome = await self._create(
                keys=[
                    self._family_prefix + family_id,
                    self._token_prefix + token_hash,
                    self._session_prefix + session_id,
                    self._user_prefix + user_id,
                ],
                args=[
                    family_id,
                    session_id,
                    user_id,
                    epoch_micros(expires_at),
                    ttl_ms,
                    epoch_micros(now),
                ],
            )
        outcome = as_text(outcome)
        if outcome == "family":
            raise ValueError("family exists already")
        if outcome == "token":
            raise ValueError("token hash exists already")

    async def rotate(self, old_hash: str, new_hash: str, now: datetime) -> RotateResult:
        """Spend ``old_hash`` and record ``new_hash``, or revoke the family on reuse; one script."""
        with redis_errors(DEPENDENCY):
            row: list[bytes] = await self._rotate(
                keys=[self._token_prefix + old_hash, self._token_prefix + new_hash],
                args=[self._family_prefix, epoch_micros(now)],
            )
        status = as_text(row[0])
        if status == "collision":
            raise ValueError("token hash exists already")
        if len(row) == 1:
            return RotateResult(RotateStatus(status))
        family_id, session_id, user_id, expires = (as_text(x) for x in row[1:])
        return RotateResult(
            RotateStatus(status),
            family_id,
            session_id,
            user_id,
            from_epoch_micros(expires),
        )

    async def revoke_family(self, family_id: str) -> None:
        """Revoke every token of the family (one flag)."""
        with redis_errors(DEPENDENCY):
            await self._revoke_family(keys=[self._family_prefix + family_id])

    async def revoke_session(self, session_id: str) -> None:
        """Revoke every family of the session, in one script."""
        with redis_errors(DEPENDENCY):
            await self._revoke_index(
                keys=[self._session_prefix + session_id], args=[self._family_prefix]
            )

    async def revoke_user(self, user_id: str) -> None:
        """Revoke every family of the user, in one script."""
        with redis_errors(DEPENDENCY):
            await self._revoke_index(keys=[self._user_prefix + user_id], args=[self._family_prefix])

    async def ping(self) -> None:
        """``PING``; ``ServiceUnavailable`` (``refresh_token_store``) when Redis is silent."""
        with redis_errors(DEPENDENCY):
            await self.client.ping()

    async def close(self) -> None:
        """Close the client's connections."""
        await self.client.aclose()
