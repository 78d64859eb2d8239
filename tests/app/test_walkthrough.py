"""The getting-started walkthrough runs, command for command, against a live server.

``docs/getting-started.md`` shows the sections of ``docs/snippets/walkthrough.sh``
(``--8<--``); this test starts the service under uvicorn in a subprocess, as a
newcomer would, and runs that same file with bash, so the page cannot rot.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.live import ROOT, live_service
from tests.services import services_required

SCRIPT = ROOT / "docs" / "snippets" / "walkthrough.sh"
PAGE = ROOT / "docs" / "getting-started.md"
SECTIONS = ("setup", "register", "login", "totp", "conversations", "admin", "sms")


def _tools() -> None:
    missing = [tool for tool in ("bash", "curl", "oathtool") if shutil.which(tool) is None]
    if missing:
        message = f"the walkthrough needs {', '.join(missing)}"
        if services_required():
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, str]]:
    _tools()
    with live_service(tmp_path) as env:
        yield env


def test_the_page_shows_every_section_of_the_script() -> None:
    page = PAGE.read_text(encoding="utf-8")
    script = SCRIPT.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f"[start:{section}]" in script
        assert f'--8<-- "docs/snippets/walkthrough.sh:{section}"' in page


def test_the_walkthrough_runs_against_a_live_server(server: dict[str, str]) -> None:
    result = subprocess.run(
        ["bash", str(SCRIPT)],
        cwd=ROOT,
        env=server,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert '"email_verified":true' in out
    assert '"roles":["administrator","user"]' in out
    assert "buy oat milk on Friday" in out  # found by the search
    assert '"direction":"out","channel":"sms"' in out  # the assistant's reply
    assert '"totals":{"messages_in":1,"messages_out":1' in out  # usage, at once
