"""Dependencies of the operations routes: what the readiness probe pings, and the token keys."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import Provide

from examples.litestar_app.core.services import app_services, shared_services
from pa_core.database import Database
from pa_core.kv import KeyValueStore
from pa_core.tokens import TokenService

__all__ = [
    "jwks_dependencies",
    "provide_database",
    "provide_kv",
    "provide_tokens",
    "ready_dependencies",
]


def provide_database(state: State) -> Database:
    """The database (either app)."""
    return shared_services(state).database


def provide_kv(state: State) -> KeyValueStore:
    """The key-value store holding sessions and limits (either app)."""
    return shared_services(state).kv


def provide_tokens(state: State) -> TokenService:
    """The token service, whose key set the JWK Set publishes."""
    return app_services(state).tokens


ready_dependencies = {
    "database": Provide(provide_database, sync_to_thread=False),
    "kv": Provide(provide_kv, sync_to_thread=False),
}
"""The ``dependencies`` of ``/ready``."""

jwks_dependencies = {"tokens": Provide(provide_tokens, sync_to_thread=False)}
"""The ``dependencies`` of ``/.well-known/jwks.json``."""
