"""Dependencies of the accounts routes: the account service and user objects."""

from __future__ import annotations

from litestar.di import Provide

from examples.litestar_app.users.providers import provide_accounts, provide_user_views

__all__ = ["dependencies"]

dependencies = {
    "accounts": Provide(provide_accounts, sync_to_thread=False),
    "user_views": Provide(provide_user_views, sync_to_thread=False),
}
"""The ``dependencies`` of the accounts controller."""
