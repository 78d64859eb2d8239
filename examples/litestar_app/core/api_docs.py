"""Interactive API docs served from bundled Swagger UI assets, never from a CDN.

Litestar's render plugins load Swagger UI, Redoc or Scalar from a CDN (Scalar
at ``@latest``) and start them with an inline script: a page that a CDN
compromise would own, and that no strict Content-Security-Policy allows. Here
the page loads only the service's own files: Swagger UI's dist files shipped by
the ``swagger-ui-py`` package and a small start script, all under
``/schema/swagger/assets/``, so ``pa_core.http_security.DOCS_CSP``
(``script-src 'self'``, no inline script) holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from html import escape
from importlib.resources import files
from typing import Any

from litestar import Request, Response, Router, get
from litestar.exceptions import NotFoundException
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.params import FromPath

__all__ = ["ASSETS_CACHE_CONTROL", "ASSETS_PATH", "BundledSwaggerRenderPlugin", "swagger_asset"]

ASSETS_CACHE_CONTROL = "public, max-age=86400"
"""The bundled assets are public and change only with the package: cacheable for a day."""

_START_SCRIPT = b"""window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
  });
});
"""

_PACKAGED = {  # name served -> media type; files of swagger-ui-py's "static" folder
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
}
_START = "start.js"
ASSETS_PATH = "/swagger/assets/{name:str}"
"""Where the assets are served, under the OpenAPI path (``/schema``)."""


@cache
def _asset(name: str) -> bytes:
    """The bytes of one bundled asset, read once."""
    if name == _START:
        return _START_SCRIPT
    return files("swagger_ui").joinpath("static", name).read_bytes()


def swagger_asset(name: FromPath[str]) -> Response[bytes]:
    """One of the bundled Swagger UI files (``404`` for any other name)."""
    if name == _START:
        media_type = "text/javascript"
    elif name in _PACKAGED:
        media_type = _PACKAGED[name]
    else:
        raise NotFoundException()
    return Response(
        _asset(name), media_type=media_type, headers={"Cache-Control": ASSETS_CACHE_CONTROL}
    )


class BundledSwaggerRenderPlugin(OpenAPIRenderPlugin):
    """Swagger UI from the bundled assets; the page holds no inline script or style."""

    def __init__(self, path: str | Sequence[str] = "/swagger", **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        """The docs page: Swagger UI reads the OpenAPI document from its URL."""
        config = request.app.openapi_config
        assets = f"{config.path if config else '/schema'}/swagger/assets"
        title = escape(str(openapi_schema.get("info", {}).get("title", "API")))
        spec_url = escape(self.get_openapi_json_route(request))
        page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-spec-url="{spec_url}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/{_START}"></script>
</body>
</html>
"""
        return page.encode()

    def receive_router(self, router: Router) -> None:
        """Add the route serving the bundled assets beside the page."""
        router.register(
            get(ASSETS_PATH, sync_to_thread=False, include_in_schema=False)(swagger_asset)
        )
