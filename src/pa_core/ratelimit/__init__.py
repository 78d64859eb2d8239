"""Rate limits (:class:`RateLimiter`) and brute-force back-off (:class:`FailureBackoff`)."""

from pa_core.ratelimit.backoff import (
    DEFAULT_BASE_DELAY,
    DEFAULT_FAILURE_WINDOW,
    DEFAULT_MAX_DELAY,
    DEFAULT_MAX_FAILURES,
    DEFAULT_MAX_FAILURES_ACCOUNT,
    DEFAULT_STRIKE_MEMORY,
    BackoffAttempt,
    BackoffScope,
    FailureBackoff,
    Lockout,
)
from pa_core.ratelimit.limits import RateLimit, RateLimiter

__all__ = [
    "DEFAULT_BASE_DELAY",
    "DEFAULT_FAILURE_WINDOW",
    "DEFAULT_MAX_DELAY",
    "DEFAULT_MAX_FAILURES",
    "DEFAULT_MAX_FAILURES_ACCOUNT",
    "DEFAULT_STRIKE_MEMORY",
    "BackoffAttempt",
    "BackoffScope",
    "FailureBackoff",
    "Lockout",
    "RateLimit",
    "RateLimiter",
]
