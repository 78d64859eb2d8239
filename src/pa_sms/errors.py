"""Errors raised by ``pa_sms``, each a branch of :mod:`pa_core.errors` with a stable ``code``.

Provider failures are translated at one boundary per backend (for Twilio:
``pa_sms.transports.twilio.twilio_errors``); the provider's own numeric code is
kept on :attr:`SmsError.provider_code` for logs and support.

.. code-block:: text

    PAError
    ├── InvalidInput
    │   └── ValidationFailed
    │       ├── InvalidPhoneNumber        invalid_phone_number (field "to")
    │       └── MessageTooLong            message_too_long (field "body")
    ├── Forbidden
    │   ├── InvalidWebhookSignature       invalid_webhook_signature (forged or misaddressed)
    │   └── QuotaExceeded                 sms_quota_exceeded (the month's segments are spent)
    ├── Conflict
    │   ├── RecipientOptedOut             recipient_opted_out (permanent: the person sent STOP)
    │   ├── NumberUnavailable             number_unavailable (someone else bought it first)
    │   └── SmsProviderError              sms_provider_error (permanent, any other provider code)
    └── ServiceUnavailable
        └── SmsRetryableError             sms_provider_unavailable (try again after ``retry_after``)

Every class also derives from :class:`SmsError`, so ``except SmsError`` catches
all of them, and :attr:`SmsError.retryable` tells a queue whether to try again.
"""

from __future__ import annotations

from datetime import date

from pa_core.errors import Conflict, FieldError, Forbidden, ServiceUnavailable, ValidationFailed

__all__ = [
    "DEFAULT_RETRY_AFTER",
    "InvalidPhoneNumber",
    "InvalidWebhookSignature",
    "MessageTooLong",
    "NumberUnavailable",
    "QuotaExceeded",
    "RecipientOptedOut",
    "SmsError",
    "SmsProviderError",
    "SmsRetryableError",
]

DEFAULT_RETRY_AFTER = 5.0
"""Seconds to wait before retrying when the provider does not say."""


class SmsError(Exception):
    """Mixin marking every ``pa_sms`` error; carries the provider's numeric code if any."""

    provider_code: int | None = None
    """The provider's own error code (Twilio's ``21610``, ...), or ``None``."""
    retryable: bool = False
    """Whether sending the same message again later may succeed."""


class InvalidPhoneNumber(ValidationFailed, SmsError):
    """The recipient number is malformed, unknown or cannot receive SMS (Twilio 21211, 21614)."""

    code = "invalid_phone_number"
    title = "Invalid phone number"

    def __init__(
        self,
        detail: str | None = None,
        *,
        field: str = "to",
        provider_code: int | None = None,
    ) -> None:
        message = detail or "is not a valid mobile phone number"
        super().__init__(f"{field}: {message}", [FieldError(field, message)])
        self.provider_code = provider_code


class MessageTooLong(ValidationFailed, SmsError):
    """The message body is over the length cap (1,600 characters; Twilio 21617)."""

    code = "message_too_long"
    title = "Message too long"

    def __init__(
        self,
        detail: str | None = None,
        *,
        limit: int,
        length: int,
        provider_code: int | None = None,
    ) -> None:
        message = detail or f"is {length} characters long; the limit is {limit}"
        super().__init__(f"body: {message}", [FieldError("body", message)])
        self.limit = limit
        self.length = length
        self.provider_code = provider_code


class InvalidWebhookSignature(Forbidden, SmsError):
    """A webhook's ``X-Twilio-Signature`` (or its ``AccountSid``) does not match: refuse it unread.

    One opaque error for every cause (missing, forged, signed for another URL or
    account), so the answer is no oracle.
    """

    code = "invalid_webhook_signature"
    title = "Invalid webhook signature"


class QuotaExceeded(Forbidden, SmsError):
    """The user's monthly segment quota would be exceeded: the message is refused, not sent.

    ``quota`` and ``used`` are segments of the current month (reporting
    timezone); ``resets_on`` is the first day of the next month.
    """

    code = "sms_quota_exceeded"
    title = "Monthly SMS quota exceeded"

    def __init__(
        self, detail: str | None = None, *, quota: int, used: int, resets_on: date
    ) -> None:
        super().__init__(
            detail
            or f"the monthly SMS quota of {quota} segments is used up until {resets_on:%Y-%m-%d}"
        )
        self.quota = quota
        self.used = used
        self.resets_on = resets_on


class RecipientOptedOut(Conflict, SmsError):
    """The recipient replied STOP to this sender; sending is refused until they opt back in."""

    code = "recipient_opted_out"
    title = "Recipient opted out"

    def __init__(self, detail: str | None = None, *, provider_code: int | None = None) -> None:
        super().__init__(detail)
        self.provider_code = provider_code


class NumberUnavailable(Conflict, SmsError):
    """The phone number asked for cannot be bought (any more): Twilio 21422, 21452."""

    code = "number_unavailable"
    title = "Phone number not available"

    def __init__(self, detail: str | None = None, *, provider_code: int | None = None) -> None:
        super().__init__(detail)
        self.provider_code = provider_code


class SmsProviderError(Conflict, SmsError):
    """The provider refused the message for a reason that retrying will not fix."""

    code = "sms_provider_error"
    title = "SMS provider refused the message"

    def __init__(
        self,
        detail: str | None = None,
        *,
        provider_code: int | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.provider_code = provider_code
        self.status = status


class SmsRetryableError(ServiceUnavailable, SmsError):
    """The provider is unreachable, overloaded or rate limiting; retry after ``retry_after`` s."""

    code = "sms_provider_unavailable"
    title = "SMS provider unavailable"
    retryable = True

    def __init__(
        self,
        detail: str | None = None,
        *,
        provider_code: int | None = None,
        status: int | None = None,
        retry_after: float = DEFAULT_RETRY_AFTER,
    ) -> None:
        super().__init__(detail, dependency="sms")
        self.provider_code = provider_code
        self.status = status
        self.retry_after = retry_after
