"""Where the test suite finds PostgreSQL and Redis, and what it does when they are missing.

``PA_TEST_DATABASE_URL`` (an asyncpg URL of a server where we may create
databases) and ``PA_TEST_REDIS_URL`` default to the local services. When
``CI=true`` or ``PA_REQUIRE_SERVICES=1`` a missing service fails the run;
otherwise the tests that need it are skipped with a message saying how to enable them.
"""

from __future__ import annotations

import os
import secrets
import socket
from urllib.parse import urlsplit

import pytest

POSTGRES_URL = os.environ.get(
    "PA_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("PA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def services_required() -> bool:
    """Whether a missing service must fail rather than skip."""
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("PA_REQUIRE_SERVICES") in {
        "1",
        "true",
        "yes",
    }


def reachable(url: str) -> bool:
    """Whether something listens at the host and port of ``url``."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), 1):
            return True
    except OSError:
        return False


def need(url: str, name: str, variable: str) -> None:
    """Skip (or fail, when services are required) unless ``url`` is reachable."""
    if reachable(url):
        return
    message = (
        f"{name} is not reachable at {url}; start it or set {variable} "
        "(set PA_REQUIRE_SERVICES=1 to make this a failure)"
    )
    if services_required():
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def unique_name(prefix: str) -> str:
    """A name no other test run uses."""
    return f"{prefix}_{secrets.token_hex(6)}"
