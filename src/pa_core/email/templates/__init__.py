"""The account emails: verification, password reset and security notices.

Each message has a plain-text part and an HTML part, rendered with
:class:`string.Template` from the files beside this module (``NAME.txt``,
``NAME.html`` inside ``layout.html``). Values are HTML-escaped in the HTML part;
links are built from the public base URL (``PA_PUBLIC_BASE_URL``) with the token
URL-encoded. A directory of your own can override any of the files.

Placeholders: ``$product``, ``$link``, ``$expires_sentence`` (verification, reset),
``$description``, ``$when`` (security notice), and in ``layout.html`` ``$subject``
and ``$content``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from pa_core.email.base import EmailMessage
from pa_core.errors import ImproperlyConfigured, ValidationFailed

if TYPE_CHECKING:
    from pa_core.config import Settings

__all__ = [
    "DEFAULT_PRODUCT_NAME",
    "RESET_PASSWORD_PATH",
    "SECURITY_EVENTS",
    "VERIFY_EMAIL_PATH",
    "EmailTemplates",
    "describe_duration",
]

DEFAULT_PRODUCT_NAME = "Assistant"
"""The product name shown in emails unless another is given."""
VERIFY_EMAIL_PATH = "/verify-email"
"""Path of the page that consumes an email verification token (``?token=``)."""
RESET_PASSWORD_PATH = "/reset-password"
"""Path of the page that consumes a password reset token (``?token=``)."""

SECURITY_EVENTS: Mapping[str, str] = {
    "password_changed": "The password of your account was changed.",
    "password_reset": "The password of your account was reset.",
    "email_changed": "The email address of your account was changed.",
    "mfa_enabled": "Two-step verification was turned on for your account.",
    "mfa_disabled": "Two-step verification was turned off for your account.",
    "backup_codes_regenerated": "New backup codes were generated for your account.",
    "sessions_revoked": "Your account was signed out on all devices.",
    "account_disabled": "Your account was disabled.",
    "password_confirmation_locked": (
        "Several wrong passwords were given to confirm a change on your account;"
        " the device that gave them was signed out."
    ),
}
"""Known security events and the sentence each notice opens with."""

_TEMPLATE_NAMES = (
    "layout.html",
    "verification.txt",
    "verification.html",
    "password_reset.txt",
    "password_reset.html",
    "security_notice.txt",
    "security_notice.html",
)
_SAMPLE_VALUES = {
    "product": "",
    "link": "",
    "expires_sentence": "",
    "description": "",
    "when": "",
    "subject": "",
    "content": "",
}
_BLANK_LINES = re.compile(r"\n{3,}")


def describe_duration(duration: timedelta) -> str:
    """A short English description: ``"24 hours"``, ``"1 hour"``, ``"30 minutes"``, ``"2 days"``."""
    seconds = int(duration.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    if seconds >= 3_600:
        hours = seconds // 3_600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class EmailTemplates:
    """Renders the account emails.

    Args:
        public_base_url: the site's public address, e.g. ``https://assistant.example.org``.
        product_name: the name shown in subjects and bodies.
        directory: a folder whose files override the bundled templates of the same name.

    Raises:
        ImproperlyConfigured: the base URL is not an absolute http(s) URL, or a
            template is unreadable or holds an unknown placeholder.
    """

    def __init__(
        self,
        public_base_url: str,
        product_name: str = DEFAULT_PRODUCT_NAME,
        directory: Path | Traversable | None = None,
    ) -> None:
        parts = urlsplit(public_base_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ImproperlyConfigured("PA_PUBLIC_BASE_URL must be an absolute http(s) URL")
        if parts.query or parts.fragment:
            raise ImproperlyConfigured("PA_PUBLIC_BASE_URL must not have a query or fragment")
        self.public_base_url = public_base_url.rstrip("/")
        self.product_name = product_name
        bundled = resources.files(__name__)
        self._templates: dict[str, Template] = {}
        for name in _TEMPLATE_NAMES:
            source = bundled / name
            if directory is not None and (directory / name).is_file():
                source = directory / name
            template = Template(source.read_text(encoding="utf-8"))
            try:
                template.substitute(_SAMPLE_VALUES)
            except (KeyError, ValueError) as exc:
                raise ImproperlyConfigured(
                    f"email template {name} has an unknown or malformed placeholder: {exc}"
                ) from exc
            self._templates[name] = template

    @classmethod
    def from_settings(
        cls, settings: Settings, product_name: str = DEFAULT_PRODUCT_NAME
    ) -> EmailTemplates:
        """Templates linking to ``PA_PUBLIC_BASE_URL``."""
        return cls(settings.public_base_url, product_name)

    def link(self, path: str, token: str) -> str:
        """``{public_base_url}{path}?token={token}``, the token URL-encoded."""
        return f"{self.public_base_url}{path}?token={quote(token, safe='')}"

    def verification(
        self, to: str, token: str, *, expires_in: timedelta | None = None
    ) -> EmailMessage:
        """The email that confirms an address, linking to ``/verify-email?token=...``."""
        return self._render(
            "verification",
            to,
            f"Confirm your email address for {self.product_name}",
            link=self.link(VERIFY_EMAIL_PATH, token),
            expires_sentence=_expiry(expires_in),
        )

    def password_reset(
        self, to: str, token: str, *, expires_in: timedelta | None = None
    ) -> EmailMessage:
        """The email that resets a password, linking to ``/reset-password?token=...``."""
        return self._render(
            "password_reset",
            to,
            f"Reset your {self.product_name} password",
            link=self.link(RESET_PASSWORD_PATH, token),
            expires_sentence=_expiry(expires_in),
        )

    def security_notice(self, to: str, event: str, *, occurred_at: datetime) -> EmailMessage:
        """A notice that something changed on the account.

        Args:
            to: the recipient.
            event: a key of :data:`SECURITY_EVENTS`, or a sentence of your own.
            occurred_at: when it happened (aware; shown in UTC).
        """
        description = SECURITY_EVENTS.get(event, event)
        if occurred_at.tzinfo is None:
            raise ValidationFailed.for_field("occurred_at", "must be timezone-aware")
        when = occurred_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return self._render(
            "security_notice",
            to,
            f"Security notice from {self.product_name}",
            link=self.public_base_url + "/",
            description=description,
            when=when,
        )

    def _render(self, name: str, to: str, subject: str, **values: str) -> EmailMessage:
        values = {"product": self.product_name, **values}
        escaped = {key: html.escape(value) for key, value in values.items()}
        text = _BLANK_LINES.sub("\n\n", self._templates[f"{name}.txt"].substitute(values))
        content = self._templates[f"{name}.html"].substitute(escaped)
        page = self._templates["layout.html"].substitute(
            escaped, subject=html.escape(subject), content=content
        )
        return EmailMessage(to=to, subject=subject, text=text, html=page)


def _expiry(expires_in: timedelta | None) -> str:
    if expires_in is None:
        return ""
    return f"This link expires in {describe_duration(expires_in)}."
