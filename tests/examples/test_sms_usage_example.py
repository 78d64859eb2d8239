"""The SMS usage example prints what the "SMS usage and costs" guide says."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from pa_sms.usage.reports import REPORT_FIELDS

ROOT = Path(__file__).parents[2]


def test_sms_usage_example_prints_what_the_docs_promise(
    capsys: pytest.CaptureFixture[str],
) -> None:
    runpy.run_path(str(ROOT / "examples" / "library" / "sms_usage.py"), run_name="__main__")
    assert capsys.readouterr().out.splitlines() == [
        "told ada: 3 segments used up until 2025-04-01",
        "refused: sms_quota_exceeded",
        "segments out: 3",
        "cost: 0.0879 USD of which estimated: 0.0879",
        "rental: 0.370968",
        ",".join(REPORT_FIELDS),
    ]
