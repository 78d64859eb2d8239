"""The user's own profile: display name, time zone and locale.

:class:`UserProfileService` changes only the fields it is given, validates them
all at once (every bad field is named in one ``validation_error``), and records
an audit event naming the fields that changed, never their values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from enum import Enum
from typing import Any, Final

from pa_core.accounts import validate_timezone
from pa_core.audit.base import AuditContext
from pa_core.audit.recorder import AuditRecorder
from pa_core.clock import Clock
from pa_core.errors import FieldError, NotFound, ValidationFailed
from pa_core.names import normalize_display_name
from pa_core.users.base import User, UserRepository

__all__ = [
    "KEEP",
    "MAX_LOCALE_LENGTH",
    "Keep",
    "UserProfileService",
    "normalize_display_name",
    "normalize_locale",
]

MAX_LOCALE_LENGTH = 35
"""Longest locale tag accepted (the ``users.locale`` column)."""

# language[-Script][-REGION][-variant...]: the BCP 47 shapes people actually send.
_LOCALE = re.compile(
    r"^(?P<lang>[A-Za-z]{2,3})"
    r"(?:-(?P<script>[A-Za-z]{4}))?"
    r"(?:-(?P<region>[A-Za-z]{2}|\d{3}))?"
    r"(?P<variants>(?:-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*)$"
)


class Keep(Enum):
    """Type of :data:`KEEP`."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP
"""Marks a field that an update leaves as it is."""


def normalize_locale(value: str) -> str:
    """A BCP 47 language tag in canonical case (``pt-br`` -> ``pt-BR``), or ``validation_error``.

    Accepts ``language[-Script][-REGION][-variant...]``; ``_`` is read as ``-``.
    """
    tag = value.strip().replace("_", "-") if isinstance(value, str) else ""
    match = _LOCALE.match(tag) if len(tag) <= MAX_LOCALE_LENGTH else None
    if match is None:
        raise ValidationFailed.for_field(
            "locale", "is not a language tag such as en, en-GB or pt-BR"
        )
    parts = [match["lang"].lower()]
    if match["script"]:
        parts.append(match["script"].title())
    if match["region"]:
        parts.append(match["region"].upper())
    parts.extend(v.lower() for v in match["variants"].split("-") if v)
    return "-".join(parts)


class UserProfileService:
    """Reads and changes the caller's profile fields."""

    def __init__(
        self, users: UserRepository, clock: Clock, audit: AuditRecorder | None = None
    ) -> None:
        self.users = users
        self.clock = clock
        self.audit = audit

    async def update(
        self,
        user_id: str,
        *,
        display_name: str | Keep | None = KEEP,
        timezone: str | Keep = KEEP,
        locale: str | Keep = KEEP,
        context: AuditContext | None = None,
    ) -> User:
        """Change the given fields of the user's profile and return the user.

        Raises:
            ValidationFailed: one or more fields are invalid (all are named).
            NotFound: no such user.
        """
        changes: dict[str, Any] = {}
        errors: list[FieldError] = []
        checks: list[tuple[str, object, Callable[[Any], object]]] = [
            ("display_name", display_name, normalize_display_name),
            ("timezone", timezone, validate_timezone),
            ("locale", locale, normalize_locale),
        ]
        for name, value, check in checks:
            if value is KEEP:
                continue
            try:
                changes[name] = check(value)
            except ValidationFailed as exc:
                errors.extend(exc.errors)
        if errors:
            raise ValidationFailed("; ".join(f"{e.field}: {e.message}" for e in errors), errors)
        user = await self.users.get(user_id)
        if user is None:
            raise NotFound()
        changed = sorted(k for k, v in changes.items() if getattr(user, k) != v)
        if not changed:
            return user
        user = replace(user, updated_at=self.clock.now(), **changes)
        await self.users.update(user)
        if self.audit is not None:
            await self.audit.record(
                "account.profile_update",
                actor_id=user_id,
                target_type="user",
                target_id=user_id,
                context=context,
                fields=changed,
            )
        return user
