"""No function or method in ``src/`` is over 60 lines, so that each one can be read at once.

A function is counted from its ``def`` line to the last line of its body, the
docstring included (decorators are not). Migrations are exempt: each is a
generated, append-only record of a schema change.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[2] / "src"
MAX_LINES = 60


def function_lengths(source: str) -> list[tuple[str, int, int]]:
    """``(qualified name, first line, length)`` of every function in ``source``, nested ones too."""
    found: list[tuple[str, int, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                end = child.end_lineno or child.lineno
                found.append((name, child.lineno, end - child.lineno + 1))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return found


def test_the_length_counts_from_def_to_the_last_line_of_the_body_with_the_docstring() -> None:
    source = 'class A:\n    @property\n    def f(self):\n        """Doc."""\n\n        return 1\n'
    assert function_lengths(source) == [("A.f", 3, 4)]


def test_nested_functions_are_counted_on_their_own() -> None:
    source = "def outer():\n    def inner():\n        pass\n    return inner\n"
    assert function_lengths(source) == [("outer", 1, 4), ("outer.inner", 2, 2)]


def test_no_function_in_src_is_over_60_lines_outside_migrations() -> None:
    files = [path for path in sorted(SRC.rglob("*.py")) if "migrations" not in path.parts]
    assert files, "no source files found"
    too_long = [
        f"{path.relative_to(SRC)}:{line} {name} ({length} lines)"
        for path in files
        for name, line, length in function_lengths(path.read_text(encoding="utf-8"))
        if length > MAX_LINES
    ]
    assert too_long == [], "split these into named steps:\n" + "\n".join(too_long)
