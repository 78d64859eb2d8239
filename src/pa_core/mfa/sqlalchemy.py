"""SQLAlchemy backends of the MFA contracts: factors, backup codes, remembered devices.

Each "spend once" is one conditional ``UPDATE`` whose row count says who won,
so it holds across processes: the TOTP replay guard
(``last_used_step < :step``), a backup code (``used_at IS NULL``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, or_, select, update

from pa_core.clock import Clock
from pa_core.database.engine import Database
from pa_core.mfa.base import FACTOR_KINDS, FactorKind, MfaFactor, TrustedDevice
from pa_core.mfa.models import BackupCodeRow, MfaFactorRow, TrustedDeviceRow

__all__ = ["SqlBackupCodeStore", "SqlMfaFactorStore", "SqlTrustedDeviceStore"]


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def _to_factor(row: MfaFactorRow) -> MfaFactor:
    return MfaFactor(
        id=row.id,
        user_id=row.user_id,
        kind=cast(FactorKind, row.kind),
        created_at=row.created_at,
        secret_encrypted=row.secret_encrypted,
        phone=row.phone,
        confirmed_at=row.confirmed_at,
        last_used_step=row.last_used_step,
    )


class SqlMfaFactorStore:
    """Factors in ``mfa_factors`` (unique per user and kind)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def get(self, user_id: str, kind: FactorKind) -> MfaFactor | None:
        """The user's factor of ``kind``."""
        query = select(MfaFactorRow).where(
            MfaFactorRow.user_id == user_id, MfaFactorRow.kind == kind
        )
        async with self.database.session() as session:
            row = (await session.scalars(query)).one_or_none()
        return _to_factor(row) if row is not None else None

    async def list_for_user(self, user_id: str) -> list[MfaFactor]:
        """Every factor of the user, in ``FACTOR_KINDS`` order."""
        query = select(MfaFactorRow).where(MfaFactorRow.user_id == user_id)
        async with self.database.session() as session:
            rows = list((await session.scalars(query)).all())
        return sorted((_to_factor(r) for r in rows), key=lambda f: FACTOR_KINDS.index(f.kind))

    async def put(self, factor: MfaFactor) -> MfaFactor:
        """Store ``factor``, replacing the user's factor of the same kind."""
        async with self.database.session() as session:
            await session.execute(
                delete(MfaFactorRow).where(
                    MfaFactorRow.user_id == factor.user_id, MfaFactorRow.kind == factor.kind
                )
            )
            session.add(
                MfaFactorRow(
                    id=factor.id,
                    user_id=factor.user_id,
                    kind=factor.kind,
                    secret_encrypted=factor.secret_encrypted,
                    phone=factor.phone,
                    confirmed_at=factor.confirmed_at,
                    last_used_step=factor.last_used_step,
                    created_at=factor.created_at,
                )
            )
        return factor

    async def confirm(self, factor_id: str, at: datetime) -> bool:
        """Mark the factor active."""
        statement = update(MfaFactorRow).where(MfaFactorRow.id == factor_id).values(confirmed_at=at)
        async with self.database.session() as session:
            return _rowcount(await session.execute(statement)) == 1

    async def advance_step(self, factor_id: str, step: int) -> bool:
        """``UPDATE ... WHERE last_used_step IS NULL OR last_used_step < :step``; one winner."""
        statement = (
            update(MfaFactorRow)
            .where(
                MfaFactorRow.id == factor_id,
                or_(MfaFactorRow.last_used_step.is_(None), MfaFactorRow.last_used_step < step),
            )
            .values(last_used_step=step)
        )
        async with self.database.session() as session:
            return _rowcount(await session.execute(statement)) == 1

    async def set_secret(self, factor_id: str, secret_encrypted: str) -> None:
        """Replace the encrypted secret."""
        statement = (
            update(MfaFactorRow)
            .where(MfaFactorRow.id == factor_id)
            .values(secret_encrypted=secret_encrypted)
        )
        async with self.database.session() as session:
            await session.execute(statement)

    async def delete(self, user_id: str, kind: FactorKind) -> bool:
        """Remove the user's factor of ``kind``."""
        statement = delete(MfaFactorRow).where(
            MfaFactorRow.user_id == user_id, MfaFactorRow.kind == kind
        )
        async with self.database.session() as session:
            return _rowcount(await session.execute(statement)) > 0


