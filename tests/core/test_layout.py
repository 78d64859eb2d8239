"""One backend layout: each contract in its domain package, backends beside it, layers kept."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PA_CORE = ROOT / "src" / "pa_core"

# Domain packages whose contract (Protocol + value types) is their base.py.
CONTRACT_PACKAGES = [
    "audit",
    "conversations",
    "email",
    "kv",
    "mfa",
    "preferences",
    "rbac",
    "refresh_tokens",
    "sessions",
    "users",
]
BACKEND_PREFIXES = ("Memory", "Sql", "Redis", "Console", "Smtp")
DRIVERS = ("sqlalchemy", "redis", "asyncpg", "aiosqlite")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _imported_roots(tree: ast.Module) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_stores_package_is_gone() -> None:
    assert not (PA_CORE / "stores").exists()


@pytest.mark.parametrize("package", CONTRACT_PACKAGES)
def test_each_contract_lives_in_its_domain_packages_base_module(package: str) -> None:
    tree = _tree(PA_CORE / package / "base.py")
    protocols = [
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and any(ast.unparse(base).endswith("Protocol") for base in node.bases)
    ]
    assert protocols, f"pa_core/{package}/base.py declares no Protocol"


@pytest.mark.parametrize("package", CONTRACT_PACKAGES)
def test_a_base_module_holds_no_backend_and_imports_no_driver(package: str) -> None:
    tree = _tree(PA_CORE / package / "base.py")
    backends = [
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef) and node.name.startswith(BACKEND_PREFIXES)
    ]
    assert backends == []
    assert _imported_roots(tree).isdisjoint(DRIVERS)


@pytest.mark.parametrize("package", CONTRACT_PACKAGES)
def test_the_embedded_backend_sits_beside_its_contract(package: str) -> None:
    assert (PA_CORE / package / "memory.py").exists()


def test_each_sql_backend_keeps_its_rows_in_its_domains_models_module() -> None:
    for backend in sorted(PA_CORE.glob("*/sqlalchemy.py")):
        assert (backend.parent / "models.py").exists(), backend.parent.name


def test_the_import_contracts_hold() -> None:
    # Layers of pa_core's packages, no cycle between siblings, no foreign private module.
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    for contract in (
        "pa_core's packages form layers",
        "pa_core's sibling packages import each other without a cycle",
        "no module imports another package's private module",
    ):
        assert contract in result.stdout
