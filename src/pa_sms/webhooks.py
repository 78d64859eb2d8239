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

Before the signature, a framework reads the webhook with
:func:`read_webhook_form`: it refuses a request without the signature header
before reading any of its body, and reads the body with a streaming cap of
:data:`WEBHOOK_MAX_BODY_BYTES` (Twilio's forms are a few kB), whatever
``Content-Length`` says. After the signature, :func:`check_sids` refuses a
signed form whose Twilio ids are malformed: Twilio's signature concatenates
names and values without separators, so a captured request can be re-split
into other parameters (a new ``MessageSid``) under the same signature; an id of
the exact shape ``SM`` + 32 hex digits cannot be re-cut.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import AsyncIterable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from pa_core.errors import MalformedRequest, PayloadTooLarge
from pa_sms.errors import InvalidWebhookSignature, SmsProviderError
from pa_sms.logsafe import mask_phone

if TYPE_CHECKING:
    from pa_sms.config import SmsSettings

__all__ = [
    "ACCOUNT_SID",
    "DEV_WEBHOOK_KEY_PURPOSE",
    "INBOUND_PATH",
    "MESSAGE_SID",
    "MESSAGE_SID_FIELDS",
    "MESSAGING_SERVICE_SID",
    "PHONE_NUMBER_SID",
    "SIGNATURE_HEADER",
    "STATUS_PATH",
    "WEBHOOK_MAX_BODY_BYTES",
    "WEBHOOK_SID_FIELDS",
    "InboundSms",
    "TwilioSignatureVerifier",
    "check_sids",
    "compute_signature",
    "is_sid",
    "parse_inbound",
    "parse_webhook_form",
    "read_webhook_body",
    "read_webhook_form",
    "require_provider_sid",
    "require_signature",
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

WEBHOOK_MAX_BODY_BYTES = 64 * 1024
"""Largest webhook body read (Twilio's forms are a few kB); a larger one is ``413``."""

MESSAGE_SID = re.compile(r"(?:SM|MM)[0-9a-f]{32}")
"""A message's sid: ``SM`` (SMS) or ``MM`` (MMS) and 32 lower-case hex digits."""
ACCOUNT_SID = re.compile(r"AC[0-9a-f]{32}")
"""An account's sid."""
PHONE_NUMBER_SID = re.compile(r"PN[0-9a-f]{32}")
"""A phone number's sid (an IncomingPhoneNumber)."""
MESSAGING_SERVICE_SID = re.compile(r"MG[0-9a-f]{32}")
"""A messaging service's sid."""

MESSAGE_SID_FIELDS = frozenset({"MessageSid", "SmsSid", "SmsMessageSid"})
"""Webhook fields that name the message; when several are sent they must agree."""
WEBHOOK_SID_FIELDS: Mapping[str, re.Pattern[str]] = {
    "MessageSid": MESSAGE_SID,
    "SmsSid": MESSAGE_SID,
    "SmsMessageSid": MESSAGE_SID,
    "AccountSid": ACCOUNT_SID,
    "MessagingServiceSid": MESSAGING_SERVICE_SID,
}
"""The sid fields a webhook is checked for; any other field (Twilio adds some) passes as is."""

_DEFAULT_PORTS = {"https": 443, "http": 80}
_MAX_SIGNATURE_LENGTH = 256


@dataclass(frozen=True, slots=True, repr=False)
class InboundSms:
    """A text message a handset sent to one of our numbers, as the webhook delivered it."""

    sid: str
    account_sid: str
    from_number: str
    to_number: str
    body: str
    received_at: datetime
    segments: int = 1
    params: dict[str, str] = field(default_factory=dict)
    """Every other form field Twilio sent (``FromCountry``, ``NumMedia``, ...)."""

    def __repr__(self) -> str:
        # The body is the user's words: keep it out of logs and tracebacks.
        return (
            f"InboundSms(sid={self.sid!r}, from_number={mask_phone(self.from_number)!r}, "
            f"to_number={mask_phone(self.to_number)!r}, body=<{len(self.body)} chars>)"
        )


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
        signature = require_signature(signature)
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


def is_sid(pattern: re.Pattern[str], value: object) -> bool:
    """Whether ``value`` is wholly a sid of ``pattern`` (no trailing newline, no extra text)."""
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def require_provider_sid(pattern: re.Pattern[str], value: object) -> str:
    """A sid the provider's REST API answered, checked before it is stored or used.

    Raises:
        SmsProviderError: ``value`` is not wholly a sid of ``pattern``.
    """
    if not is_sid(pattern, value):
        raise SmsProviderError("the provider answered a malformed sid")
    return str(value)


def check_sids(params: Sequence[tuple[str, str]]) -> None:
    """Refuse a (signed) webhook whose Twilio sids are malformed; call it before using any.

    Every value of a field of :data:`WEBHOOK_SID_FIELDS` must be wholly a sid
    of its kind, and the fields of :data:`MESSAGE_SID_FIELDS` must all name
    one message. Fields this list does not know are left alone, so a field
    that Twilio adds later does not break the check.

    Raises:
        MalformedRequest: a sid is malformed, or the message sids disagree.
    """
    message_sids: set[str] = set()
    for name, value in params:
        pattern = WEBHOOK_SID_FIELDS.get(name)
        if pattern is None:
            continue
        if not is_sid(pattern, value):
            raise MalformedRequest(f"{name} is not a well-formed Twilio sid")
        if name in MESSAGE_SID_FIELDS:
            message_sids.add(value)
    if len(message_sids) > 1:
        raise MalformedRequest("the webhook names more than one message sid")


def require_signature(signature: str | None) -> str:
    """The ``X-Twilio-Signature`` header's value; check it before reading the body.

    Raises:
        InvalidWebhookSignature: the header is missing, empty or longer than any
            signature (the request is refused without reading its body).
    """
    if not signature or len(signature) > _MAX_SIGNATURE_LENGTH:
        raise InvalidWebhookSignature()
    return signature


async def read_webhook_body(
    chunks: AsyncIterable[bytes],
    *,
    content_length: str | int | None = None,
    limit: int = WEBHOOK_MAX_BODY_BYTES,
) -> bytes:
    """Read a webhook's body from ``chunks``, never holding more than ``limit`` bytes.

    A declared ``Content-Length`` over the limit is refused before reading; the
    bytes actually received are counted too, so a missing or lying length
    (chunked transfer) cannot get more through.

    Raises:
        PayloadTooLarge: the body is, or says it is, over ``limit`` bytes.
        MalformedRequest: ``content_length`` is not a number of bytes.
    """
    if content_length is not None:
        try:
            declared = int(content_length)
        except ValueError:
            raise MalformedRequest("Content-Length is not a number") from None
        if declared > limit:
            raise PayloadTooLarge(f"a webhook body is at most {limit} bytes")
    body = bytearray()
    async for chunk in chunks:
        if len(body) + len(chunk) > limit:
            raise PayloadTooLarge(f"a webhook body is at most {limit} bytes")
        body += chunk
    return bytes(body)


def parse_webhook_form(body: bytes) -> list[tuple[str, str]]:
    """Every ``(name, value)`` of a form-encoded body, in order, repeated names included."""
    return parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)


async def read_webhook_form(
    signature: str | None,
    chunks: AsyncIterable[bytes],
    *,
    content_length: str | int | None = None,
    limit: int = WEBHOOK_MAX_BODY_BYTES,
) -> list[tuple[str, str]]:
    """A webhook's form, read only if the request is signed at all; what a framework calls.

    In order: :func:`require_signature` (no body is read without the header),
    :func:`read_webhook_body` (capped at ``limit``), :func:`parse_webhook_form`.
    Verify the signature of the result next (:meth:`TwilioSignatureVerifier.verify`).

    Raises:
        InvalidWebhookSignature: no signature header.
        PayloadTooLarge: the body is over ``limit`` bytes.
        MalformedRequest: ``content_length`` is not a number.
    """
    require_signature(signature)
    body = await read_webhook_body(chunks, content_length=content_length, limit=limit)
    return parse_webhook_form(body)


def webhook_auth_token(settings: SmsSettings) -> str:
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
        MalformedRequest: ``MessageSid``, ``From`` or ``To`` is missing, or a
            sid is malformed (:func:`check_sids`).
    """
    check_sids(params)
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
