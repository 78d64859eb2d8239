"""The one place errors become RFC 9457 problem documents (``application/problem+json``).

Library errors map by their branch of ``pa_core.errors``; Litestar's own HTTP
exceptions map to the same stable codes. Nothing of a stack trace, SQL or a
secret reaches a body: unknown exceptions become a bare ``500 internal_error``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_405_METHOD_NOT_ALLOWED,
    HTTP_409_CONFLICT,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from examples.litestar_app.core.json_body import EMPTY_BODY_STATE
from examples.litestar_app.core.schemas import NO_CONTROL_CHARACTERS
from pa_core import errors

__all__ = ["PROBLEM_CONTENT_TYPE", "exception_handlers", "problem_response", "status_for"]

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"

# Most specific first: the first branch an error belongs to decides its status.
_STATUS_BY_CLASS: tuple[tuple[type[errors.PAError], int], ...] = (
    (errors.ValidationFailed, HTTP_422_UNPROCESSABLE_ENTITY),
    (errors.WeakPassword, HTTP_422_UNPROCESSABLE_ENTITY),
    (errors.InvalidInput, HTTP_400_BAD_REQUEST),
    (errors.AuthenticationFailed, HTTP_401_UNAUTHORIZED),
    (errors.Forbidden, HTTP_403_FORBIDDEN),
    (errors.NotFound, HTTP_404_NOT_FOUND),
    (errors.Conflict, HTTP_409_CONFLICT),
    (errors.RateLimited, HTTP_429_TOO_MANY_REQUESTS),
    (errors.PayloadTooLarge, HTTP_413_REQUEST_ENTITY_TOO_LARGE),
    (errors.ServiceUnavailable, HTTP_503_SERVICE_UNAVAILABLE),
)

_CODE_BY_STATUS = {
    HTTP_400_BAD_REQUEST: "malformed_request",
    HTTP_401_UNAUTHORIZED: "not_authenticated",
    HTTP_403_FORBIDDEN: "permission_denied",
    HTTP_404_NOT_FOUND: "not_found",
    HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    HTTP_409_CONFLICT: "conflict",
    HTTP_413_REQUEST_ENTITY_TOO_LARGE: "payload_too_large",
    HTTP_422_UNPROCESSABLE_ENTITY: "validation_error",
    HTTP_429_TOO_MANY_REQUESTS: "rate_limited",
    HTTP_503_SERVICE_UNAVAILABLE: "service_unavailable",
}

_TITLE_BY_STATUS = {
    HTTP_400_BAD_REQUEST: "Malformed request",
    HTTP_401_UNAUTHORIZED: "Not authenticated",
    HTTP_403_FORBIDDEN: "Permission denied",
    HTTP_404_NOT_FOUND: "Not found",
    HTTP_405_METHOD_NOT_ALLOWED: "Method not allowed",
    HTTP_413_REQUEST_ENTITY_TOO_LARGE: "Payload too large",
    HTTP_422_UNPROCESSABLE_ENTITY: "Validation failed",
    HTTP_429_TOO_MANY_REQUESTS: "Too many requests",
    HTTP_500_INTERNAL_SERVER_ERROR: "Internal server error",
    HTTP_503_SERVICE_UNAVAILABLE: "Service unavailable",
}


def status_for(error: errors.PAError) -> int:
    """The HTTP status of a library error."""
    for cls, status in _STATUS_BY_CLASS:
        if isinstance(error, cls):
            return status
    return HTTP_500_INTERNAL_SERVER_ERROR


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    """Build a problem+json response."""
    body: dict[str, Any] = {
        "type": f"https://errors.pa.example/{code}",
        "title": title,
        "status": status,
        "detail": detail or title,
        "code": code,
    }
    if extra:
        body.update(extra)
    all_headers = dict(headers or {})
    if status == HTTP_401_UNAUTHORIZED:
        all_headers.setdefault("WWW-Authenticate", "Bearer")
    return Response(body, status_code=status, media_type=PROBLEM_CONTENT_TYPE, headers=all_headers)


def _library_error(_: Request[Any, Any, Any], exc: errors.PAError) -> Response[dict[str, Any]]:
    status = status_for(exc)
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(exc, errors.ValidationFailed):
        extra["errors"] = [{"field": e.field, "message": e.message} for e in exc.errors]
    if isinstance(exc, errors.WeakPassword):
        extra["rule"] = exc.rule
        extra["errors"] = [{"field": "password", "message": exc.detail}]
    if isinstance(exc, errors.RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, errors.ServiceUnavailable) and exc.dependency:
        extra["dependency"] = exc.dependency
    if status >= HTTP_500_INTERNAL_SERVER_ERROR:
        logger.warning("request failed: %s (%s)", exc.code, exc.__class__.__name__, exc_info=exc)
    return problem_response(status, exc.code, exc.title, exc.detail, extra=extra, headers=headers)


_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")
_MISSING_FIELD = re.compile(r"missing required field `([^`]+)`")
_MISSING_PARAMETER = re.compile(r"Missing required \w+ parameter '([^']+)'")
_CONTROL_CHARACTERS = f"matching regex {NO_CONTROL_CHARACTERS!r}"
_BODY_PARAMETER = "data"
"""The name Litestar gives a route's body; it must never reach a client as a field name."""
BODY_REQUIRED = "a JSON body is required"


