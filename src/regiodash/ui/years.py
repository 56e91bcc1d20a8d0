"""Which year a page opens on, and what it says about years with few values (pure: no
Streamlit, no I/O).

Real Eurostat tables publish their newest year for a few countries first (regional GDP at
NUTS 3: 204 regions in the newest year, about 1,300 the year before). A page that opened on
the newest year would show a grey map and a ranking without Paris or Munich. So the default
year of an indicator at a NUTS level is the latest year in which at least COVERAGE_SHARE of
the indicator's regions at that level have a value, else the best-covered year (the latest of
equals), and the page names the newer, sparser years it skipped.

"The indicator's regions at that level" are the regions with a value in any year (the
`level_regions` of storage/sql/indicator_year_coverage.sql): a table published for the EU only
is measured against the regions it covers, not against candidate countries it never publishes.
Missing values (null) count as no value; flagged values count as values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

COVERAGE_SHARE = 0.8
MAX_YEARS_NAMED = 3


@dataclass(frozen=True)
class DefaultYear:
    """The year to open on and the note saying why (None when it is simply the latest year)."""

    year: int
    note: str | None


def _count(n: int) -> str:
    return f"{n:,}"


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _named_years(newer: Sequence[tuple[int, int]]) -> tuple[str, str]:
    """("2022", "204") or ("2021 and 2022", "10 and 204"): the newest MAX_YEARS_NAMED years."""
    shown = list(newer)[-MAX_YEARS_NAMED:]
    more = len(newer) - len(shown)
    years = [str(y) for y, _ in shown]
    counts = [_count(n) for _, n in shown]
    prefix = f"{more} earlier year{'s' if more > 1 else ''}, " if more else ""
    return prefix + _join(years), _join(counts)


def choose_default_year(counts: Mapping[int, int], level_regions: int, level: int,
                        share: float = COVERAGE_SHARE, regions: str | None = None
                        ) -> DefaultYear:
    """The default year from `counts` (year -> regions with a value that year) and
    `level_regions` (regions with a value in any year), with a note naming newer, sparser
    years when the default is not the latest year. `regions` names those regions in the note
    (default "NUTS <level> regions with this indicator"). `counts` must not be empty."""
    if not counts:
        raise ValueError("no years to choose from")
    years = sorted(counts)
    need = share * level_regions
    covered = [y for y in years if counts[y] >= need]
    percent = f"{share:.0%}".replace("%", " %")
    where = (f"the {_count(level_regions)} "
             + (regions or f"NUTS {level} regions with this indicator"))
    if covered:
        year = covered[-1]
        reason = f"the latest year with values for at least {percent} of them"
    else:
        year = max(years, key=lambda y: (counts[y], y))
        reason = f"the year with the most regions ({_count(counts[year])})"
    newer = [(y, counts[y]) for y in years if y > year]
    if not newer:
        if covered:
            return DefaultYear(year=year, note=None)
        return DefaultYear(year=year, note=(
            f"No year has values for {percent} of {where}; {year}, the latest year, has "
            f"{_count(counts[year])}."))
    named, numbers = _named_years(newer)
    verb = "has" if len(newer) == 1 else "have"
    lead = ("" if covered
            else f"No year has values for {percent} of {where}. ")
    return DefaultYear(year=year, note=(
        f"{lead}{named} {verb} values for only {numbers} of {where}; "
        f"showing {year}, {reason}."))


def default_span(counts: Mapping[int, int], level_regions: int, level: int,
                 share: float = COVERAGE_SHARE) -> tuple[tuple[int, int], str | None]:
    """A (start, end) span of years for pages that compare two years: the end is
    `choose_default_year`, the start the earliest year at or before it with the same
    coverage (else the first year). Returns the span and the end year's note."""
    end = choose_default_year(counts, level_regions, level, share)
    need = share * level_regions
    starts = [y for y in sorted(counts) if y <= end.year and counts[y] >= need]
    return (starts[0] if starts else min(counts), end.year), end.note


def ranking_note(ranked: int, level_regions: int, level: int, year: int) -> str | None:
    """What a ranking of `year` leaves out: None when every region of the indicator at the
    level has a value that year."""
    missing = level_regions - ranked
    if missing <= 0:
        return None
    return (f"Ranked: {_count(ranked)} of {_count(level_regions)} NUTS {level} regions; "
            f"{_count(missing)} without a value in {year} (they have values in other "
            "years). Choose another year to rank them.")
