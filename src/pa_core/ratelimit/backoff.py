"""Brute-force back-off over a :class:`~pa_core.kv.base.KeyValueStore`.

:class:`FailureBackoff` guards a secret being guessed (a password, an MFA
code). It is atomic on every backend because it rests on the store's atomic
:meth:`~pa_core.kv.base.KeyValueStore.increment` and
:meth:`~pa_core.kv.base.KeyValueStore.set_if_absent`. Each attempt is reserved
before it is verified, so concurrent guesses cannot outrun the lock. Failures
are counted per account *and source* (lock after ``max_failures``) and per
account from everywhere (lock after ``max_failures_account``); each further
failure doubles the lock (1, 2, 4, ... minutes up to ``max_delay``). A success
clears the source's count. Keys are stored as keyed digests, as by
:class:`~pa_core.ratelimit.limits.RateLimiter`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import anyio

from pa_core.errors import RateLimited
from pa_core.kv.base import KeyValueStore
from pa_core.ratelimit.limits import _check_secret, _digest

__all__ = [
    "DEFAULT_BASE_DELAY",
    "DEFAULT_FAILURE_WINDOW",
    "DEFAULT_MAX_DELAY",
    "DEFAULT_MAX_FAILURES",
    "DEFAULT_MAX_FAILURES_ACCOUNT",
    "DEFAULT_STRIKE_MEMORY",
    "BackoffAttempt",
    "BackoffScope",
    "FailureBackoff",
    "Lockout",
]

DEFAULT_MAX_FAILURES = 5
"""Failed attempts on one account from one source allowed within :data:`DEFAULT_FAILURE_WINDOW`."""

DEFAULT_MAX_FAILURES_ACCOUNT = 100
"""Failed attempts on one account from all sources allowed within :data:`DEFAULT_FAILURE_WINDOW`."""

DEFAULT_FAILURE_WINDOW = timedelta(minutes=15)
"""The window in which failures are counted."""

DEFAULT_BASE_DELAY = timedelta(minutes=1)
"""The first lock once the failures reach the limit; it doubles with each further failure."""

DEFAULT_MAX_DELAY = timedelta(hours=1)
"""The longest lock."""

DEFAULT_STRIKE_MEMORY = timedelta(hours=24)
"""How long the back-off level is remembered after the first lock."""

_MAX_DOUBLINGS = 40  # 2**40 base delays exceed any sensible max_delay


BackoffScope = Literal["source", "account"]
"""Which count a lock belongs to: one account from one source, or the account from everywhere."""


@dataclass(frozen=True, slots=True)
class Lockout:
    """The lock that a failure imposed: its scope and how long it lasts."""

    scope: BackoffScope
    delay: timedelta


@dataclass(frozen=True, slots=True)
class _Keys:
    fail: str
    strike: str
    lock: str


@dataclass(frozen=True, slots=True)
class _Held:
    """One scope's part of a reservation: a counted slot, or the lock (one try at a time)."""

    scope: BackoffScope
    keys: _Keys
    owns_lock: bool


class BackoffAttempt:
    """An attempt reserved by :meth:`FailureBackoff.reserve`; settle it exactly once.

    :meth:`failed` keeps the reservation as a failure (and may lock),
    :meth:`succeeded` clears the source's back-off, :meth:`release` gives the
    slot back without counting anything (the attempt was neither: the account
    is disabled, the store failed, another check refused it). Once settled,
    the other methods do nothing, so ``release`` is safe in a ``finally``.
    """

    def __init__(self, backoff: FailureBackoff, held: tuple[_Held, ...]) -> None:
        self._backoff = backoff
        self._held = held
        self._settled = False

    @property
    def settled(self) -> bool:
        """Whether the attempt was settled already."""
        return self._settled

    async def failed(self) -> Lockout | None:
        """Count the attempt as a failure.

        Returns:
            The longest lock this failure imposed, or ``None`` while under the limits.
        """
        if self._settled:
            return None
        self._settled = True
        locks = [await self._backoff._lock(held) for held in self._held if held.owns_lock]
        return max(locks, key=lambda lock: lock.delay, default=None)

    async def succeeded(self) -> None:
        """The attempt was right: clear the source's back-off, give the account's slot back."""
        if self._settled:
            return
        self._settled = True
        for held in self._held:
            if held.scope == "source":
                await self._backoff._forget(held.keys)
            else:
                await self._backoff._release(held)

    async def release(self) -> None:
        """Give every slot back without counting a failure or a success."""
        if self._settled:
            return
        self._settled = True
        with anyio.CancelScope(shield=True):
            for held in self._held:
                await self._backoff._release(held)


