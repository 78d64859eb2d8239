"""Where a message stands in its life: statuses only move forward.

So a late ``sent`` never overwrites ``delivered``, and one terminal status
never replaces another (:func:`is_forward`).
"""

from __future__ import annotations

__all__ = [
    "INBOUND_STATUSES",
    "TERMINAL_STATUSES",
    "is_forward",
    "status_rank",
    "statuses_not_before",
]

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
