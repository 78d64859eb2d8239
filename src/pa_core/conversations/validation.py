"""The rules a message body and a conversation title must meet."""

from __future__ import annotations

from pa_core.conversations.base import MAX_BODY_LENGTH, MAX_TITLE_LENGTH
from pa_core.errors import ValidationFailed

__all__ = ["validate_body", "validate_title"]


def validate_body(body: object) -> str:
    """A message body of 1..4,000 characters that is not blank; ``validation_error`` on ``body``."""
    if not isinstance(body, str) or not body.strip():
        raise ValidationFailed.for_field("body", "must not be empty")
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationFailed.for_field("body", f"must be at most {MAX_BODY_LENGTH} characters")
    if "\x00" in body:
        raise ValidationFailed.for_field("body", "must not contain NUL characters")
    return body


def validate_title(title: object) -> str | None:
    """A one-line title of at most 200 characters (blank or ``None`` clears it)."""
    if title is None:
        return None
    if not isinstance(title, str):
        raise ValidationFailed.for_field("title", "must be text")
    title = title.strip()
    if any(ch in title for ch in "\x00\r\n"):
        raise ValidationFailed.for_field("title", "must be one line of text")
    if len(title) > MAX_TITLE_LENGTH:
        raise ValidationFailed.for_field("title", f"must be at most {MAX_TITLE_LENGTH} characters")
    return title or None
