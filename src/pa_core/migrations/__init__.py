"""Alembic migrations shipped with the package, and functions to run them.

Run them from code (``pa_core.migrations.upgrade(url)``), or with the reference
app's CLI (``python -m examples.litestar_app migrate``). Other packages (pa_sms)
add their own version locations on top of ``pa_core``'s head.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import anyio
from alembic import command
from alembic.config import Config

from pa_core.database.engine import ensure_sqlite_directory

__all__ = [
    "VERSIONS_DIR",
    "alembic_config",
    "downgrade",
    "register_version_location",
    "upgrade",
    "upgrade_async",
]

_HERE = Path(__file__).parent
VERSIONS_DIR = _HERE / "versions"
_extra_locations: list[Path] = []


def register_version_location(path: Path) -> None:
    """Add another package's migrations directory (idempotent); used by ``pa_sms``."""
    if path not in _extra_locations:
        _extra_locations.append(path)


def alembic_config(url: str, extra_locations: Sequence[Path] = ()) -> Config:
    """An Alembic ``Config`` for ``url`` with every registered version location."""
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    locations = [VERSIONS_DIR, *_extra_locations, *extra_locations]
    config.set_main_option("version_locations", " ".join(str(p) for p in dict.fromkeys(locations)))
    config.set_main_option("path_separator", "space")
    config.attributes["database_url"] = url
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database at ``url`` up to ``revision`` (every head by default); blocking."""
    ensure_sqlite_directory(url)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Take the database at ``url`` down to ``revision`` (everything by default); blocking."""
    command.downgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "heads") -> None:
    """:func:`upgrade` in a worker thread, for callers inside an event loop."""
    await anyio.to_thread.run_sync(upgrade, url, revision)
