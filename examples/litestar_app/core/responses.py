"""The response class of the reference app: a route that answers nothing sends no body.

Litestar encodes a handler's ``None`` as the JSON ``null``; the contract documents
``202`` answers (mail or text sent in the background) as empty, so ``None`` renders
as zero bytes whatever the status.
"""

from __future__ import annotations

from typing import Any

from litestar import Response
from litestar.serialization import default_serializer
from litestar.types import Serializer

__all__ = ["AppResponse"]


class AppResponse(Response[Any]):
    """Litestar's response, whose ``None`` content is an empty body rather than ``null``."""

    def render(
        self, content: Any, media_type: str, enc_hook: Serializer = default_serializer
    ) -> bytes:
        """Zero bytes for ``None``; anything else as Litestar renders it."""
        if content is None:
            return b""
        return super().render(content, media_type, enc_hook)
