"""One-time codes sent by text message: to confirm a phone number, or as a second factor.

:class:`SmsCodeService` keeps at most one live code per ``(purpose, subject)``
in a :class:`~pa_core.kv.base.KeyValueStore` (Redis in production), stored as an
HMAC, never in clear. A code lives :data:`DEFAULT_CODE_TTL`, allows
:data:`DEFAULT_MAX_ATTEMPTS` tries and is spent by its first correct use.
Against SMS pumping, a code goes only to a mobile number of an allowed country
(:class:`~pa_core.phones.SmsDestinationPolicy`), sending is rate limited per
subject and per phone number (:class:`SmsCodeLimits`), and the whole service
sends at most ``codes_per_day`` codes per UTC day (:data:`DEFAULT_CODES_PER_DAY`).
The code never reaches a log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from pa_core.clock import Clock
from pa_core.errors import ImproperlyConfigured, InvalidMfaCode, RateLimited
from pa_core.kv.base import KeyValueStore
from pa_core.phones import SmsDestinationPolicy, mask_phone
from pa_core.sms import SmsSender

__all__ = [
    "CODE_DIGITS",
    "DEFAULT_CODES_PER_DAY",
    "DEFAULT_CODE_TTL",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_MESSAGE",
    "DEFAULT_PHONE_LIMITS",
    "DEFAULT_SUBJECT_LIMITS",
    "KEY_PURPOSE",
    "MIN_HMAC_KEY_LENGTH",
    "SendLimit",
    "SmsCodeLimits",
    "SmsCodeService",
]

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
"""Digits in a code."""

DEFAULT_CODE_TTL = timedelta(minutes=10)
"""How long a code stays valid."""

DEFAULT_MAX_ATTEMPTS = 5
"""Tries allowed per code; the code is dead after the last wrong one."""

KEY_PURPOSE = "sms-codes"
"""Purpose name for the hash key: ``settings.purpose_key(KEY_PURPOSE)``."""

MIN_HMAC_KEY_LENGTH = 16
"""Shortest key accepted for the code hashes (bytes)."""

DEFAULT_MESSAGE = "Your verification code is {code}"
"""Text of the message; ``{code}`` is replaced by the code."""

DEFAULT_CODES_PER_DAY = 1000
"""Codes the whole service may send per UTC day (``PA_SMS_CODES_PER_DAY``)."""

_DAY_KEY_GRACE = timedelta(hours=1)
"""A day's counter outlives its day by this much (clocks of several processes differ a little)."""


@dataclass(frozen=True, slots=True)
class SendLimit:
    """At most ``count`` messages per fixed ``window``."""

    count: int
    window: timedelta

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ImproperlyConfigured("a send limit needs a count of at least 1")
        if self.window < timedelta(seconds=1):
            raise ImproperlyConfigured("a send limit needs a window of at least one second")


DEFAULT_SUBJECT_LIMITS = (
    SendLimit(1, timedelta(minutes=1)),
    SendLimit(5, timedelta(hours=1)),
    SendLimit(10, timedelta(days=1)),
)
"""Default limits per subject (user): one a minute, five an hour, ten a day."""

DEFAULT_PHONE_LIMITS = DEFAULT_SUBJECT_LIMITS
"""Default limits per destination number: one a minute, five an hour, ten a day."""


@dataclass(frozen=True, slots=True)
class SmsCodeLimits:
    """Send limits applied to each subject and to each destination number."""

    per_subject: Sequence[SendLimit] = field(default=DEFAULT_SUBJECT_LIMITS)
    per_phone: Sequence[SendLimit] = field(default=DEFAULT_PHONE_LIMITS)


_PURPOSE = re.compile(r"[a-z0-9_.-]{1,64}")
_SEPARATORS = re.compile(r"[\s-]")


