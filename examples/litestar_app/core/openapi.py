"""The OpenAPI document completed: the bearer scheme and every problem answer per operation.

Litestar documents each route's success answer from its signature. This module
adds, to every operation of the app, before the document is first built:

- ``security: [{"bearerAuth": []}]`` when the route needs a caller (it asks for
  ``principal`` or has a permission guard), so the interactive docs offer
  "Authorize";
- the problem answers that can happen there, each with the schema of the
  problem document the app really sends (:class:`ProblemOut`, media type
  ``application/problem+json``): ``400``/``413``/``422`` where there is a body
  or a parameter, ``401`` and ``403`` on protected routes and guarded ones,
  ``404`` with a path parameter, ``409`` and ``429`` where the contract has
  them, ``503`` everywhere a backend is read.
"""

from __future__ import annotations

import msgspec
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Components, SecurityScheme
from litestar.routes import HTTPRoute

from examples.litestar_app.core.problems import PROBLEM_CONTENT_TYPE

__all__ = [
    "BEARER",
    "FieldErrorOut",
    "ProblemOut",
    "bearer_components",
    "document_operations",
    "problem_statuses",
]

BEARER = "bearerAuth"
"""The name of the security scheme: ``Authorization: Bearer <access_token>``."""

_PUBLIC_PATHS = frozenset({"/health", "/ready", "/metrics"})
"""Answer without reading a backend that could be down (``/ready`` reports it in its body)."""

_WEBHOOK_PREFIX = "/sms/"
"""Twilio's webhooks: ``403`` unsigned, ``413`` over 64 KiB, ``400`` malformed sids."""

_CONFLICTS = (
    ("POST", "/api/v1/auth/register"),
    ("PUT", "/api/v1/admin/users/{user_id}/roles"),
    ("POST", "/api/v1/admin/sms/numbers"),
    ("POST", "/api/v1/users/me/phone"),
)
"""Operations with a ``409`` in the contract (email taken, last administrator, ...)."""

_RATE_LIMITED_PREFIXES = ("/api/v1/auth/", "/api/v1/users/me/phone")
"""Write operations under these paths are rate limited (``429`` with ``Retry-After``)."""

_DESCRIPTIONS = {
    400: "Malformed request: the body is not JSON, or is empty where a field is required",
    401: "Not authenticated: no, or a bad, expired or revoked access token",
    403: "Permission denied",
    404: "Not found (another user's resource answers the same)",
    409: "Conflict with the current state",
    413: "Payload too large (over 1 MiB)",
    422: "Validation failed: `errors` names each field",
    429: "Too many requests: see `Retry-After`",
    503: "A backend (database, session store) is unavailable",
}


class FieldErrorOut(msgspec.Struct):
    """One field at fault."""

    field: str
    message: str


class ProblemOut(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem document, as every error is answered."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldErrorOut] | None = None
    rule: str | None = None
    dependency: str | None = None


def bearer_components() -> Components:
    """The components of the document: the bearer security scheme."""
    return Components(
        security_schemes={
            BEARER: SecurityScheme(
                type="http",
                scheme="bearer",
                bearer_format="JWT",
                description="The access token of `POST /api/v1/auth/login`",
            )
        }
    )


_NOT_INPUT = frozenset({"self", "request", "state", "scope", "socket", "data", "principal"})


def _inputs(handler: HTTPRouteHandler) -> set[str]:
    """The query, path and header parameters of a route (neither dependencies nor its body)."""
    dependencies = set(handler.resolve_dependencies())
    return set(handler.parsed_fn_signature.parameters) - dependencies - _NOT_INPUT


def _protected(handler: HTTPRouteHandler) -> bool:
    return "principal" in handler.parsed_fn_signature.parameters or bool(handler.resolve_guards())


_EXTRA = {("GET", "/.well-known/jwks.json"): {404}}
"""Answers particular to one operation: no JWKS while tokens are signed with HMAC keys."""


def problem_statuses(method: str, path: str, handler: HTTPRouteHandler) -> list[int]:
    """The problem answers an operation can give, from what it reads and the contract."""
    if path in _PUBLIC_PATHS:
        return []
    if (method, path) in _EXTRA:
        return sorted({503} | _EXTRA[method, path])
    has_body = "data" in handler.parsed_fn_signature.parameters
    statuses = {503}
    if path.startswith(_WEBHOOK_PREFIX):  # Twilio's: signed forms, read with a cap
        return sorted({400, 403, 413, 503})
    if has_body:
        statuses |= {400, 413, 422}
    if _inputs(handler):
        statuses |= {400, 422}  # Litestar's own 400 is replaced by the problem document
    if _protected(handler):
        statuses.add(401)
    if handler.resolve_guards():
        statuses.add(403)
    if "{" in path:
        statuses.add(404)
    if (method, path) in _CONFLICTS:
        statuses.add(409)
    if method != "GET" and path.startswith(_RATE_LIMITED_PREFIXES):
        statuses.add(429)
    return sorted(statuses)


def _problem(status: int) -> ResponseSpec:
    return ResponseSpec(
        data_container=ProblemOut,
        description=_DESCRIPTIONS[status],
        media_type=PROBLEM_CONTENT_TYPE,
        generate_examples=False,
    )


def document_operations(app: Litestar) -> None:
    """Mark protected operations and add their problem answers; call before serving."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            for method in sorted(handler.http_methods):
                statuses = problem_statuses(method, route.path_format, handler)
                own = dict(handler.responses or {})
                handler.responses = {
                    **{status: _problem(status) for status in statuses if status not in own},
                    **own,
                }
            if _protected(handler):
                handler.security = [{BEARER: []}]
