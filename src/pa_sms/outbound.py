"""Outbound sending: per-number pacing, retries with back-off, opt-out checks, the message log.

Every message leaves through :class:`OutboundSender`, so each one is paced,
logged (without its body), costed and tracked:

1. the message is validated (E.164 recipient, body length) and its segments
   and encoding counted;
2. nothing goes to a (number, handset) pair that opted out
   (:class:`~pa_sms.errors.RecipientOptedOut`), except a HELP answer;
3. :class:`SegmentRateLimiter` delays it until its sender number has capacity
   (1 segment a second per long code by default): bursts wait, they are never
   refused;
4. the transport sends it with a status callback URL; a retryable failure is
   retried with exponential back-off, a 21610 marks the pair opted out and is
   never retried;
5. the message is logged with an estimated cost until the real price arrives
   (:meth:`OutboundSender.refresh_prices`).

The limiter lives in one process. Several app processes sharing a number each
keep their own pace; a Redis-backed bucket is the way to share it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from pa_core.clock import Clock
from pa_core.errors import NotFound, PermissionDenied
from pa_core.ids import new_id
from pa_sms.errors import RecipientOptedOut, SmsRetryableError
from pa_sms.logsafe import mask_phone
from pa_sms.records.base import Direction, SmsRecord, SmsStore
from pa_sms.records.statuses import TERMINAL_STATUSES
from pa_sms.segments import SegmentInfo, estimate_cost
from pa_sms.transports.base import OutboundSms, SendResult, SmsTransport
from pa_sms.transports.shared import validate_outbound
from pa_sms.usage.pricing import SegmentPricing
from pa_sms.usage.quotas import QuotaGuard

__all__ = [
    "DEFAULT_PRICE_BATCH",
    "DEFAULT_PRICE_DELAY",
    "DEFAULT_PRICE_WINDOW",
    "DEFAULT_SEGMENTS_PER_SECOND",
    "DEFAULT_SEGMENT_PRICE",
    "Monotonic",
    "OutboundSender",
    "RetryPolicy",
    "SegmentRateLimiter",
    "Sleeper",
]

DEFAULT_SEGMENTS_PER_SECOND = 1.0
"""What a US long code may send: one segment a second."""
DEFAULT_SEGMENT_PRICE = Decimal("0.0079")
"""Estimated price of one outbound segment (USD) until the provider reports the real one."""
DEFAULT_PRICE_DELAY = timedelta(minutes=2)
"""How old a message must be before its price is fetched (the provider fills it in late)."""
DEFAULT_PRICE_WINDOW = timedelta(days=3)
"""Messages older than this are not fetched again: their price is not coming."""
DEFAULT_PRICE_BATCH = 100
"""Messages fetched by one :meth:`OutboundSender.refresh_prices` call."""

Sleeper = Callable[[float], Awaitable[None]]
"""Waits that many seconds (``asyncio.sleep``; tests pass a fake that only moves a fake clock)."""
Monotonic = Callable[[], float]
"""Seconds on a clock that never goes back (``time.monotonic``)."""

_logger = logging.getLogger("pa_sms.outbound")


class SegmentRateLimiter:
    """A token bucket per sender number (GCRA): ``rate`` segments a second, bursts of ``burst``.

    :meth:`acquire` never refuses: it waits until the sender has capacity. Each
    caller reserves its slot before sleeping, so concurrent callers are served
    in arrival order and the rate holds however many wait.
    """

    def __init__(
        self,
        rate: float = DEFAULT_SEGMENTS_PER_SECOND,
        burst: int = 1,
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleeper = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = rate
        self.burst = burst
        self._monotonic = monotonic
        self._sleep = sleep
        self._tat: dict[str, float] = {}

    def reserve(self, sender: str, segments: int = 1) -> float:
        """Book ``segments`` for ``sender``; return how many seconds to wait before sending."""
        now = self._monotonic()
        interval = 1.0 / self.rate
        tolerance = (self.burst - 1) * interval
        start = max(self._tat.get(sender, now), now)
        self._tat[sender] = start + max(segments, 1) * interval
        self._forget_idle(now)
        return max(0.0, start - tolerance - now)

    async def acquire(self, sender: str, segments: int = 1) -> float:
        """Wait until ``sender`` may send ``segments``; return the seconds waited."""
        wait = self.reserve(sender, segments)
        if wait > 0:
            await self._sleep(wait)
        return wait

    def _forget_idle(self, now: float) -> None:
        if len(self._tat) > 1024:
            for key in [k for k, tat in self._tat.items() if tat < now]:
                del self._tat[key]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential back-off for retryable send failures.

    Attempt ``n`` (from 1) that fails waits ``base_delay * 2 ** (n - 1)``
    seconds, at least the provider's ``retry_after`` and at most ``max_delay``,
    before attempt ``n + 1``; after ``max_attempts`` the error is raised.
    """

    max_attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float = 0.0) -> float:
        """Seconds to wait after failed attempt ``attempt``."""
        return float(min(self.max_delay, max(self.base_delay * 2 ** (attempt - 1), retry_after)))


