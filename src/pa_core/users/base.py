"""The user aggregate and its repository contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from pa_core.pagination import Page, PageRequest

__all__ = ["DEFAULT_ROLE", "User", "UserRepository"]

DEFAULT_ROLE = "user"
"""Every new account holds this role."""


@dataclass(frozen=True, slots=True)
class User:
    """An account. ``email`` is stored normalised (lower-cased domain and local part)."""

    id: str
    email: str
    password_hash: str | None
    created_at: datetime
    updated_at: datetime
    display_name: str | None = None
    timezone: str = "UTC"
    locale: str = "en"
    email_verified_at: datetime | None = None
    disabled: bool = False
    roles: tuple[str, ...] = field(default=(DEFAULT_ROLE,))

    @property
    def email_verified(self) -> bool:
        """Whether the email address has been verified."""
        return self.email_verified_at is not None


class UserRepository(Protocol):
    """Stores users; email addresses are unique (compare normalised, case-insensitive).

    Raises :class:`pa_core.errors.EmailTaken` on a duplicate email, and
    :class:`pa_core.errors.ServiceUnavailable` when the backend is unreachable.
    """

    async def add(self, user: User) -> User:
        """Insert a new user with its roles and return it."""
        ...

    async def get(self, user_id: str) -> User | None:
        """The user with ``user_id``, or ``None``."""
        ...

    async def get_by_email(self, email: str) -> User | None:
        """The user with this (normalised) email, or ``None``."""
        ...

    async def update(self, user: User) -> User:
        """Replace the stored user (and its roles) with ``user``; ``NotFound`` if absent."""
        ...

    async def delete(self, user_id: str) -> bool:
        """Delete the user and return whether it existed."""
        ...

    async def list(self, page: PageRequest) -> Page[User]:
        """Users in creation order, one page at a time."""
        ...

    async def count_with_role(self, role: str) -> int:
        """How many users hold ``role`` directly."""
        ...
