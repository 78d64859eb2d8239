"""What every request and response body shares (msgspec: fast, strict, in the OpenAPI document).

Request structs forbid unknown fields, so a misspelt field is a ``422``, never ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import msgspec

__all__ = ["NO_CONTROL_CHARACTERS", "Email", "NewPassword", "Password", "Token", "rfc3339"]

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
NO_CONTROL_CHARACTERS = "^[^\\x00-\\x1f\\x7f-\\x9f]*$"
"""A password holds no control character (NUL, newline, escape, C1): else ``422`` on its field."""
Password = Annotated[
    str, msgspec.Meta(min_length=1, max_length=1024, pattern=NO_CONTROL_CHARACTERS)
]
"""A password given to log in or confirm an action."""
NewPassword = Annotated[str, msgspec.Meta(min_length=1, pattern=NO_CONTROL_CHARACTERS)]
"""A password being set: no length cap here, so an overlong one is the policy's ``too_long``
(``422 weak_password``); the 1 MiB body limit bounds it."""
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]


def rfc3339(value: datetime | None) -> str | None:
    """``2026-01-01T12:00:00Z``: RFC 3339 in UTC with a ``Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class _In(msgspec.Struct, forbid_unknown_fields=True):
    """Base of request bodies."""
