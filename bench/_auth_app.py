"""The reference app plus two identical routes, one behind authentication, for bench_auth.py."""

from __future__ import annotations

from litestar import Litestar, get
from litestar.di import NamedDependency

from examples.litestar_app.app import create_app
from pa_core.auth import Principal


@get("/bench/open", sync_to_thread=False)
def open_route() -> dict[str, str]:
    """No authentication."""
    return {"status": "ok"}


@get("/bench/authenticated", sync_to_thread=False)
def authenticated_route(principal: NamedDependency[Principal]) -> dict[str, str]:
    """The same answer, after authenticating the bearer token and its session."""
    return {"status": "ok"}


def create_bench_app() -> Litestar:
    """``create_app()`` with the two benchmark routes registered."""
    app = create_app()
    app.register(open_route)
    app.register(authenticated_route)
    return app
