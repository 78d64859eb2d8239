"""The records ``pa_sms`` keeps and their store: numbers, webhooks, the message log, opt-outs.

The message log holds no bodies: what was said lives only in the user's
conversation. Statuses only move forward (see :mod:`pa_sms.records.statuses`).
:class:`SmsStore` is the contract; :mod:`pa_sms.records.memory` and
:mod:`pa_sms.records.sqlalchemy` implement it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal, Protocol, runtime_checkable

__all__ = [
    "Direction",
    "InboundRoute",
    "NumberStatus",
    "PhoneNumber",
    "RouteOutcome",
    "SmsRecord",
    "SmsStore",
    "WebhookConfig",
]

Direction = Literal["inbound", "outbound"]
NumberStatus = Literal["active", "released"]


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A number bought for one user (``user_id`` is ``None`` once that user is erased)."""

    id: str
    user_id: str | None
    phone_number: str
    provider_sid: str
    status: NumberStatus
    capabilities: dict[str, bool]
    provisioned_at: datetime
    released_at: datetime | None = None
    monthly_price: Decimal | None = None
    price_unit: str | None = None
    friendly_name: str | None = None

    @property
    def active(self) -> bool:
        """Whether the number still routes messages."""
        return self.status == "active"


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """What we set at the provider for one number, when we last checked, and any drift found.

    ``drift`` is ``None`` while the provider holds exactly these settings, else a
    short description of the difference found by the last reconcile.
    """

    number_id: str
    phone_number: str
    sms_url: str
    sms_fallback_url: str
    status_callback_url: str
    method: str = "POST"
    last_verified_at: datetime | None = None
    drift: str | None = None


@dataclass(frozen=True, slots=True)
class SmsRecord:
    """One message in the log: who, which number, how big, its status and cost; never the body.

    ``estimated_cost`` is filled in when the message is logged (segments times
    the configured price); ``price`` once the provider reports the real one.
    """

    id: str
    sid: str
    direction: Direction
    from_number: str
    to_number: str
    user_id: str | None
    number_id: str | None
    segments: int
    encoding: str
    status: str
    created_at: datetime
    updated_at: datetime
    error_code: int | None = None
    price: Decimal | None = None
    price_unit: str | None = None
    estimated_cost: Decimal | None = None
    completed_at: datetime | None = None


RouteOutcome = Literal["logged", "duplicate", "unrouted", "own_number"]
"""What :meth:`SmsStore.log_inbound` did with an inbound message."""


@dataclass(frozen=True, slots=True)
class InboundRoute:
    """Where an inbound message went: ``logged`` for the owner of ``number_id``, or why not.

    ``duplicate``: its sid was logged already; ``unrouted``: no active, owned
    number there; ``own_number``: the sender is one of our active numbers.
    """

    outcome: RouteOutcome
    number_id: str | None = None
    user_id: str | None = None


@runtime_checkable
class SmsStore(Protocol):
    """Keeps who owns which number and what every message did; each call is atomic.

    Backends raise :class:`pa_core.errors.ServiceUnavailable` when unreachable,
    never a driver exception.
    """

    # --- numbers -------------------------------------------------------------------

    async def add_number(self, number: PhoneNumber, webhook: WebhookConfig) -> None:
        """Store a newly provisioned number with its webhook settings.

        Raises:
            Conflict: a number with this provider sid is already stored.
        """
        ...

    async def get_number(self, number_id: str) -> PhoneNumber | None:
        """The number with ``number_id`` (active or released), or ``None``."""
        ...

    async def active_number(self, phone_number: str) -> PhoneNumber | None:
        """The active number whose E.164 value is ``phone_number``: the routing lookup."""
        ...

    async def active_numbers(self, phone_numbers: Sequence[str]) -> dict[str, PhoneNumber]:
        """The active numbers among ``phone_numbers``, by E.164 value (one lookup for several)."""
        ...

    async def list_numbers(
        self, *, user_id: str | None = None, active_only: bool = True
    ) -> list[PhoneNumber]:
        """Numbers, oldest first: all, or one user's; only active ones unless told otherwise."""
        ...

    async def release_number(self, number_id: str, at: datetime) -> PhoneNumber:
        """Mark a number released at ``at``, drop its webhook settings and its opt-outs.

        Releasing a released number changes nothing and returns it.

        Raises:
            NotFound: no number ``number_id``.
        """
        ...

    async def get_webhook(self, number_id: str) -> WebhookConfig | None:
        """The webhook settings stored for a number, or ``None``."""
        ...

    async def save_webhook(self, config: WebhookConfig) -> None:
        """Replace the webhook settings of ``config.number_id``."""
        ...

    # --- message log ---------------------------------------------------------------

    async def add_message(self, record: SmsRecord) -> bool:
        """Log a message; ``False`` (and nothing changed) when its sid is already logged."""
        ...

    async def log_inbound(self, record: SmsRecord) -> InboundRoute:
        """Route an inbound message by its ``to_number`` and log it, in one atomic step.

        The record is logged with the owner and id of the active number it was
        sent to (``record.user_id`` and ``record.number_id`` are ignored), unless
        its sid is logged already (``duplicate``), no active number with an
        owner is there (``unrouted``), or its sender is one of our active
        numbers (``own_number``, the loop guard); nothing is logged then.
        """
        ...

    async def get_message(self, sid: str) -> SmsRecord | None:
        """The logged message with provider sid ``sid``, or ``None``."""
        ...

    async def advance_status(
        self, sid: str, status: str, at: datetime, error_code: int | None = None
    ) -> bool:
        """Move a message to ``status`` only if that is later in its life than the current one.

        Records ``error_code`` with the move and ``at`` as ``completed_at`` when
        the status is terminal. Returns whether anything changed (``False`` for
        an unknown sid, a repeated or an older status).
        """
        ...

    async def set_price(self, sid: str, price: Decimal, unit: str | None, at: datetime) -> None:
        """Record the price the provider reported for a message (unknown sid: no-op)."""
        ...

    async def messages_without_price(
        self, *, after: datetime, before: datetime, limit: int
    ) -> list[SmsRecord]:
        """Outbound messages created in ``[after, before)`` whose price is unknown, oldest first."""
        ...

    # --- opt-outs --------------------------------------------------------------------

    async def set_opt_out(self, number: str, handset: str, at: datetime) -> None:
        """Record that ``handset`` opted out of messages from ``number`` (idempotent)."""
        ...

    async def clear_opt_out(self, number: str, handset: str) -> bool:
        """Opt ``handset`` back in to ``number``; return whether it was opted out."""
        ...

    async def is_opted_out(self, number: str, handset: str) -> bool:
        """Whether nothing may be sent from ``number`` to ``handset``."""
        ...

    async def reply_context(self, number: str, handset: str) -> tuple[PhoneNumber | None, bool]:
        """The active number ``number`` (``None`` if released or unknown) and whether
        ``handset`` opted out of it: what a reply needs, in one lookup."""
        ...
