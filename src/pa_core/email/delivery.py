"""How a sender reports a failed delivery: one log line without the body, one error."""

from __future__ import annotations

import logging

from pa_core.email.base import EmailMessage
from pa_core.errors import ServiceUnavailable

__all__ = ["delivery_failed", "logger"]

logger = logging.getLogger("pa_core.email")
"""The logger every sender reports failures to."""


def delivery_failed(message: EmailMessage, backend: str, reason: str) -> ServiceUnavailable:
    """Log a failed delivery (recipient, subject, reason; never the body) and build the error.

    The caller raises the result, chained: ``raise delivery_failed(...) from exc``.
    """
    logger.error(
        "email delivery failed: backend=%s to=%s subject=%r reason=%s",
        backend,
        message.to,
        message.subject,
        reason,
    )
    return ServiceUnavailable("The email could not be sent; try again later.", dependency="email")
