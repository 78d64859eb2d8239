"""SQLAlchemy implementation of :class:`~pa_core.users.UserRepository`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select

from pa_core.database.engine import Database
from pa_core.errors import EmailTaken, NotFound
from pa_core.pagination import Page, PageRequest, decode_cursor, page_of
from pa_core.users.base import User
from pa_core.users.models import UserRoleRow, UserRow

__all__ = ["SqlUserRepository"]


def _to_user(row: UserRow) -> User:
    return User(
        id=row.id,
        email=row.email,
        password_hash=row.password_hash,
        display_name=row.display_name,
        timezone=row.timezone,
        locale=row.locale,
        email_verified_at=row.email_verified_at,
        disabled=row.disabled,
        created_at=row.created_at,
        updated_at=row.updated_at,
        roles=tuple(sorted(r.role for r in row.roles)),
    )


def _fill(row: UserRow, user: User) -> None:
    row.email = user.email
    row.email_key = user.email.casefold()
    row.password_hash = user.password_hash
    row.display_name = user.display_name
    row.timezone = user.timezone
    row.locale = user.locale
    row.email_verified_at = user.email_verified_at
    row.disabled = user.disabled
    row.created_at = user.created_at
    row.updated_at = user.updated_at
    held = {r.role: r for r in row.roles}
    row.roles = [
        held.get(name) or UserRoleRow(role=name, granted_at=user.updated_at)
        for name in sorted(set(user.roles))
    ]


class SqlUserRepository:
    """Users in the ``users`` and ``user_roles`` tables."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def add(self, user: User) -> User:
        """Insert ``user``; ``EmailTaken`` when the unique email index refuses it."""
        async with self.database.session(on_conflict=EmailTaken) as session:
            row = UserRow(id=user.id)
            row.roles = []
            _fill(row, user)
            session.add(row)
        return user

    async def get(self, user_id: str) -> User | None:
        """The user with ``user_id``."""
        async with self.database.session() as session:
            row = await session.get(UserRow, user_id)
            return None if row is None else _to_user(row)

    async def get_by_email(self, email: str) -> User | None:
        """The user with this email (case-insensitive)."""
        async with self.database.session() as session:
            row = await session.scalar(select(UserRow).where(UserRow.email_key == email.casefold()))
            return None if row is None else _to_user(row)

    async def update(self, user: User) -> User:
        """Replace the stored user and its roles."""
        async with self.database.session(on_conflict=EmailTaken) as session:
            row = await session.get(UserRow, user.id)
            if row is None:
                raise NotFound()
            _fill(row, user)
        return user

    async def delete(self, user_id: str) -> bool:
        """Delete the user (its roles go with it)."""
        async with self.database.session() as session:
            result = await session.execute(delete(UserRow).where(UserRow.id == user_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def list(self, page: PageRequest) -> Page[User]:
        """Users in creation order (keyset on ``created_at, id``)."""
        query = select(UserRow).order_by(UserRow.created_at, UserRow.id).limit(page.limit + 1)
        if page.cursor:
            at, uid = decode_cursor(page.cursor, 2)
            after = datetime.fromisoformat(at)
            query = query.where(
                or_(
                    UserRow.created_at > after,
                    and_(UserRow.created_at == after, UserRow.id > uid),
                )
            )
        async with self.database.session() as session:
            users = [_to_user(r) for r in (await session.scalars(query)).all()]
        return page_of(users, page.limit, lambda u: [u.created_at.isoformat(), u.id])

    async def count_with_role(self, role: str) -> int:
        """How many users hold ``role`` directly."""
        async with self.database.session() as session:
            count = await session.scalar(
                select(func.count()).select_from(UserRoleRow).where(UserRoleRow.role == role)
            )
            return int(count or 0)
