"""Webhooks as Twilio would send them, signed: try the SMS path without Twilio.

:func:`inbound_form` and :func:`status_form` build the form fields Twilio posts
to ``/sms/inbound`` and ``/sms/status``; :func:`signed_webhook` signs them for
a public URL with the auth token the service verifies with
(:func:`pa_sms.webhooks.webhook_auth_token`). The command line of the reference
service (``sms simulate``) posts what they build to a running service.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from pa_sms.segments import count_segments
from pa_sms.webhooks import SIGNATURE_HEADER, compute_signature

__all__ = [
    "DEV_ACCOUNT_SID",
    "SignedWebhook",
    "inbound_form",
    "new_message_sid",
    "signed_webhook",
    "status_form",
]

DEV_ACCOUNT_SID = "AC" + "0" * 32
"""The ``AccountSid`` sent when no ``PA_TWILIO_ACCOUNT_SID`` is configured (well-formed)."""
API_VERSION = "2010-04-01"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def new_message_sid() -> str:
    """A fresh, well-formed message sid (``SM`` and 32 hex digits)."""
    return "SM" + secrets.token_hex(16)


def inbound_form(
    *, to: str, from_: str, body: str, account_sid: str | None = None, sid: str | None = None
) -> list[tuple[str, str]]:
    """The fields of an incoming SMS webhook, as Twilio posts them."""
    sid = sid or new_message_sid()
    return [
        ("AccountSid", account_sid or DEV_ACCOUNT_SID),
        ("ApiVersion", API_VERSION),
        ("Body", body),
        ("From", from_),
        ("MessageSid", sid),
        ("NumMedia", "0"),
        ("NumSegments", str(count_segments(body).segments) if body else "1"),
        ("SmsMessageSid", sid),
        ("SmsSid", sid),
        ("SmsStatus", "received"),
        ("To", to),
    ]


def status_form(
    *,
    sid: str,
    status: str,
    to: str | None = None,
    from_: str | None = None,
    error_code: int | None = None,
    account_sid: str | None = None,
) -> list[tuple[str, str]]:
    """The fields of a message status callback, as Twilio posts them."""
    form = [
        ("AccountSid", account_sid or DEV_ACCOUNT_SID),
        ("ApiVersion", API_VERSION),
        ("MessageSid", sid),
        ("MessageStatus", status),
        ("SmsSid", sid),
        ("SmsStatus", status),
    ]
    if to:
        form.append(("To", to))
    if from_:
        form.append(("From", from_))
    if error_code is not None:
        form.append(("ErrorCode", str(error_code)))
    return form


@dataclass(frozen=True)
class SignedWebhook:
    """A webhook ready to post: its URL, its urlencoded body and its headers."""

    url: str
    body: bytes
    headers: dict[str, str]


def signed_webhook(auth_token: str, url: str, form: list[tuple[str, str]]) -> SignedWebhook:
    """``form`` urlencoded and signed (``X-Twilio-Signature``) for a POST to ``url``."""
    return SignedWebhook(
        url=url,
        body=urlencode(form).encode(),
        headers={
            "Content-Type": FORM_CONTENT_TYPE,
            SIGNATURE_HEADER: compute_signature(auth_token, url, form),
        },
    )
