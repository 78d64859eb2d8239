"""The reference service's entry point: ``uvicorn --factory examples.litestar_app.app:create_app``.

The factory lives in :mod:`examples.litestar_app.core.app`; this module re-exports it so
that the documented import path keeps working (the one exception to "no re-export shims").
"""

from examples.litestar_app.core.app import MAX_BODY_BYTES, create_app, freeze_startup_objects

__all__ = ["MAX_BODY_BYTES", "create_app", "freeze_startup_objects"]
