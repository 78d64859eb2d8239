"""What a newcomer meets first: the README, the docs site's settings, the command line's forms."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SERVICE_PORT = 8000


def _noxfile() -> ast.Module:
    return ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))


def _nox_sessions() -> set[str]:
    return {node.name for node in _noxfile().body if isinstance(node, ast.FunctionDef)}


def _nox_constant(name: str) -> object:
    for node in _noxfile().body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"noxfile.py defines no {name}")


def test_the_docs_site_links_to_no_placeholder_repository() -> None:
    mkdocs = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert not re.search(r"example\.(invalid|com|org)|placeholder", mkdocs)


def test_the_docs_are_served_beside_the_service_not_on_its_port() -> None:
    assert "docs" in _nox_sessions()
    assert _nox_constant("DOCS_PORT") != SERVICE_PORT
    assert "nox -s docs -- --serve" in README
    assert "http.server" not in README


def test_the_readme_names_the_system_tools_the_tests_use_and_the_fallback() -> None:
    assert "oathtool" in README
    assert "redis-server" in README
    assert "skip" in README


def test_the_readme_says_how_to_install_the_unpublished_libraries() -> None:
    assert "not on PyPI" in README
    assert "pip install -e" in README
    assert "pip wheel" in README


def test_the_readme_gives_a_cli_form_that_works_from_a_fresh_clone() -> None:
    assert "manage" in _nox_sessions()
    assert "nox -s manage -- users promote EMAIL --role administrator" in README


def test_the_cli_without_the_package_installed_prints_a_one_line_hint() -> None:
    # -S: no site-packages, so pa_core is not importable, as in a fresh clone.
    result = subprocess.run(
        [sys.executable, "-S", "-m", "examples.litestar_app", "users", "promote", "a@b.example"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "nox -s manage -- users promote a@b.example" in lines[0]
