"""Splitting a report's range into whole weeks (weekly rollups) and edge days (daily rollups)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pa_sms.usage.sqlalchemy import split_weeks, week_of


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_a_week_starts_on_monday() -> None:
    assert week_of(date(2025, 1, 12)) == date(2025, 1, 6)  # a Sunday
    assert week_of(date(2025, 1, 6)) == date(2025, 1, 6)


@pytest.mark.parametrize("length", [1, 6, 7, 8, 13, 14, 30, 31, 90, 366])
@pytest.mark.parametrize("offset", range(7))
def test_weeks_and_edges_cover_every_day_of_the_range_once(length: int, offset: int) -> None:
    since = date(2025, 3, 3) + timedelta(days=offset)
    until = since + timedelta(days=length - 1)
    weeks, edges = split_weeks(since, until)
    covered = [day for low, high in edges for day in _days(low, high)]
    if weeks is not None:
        assert weeks[0].weekday() == weeks[1].weekday() == 0
        for monday in _days(weeks[0], weeks[1])[::7]:
            covered += _days(monday, monday + timedelta(days=6))
    assert sorted(covered) == _days(since, until)
    if weeks is not None:  # an edge is then shorter than a week
        assert all(high - low < timedelta(days=6) for low, high in edges)


def test_a_range_without_a_whole_week_is_all_edge() -> None:
    assert split_weeks(date(2025, 1, 7), date(2025, 1, 13)) == (
        None,
        [(date(2025, 1, 7), date(2025, 1, 13))],
    )


def test_a_thirty_day_range_reads_at_most_twelve_daily_rows_per_key() -> None:
    weeks, edges = split_weeks(date(2025, 11, 27), date(2025, 12, 26))
    assert weeks == (date(2025, 12, 1), date(2025, 12, 15))
    assert edges == [
        (date(2025, 11, 27), date(2025, 11, 30)),
        (date(2025, 12, 22), date(2025, 12, 26)),
    ]