def _field_error(item: dict[str, Any]) -> dict[str, str]:
    """``{"field", "message"}`` from one of Litestar's validation details."""
    message = str(item.get("message", "is invalid"))
    key = item.get("key")
    unknown = _UNKNOWN_FIELD.search(message)
    if unknown:
        return {"field": unknown.group(1), "message": "is not an accepted field"}
    missing = _MISSING_FIELD.search(message)
    if missing:
        return {"field": missing.group(1), "message": "is required"}
    if _CONTROL_CHARACTERS in message:
        message = "must not contain control characters"
    if key in (None, "", _BODY_PARAMETER):
        key = "body"
    return {"field": str(key), "message": message}


def _body_missing(item: dict[str, Any]) -> bool:
    """Litestar's detail for a route whose body is required and was not sent."""
    return item.get("key") == _BODY_PARAMETER and item.get("message") == f"'{_BODY_PARAMETER}'"


def _empty_body_sent(request: Request[Any, Any, Any]) -> bool:
    state = request.scope.get("state")
    return isinstance(state, dict) and bool(state.get(EMPTY_BODY_STATE))


def _validation_error(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    items = [item for item in extra if isinstance(item, dict)]
    if any(_body_missing(item) for item in items) or (
        _empty_body_sent(request)
        and any(_MISSING_FIELD.search(str(i.get("message"))) for i in items)
    ):
        return problem_response(
            HTTP_400_BAD_REQUEST, "malformed_request", "Malformed request", BODY_REQUIRED
        )
    field_errors = [_field_error(item) for item in items]
    missing = _MISSING_PARAMETER.search(str(exc.detail))
    if not field_errors and missing:
        field_errors = [{"field": missing.group(1), "message": "is required"}]
    if not field_errors:
        # Litestar reports unparseable JSON as a 400 ValidationException without field details.
        return problem_response(
            HTTP_400_BAD_REQUEST,
            "malformed_request",
            "Malformed request",
            "the request body is not valid JSON",
        )
    return problem_response(
        HTTP_422_UNPROCESSABLE_ENTITY,
        "validation_error",
        "Validation failed",
        "; ".join(f"{e['field']}: {e['message']}" for e in field_errors),
        extra={"errors": field_errors},
    )


def _http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    code = _CODE_BY_STATUS.get(status, "http_error")
    title = _TITLE_BY_STATUS.get(status, "Error")
    detail = title if status >= HTTP_500_INTERNAL_SERVER_ERROR else (exc.detail or title)
    headers = dict(exc.headers or {})
    return problem_response(status, code, title, detail, headers=headers)


def _unexpected(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    logger.error("unhandled error", exc_info=exc)
    return problem_response(
        HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", "Internal server error"
    )


exception_handlers: dict[type[Exception] | int, Any] = {
    errors.PAError: _library_error,
    ValidationException: _validation_error,
    NotAuthorizedException: _http_error,
    PermissionDeniedException: _http_error,
    NotFoundException: _http_error,
    MethodNotAllowedException: _http_error,
    HTTPException: _http_error,
    Exception: _unexpected,
}
"""Handlers to give to ``Litestar(exception_handlers=...)``."""
