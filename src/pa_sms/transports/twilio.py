"""Twilio as the SMS transport, through the official ``twilio`` client (async, aiohttp).

Every Twilio failure is translated in one place, :func:`twilio_errors`:

=====================================  =============================================
Twilio                                 ``pa_sms.errors``
=====================================  =============================================
21610 (recipient replied STOP)         :class:`RecipientOptedOut` (permanent)
21211, 21614 (invalid / not mobile)    :class:`InvalidPhoneNumber`
21422, 21452 (number not for sale)     :class:`NumberUnavailable`
HTTP 404 / 20404                       :class:`pa_core.errors.NotFound`
HTTP 429, 20429, HTTP 5xx, network     :class:`SmsRetryableError`
anything else                          :class:`SmsProviderError` (permanent)
=====================================  =============================================

Build the client inside the running event loop (the aiohttp session belongs to
it), e.g. in the application's start-up hook, and :meth:`TwilioTransport.close`
it on shutdown.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import aiohttp
from twilio.base import values
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from pa_core.errors import ImproperlyConfigured, NotFound
from pa_sms.errors import (
    InvalidPhoneNumber,
    NumberUnavailable,
    RecipientOptedOut,
    SmsProviderError,
    SmsRetryableError,
)
from pa_sms.logsafe import mask_numbers_in
from pa_sms.transports.base import OutboundSms, SendResult
from pa_sms.transports.shared import TextSenderMixin, validate_outbound
from pa_sms.webhooks import MESSAGE_SID, require_provider_sid

if TYPE_CHECKING:
    from pa_sms.config import SmsSettings

__all__ = [
    "DEFAULT_STATUS_CALLBACK_PATH",
    "DEFAULT_TWILIO_TIMEOUT",
    "INVALID_NUMBER_CODES",
    "NUMBER_UNAVAILABLE_CODES",
    "OPTED_OUT_CODE",
    "RATE_LIMITED_CODE",
    "RATE_LIMIT_RETRY_AFTER",
    "SERVER_ERROR_RETRY_AFTER",
    "TwilioTransport",
    "build_twilio_client",
    "map_twilio_error",
    "provider_price",
    "twilio_errors",
]

DEFAULT_TWILIO_TIMEOUT = 10.0
"""Seconds before a call to Twilio is abandoned (and reported as retryable)."""
DEFAULT_STATUS_CALLBACK_PATH = "/sms/status"
"""Path, under ``PA_PUBLIC_BASE_URL``, that receives message status callbacks."""
OPTED_OUT_CODE = 21610
"""Twilio: the recipient has unsubscribed from this sender (replied STOP)."""
INVALID_NUMBER_CODES = frozenset({21211, 21614})
"""Twilio: invalid 'To' number; 'To' is not a mobile number."""
NUMBER_UNAVAILABLE_CODES = frozenset({21422, 21452})
"""Twilio: the number requested is not available; no numbers found in the area code."""
RATE_LIMITED_CODE = 20429
"""Twilio: too many requests."""
NOT_FOUND_CODE = 20404
RATE_LIMIT_RETRY_AFTER = 1.0
"""Seconds to wait after Twilio answered 429."""
SERVER_ERROR_RETRY_AFTER = 5.0
"""Seconds to wait after a Twilio 5xx, a timeout or a network error."""

_HTTP_NOT_FOUND = 404
_HTTP_TOO_MANY_REQUESTS = 429
_HTTP_SERVER_ERROR = 500


def map_twilio_error(status: int | None, code: int | None, message: str) -> Exception:
    """The ``pa_sms`` (or ``pa_core``) error for a Twilio HTTP status and error code."""
    if code == OPTED_OUT_CODE:
        return RecipientOptedOut(message, provider_code=code)
    if code in INVALID_NUMBER_CODES:
        return InvalidPhoneNumber(message, provider_code=code)
    if code in NUMBER_UNAVAILABLE_CODES:
        return NumberUnavailable(message, provider_code=code)
    if status == _HTTP_NOT_FOUND or code == NOT_FOUND_CODE:
        return NotFound(message)
    if status == _HTTP_TOO_MANY_REQUESTS or code == RATE_LIMITED_CODE:
        return SmsRetryableError(
            message, provider_code=code, status=status, retry_after=RATE_LIMIT_RETRY_AFTER
        )
    if status is not None and status >= _HTTP_SERVER_ERROR:
        return SmsRetryableError(
            message, provider_code=code, status=status, retry_after=SERVER_ERROR_RETRY_AFTER
        )
    return SmsProviderError(message, provider_code=code, status=status)


@contextmanager
def twilio_errors() -> Iterator[None]:
    """Translate whatever the Twilio client raises into ``pa_sms.errors`` (the one boundary)."""
    try:
        yield
    except TwilioRestException as exc:
        raise map_twilio_error(exc.status, exc.code, f"Twilio: {mask_numbers_in(exc.msg)}") from exc
    except TwilioServiceException as exc:
        raise map_twilio_error(
            exc.status, exc.code, f"Twilio: {mask_numbers_in(exc.title)}"
        ) from exc
    except TwilioException as exc:
        # A list page that was not 200 arrives as TwilioException(message, response).
        response = exc.args[1] if len(exc.args) > 1 else None
        status = getattr(response, "status_code", None)
        text = mask_numbers_in(str(exc.args[0] if exc.args else exc))
        raise map_twilio_error(status, None, f"Twilio: {text}") from exc
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise SmsRetryableError(
            f"Twilio unreachable: {type(exc).__name__}", retry_after=SERVER_ERROR_RETRY_AFTER
        ) from exc


def build_twilio_client(
    account_sid: str,
    auth_token: str,
    *,
    api_base_url: str | None = None,
    timeout: float = DEFAULT_TWILIO_TIMEOUT,
) -> Any:
    """A ``twilio.rest.Client`` on the async aiohttp client; call it inside the event loop.

    ``api_base_url`` replaces the host of the ``api`` and ``pricing`` domains
    (a local fake of Twilio in tests); edge and region are then ignored so the
    host is not rewritten.
    """
    client = Client(account_sid, auth_token, http_client=AsyncTwilioHttpClient(timeout=timeout))
    if api_base_url:
        base = api_base_url.rstrip("/")
        client.edge = None
        client.region = None
        client.api.base_url = base
        client.pricing.base_url = base
    return client


def provider_price(value: object) -> Decimal | None:
    """A price as Twilio reports it, as a positive amount; ``None`` when absent or malformed.

    Message prices come negative (a debit), number prices positive: both are costs.
    """
    if value is None or value == "":
        return None
    try:
        return abs(Decimal(str(value)))
    except InvalidOperation:
        return None


def _result(instance: Any) -> SendResult:
    segments = instance.num_segments
    return SendResult(
        sid=require_provider_sid(MESSAGE_SID, instance.sid),
        status=str(instance.status),
        segments=int(segments) if segments not in (None, "") else 0,
        price=provider_price(instance.price),
        price_unit=instance.price_unit.upper() if instance.price_unit else None,
        error_code=instance.error_code,
    )


class TwilioTransport(TextSenderMixin):
    """Sends through Twilio's Messages API, with a status callback URL on every message.

    Args:
        client: a ``twilio.rest.Client`` built on ``AsyncTwilioHttpClient``
            (see :func:`build_twilio_client`).
        from_number: the default sender for :meth:`send_text` (MFA codes).
        status_callback: the status callback URL for messages that name none.
    """

    def __init__(
        self,
        client: Any,
        *,
        from_number: str | None = None,
        status_callback: str | None = None,
    ) -> None:
        if not getattr(client.http_client, "is_async", False):
            raise ImproperlyConfigured("TwilioTransport needs a client on AsyncTwilioHttpClient")
        self.client = client
        self.from_number = from_number
        self.status_callback = status_callback

    @classmethod
    def from_settings(
        cls, settings: SmsSettings, *, status_callback: str | None = None
    ) -> TwilioTransport:
        """Build from ``PA_TWILIO_*`` settings; call it inside the running event loop.

        The status callback defaults to ``PA_PUBLIC_BASE_URL`` +
        :data:`DEFAULT_STATUS_CALLBACK_PATH`.

        Raises:
            ImproperlyConfigured: the account sid or auth token is missing.
        """
        if not settings.twilio_account_sid or settings.twilio_auth_token is None:
            raise ImproperlyConfigured(
                "PA_TWILIO_ACCOUNT_SID and PA_TWILIO_AUTH_TOKEN are needed by the Twilio transport"
            )
        client = build_twilio_client(
            settings.twilio_account_sid,
            settings.twilio_auth_token.get_secret_value(),
            api_base_url=settings.twilio_api_base_url,
        )
        return cls(
            client,
            from_number=settings.twilio_from_number,
            status_callback=status_callback
            or settings.public_base_url + DEFAULT_STATUS_CALLBACK_PATH,
        )

    async def send(self, message: OutboundSms) -> SendResult:
        """Create the message at Twilio; see :class:`~pa_sms.transports.base.SmsTransport`."""
        validate_outbound(message)
        callback = message.status_callback or self.status_callback
        with twilio_errors():
            instance = await self.client.messages.create_async(
                to=message.to,
                from_=message.from_,
                body=message.body,
                status_callback=callback if callback else values.unset,
            )
        return _result(instance)

    async def fetch(self, sid: str) -> SendResult:
        """Fetch a message from Twilio (its status and, after delivery, its price)."""
        with twilio_errors():
            instance = await self.client.messages(sid).fetch_async()
        return _result(instance)

    async def close(self) -> None:
        """Close the HTTP session of the client."""
        await self.client.http_client.close()