class SmsCodeService:
    """Sends one-time codes by SMS and verifies them.

    Args:
        store: where codes, try counters and send counters live (namespace it).
        sender: the SMS transport.
        clock: the time source (also the one a memory store uses).
        hmac_key: secret key for the code and phone-number hashes, e.g.
            ``settings.purpose_key(KEY_PURPOSE)``.
        ttl: lifetime of a code.
        max_attempts: tries per code.
        limits: send limits per subject and per phone number.
        message: message template with a ``{code}`` placeholder.
        destinations: which numbers may be texted (default: mobile numbers of
            the US, Canada and the EU).
        codes_per_day: codes the whole service may send per UTC day, counted
            in ``store`` (every process must share it); ``None`` for no cap.
    """

    def __init__(
        self,
        store: KeyValueStore,
        sender: SmsSender,
        clock: Clock,
        hmac_key: bytes,
        *,
        ttl: timedelta = DEFAULT_CODE_TTL,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        limits: SmsCodeLimits | None = None,
        message: str = DEFAULT_MESSAGE,
        destinations: SmsDestinationPolicy | None = None,
        codes_per_day: int | None = DEFAULT_CODES_PER_DAY,
    ) -> None:
        if len(hmac_key) < MIN_HMAC_KEY_LENGTH:
            raise ImproperlyConfigured(f"hmac_key must be at least {MIN_HMAC_KEY_LENGTH} bytes")
        if ttl <= timedelta(0):
            raise ImproperlyConfigured("ttl must be positive")
        if max_attempts < 1:
            raise ImproperlyConfigured("max_attempts must be at least 1")
        if "{code}" not in message:
            raise ImproperlyConfigured("message must contain the {code} placeholder")
        if codes_per_day is not None and codes_per_day < 0:
            raise ImproperlyConfigured("codes_per_day must not be negative")
        self.store = store
        self.sender = sender
        self.clock = clock
        self.ttl = ttl
        self.max_attempts = max_attempts
        self.limits = limits or SmsCodeLimits()
        self.message = message
        self.destinations = destinations or SmsDestinationPolicy()
        self.codes_per_day = codes_per_day
        self._key = hmac_key

    async def send(self, purpose: str, subject: str, phone: str) -> None:
        """Text a new code to ``phone``; it replaces any live code of ``(purpose, subject)``.

        Args:
            purpose: what the code is for (``"mfa-setup"``, ``"login"``): lowercase
                letters, digits, ``_ . -``.
            subject: whom it is for, usually the user id.
            phone: the destination number (normalised to E.164 here).

        Raises:
            RateLimited: too many messages to this subject or this number lately,
                or the service's daily cap is spent (retry at the next UTC day).
            ValidationFailed: on ``phone``: not a valid number, not a mobile
                number, or a country not allowed (:attr:`destinations`).
            PAError: whatever the sender raises; the new code is then discarded.
            ServiceUnavailable: the store cannot be reached.
        """
        _check_purpose(purpose)
        phone = self.destinations.check(phone)
        await self._charge(f"send:subject:{subject}", self.limits.per_subject)
        await self._charge(f"send:phone:{self._digest('phone', phone)}", self.limits.per_phone)
        await self._charge_day()

        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        entry = {
            "id": secrets.token_urlsafe(12),
            "hash": self._digest(purpose, subject, code),
            "phone": phone,
        }
        key = _code_key(purpose, subject)
        await self.store.set(key, json.dumps(entry), self.ttl)
        try:
            await self.sender.send_text(phone, self.message.format(code=code))
        except Exception:
            await self.store.delete(key)
            raise
        logger.info(
            "verification code sent",
            extra={"purpose": purpose, "subject": subject, "phone": mask_phone(phone)},
        )

    async def verify(self, purpose: str, subject: str, code: str) -> str:
        """Check ``code`` for ``(purpose, subject)``; spend it and return its phone number.

        Each attempt takes one of the code's tries before comparing, so
        concurrent guesses get no more tries than sequential ones; after the
        last wrong try the code is deleted. A correct code is removed with
        ``get_and_delete``: of concurrent correct uses exactly one succeeds.

        Returns:
            The E.164 number the code was sent to (the number now confirmed).

        Raises:
            InvalidMfaCode: no live code, wrong code, out of tries, or already used.
            ServiceUnavailable: the store cannot be reached.
        """
        _check_purpose(purpose)
        key = _code_key(purpose, subject)
        raw = await self.store.get(key)
        if raw is None:
            raise InvalidMfaCode()
        entry = json.loads(raw)
        tries_key = f"tries:{entry['id']}"
        tries = await self.store.increment(tries_key, ttl=self.ttl)
        if tries > self.max_attempts:
            await self.store.delete(key)
            raise InvalidMfaCode()
        candidate = _SEPARATORS.sub("", code)
        if hmac.compare_digest(self._digest(purpose, subject, candidate), entry["hash"]):
            if await self.store.get_and_delete(key) != raw:
                raise InvalidMfaCode()  # spent concurrently, or replaced by a new code
            await self.store.delete(tries_key)
            phone: str = entry["phone"]
            return phone
        if tries >= self.max_attempts:
            await self.store.delete(key)
        raise InvalidMfaCode()

    async def discard(self, purpose: str, subject: str) -> None:
        """Void the live code of ``(purpose, subject)``, if any."""
        _check_purpose(purpose)
        await self.store.delete(_code_key(purpose, subject))

    async def _charge(self, scope: str, limits: Sequence[SendLimit]) -> None:
        """Count one send against each limit, shortest window first (fixed windows)."""
        for limit in sorted(limits, key=lambda item: item.window):
            key = f"{scope}:{int(limit.window.total_seconds())}"
            if await self.store.increment(key, ttl=limit.window) > limit.count:
                left = await self.store.expires_in(key)
                raise RateLimited((left or limit.window).total_seconds())

    async def _charge_day(self) -> None:
        """Count one send against the service's daily cap; alert once when it is reached."""
        if self.codes_per_day is None:
            return
        now = self.clock.now().astimezone(UTC)
        next_day = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=UTC)
        left = next_day - now
        key = f"send:day:{now.date().isoformat()}"
        sent = await self.store.increment(key, ttl=left + _DAY_KEY_GRACE)
        if sent <= self.codes_per_day:
            return
        if sent == self.codes_per_day + 1:  # exactly one refusal across every process sees this
            logger.error(
                "daily SMS code cap reached: no more codes until the next UTC day",
                extra={"cap": self.codes_per_day, "day": now.date().isoformat()},
            )
        raise RateLimited(left.total_seconds())

    def _digest(self, *parts: str) -> str:
        message = "\x00".join(parts).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


def _check_purpose(purpose: str) -> None:
    if _PURPOSE.fullmatch(purpose) is None:
        raise ImproperlyConfigured("purpose must be 1-64 of a-z 0-9 _ . -")


def _code_key(purpose: str, subject: str) -> str:
    return f"code:{purpose}:{subject}"
