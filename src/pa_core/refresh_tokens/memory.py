"""In-memory refresh-token store: the embedded default and the test double."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from pa_core.refresh_tokens.base import RotateResult, RotateStatus

__all__ = ["SWEEP_INTERVAL", "MemoryRefreshTokenStore"]

SWEEP_INTERVAL: Final = timedelta(minutes=10)
"""How often :meth:`MemoryRefreshTokenStore.create` forgets every expired family."""


@dataclass(slots=True)
class _Family:
    session_id: str
    user_id: str
    expires_at: datetime
    revoked: bool = False
    hashes: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Token:
    family_id: str
    spent: bool = False


class MemoryRefreshTokenStore:
    """Families and token hashes in dicts, with per-session and per-user indexes.

    No operation awaits, so each is atomic under concurrent tasks of one event
    loop. Expired families are forgotten, every :data:`SWEEP_INTERVAL`, on a login.
    """

    def __init__(self) -> None:
        self._families: dict[str, _Family] = {}
        self._tokens: dict[str, _Token] = {}
        self._by_session: dict[str, set[str]] = {}
        self._by_user: dict[str, set[str]] = {}
        self._next_sweep: datetime | None = None

    def _sweep(self, now: datetime) -> None:
        if self._next_sweep is not None and now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_INTERVAL
        for family_id in [f for f, fam in self._families.items() if fam.expires_at <= now]:
            family = self._families.pop(family_id)
            for token_hash in family.hashes:
                self._tokens.pop(token_hash, None)
            for index, key in (
                (self._by_session, family.session_id),
                (self._by_user, family.user_id),
            ):
                ids = index.get(key, set())
                ids.discard(family_id)
                if not ids:
                    index.pop(key, None)

    async def create(
        self,
        family_id: str,
        session_id: str,
        user_id: str,
        token_hash: str,
        expires_at: datetime,
        now: datetime,
    ) -> None:
        """Start a family with its first token."""
        if expires_at <= now:
            raise ValueError("expires_at must be after now")
        self._sweep(now)
        if family_id in self._families:
            raise ValueError("family exists already")
        if token_hash in self._tokens:
            raise ValueError("token hash exists already")
        self._families[family_id] = _Family(session_id, user_id, expires_at, hashes={token_hash})
        self._tokens[token_hash] = _Token(family_id)
        self._by_session.setdefault(session_id, set()).add(family_id)
        self._by_user.setdefault(user_id, set()).add(family_id)

    async def rotate(self, old_hash: str, new_hash: str, now: datetime) -> RotateResult:
        """Spend ``old_hash`` and record ``new_hash``; a spent one revokes its family."""
        token = self._tokens.get(old_hash)
        if token is None:
            return RotateResult(RotateStatus.UNKNOWN)
        family = self._families[token.family_id]

        def result(status: RotateStatus) -> RotateResult:
            return RotateResult(
                status, token.family_id, family.session_id, family.user_id, family.expires_at
            )

        if family.revoked:
            return result(RotateStatus.REVOKED)
        if now >= family.expires_at:
            return result(RotateStatus.EXPIRED)
        if token.spent:
            family.revoked = True
            return result(RotateStatus.REUSED)
        if new_hash in self._tokens:
            raise ValueError("token hash exists already")
        token.spent = True
        self._tokens[new_hash] = _Token(token.family_id)
        family.hashes.add(new_hash)
        return result(RotateStatus.OK)

    def _revoke(self, family_ids: set[str]) -> None:
        for family_id in family_ids:
            family = self._families.get(family_id)
            if family is not None:
                family.revoked = True

    async def revoke_family(self, family_id: str) -> None:
        """Revoke every token of the family."""
        self._revoke({family_id})

    async def revoke_session(self, session_id: str) -> None:
        """Revoke every family of the session."""
        self._revoke(self._by_session.pop(session_id, set()))

    async def revoke_user(self, user_id: str) -> None:
        """Revoke every family of the user."""
        self._revoke(self._by_user.pop(user_id, set()))

    async def close(self) -> None:
        """Nothing to release."""
