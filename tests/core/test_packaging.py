"""The libraries import without their optional extras, and without any web framework."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]

BLOCK = """
import sys
for name in ("redis", "asyncpg", "twilio", "aiohttp", "litestar", "uvicorn"):
    sys.modules[name] = None  # makes any import of it fail
"""


MODULES = [
    "pa_core",
    "pa_core.kv",
    "pa_core.kv.locks",
    "pa_core.database",
    "pa_core.users",
    "pa_core.users.sqlalchemy",
    "pa_core.audit",
    "pa_core.audit.sqlalchemy",
    "pa_core.preferences",
    "pa_core.preferences.sqlalchemy",
    "pa_core.conversations",
    "pa_core.conversations.sqlalchemy",
    "pa_core.rbac",
    "pa_core.rbac.sqlalchemy",
    "pa_core.mfa.sqlalchemy",
    "pa_core.migrations.models",
    "pa_core.accounts",
    "pa_core.sessions",
    "pa_core.refresh_tokens",
    "pa_core.ratelimit",
    "pa_core.email",
    "pa_core.mfa",
    "pa_core.migrations",
    "pa_sms",
    "pa_sms.numbers",
    "pa_sms.records",
    "pa_sms.usage",
    "pa_sms.transports",
    "pa_sms.segments",
]


def test_the_packages_import_without_optional_extras() -> None:
    code = (
        BLOCK
        + "import importlib\n"
        + "".join(f"importlib.import_module({name!r})\n" for name in MODULES)
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_both_packages_are_typed() -> None:
    assert (ROOT / "src" / "pa_core" / "py.typed").exists()
    assert (ROOT / "src" / "pa_sms" / "py.typed").exists()


def test_the_version_has_one_source_read_by_the_build_and_both_packages() -> None:
    from importlib.metadata import version

    import pa_core
    import pa_sms

    assert pa_sms.__version__ == pa_core.__version__ == version("pa-platform")