class OutboundSender:
    """Sends text messages from our numbers; see the module docstring for the steps.

    Args:
        transport: hands messages to the carrier.
        store: the message log and the opt-outs.
        clock: times in the log.
        limiter: the per-number pace.
        retry: back-off for retryable failures.
        status_callback: URL set on every message for delivery updates.
        segment_price: estimated price of one segment, in ``price_unit``.
        sleep: waits between retries (tests pass a fake).
        pricing: estimates by country and direction (else ``segment_price`` flat).
        quota: checked before a user's message is sent (HELP answers are exempt).
    """

    def __init__(
        self,
        transport: SmsTransport,
        store: SmsStore,
        clock: Clock,
        *,
        limiter: SegmentRateLimiter | None = None,
        retry: RetryPolicy | None = None,
        status_callback: str | None = None,
        segment_price: Decimal = DEFAULT_SEGMENT_PRICE,
        price_unit: str = "USD",
        sleep: Sleeper = asyncio.sleep,
        pricing: SegmentPricing | None = None,
        quota: QuotaGuard | None = None,
    ) -> None:
        self.transport = transport
        self.store = store
        self.clock = clock
        self.limiter = limiter or SegmentRateLimiter(sleep=sleep)
        self.retry = retry or RetryPolicy()
        self.status_callback = status_callback
        self.segment_price = segment_price
        self.price_unit = price_unit
        self._sleep = sleep
        self.pricing = pricing
        self.quota = quota

    def estimate(self, direction: Direction, number: str, segments: int) -> Decimal:
        """Estimated cost of a message to/at ``number``: :attr:`pricing`, else the flat price."""
        if self.pricing is not None:
            return self.pricing.estimate(direction, number, segments)
        return estimate_cost(segments, self.segment_price)

    async def send(
        self,
        *,
        from_number: str,
        to: str,
        body: str,
        user_id: str | None = None,
        number_id: str | None = None,
        allow_opted_out: bool = False,
        opted_out: bool | None = None,
    ) -> SmsRecord:
        """Send ``body`` from ``from_number`` to ``to`` and log it; return the log record.

        ``allow_opted_out`` is for the answer to HELP/INFO only, which carriers
        require even to an opted-out handset. ``opted_out`` is the pair's
        opt-out as the caller just read it (so it is read once); ``None``: read here.

        Raises:
            InvalidPhoneNumber, ValidationFailed, MessageTooLong: a bad message.
            RecipientOptedOut: the pair opted out (now or, 21610, at the provider).
            QuotaExceeded: the user's monthly segment quota is used up.
            SmsRetryableError: still failing after every retry.
            SmsProviderError: a permanent refusal.
        """
        message = OutboundSms(
            to=to, from_=from_number, body=body, status_callback=self.status_callback
        )
        info = validate_outbound(message)
        if opted_out is None and not allow_opted_out:
            opted_out = await self.store.is_opted_out(from_number, to)
        if opted_out and not allow_opted_out:
            raise RecipientOptedOut(
                f"{mask_phone(to)} opted out of messages from {mask_phone(from_number)}"
            )
        if self.quota is not None and user_id is not None and not allow_opted_out:
            await self.quota.check(user_id, info.segments)
        await self.limiter.acquire(from_number, info.segments)
        result = await self._deliver(message)
        record = self._log_record(message, info, result, user_id=user_id, number_id=number_id)
        await self.store.add_message(record)
        return record

    async def _deliver(self, message: OutboundSms) -> SendResult:
        """Hand ``message`` to the transport, retrying retryable failures with back-off.

        Raises:
            RecipientOptedOut: the provider refused (21610); the opt-out is recorded.
            SmsRetryableError: still failing after every retry.
            SmsProviderError: a permanent refusal.
        """
        from_number, to = message.from_, message.to
        attempt = 1
        while True:
            try:
                return await self.transport.send(message)
            except RecipientOptedOut:
                await self.store.set_opt_out(from_number, to, self.clock.now())
                raise
            except SmsRetryableError as exc:
                if attempt >= self.retry.max_attempts:
                    raise
                delay = self.retry.delay(attempt, exc.retry_after)
                _logger.warning(
                    "SMS to %s from %s failed (attempt %d, %s); retrying in %.1f s",
                    mask_phone(to),
                    mask_phone(from_number),
                    attempt,
                    exc.code,
                    delay,
                )
                await self._sleep(delay)
                attempt += 1

    def _log_record(
        self,
        message: OutboundSms,
        info: SegmentInfo,
        result: SendResult,
        *,
        user_id: str | None,
        number_id: str | None,
    ) -> SmsRecord:
        """The log record of a sent message, priced by the provider or estimated."""
        now = self.clock.now()
        segments = result.segments or info.segments
        return SmsRecord(
            id=new_id(now),
            sid=result.sid,
            direction="outbound",
            from_number=message.from_,
            to_number=message.to,
            user_id=user_id,
            number_id=number_id,
            segments=segments,
            encoding=info.encoding,
            status=result.status,
            created_at=now,
            updated_at=now,
            error_code=result.error_code,
            price=result.price,
            price_unit=result.price_unit if result.price is not None else None,
            estimated_cost=self.estimate("outbound", message.to, segments),
            completed_at=now if result.status in TERMINAL_STATUSES else None,
        )

    async def send_as_user(self, user_id: str, from_number: str, to: str, body: str) -> SmsRecord:
        """Send from one of ``user_id``'s own active numbers, never anyone else's.

        Raises:
            PermissionDenied: ``from_number`` is not an active number of ``user_id``.
            (and whatever :meth:`send` raises)
        """
        number = await self.store.active_number(from_number)
        if number is None or number.user_id != user_id:
            raise PermissionDenied("you can only send from your own number")
        return await self.send(
            from_number=from_number, to=to, body=body, user_id=user_id, number_id=number.id
        )

    async def refresh_prices(
        self,
        *,
        delay: timedelta = DEFAULT_PRICE_DELAY,
        window: timedelta = DEFAULT_PRICE_WINDOW,
        limit: int = DEFAULT_PRICE_BATCH,
    ) -> int:
        """Fetch the real price (and latest status) of logged messages that lack one.

        Call it periodically: the provider fills a price in only after delivery.
        Returns how many prices were stored; stops early if the provider is down.
        """
        now = self.clock.now()
        pending = await self.store.messages_without_price(
            after=now - window, before=now - delay, limit=limit
        )
        stored = 0
        for record in pending:
            try:
                result = await self.transport.fetch(record.sid)
            except NotFound:
                continue
            except SmsRetryableError:
                break
            await self.store.advance_status(record.sid, result.status, now, result.error_code)
            if result.price is not None:
                await self.store.set_price(record.sid, result.price, result.price_unit, now)
                stored += 1
        return stored
