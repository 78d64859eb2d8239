"""CSV cells are neutralised against formula injection, numbers are left alone."""

from __future__ import annotations

import pytest

from pa_core.spreadsheets import csv_cell, neutralise_cell


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("https://evil.example","x")',
        "+SUM(A1:A9)",
        "-2+3",
        "@SUM(A1)",
        "\t=1+1",
        "\r=1+1",
        "+1 415 555 0100",
        "-",
        "+",
        "--1",
        "-1.5.0",
        "+14155550100=1",
    ],
)
def test_a_cell_a_spreadsheet_would_run_gets_a_quote_in_front(value: str) -> None:
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["+14155550100", "+442079460958", "-1.50", "+2", "-3", "0.0079"])
def test_a_cell_that_is_wholly_an_e164_number_or_a_decimal_is_left_as_is(value: str) -> None:
    assert neutralise_cell(value) == value


@pytest.mark.parametrize("value", ["alice", "2025-01-31", "a=b", "USD", ""])
def test_an_ordinary_cell_is_left_as_is(value: str) -> None:
    assert neutralise_cell(value) == value


def test_any_value_becomes_a_cell_and_none_the_empty_cell() -> None:
    assert [csv_cell(v) for v in (None, 3, -1, 0.5, "=1")] == ["", "3", "-1", "0.5", "'=1"]
