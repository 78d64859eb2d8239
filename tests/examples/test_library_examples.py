"""Every library example under examples/library runs and prints what its docs say."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples" / "library").glob("*.py"))


@pytest.mark.parametrize(
    "script", [p for p in EXAMPLES if p.name != "__init__.py"], ids=lambda p: p.name
)
def test_example_runs(script: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_kv_store_example_prints_what_the_docs_promise(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(ROOT / "examples" / "library" / "kv_store.py"), run_name="__main__")
    assert capsys.readouterr().out.splitlines() == ["b'hello'", "True False", "3"]


def test_accounts_example_prints_what_the_docs_promise(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(ROOT / "examples" / "library" / "accounts.py"), run_name="__main__")
    assert capsys.readouterr().out.splitlines() == [
        "verified: True",
        "authenticated: True",
        "after logout: refused",
    ]


def test_mfa_example_prints_what_the_docs_promise(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(ROOT / "examples" / "library" / "mfa.py"), run_name="__main__")
    assert capsys.readouterr().out.splitlines() == [
        "True",
        "10 backup codes; MfaStatus(totp=True, sms=False, backup_codes_remaining=10)",
        "methods: ['totp', 'backup_code']",
        "logged in with backup_code True",
        "remembered device skips the second step: True",
        "MfaStatus(totp=True, sms=False, backup_codes_remaining=9)",
    ]


def test_sms_routing_example_prints_what_the_docs_promise(
    capsys: pytest.CaptureFixture[str],
) -> None:
    runpy.run_path(str(ROOT / "examples" / "library" / "sms_routing.py"), run_name="__main__")
    assert capsys.readouterr().out.splitlines() == [
        "+14155550100 active",
        "accepted",
        "duplicate",
        "True +15550000001 Got it. I'll take it from here.",
        "['in', 'out']",
        "True",
    ]
