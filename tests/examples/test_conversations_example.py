"""The conversations library example prints what the Conversations guide says."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def test_the_conversations_example_prints_what_the_guide_promises(
    capsys: pytest.CaptureFixture[str],
) -> None:
    runpy.run_path(str(ROOT / "examples" / "library" / "conversations.py"), run_name="__main__")
    assert capsys.readouterr().out.splitlines() == [
        "1 in web Remind me to call the dentist",
        "2 out sms Will do: Tuesday 9:00, dentist call.",
        "found: ['Remind me to call the dentist']",
        "live: Will do: Tuesday 9:00, dentist call.",
        "quiet in Lisbon: True",
        "quiet in New York: False",
    ]
