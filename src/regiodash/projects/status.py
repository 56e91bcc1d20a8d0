"""KPI status: is a measured value on track towards its target? (pure: no I/O)

The rule (also in docs/projects.md, and tested at every boundary):

A KPI has a baseline b at the project's start date s and a target t due at target date T.
The expected value on a date d follows a straight line from (s, b) to (T, t) and stays at t
after T:

    expected(d) = b + (t - b) * clamp((d - s) / (T - s), 0, 1)      (days)

A value v measured on d gives the progress ratio

    ratio = (v - b) / (expected(d) - b)

i.e. the part of the progress expected by d that has been achieved. For a lower-is-better KPI
(t < b) numerator and denominator are both negative when things go well, so the same formula
and the same thresholds apply: a fall from 100 to 85 when 80 was expected is 15/20 = 0.75.

Status, checked in this order:
1. 'on track'    when v has reached the target (v >= t if higher is better, v <= t if lower);
2. 'not started' when no progress is expected yet (d <= s, so expected(d) == b); this counts as
                 on track;
3. 'on track'    when ratio >= 0.9;
4. 'at risk'     when 0.7 <= ratio < 0.9;
5. 'off track'   when ratio < 0.7 (including no progress or a move away from the target).

The ratio is rounded to 9 decimals before the comparison, so a value entered as exactly 90 %
of the expected progress is 'on track' despite binary floating point.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ON_TRACK_FROM = 0.9
AT_RISK_FROM = 0.7
RATIO_DECIMALS = 9
STATUSES = ("on track", "at risk", "off track", "not started")


@dataclass(frozen=True)
class KpiStatus:
    status: str
    expected: float
    ratio: float | None  # None when no progress is expected yet

    @property
    def counts_as_on_track(self) -> bool:
        return self.status in ("on track", "not started")


def elapsed_fraction(start: dt.date, target_date: dt.date, on: dt.date) -> float:
    """Share of the time from start to target date that has passed on `on`, clamped to 0..1."""
    total = (target_date - start).days
    if total <= 0:
        raise ValueError(f"target date {target_date} must be after the start {start}")
    return min(max((on - start).days / total, 0.0), 1.0)


def expected_value(baseline: float, target: float, start: dt.date, target_date: dt.date,
                   on: dt.date) -> float:
    """The straight-line expected value on `on` (baseline before start, target after)."""
    return baseline + (target - baseline) * elapsed_fraction(start, target_date, on)


def progress_ratio(value: float, baseline: float, expected: float) -> float | None:
    """(value - baseline) / (expected - baseline); None when expected == baseline."""
    if expected == baseline:
        return None
    return round((value - baseline) / (expected - baseline), RATIO_DECIMALS)


def reached_target(value: float, target: float, direction: str) -> bool:
    return value <= target if direction == "lower" else value >= target


def kpi_status(value: float, on: dt.date, baseline: float, target: float, start: dt.date,
               target_date: dt.date, direction: str = "higher") -> KpiStatus:
    """Status of a KPI value measured on `on` (see the module docstring for the rule)."""
    expected = expected_value(baseline, target, start, target_date, on)
    ratio = progress_ratio(value, baseline, expected)
    if reached_target(value, target, direction):
        return KpiStatus("on track", expected, ratio)
    if ratio is None:
        return KpiStatus("not started", expected, None)
    if ratio >= ON_TRACK_FROM:
        return KpiStatus("on track", expected, ratio)
    if ratio >= AT_RISK_FROM:
        return KpiStatus("at risk", expected, ratio)
    return KpiStatus("off track", expected, ratio)


def trajectory(baseline: float, target: float, start: dt.date, target_date: dt.date,
               until: dt.date | None = None) -> list[tuple[dt.date, float]]:
    """Corner points of the expected line: (start, b), (T, t) and (until, t) if later."""
    points = [(start, baseline), (target_date, target)]
    if until is not None and until > target_date:
        points.append((until, target))
    return points
