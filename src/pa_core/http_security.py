"""Security headers every HTTP answer carries, and the static bearer token of operator endpoints.

Framework-agnostic: :func:`security_headers` gives the header pairs for an
answer, which the web layer appends to every response (errors and the
framework's own ``404``/``405`` included). The policy:

- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``,
  ``X-Frame-Options: DENY`` everywhere;
- ``Content-Security-Policy``: :data:`API_CSP` (nothing may load, nothing may
  frame it) on every answer, except the interactive API docs, which get
  :data:`DOCS_CSP` (scripts, styles and images from the service itself only);
- ``Cache-Control: no-store`` on every answer that does not set its own: every
  answer of the API may carry a token, a code, a secret or personal data, and
  the few public ones (``/health``) lose nothing by it. Only the bundled,
  public docs assets are cacheable.
"""

from __future__ import annotations

import hmac

__all__ = [
    "API_CSP",
    "CACHE_CONTROL",
    "DOCS_CSP",
    "NO_STORE",
    "bearer_token_matches",
    "security_headers",
]

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""The CSP of every answer but the docs pages: a JSON answer needs to load nothing."""

DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
"""The CSP of the interactive docs: only the service's own bundled assets, no inline script."""

CACHE_CONTROL = "cache-control"
NO_STORE = "no-store"

_COMMON = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
)


def security_headers(*, docs: bool = False) -> tuple[tuple[str, str], ...]:
    """The security headers of one answer (``docs``: a page of the interactive API docs).

    ``Cache-Control: no-store`` is not among them: add it when the answer sets
    no ``Cache-Control`` of its own.
    """
    return (*_COMMON, ("content-security-policy", DOCS_CSP if docs else API_CSP))


def bearer_token_matches(authorization: str | None, token: str) -> bool:
    """Whether ``authorization`` is ``Bearer <token>``, compared in constant time."""
    if not authorization or not token:
        return False
    scheme, _, presented = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(presented.strip().encode(), token.encode())
