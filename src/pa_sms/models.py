"""The records ``pa_sms`` keeps: users' numbers, their webhook settings, and the message log.

The message log holds no bodies: what was said lives only in the user's
conversation. Statuses only move forward (see :func:`status_rank`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pa_sms.logsafe import mask_phone

__all__ = [
    "INBOUND_STATUSES",
    "TERMINAL_STATUSES",
    "Direction",
    "InboundRoute",
    "InboundSms",
    "NumberStatus",
    "PhoneNumber",
    "RouteOutcome",
    "SmsRecord",
    "WebhookConfig",
    "is_forward",
    "status_rank",
    "statuses_not_before",
]

Direction = Literal["inbound", "outbound"]
NumberStatus = Literal["active", "released"]

_RANKS: dict[str, int] = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 5,
    "receiving": 1,
    "received": 2,
}

TERMINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "canceled", "read"})
"""Statuses after which a message does not change any more (``read`` follows ``delivered``)."""
INBOUND_STATUSES = frozenset({"receiving", "received"})
"""Statuses of a message we received."""


def status_rank(status: str) -> int:
    """Where ``status`` stands in a message's life (``queued`` 1 ... ``delivered`` 4).

    An unknown status ranks ``-1``: it never replaces a known one.
    """
    return _RANKS.get(status, -1)


def statuses_not_before(status: str) -> frozenset[str]:
    """The known statuses ``status`` may not replace: those at its rank or later."""
    rank = status_rank(status)
    return frozenset(name for name, r in _RANKS.items() if r >= rank)


def is_forward(current: str, new: str) -> bool:
    """Whether a message may move from ``current`` to ``new`` (strictly later, never sideways).

    So a late ``sent`` never overwrites ``delivered``, and one terminal status
    never replaces another.
    """
    return status_rank(new) > status_rank(current)


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


RouteOutcome = Literal["logged", "duplicate", "unrouted", "own_number"]
"""What :meth:`~pa_sms.stores.base.SmsStore.log_inbound` did with an inbound message."""


@dataclass(frozen=True, slots=True)
class InboundRoute:
    """Where an inbound message went: ``logged`` for the owner of ``number_id``, or why not.

    ``duplicate``: its sid was logged already; ``unrouted``: no active, owned
    number there; ``own_number``: the sender is one of our active numbers.
    """

    outcome: RouteOutcome
    number_id: str | None = None
    user_id: str | None = None
