"""The request class of the reference app: a JSON body's depth is checked before it is decoded.

Every JSON body reaches a route through :meth:`Request.json` (the app uses no
DTOs), so this is the one place to refuse a body nested deeper than
``pa_core.json_limits.MAX_JSON_DEPTH`` with ``400 malformed_request``, before
the decoder recurses into it.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from pa_core.json_limits import check_json_depth

__all__ = ["EMPTY_BODY_STATE", "AppRequest"]

EMPTY_BODY_STATE = "pa_empty_json_body"
"""Set on the request's state when its body was empty (see :meth:`AppRequest.json`)."""


class AppRequest(Request[Any, Any, Any]):
    """Litestar's request, whose :meth:`json` refuses a body that nests too deep."""

    async def body(self) -> bytes:
        """The raw body, where an empty one reads as the empty JSON document ``{}``.

        API.md: on a route whose fields are all optional an empty body means ``{}``;
        a route with a required field then reports it missing, which the problem
        mapping turns into ``400`` "a JSON body is required" (see
        :data:`EMPTY_BODY_STATE`). Twilio's form webhooks read the stream, not this.
        """
        raw = await super().body()
        if raw.strip():
            return raw
        self.scope.setdefault("state", {})[EMPTY_BODY_STATE] = True
        return b"{}"

    async def json(self) -> Any:
        """The decoded JSON body; ``MalformedRequest`` when it nests deeper than allowed."""
        check_json_depth(await self.body())  # the body is read once and kept
        return await super().json()
