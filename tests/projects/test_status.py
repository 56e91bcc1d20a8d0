"""The KPI status rule at every boundary (docs/projects.md, 'Status rule').

A 100-day KPI from 0 to 100 makes the arithmetic exact: on day d the expected value is d.
"""

from __future__ import annotations

import datetime as dt

import pytest

from regiodash.projects.status import (
    AT_RISK_FROM,
    ON_TRACK_FROM,
    elapsed_fraction,
    expected_value,
    kpi_status,
    progress_ratio,
    trajectory,
)

START = dt.date(2024, 1, 1)
DUE = START + dt.timedelta(days=100)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def status(value: float, on: dt.date, baseline: float = 0, target: float = 100,
           direction: str = "higher") -> str:
    return kpi_status(value, on, baseline, target, START, DUE, direction).status


def test_thresholds_are_the_documented_ones():
    assert (ON_TRACK_FROM, AT_RISK_FROM) == (0.9, 0.7)


def test_expected_value_is_a_straight_line_clamped_to_the_period():
    assert expected_value(0, 100, START, DUE, day(-10)) == 0
    assert expected_value(0, 100, START, DUE, START) == 0
    assert expected_value(0, 100, START, DUE, day(25)) == 25
    assert expected_value(0, 100, START, DUE, DUE) == 100
    assert expected_value(0, 100, START, DUE, day(400)) == 100
    assert expected_value(10, 30, START, DUE, day(50)) == 20


def test_elapsed_fraction_refuses_a_target_date_on_or_before_the_start():
    with pytest.raises(ValueError):
        elapsed_fraction(START, START, START)


@pytest.mark.parametrize(("value", "expected_status"), [
    (45.0, "on track"),      # ratio 0.9 exactly: on track
    (44.99, "at risk"),      # just below 0.9
    (35.0, "at risk"),       # ratio 0.7 exactly: at risk
    (34.99, "off track"),    # just below 0.7
    (0.0, "off track"),      # no progress at all
    (-5.0, "off track"),     # moved away from the target
    (60.0, "on track"),      # ahead of the line
])
def test_ratio_boundaries_halfway(value, expected_status):
    # day 50: 50 expected
    assert status(value, day(50)) == expected_status


def test_ratio_is_rounded_so_ninety_percent_stays_on_track():
    # 0.3 / (1/3) is 0.8999999999999999 in binary floating point
    result = kpi_status(0.3, day(1), 0, 1, START, day(3))
    assert result.ratio == 0.9
    assert result.status == "on track"


def test_at_the_start_nothing_is_expected_yet():
    result = kpi_status(0, START, 0, 100, START, DUE)
    assert result.status == "not started"
    assert result.ratio is None
    assert result.expected == 0
    assert result.counts_as_on_track
    assert status(0, day(-30)) == "not started"
    # even a value below the baseline before the start is 'not started'
    assert status(-3, START) == "not started"


def test_reaching_the_target_early_is_on_track_even_at_the_start():
    assert status(100, START) == "on track"
    assert status(120, day(10)) == "on track"


def test_at_the_target_date_the_whole_progress_is_expected():
    assert status(90, DUE) == "on track"
    assert status(89.99, DUE) == "at risk"
    assert status(70, DUE) == "at risk"
    assert status(69.99, DUE) == "off track"
    assert status(100, DUE) == "on track"


def test_after_the_target_date_expected_stays_at_the_target():
    result = kpi_status(80, day(250), 0, 100, START, DUE)
    assert result.expected == 100
    assert result.ratio == 0.8
    assert result.status == "at risk"
    assert status(95, day(1000)) == "on track"
    assert status(60, day(1000)) == "off track"


def test_lower_is_better_uses_the_same_formula_and_thresholds():
    # baseline 100, target 0 over 100 days: 50 expected on day 50
    assert status(55, day(50), 100, 0, "lower") == "on track"    # 45/50 = 0.9
    assert status(55.01, day(50), 100, 0, "lower") == "at risk"
    assert status(65, day(50), 100, 0, "lower") == "at risk"     # 35/50 = 0.7
    assert status(65.01, day(50), 100, 0, "lower") == "off track"
    assert status(110, day(50), 100, 0, "lower") == "off track"  # got worse
    assert status(0, day(10), 100, 0, "lower") == "on track"     # target reached
    assert status(100, START, 100, 0, "lower") == "not started"
    result = kpi_status(85, day(50), 100, 70, START, DUE, "lower")  # 15 of 15 expected
    assert result.ratio == 1.0


def test_progress_ratio_none_when_no_progress_is_expected():
    assert progress_ratio(5, 5, 5) is None
    assert progress_ratio(7.5, 5, 10) == 0.5


def test_trajectory_corner_points():
    assert trajectory(0, 10, START, DUE) == [(START, 0), (DUE, 10)]
    assert trajectory(0, 10, START, DUE, day(200)) == [(START, 0), (DUE, 10), (day(200), 10)]
    assert trajectory(0, 10, START, DUE, day(50)) == [(START, 0), (DUE, 10)]
