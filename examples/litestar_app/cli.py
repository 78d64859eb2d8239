"""The command line of the reference service: ``serve``, ``migrate``, ``users promote``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pa_core.config import Settings
from pa_core.errors import ImproperlyConfigured
from pa_core.migrations import upgrade

__all__ = ["main"]


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    upgrade(settings.effective_database_url)
    uvicorn.run(
        "examples.litestar_app.app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        proxy_headers=True,
        log_level="info",
    )
    return 0


def _migrate(settings: Settings, _: argparse.Namespace) -> int:
    upgrade(settings.effective_database_url)
    print("database is at the newest schema")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and ``--help``)."""
    parser = argparse.ArgumentParser(prog="python -m examples.litestar_app")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate the database, then serve HTTP")
    serve.add_argument("--host", help="address to listen on (PA_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (PA_PORT)")
    serve.set_defaults(handler=_serve)
    migrate = sub.add_parser("migrate", help="bring the database to the newest schema")
    migrate.set_defaults(handler=_migrate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
        settings.check_production()
        status: int = args.handler(settings, args)
    except ImproperlyConfigured as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    return status
