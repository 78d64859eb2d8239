"""Security headers on every answer, set in a ``before_send`` hook (``pa_core.http_security``).

A hook, not a middleware, so that answers Litestar gives before any route runs
(an unknown path, a wrong method) carry them too, as they carry ``X-Request-ID``.
"""

from __future__ import annotations

from litestar.types import Message, Scope

from pa_core.http_security import CACHE_CONTROL, NO_STORE, security_headers

__all__ = ["DOCS_PATH", "add_security_headers"]

DOCS_PATH = "/schema"
"""Where the OpenAPI document and the interactive docs are served."""


def _encoded(pairs: tuple[tuple[str, str], ...]) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in pairs]


_API_HEADERS = _encoded(security_headers())
_DOCS_HEADERS = _encoded(security_headers(docs=True))
_CACHE_CONTROL = CACHE_CONTROL.encode()
_NO_STORE = (_CACHE_CONTROL, NO_STORE.encode())


async def add_security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: the security headers, and ``no-store`` unless the answer chose."""
    if message["type"] != "http.response.start":
        return
    headers = message.get("headers")
    if not isinstance(headers, list):
        headers = list(headers or ())
        message["headers"] = headers
    docs = scope["path"].startswith(DOCS_PATH)
    if not any(name.lower() == _CACHE_CONTROL for name, _ in headers):
        headers.append(_NO_STORE)
    headers.extend(_DOCS_HEADERS if docs else _API_HEADERS)
