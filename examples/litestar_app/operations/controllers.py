"""``/health`` (the process lives), ``/ready`` (its dependencies answer) and the JWK Set."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from examples.litestar_app.operations.providers import jwks_dependencies, ready_dependencies
from pa_core.database import Database
from pa_core.errors import NotFound, ServiceUnavailable
from pa_core.kv import KeyValueStore
from pa_core.tokens import TokenService

__all__ = ["health", "jwks", "ready"]

READY_CHECK_TIMEOUT = 2.0
"""Seconds a dependency may take to answer the readiness probe."""


@get("/health", tags=["operations"], summary="The process is alive", sync_to_thread=False)
def health() -> dict[str, str]:
    """Answers while the process lives."""
    return {"status": "ok"}


async def _check(probe: Callable[[], Awaitable[None]]) -> str:
    try:
        with anyio.fail_after(READY_CHECK_TIMEOUT):
            await probe()
    except ServiceUnavailable as exc:
        return f"unavailable: {exc.detail}"
    except TimeoutError:
        return "unavailable: no answer within the timeout"
    return "ok"


@get(
    "/ready",
    tags=["operations"],
    summary="The dependencies answer",
    dependencies=ready_dependencies,
)
async def ready(
    database: NamedDependency[Database], kv: NamedDependency[KeyValueStore]
) -> Response[dict[str, Any]]:
    """``200`` when the database and the session store answer, else ``503`` naming the failure."""
    checks = {
        "database": await _check(database.ping),
        "session_store": await _check(kv.ping),
    }
    healthy = all(v == "ok" for v in checks.values())
    return Response(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status_code=HTTP_200_OK if healthy else HTTP_503_SERVICE_UNAVAILABLE,
    )


@get(
    "/.well-known/jwks.json",
    tags=["auth"],
    summary="Public token-verification keys",
    dependencies=jwks_dependencies,
)
async def jwks(tokens: NamedDependency[TokenService]) -> Response[dict[str, list[dict[str, str]]]]:
    """The JWK Set of the public keys; ``404`` when tokens are signed with a shared secret."""
    key_set = tokens.keys.jwks()
    if not key_set["keys"]:
        raise NotFound("tokens are signed with a shared secret; no public key to publish")
    return Response(key_set, status_code=HTTP_200_OK, headers={"Cache-Control": "max-age=300"})
