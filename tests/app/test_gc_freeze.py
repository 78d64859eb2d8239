"""What start-up built is exempted from the cyclic garbage collector, once a process."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

import examples.litestar_app.core.app as app_module
from examples.litestar_app.app import create_app
from tests.app.conftest import make_settings

pytestmark = pytest.mark.anyio


@pytest.fixture
def freezes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(app_module, "_frozen", False)
    monkeypatch.setattr(app_module.gc, "freeze", lambda: calls.append(1))
    return calls


async def test_the_app_freezes_its_start_up_objects_once_started(
    tmp_path: Path, freezes: list[int]
) -> None:
    async with AsyncTestClient(app=create_app(make_settings(tmp_path))) as client:
        assert (await client.get("/health")).status_code == 200
        assert freezes == [1]


def test_a_second_app_in_the_same_process_freezes_nothing_more(freezes: list[int]) -> None:
    app_module.freeze_startup_objects()
    app_module.freeze_startup_objects()
    assert freezes == [1]
