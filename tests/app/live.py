"""The service as a newcomer runs it: ``python -m examples.litestar_app serve`` in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def live_service(data_dir: Path, **env: str) -> Iterator[dict[str, str]]:
    """Serve on a free port with the embedded defaults in ``data_dir``; yield its environment.

    The environment holds ``PA_BASE`` (its URL), ``LOG`` (its console output) and
    ``MANAGE`` (its command line), beside the ``PA_`` settings it runs with.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = {
        **os.environ,
        "PA_DATA_DIR": str(data_dir),
        "PA_PUBLIC_BASE_URL": base,
        "PA_EMAIL_BACKEND": "console",
        "PA_SMS_TRANSPORT": "console",
        **env,
    }
    settings.pop("PA_REDIS_URL", None)  # the embedded defaults, as from a fresh clone
    log = data_dir / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "examples.litestar_app", "serve", "--port", str(port)],
            cwd=ROOT,
            env=settings,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the service did not start:\n{log.read_text()}")
                time.sleep(0.2)
        yield {
            **settings,
            "PA_BASE": base,
            "LOG": str(log),
            "MANAGE": f"{sys.executable} -m examples.litestar_app",
        }
    finally:
        process.terminate()
        process.wait(timeout=30)
