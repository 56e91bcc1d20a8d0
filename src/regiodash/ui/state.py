"""ViewState: the one owner of the URL's query parameters.

Short stable keys; only values that differ from the defaults are written; invalid values fall
back to defaults with a note the page shows; renamed keys are migrated via `KEY_MIGRATIONS`.
Nothing from the URL reaches SQL or HTML unvalidated: every value is checked against the
catalog or a fixed set before use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

MAX_PARAM_LENGTH = 200
SEXES = ("T", "F", "M")
LEVELS = (0, 1, 2, 3)
# old key -> current key (kept forever so old links keep working)
KEY_MIGRATIONS: dict[str, str] = {"ind": "indicator", "nuts": "level"}
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class ViewState:
    indicator: str
    level: int = 2
    year: int | None = None  # None = latest available
    sex: str = "T"
    notes: tuple[str, ...] = field(default=(), compare=False)

    def to_query(self, defaults: ViewState) -> dict[str, str]:
        """Query parameters for this state: only those that differ from `defaults`."""
        out: dict[str, str] = {}
        if self.indicator != defaults.indicator:
            out["indicator"] = self.indicator
        if self.level != defaults.level:
            out["level"] = str(self.level)
        if self.year is not None and self.year != defaults.year:
            out["year"] = str(self.year)
        if self.sex != defaults.sex:
            out["sex"] = self.sex
        return out


def _first(value: object) -> str:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value)[:MAX_PARAM_LENGTH + 1]


def parse_view_state(
    params: Mapping[str, object],
    defaults: ViewState,
    known_indicators: set[str],
    year_range: tuple[int, int] = (1990, 2100),
) -> ViewState:
    """Validate query parameters into a ViewState; bad values fall back with a note."""
    raw = {KEY_MIGRATIONS.get(k, k): _first(v) for k, v in params.items()}
    notes: list[str] = []
    state = defaults

    def reject(key: str, value: str, why: str) -> None:
        shown = value if len(value) <= 40 else value[:40] + "..."
        notes.append(f"Ignored URL parameter {key}={shown!r}: {why}.")

    if "indicator" in raw:
        value = raw["indicator"]
        if ID_PATTERN.match(value) and value in known_indicators:
            state = replace(state, indicator=value)
        else:
            reject("indicator", value, "unknown indicator")
    if "level" in raw:
        value = raw["level"]
        if value.isdigit() and int(value) in LEVELS:
            state = replace(state, level=int(value))
        else:
            reject("level", value, "NUTS level must be 0, 1, 2 or 3")
    if "year" in raw:
        value = raw["year"]
        if value.isdigit() and len(value) == 4 and year_range[0] <= int(value) <= year_range[1]:
            state = replace(state, year=int(value))
        else:
            reject("year", value, f"year must be between {year_range[0]} and {year_range[1]}")
    if "sex" in raw:
        value = raw["sex"].upper()
        if value in SEXES:
            state = replace(state, sex=value)
        else:
            reject("sex", raw["sex"], "sex must be T, F or M")
    return replace(state, notes=tuple(notes))
