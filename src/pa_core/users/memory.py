"""In-memory user repository: the embedded default and the test double."""

from __future__ import annotations

from datetime import datetime

from pa_core.errors import EmailTaken, NotFound
from pa_core.pagination import Page, PageRequest, decode_cursor, page_of
from pa_core.users.base import User

__all__ = ["MemoryUserRepository"]


class MemoryUserRepository:
    """Users in a dict; the embedded test double of :class:`~pa_core.users.base.UserRepository`."""

    def __init__(self) -> None:
        self._users: dict[str, User] = {}

    async def add(self, user: User) -> User:
        """Insert ``user``; ``EmailTaken`` on a duplicate email."""
        if await self.get_by_email(user.email) is not None:
            raise EmailTaken()
        self._users[user.id] = user
        return user

    async def get(self, user_id: str) -> User | None:
        """The user with ``user_id``."""
        return self._users.get(user_id)

    async def get_by_email(self, email: str) -> User | None:
        """The user with this email (case-insensitive)."""
        wanted = email.casefold()
        return next((u for u in self._users.values() if u.email.casefold() == wanted), None)

    async def update(self, user: User) -> User:
        """Replace the stored user."""
        if user.id not in self._users:
            raise NotFound()
        other = await self.get_by_email(user.email)
        if other is not None and other.id != user.id:
            raise EmailTaken()
        self._users[user.id] = user
        return user

    async def delete(self, user_id: str) -> bool:
        """Delete the user."""
        return self._users.pop(user_id, None) is not None

    async def list(self, page: PageRequest) -> Page[User]:
        """Users in creation order."""
        ordered = sorted(self._users.values(), key=lambda u: (u.created_at, u.id))
        if page.cursor:
            at, uid = decode_cursor(page.cursor, 2)
            position = (datetime.fromisoformat(at), uid)
            ordered = [u for u in ordered if (u.created_at, u.id) > position]
        return page_of(ordered, page.limit, lambda u: [u.created_at.isoformat(), u.id])

    async def count_with_role(self, role: str) -> int:
        """How many users hold ``role``."""
        return sum(1 for u in self._users.values() if role in u.roles)
