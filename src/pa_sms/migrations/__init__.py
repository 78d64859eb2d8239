"""``pa_sms``'s Alembic migrations, on a branch of their own (label ``pa_sms``).

Importing this package registers :data:`VERSIONS_DIR` with
:func:`pa_core.migrations.register_version_location`, so that
``pa_core.migrations.upgrade(url)`` (which upgrades every head) creates the SMS
tables too. :mod:`pa_sms.records.models` imports it, so having the
models means having their migrations.
"""

from __future__ import annotations

from pathlib import Path

from pa_core.migrations import register_version_location

__all__ = ["BRANCH_LABEL", "VERSIONS_DIR"]

VERSIONS_DIR = Path(__file__).parent / "versions"
"""The directory holding ``pa_sms``'s revisions."""
BRANCH_LABEL = "pa_sms"
"""The Alembic branch label of ``pa_sms``'s revisions."""

register_version_location(VERSIONS_DIR)
