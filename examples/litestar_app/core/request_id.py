"""``X-Request-ID`` on every response: a valid incoming one is echoed, else a new one is made.

Set in a ``before_send`` hook, so that answers Litestar gives before any route
runs (an unknown path, a wrong method) carry it too.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

__all__ = ["REQUEST_ID_HEADER", "add_request_id", "request_id_of", "request_state"]

REQUEST_ID_HEADER = "x-request-id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_state(scope: Scope) -> dict[str, Any]:
    """The scope's state dict itself (``connection.state`` wraps it anew on each access)."""
    state: dict[str, Any] = scope.setdefault("state", {})
    return state


def request_id_of(scope: Scope) -> str:
    """The request's id: the valid incoming header, or a new one (kept in the scope's state)."""
    state = request_state(scope)
    request_id: str | None = state.get("request_id")
    if request_id is None:
        incoming = next(
            (v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-request-id"),
            None,
        )
        request_id = incoming if incoming and _VALID.match(incoming) else secrets.token_hex(16)
        state["request_id"] = request_id
    return request_id


async def add_request_id(message: Message, scope: Scope) -> None:
    """``before_send`` hook adding the header to every HTTP response."""
    if message["type"] == "http.response.start":
        MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = request_id_of(scope)
