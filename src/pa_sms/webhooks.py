"""Twilio webhook signatures, checked against the public URL exactly as Twilio called it.

Twilio signs each webhook with HMAC-SHA1 under the account's Auth Token, over
the URL it called followed by every form parameter, sorted by name, each name
followed by each of its values (sorted). We check the signature against the URL
*as configured* (``PA_PUBLIC_BASE_URL`` + the path, query string included),
never against the ``Host`` the request arrived with, so verification works
behind a reverse proxy that rewrites the host, scheme or port. Like Twilio's
own validator we also accept the URL with the default port added or removed.

This is Twilio's documented scheme reimplemented without the ``twilio``
package, so verification works with every transport; the tests check it
against ``twilio.request_validator.RequestValidator``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from pa_core.errors import MalformedRequest
from pa_sms.errors import InvalidWebhookSignature
from pa_sms.models import InboundSms

if TYPE_CHECKING:
    from pa_core.config import Settings

__all__ = [
    "DEV_WEBHOOK_KEY_PURPOSE",
    "INBOUND_PATH",
    "SIGNATURE_HEADER",
    "STATUS_PATH",
    "TwilioSignatureVerifier",
    "compute_signature",
    "parse_inbound",
    "webhook_auth_token",
]

SIGNATURE_HEADER = "X-Twilio-Signature"
"""The request header carrying Twilio's signature."""
INBOUND_PATH = "/sms/inbound"
"""Path, under ``PA_PUBLIC_BASE_URL``, of the inbound message webhook."""
STATUS_PATH = "/sms/status"
"""Path, under ``PA_PUBLIC_BASE_URL``, of the message status callback."""
DEV_WEBHOOK_KEY_PURPOSE = "twilio-webhook-signing"
"""Purpose name of the development signing key derived from the master secret."""

_DEFAULT_PORTS = {"https": 443, "http": 80}
_MAX_SIGNATURE_LENGTH = 256


def compute_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Twilio's ``X-Twilio-Signature`` for a form POST of ``params`` to ``url``."""
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    payload = url + "".join(
        name + value for name in sorted(values) for value in sorted(values[name])
    )
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> list[str]:
    """``url`` as given, then with its default port added or removed (as Twilio's validator)."""
    parts = urlsplit(url)
    default = _DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    if parts.port is None and default is not None:
        other = urlunsplit(parts._replace(netloc=f"{parts.netloc}:{default}"))
    elif parts.port is not None:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{host}" if userinfo else host
        other = urlunsplit(parts._replace(netloc=netloc))
    else:
        return [url]
    return [url, other]


class TwilioSignatureVerifier:
    """Checks that a webhook comes from Twilio, for our account, to the URL we configured.

    Args:
        auth_token: the Auth Token the webhooks are signed with.
        account_sid: when given, the ``AccountSid`` parameter must equal it.
    """

    def __init__(self, auth_token: str, *, account_sid: str | None = None) -> None:
        if not auth_token:
            raise ValueError("an auth token is needed to verify webhooks")
        self._auth_token = auth_token
        self.account_sid = account_sid

    def sign(self, url: str, params: Iterable[tuple[str, str]]) -> str:
        """The signature Twilio would send for ``params`` posted to ``url`` (for tests, tools)."""
        return compute_signature(self._auth_token, url, params)

    def verify(self, url: str, params: Sequence[tuple[str, str]], signature: str | None) -> None:
        """Accept the webhook or raise; call it before reading anything else of the request.

        Args:
            url: the public URL Twilio was told to call, exactly as configured.
            params: every form field as ``(name, value)`` pairs, repeated names included.
            signature: the ``X-Twilio-Signature`` header, or ``None`` if absent.

        Raises:
            InvalidWebhookSignature: the signature is missing or does not match any
                form of ``url``, or ``AccountSid`` is not the configured account.
        """
        if not signature or len(signature) > _MAX_SIGNATURE_LENGTH:
            raise InvalidWebhookSignature()
        matched = False
        for candidate in _url_variants(url):
            expected = compute_signature(self._auth_token, candidate, params)
            matched |= hmac.compare_digest(expected.encode(), signature.encode())
        if not matched:
            raise InvalidWebhookSignature()
        if self.account_sid is not None:
            sent = [value for name, value in params if name == "AccountSid"]
            if len(sent) != 1 or not hmac.compare_digest(sent[0], self.account_sid):
                raise InvalidWebhookSignature()


def webhook_auth_token(settings: Settings) -> str:
    """The token webhooks are verified with: ``PA_TWILIO_AUTH_TOKEN``, else a development key.

    With the console or memory transport and no Twilio credentials, the token is
    derived from the master secret (purpose :data:`DEV_WEBHOOK_KEY_PURPOSE`), so
    the whole webhook path, signature included, runs and can be tested locally.
    """
    if settings.twilio_auth_token is not None:
        return settings.twilio_auth_token.get_secret_value()
    return settings.purpose_key(DEV_WEBHOOK_KEY_PURPOSE).hex()


def parse_inbound(params: Sequence[tuple[str, str]], received_at: datetime) -> InboundSms:
    """The :class:`InboundSms` in a (verified) inbound webhook's form.

    Raises:
        MalformedRequest: ``MessageSid``, ``From`` or ``To`` is missing.
    """
    fields: dict[str, str] = {}
    for name, value in params:
        fields.setdefault(name, value)
    sid = fields.get("MessageSid") or fields.get("SmsSid") or ""
    sender, recipient = fields.get("From", ""), fields.get("To", "")
    if not sid or not sender or not recipient:
        raise MalformedRequest("an inbound SMS needs MessageSid, From and To")
    try:
        segments = max(1, int(fields.get("NumSegments", "1")))
    except ValueError:
        segments = 1
    known = {"MessageSid", "SmsSid", "SmsMessageSid", "From", "To", "Body", "AccountSid"}
    return InboundSms(
        sid=sid,
        account_sid=fields.get("AccountSid", ""),
        from_number=sender,
        to_number=recipient,
        body=fields.get("Body", ""),
        received_at=received_at,
        segments=segments,
        params={k: v for k, v in fields.items() if k not in known},
    )
