"""``/.well-known/jwks.json``: public keys, so other services verify tokens without the secret."""

from __future__ import annotations

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK

from examples.litestar_app.services import Services
from pa_core.errors import NotFound

__all__ = ["jwks"]


@get("/.well-known/jwks.json", tags=["auth"], summary="Public token-verification keys")
async def jwks(services: NamedDependency[Services]) -> Response[dict[str, list[dict[str, str]]]]:
    """The JWK Set of the public keys; ``404`` when tokens are signed with a shared secret."""
    key_set = services.tokens.keys.jwks()
    if not key_set["keys"]:
        raise NotFound("tokens are signed with a shared secret; no public key to publish")
    return Response(key_set, status_code=HTTP_200_OK, headers={"Cache-Control": "max-age=300"})
