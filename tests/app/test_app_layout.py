"""The reference app's shape: one package per domain, thin handlers, short functions."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import pytest

from examples.litestar_app.app import create_app
from examples.litestar_app.core.services import Services, SharedServices
from tests.app.conftest import make_settings

APP = Path(__file__).resolve().parents[2] / "examples" / "litestar_app"
DOMAINS = ("accounts", "mfa", "sessions", "users", "conversations", "sms", "admin")
MAX_FUNCTION_LINES = 60


@pytest.mark.parametrize("domain", DOMAINS)
def test_each_domain_has_its_controllers_schemas_and_providers(domain: str) -> None:
    present = {path.name for path in (APP / domain).glob("*.py")}
    assert {"__init__.py", "controllers.py", "schemas.py", "providers.py"} <= present


def test_no_route_handler_receives_the_whole_services_container(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    offenders, checked = [], 0
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not handler.fn.__module__.startswith("examples.litestar_app."):
                continue  # Litestar's own (OpenAPI, metrics)
            checked += 1
            hints = typing.get_type_hints(handler.fn, include_extras=True)
            types = {
                typing.get_args(hint)[0] if typing.get_args(hint) else hint
                for hint in hints.values()
            }
            if types & {Services, SharedServices}:
                offenders.append(f"{route.path} {handler.handler_name}")
    assert checked > 40  # every route of the app's own
    assert offenders == []


def _long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(APP)}:{node.lineno} {node.name} ({lines} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (lines := (node.end_lineno or node.lineno) - node.lineno + 1) > MAX_FUNCTION_LINES
    ]


def test_no_function_in_the_app_is_over_sixty_lines() -> None:
    offenders = [found for path in sorted(APP.rglob("*.py")) for found in _long_functions(path)]
    assert offenders == []
