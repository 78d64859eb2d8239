"""Every routine task, so nobody needs to remember a command: ``nox -l`` lists them.

``nox`` alone runs what CI runs: lint, typecheck, arch, tests (with coverage), docs.
"""

from __future__ import annotations

import os

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "arch", "tests", "docs"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
DEV = ".[dev]"
SOURCES = ["src", "tests", "examples", "bench", "noxfile.py"]


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole test suite with coverage of src/ (fails under 90%)."""
    session.install("-e", DEV)
    args = session.posargs or ["tests"]
    session.run(
        "pytest",
        "--cov",
        "--cov-report=term",
        "--cov-fail-under=90",
        "-p",
        "no:cacheprovider",
        *args,
        env={"NO_MKDOCS_2_WARNING": "1"},
    )


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff>=0.8")
    session.run("ruff", "check", *SOURCES)
    session.run("ruff", "format", "--check", *SOURCES)


@nox.session(python=PYTHON)
def fmt(session: nox.Session) -> None:
    """Apply ruff's fixes and formatting."""
    session.install("ruff>=0.8")
    session.run("ruff", "check", "--fix", *SOURCES)
    session.run("ruff", "format", *SOURCES)


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the libraries and the reference app."""
    session.install("-e", DEV)
    session.run("mypy", "src", "examples/litestar_app")


@nox.session(python=PYTHON)
def arch(session: nox.Session) -> None:
    """import-linter: pa_core imports neither pa_sms nor litestar; pa_sms not litestar."""
    session.install("-e", DEV)
    session.run("lint-imports")


DOCS_PORT = 8001
"""``nox -s docs -- --serve`` serves here, beside the service on 8000."""


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the docs site strictly (warnings fail); ``-- --serve`` serves it on port 8001."""
    session.install("-e", DEV)
    env = {"NO_MKDOCS_2_WARNING": "1"}
    if "--serve" in session.posargs:
        session.run("mkdocs", "serve", "--strict", "-a", f"127.0.0.1:{DOCS_PORT}", env=env)
        return
    session.run("mkdocs", "build", "--strict", "--site-dir", "site", env=env)


@nox.session(python=PYTHON)
def manage(session: nox.Session) -> None:
    """The service's command line from a fresh clone: ``nox -s manage -- users promote EMAIL``."""
    session.install("-e", ".[app]")
    session.run("python", "-m", "examples.litestar_app", *(session.posargs or ["--help"]))


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Run the benchmarks under bench/ (or the ones named after ``--``); they print figures."""
    session.install("-e", DEV)
    scripts = session.posargs or sorted(
        f"bench/{name}" for name in os.listdir("bench") if name.startswith("bench_")
    )
    for script in scripts:
        session.run("python", script)


@nox.session(python=PYTHON)
def serve(session: nox.Session) -> None:
    """Run the reference service on its embedded defaults (http://127.0.0.1:8000)."""
    session.install("-e", ".[app]")
    session.run("python", "-m", "examples.litestar_app", "serve", *session.posargs)
