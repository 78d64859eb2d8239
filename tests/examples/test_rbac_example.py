"""The roles-and-permissions example prints what its guide says."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def test_roles_example_prints_what_the_guide_promises(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(
        str(ROOT / "examples" / "library" / "roles_and_permissions.py"), run_name="__main__"
    )
    assert capsys.readouterr().out.splitlines() == [
        "True",
        "False",
        "True",
        "True",
        "False",
        "12 reminders sent",
        "permission_denied rbac.denied",
        "12 reminders sent",
    ]
