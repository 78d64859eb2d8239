"""The SMS webhook service's entry point: ``examples.litestar_app.sms_app:create_sms_app``.

The factory lives in :mod:`examples.litestar_app.core.sms_app`; this module re-exports it
so that the documented import path keeps working (the one exception to "no re-export shims").
"""

from examples.litestar_app.core.sms_app import SMS_MAX_BODY_BYTES, create_sms_app

__all__ = ["SMS_MAX_BODY_BYTES", "create_sms_app"]