class SqlBackupCodeStore:
    """Backup-code hashes in ``backup_codes``; a spent code keeps its row with ``used_at``."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    async def replace(self, user_id: str, hashes: Sequence[str]) -> None:
        """Make ``hashes`` the user's set (one transaction)."""
        async with self.database.session() as session:
            await session.execute(delete(BackupCodeRow).where(BackupCodeRow.user_id == user_id))
            session.add_all(BackupCodeRow(user_id=user_id, code_hash=h) for h in set(hashes))

    async def consume(self, user_id: str, code_hash: str) -> bool:
        """``UPDATE ... SET used_at WHERE used_at IS NULL``: one caller wins."""
        statement = (
            update(BackupCodeRow)
            .where(
                BackupCodeRow.user_id == user_id,
                BackupCodeRow.code_hash == code_hash,
                BackupCodeRow.used_at.is_(None),
            )
            .values(used_at=self.clock.now())
        )
        async with self.database.session() as session:
            return _rowcount(await session.execute(statement)) == 1

    async def remaining(self, user_id: str) -> int:
        """Unspent codes of the user."""
        query = select(func.count()).where(
            BackupCodeRow.user_id == user_id, BackupCodeRow.used_at.is_(None)
        )
        async with self.database.session() as session:
            return int((await session.execute(query)).scalar_one())


def _to_device(row: TrustedDeviceRow) -> TrustedDevice:
    return TrustedDevice(
        id=row.id,
        user_id=row.user_id,
        token_hash=row.token_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        user_agent=row.user_agent,
        last_used_at=row.last_used_at,
    )


def _live(user_id: str, now: datetime) -> tuple[Any, ...]:
    return (
        TrustedDeviceRow.user_id == user_id,
        TrustedDeviceRow.revoked_at.is_(None),
        TrustedDeviceRow.expires_at > now,
    )


class SqlTrustedDeviceStore:
    """Remembered devices in ``trusted_devices``."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def add(self, device: TrustedDevice) -> None:
        """Store a new device."""
        async with self.database.session() as session:
            session.add(
                TrustedDeviceRow(
                    id=device.id,
                    user_id=device.user_id,
                    token_hash=device.token_hash,
                    created_at=device.created_at,
                    expires_at=device.expires_at,
                    revoked_at=device.revoked_at,
                    user_agent=device.user_agent,
                    last_used_at=device.last_used_at,
                )
            )

    async def get_by_hash(self, token_hash: str) -> TrustedDevice | None:
        """The device with this token hash."""
        query = select(TrustedDeviceRow).where(TrustedDeviceRow.token_hash == token_hash)
        async with self.database.session() as session:
            row = (await session.scalars(query)).one_or_none()
        return _to_device(row) if row is not None else None

    async def list_for_user(self, user_id: str, now: datetime) -> list[TrustedDevice]:
        """Live devices of the user, newest first."""
        query = (
            select(TrustedDeviceRow)
            .where(*_live(user_id, now))
            .order_by(TrustedDeviceRow.created_at.desc(), TrustedDeviceRow.id.desc())
        )
        async with self.database.session() as session:
            rows = list((await session.scalars(query)).all())
        return [_to_device(r) for r in rows]

    async def touch(self, device_id: str, now: datetime) -> None:
        """Record a use."""
        statement = (
            update(TrustedDeviceRow)
            .where(TrustedDeviceRow.id == device_id)
            .values(last_used_at=now)
        )
        async with self.database.session() as session:
            await session.execute(statement)

    async def revoke(self, user_id: str, device_id: str, now: datetime) -> bool:
        """Revoke one live device of the user."""
        statement = (
            update(TrustedDeviceRow)
            .where(TrustedDeviceRow.id == device_id, *_live(user_id, now))
            .values(revoked_at=now)
        )
        async with self.database.session() as session:
            return _rowcount(await session.execute(statement)) == 1

    async def revoke_all(self, user_id: str, now: datetime) -> int:
        """Revoke every live device of the user."""
        statement = update(TrustedDeviceRow).where(*_live(user_id, now)).values(revoked_at=now)
        async with self.database.session() as session:
            return _rowcount(await session.execute(statement))