class FailureBackoff:
    """Locks an account after repeated failures, per source first, longer with each failure.

    Two counts guard each account, both within ``window``: failures from one
    source (a client address) reaching ``max_failures`` lock that source out of
    that account; failures from everywhere reaching ``max_failures_account``
    lock the account for every source. So a stranger guessing from one
    address cannot lock the owner out, while a guess spread over many
    addresses still meets a limit.

    Each attempt is reserved *before* it is verified (:meth:`reserve` or
    :meth:`attempt`), so concurrent attempts can never all be evaluated before
    the lock engages: below a limit each reservation takes one counted slot;
    at the limit an attempt must hold the lock itself (claimed with an atomic
    set-if-absent), so one attempt at a time is evaluated and the others are
    refused. Its failure then locks for ``base_delay``, and every later failure
    at the limit (possible once the lock has passed) doubles the lock, up to
    ``max_delay``. The doubling level is remembered for ``strike_memory``, so
    waiting out the failure window does not start again from the bottom.

    Every step is one atomic operation of the :class:`KeyValueStore`
    (``increment``, ``set_if_absent``): the rule holds across processes on Redis.

    Args:
        store: Where counters and locks live.
        name: Prefix of this back-off's keys (one per purpose).
        max_failures: Failures from one source allowed within ``window``.
        max_failures_account: Failures from all sources allowed within
            ``window``; ``None`` for no account-wide count (then a key without
            a source is limited by ``max_failures`` alone).
        window: The window in which failures are counted.
        base_delay: The first lock.
        max_delay: The longest lock.
        strike_memory: How long the doubling level is kept.
        key_secret: 16 to 64 bytes keying the digest of keys and sources.
    """

    def __init__(
        self,
        store: KeyValueStore,
        *,
        name: str = "login",
        max_failures: int = DEFAULT_MAX_FAILURES,
        max_failures_account: int | None = DEFAULT_MAX_FAILURES_ACCOUNT,
        window: timedelta = DEFAULT_FAILURE_WINDOW,
        base_delay: timedelta = DEFAULT_BASE_DELAY,
        max_delay: timedelta = DEFAULT_MAX_DELAY,
        strike_memory: timedelta = DEFAULT_STRIKE_MEMORY,
        key_secret: bytes | None = None,
    ) -> None:
        if max_failures < 1:
            raise ValueError("max_failures must be at least 1")
        if max_failures_account is not None and max_failures_account < max_failures:
            raise ValueError("max_failures_account must not be below max_failures")
        for label, value in (
            ("window", window),
            ("base_delay", base_delay),
            ("strike_memory", strike_memory),
        ):
            if value < timedelta(milliseconds=1):
                raise ValueError(f"{label} must be at least a millisecond")
        if max_delay < base_delay:
            raise ValueError("max_delay must not be shorter than base_delay")
        self.store = store.with_namespace(f"backoff:{name}")
        self.max_failures = max_failures
        self.max_failures_account = max_failures_account
        self.window = window
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.strike_memory = strike_memory
        self._secret = _check_secret(key_secret)

    def delay(self, strikes: int) -> timedelta:
        """The lock after the ``strikes``-th failure at or beyond the limit (1-based)."""
        doublings = min(max(strikes, 1) - 1, _MAX_DOUBLINGS)
        return min(self.base_delay * (1 << doublings), self.max_delay)

    def _keys(self, scope: BackoffScope, key: str, source: str | None) -> _Keys:
        material = key if scope == "account" else f"{key}\x00{source or ''}"
        digest = _digest(material, self._secret)
        prefix = "acct" if scope == "account" else "src"
        return _Keys(
            f"{prefix}:fail:{digest}", f"{prefix}:strike:{digest}", f"{prefix}:lock:{digest}"
        )

    def _scopes(self, key: str, source: str | None) -> list[tuple[BackoffScope, _Keys, int]]:
        scopes: list[tuple[BackoffScope, _Keys, int]] = [
            ("source", self._keys("source", key, source), self.max_failures)
        ]
        if self.max_failures_account is not None:
            scopes.append(("account", self._keys("account", key, None), self.max_failures_account))
        return scopes

    async def reserve(self, key: str, source: str | None = None) -> BackoffAttempt:
        """Reserve one attempt of ``key`` from ``source`` before verifying it.

        Settle the answer with :meth:`BackoffAttempt.failed`,
        :meth:`~BackoffAttempt.succeeded` or :meth:`~BackoffAttempt.release`
        (:meth:`attempt` releases for you).

        Args:
            key: The account (a normalised email, a user id).
            source: Where the attempt comes from (the client address); ``None``
                counts it as one unknown source.

        Raises:
            RateLimited: ``key`` is locked for this source or everywhere, or
                another attempt at the limit is being evaluated right now;
                ``retry_after`` is the time left.
        """
        held: list[_Held] = []
        try:
            for scope, keys, limit in self._scopes(key, source):
                held.append(await self._reserve(scope, keys, limit))
        except BaseException:
            with anyio.CancelScope(shield=True):
                for part in held:
                    await self._release(part)
            raise
        return BackoffAttempt(self, tuple(held))

    @asynccontextmanager
    async def attempt(self, key: str, source: str | None = None) -> AsyncIterator[BackoffAttempt]:
        """:meth:`reserve` as a context: an attempt left unsettled is released on exit.

        Raises:
            RateLimited: as :meth:`reserve`.
        """
        reserved = await self.reserve(key, source)
        try:
            yield reserved
        finally:
            await reserved.release()

    async def failures(self, key: str, source: str | None = None) -> int:
        """Attempts of ``key`` from ``source`` counted in the current window."""
        raw = await self.store.get(self._keys("source", key, source).fail)
        return int(raw) if raw is not None else 0

    async def clear(self, key: str, source: str | None = None, *, account: bool = False) -> None:
        """Forget the failures, back-off level and lock of ``key`` from ``source``.

        Args:
            key: The account.
            source: The source whose back-off ends.
            account: Also forget the account-wide count (say, after the owner
                proved control of the account by resetting its password).
        """
        await self._forget(self._keys("source", key, source))
        if account:
            await self._forget(self._keys("account", key, None))

    # --- the steps, each atomic in the store -------------------------------------

    async def _reserve(self, scope: BackoffScope, keys: _Keys, limit: int) -> _Held:
        left = await self.store.expires_in(keys.lock)
        if left is not None:
            raise RateLimited(left.total_seconds())
        count = await self.store.increment(keys.fail, ttl=self.window)
        if count < limit:
            return _Held(scope, keys, owns_lock=False)
        # At the limit: one attempt at a time, the one that claims the lock.
        raw = await self.store.get(keys.strike)
        claim = self.delay((int(raw) if raw is not None else 0) + 1)
        if await self.store.set_if_absent(keys.lock, b"1", ttl=claim):
            return _Held(scope, keys, owns_lock=True)
        left = await self.store.expires_in(keys.lock)
        raise RateLimited((left or claim).total_seconds())

    async def _lock(self, held: _Held) -> Lockout:
        strikes = await self.store.increment(held.keys.strike, ttl=self.strike_memory)
        delay = self.delay(strikes)
        await self.store.set(held.keys.lock, b"1", ttl=delay)
        return Lockout(held.scope, delay)

    async def _release(self, held: _Held) -> None:
        if held.owns_lock:
            await self.store.delete(held.keys.lock)
        else:
            await self.store.increment(held.keys.fail, -1, ttl=self.window)

    async def _forget(self, keys: _Keys) -> None:
        for full in (keys.fail, keys.strike, keys.lock):
            await self.store.delete(full)
