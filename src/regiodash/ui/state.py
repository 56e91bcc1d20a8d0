"""ViewState: the one owner of the URL's query parameters.

Every page reads its view from the URL through `parse_view_state` and writes it back with
`ViewState.to_query`, so a link reproduces exactly what its sender saw.

- Short stable keys: indicator, level, year (`2019` or a range `2015..2023`), sex
  (T, F, M or gap), country, region (codes joined with `~`), compare (up to 8 codes joined
  with `~`), weights (`id:w~id:w`, only when changed), tab (the region profile's tab).
- Only values that differ from the page's defaults are written.
- Invalid or hostile values (unknown ids, out-of-range years, SQL or HTML fragments, thousands
  of codes, wrong types) fall back to the default with a short note the page shows. No value
  from the URL is used before it has been checked against the catalog, the region list or a
  fixed set, so nothing from the URL reaches SQL or HTML; a note quotes the URL's value
  escaped (ui.text.escape_markdown), so it shows as text, never as a link or markup.
- A year range written backwards (2023..2012) is read in order, with a note.
- Renamed keys keep working through `KEY_MIGRATIONS`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from regiodash.ui.text import escape_markdown

MAX_PARAM_LENGTH = 400
MAX_REGIONS = 12
MAX_COMPARE = 8
SEXES = ("T", "F", "M", "gap")
LEVELS = (0, 1, 2, 3)
SEPARATOR = "~"
# old key -> current key (kept forever so old links keep working)
KEY_MIGRATIONS: dict[str, str] = {"ind": "indicator", "nuts": "level", "geo": "region",
                                  "regions": "region", "cmp": "compare"}
KEYS = ("indicator", "level", "year", "sex", "country", "region", "compare", "weights",
        "area", "area_name", "tab")
PROFILE_TABS = ("strengths", "trends", "gender", "sustainability", "peers",
                "values")  # the profile's tabs
MAX_AREA = 60
MAX_WEIGHT = 10.0  # the weight inputs' maximum: a larger weight in a URL is refused with a note
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,79}$")
CODE_PATTERN = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")
# ASCII digits only: str.isdigit() and \d also accept "²" or Arabic-Indic digits.
YEAR_PATTERN = re.compile(r"^([0-9]{4})(?:\.\.([0-9]{4}))?$")
WEIGHT_PATTERN = re.compile(r"^([a-z][a-z0-9_]{0,79}):([0-9]{1,3}(?:\.[0-9]{1,3})?)$")
LEVEL_PATTERN = re.compile(r"^[0-3]$")
AREA_NAME_PATTERN = re.compile(r"^[^\W_][\w .,'()-]{0,39}$")  # letters, digits, basic marks


def is_valid_area_name(name: str) -> bool:
    return bool(AREA_NAME_PATTERN.fullmatch(name))


@dataclass(frozen=True)
class ViewContext:
    """What valid values look like: everything the URL is checked against."""

    indicators: frozenset[str]
    regions: frozenset[str]
    countries: frozenset[str]
    year_range: tuple[int, int] = (1990, 2100)
    weight_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ViewState:
    indicator: str = ""
    level: int = 2
    year: int | None = None  # None = the page's default (ui.years: latest well-covered year)
    year_to: int | None = None  # set for a range year..year_to
    sex: str = "T"
    country: str | None = None
    regions: tuple[str, ...] = ()
    compare: tuple[str, ...] = ()
    weights: tuple[tuple[str, float], ...] = ()
    area: tuple[str, ...] = ()  # a user-defined group of regions (compare page)
    area_name: str = ""
    tab: str = ""  # one of PROFILE_TABS on the profile page
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def region(self) -> str | None:
        return self.regions[0] if self.regions else None

    @property
    def year_span(self) -> tuple[int, int] | None:
        if self.year is None:
            return None
        return (self.year, self.year_to if self.year_to is not None else self.year)

    def to_query(self, defaults: ViewState) -> dict[str, str]:
        """Query parameters for this state: only those that differ from `defaults`."""
        out: dict[str, str] = {}
        if self.indicator and self.indicator != defaults.indicator:
            out["indicator"] = self.indicator
        if self.level != defaults.level:
            out["level"] = str(self.level)
        if self.year is not None and (self.year, self.year_to) != (defaults.year,
                                                                    defaults.year_to):
            out["year"] = (f"{self.year}..{self.year_to}" if self.year_to is not None
                           else str(self.year))
        if self.sex != defaults.sex:
            out["sex"] = self.sex
        if self.country and self.country != defaults.country:
            out["country"] = self.country
        if self.regions and self.regions != defaults.regions:
            out["region"] = SEPARATOR.join(self.regions)
        if self.compare and self.compare != defaults.compare:
            out["compare"] = SEPARATOR.join(self.compare)
        if self.area and self.area != defaults.area:
            out["area"] = SEPARATOR.join(self.area)
        if self.area_name and self.area_name != defaults.area_name:
            out["area_name"] = self.area_name
        if self.weights and self.weights != defaults.weights:
            out["weights"] = SEPARATOR.join(f"{k}:{_fmt_weight(w)}" for k, w in self.weights)
        if self.tab and self.tab != defaults.tab:
            out["tab"] = self.tab
        return out


def _fmt_weight(w: float) -> str:
    return f"{w:g}"


def _first(value: object) -> str:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value)


def _short(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "..."


def parse_view_state(
    params: Mapping[str, object],
    defaults: ViewState,
    ctx: ViewContext,
) -> ViewState:
    """Validate query parameters into a ViewState; bad values fall back with a note."""
    raw: dict[str, str] = {}
    notes: list[str] = []
    for key, value in params.items():
        current = KEY_MIGRATIONS.get(key, key)
        if current in KEYS and current not in raw:
            raw[current] = _first(value)
    state = defaults

    def reject(key: str, value: str, why: str) -> None:
        # the URL's text is shown as text (ui.text): no link, emphasis or directive from it
        notes.append(f"Ignored URL parameter {key}={escape_markdown(repr(_short(value)))}: "
                     f"{why}.")

    for key, value in raw.items():
        if len(value) > MAX_PARAM_LENGTH:
            reject(key, value, f"longer than {MAX_PARAM_LENGTH} characters")
            continue
        if key == "indicator":
            if ID_PATTERN.fullmatch(value) and value in ctx.indicators:
                state = replace(state, indicator=value)
            else:
                reject(key, value, "unknown indicator")
        elif key == "level":
            if LEVEL_PATTERN.fullmatch(value):
                state = replace(state, level=int(value))
            else:
                reject(key, value, "NUTS level must be 0, 1, 2 or 3")
        elif key == "year":
            m = YEAR_PATTERN.fullmatch(value)
            lo, hi = ctx.year_range
            years = [int(y) for y in m.groups() if y is not None] if m else []
            if not m:
                reject(key, value, f"year must be a year like {hi} or a range like {lo}..{hi}")
            elif not all(lo <= y <= hi for y in years):
                reject(key, value, f"years go from {lo} to {hi}")
            elif len(years) == 2 and years[0] > years[1]:
                # a range written backwards means the same years: read it in order, say so
                state = replace(state, year=years[1], year_to=years[0])
                notes.append(f"Year range {years[0]}..{years[1]} read as "
                             f"{years[1]}..{years[0]} (earlier year first).")
            else:
                state = replace(state, year=years[0],
                                year_to=years[1] if len(years) == 2 else None)
        elif key == "sex":
            norm = value if value == "gap" else value.upper()
            if norm in SEXES:
                state = replace(state, sex=norm)
            else:
                reject(key, value, "sex must be T, F, M or gap")
        elif key == "country":
            if CODE_PATTERN.fullmatch(value) and value in ctx.countries:
                state = replace(state, country=value)
            else:
                reject(key, value, "unknown country code")
        elif key == "tab":
            if value in PROFILE_TABS:
                state = replace(state, tab=value)
            else:
                reject(key, value, f"tab must be one of {', '.join(PROFILE_TABS)}")
        elif key == "area_name":
            if is_valid_area_name(value):
                state = replace(state, area_name=value)
            else:
                reject(key, value, "an area name has up to 40 letters, digits, spaces and .,'()-")
        elif key in ("region", "compare", "area"):
            limit = {"region": MAX_REGIONS, "compare": MAX_COMPARE, "area": MAX_AREA}[key]
            codes = [c for c in value.split(SEPARATOR) if c]
            good = [c for c in dict.fromkeys(codes)
                    if CODE_PATTERN.fullmatch(c) and c in ctx.regions]
            if len(codes) > limit:
                reject(key, value, f"at most {limit} regions")
                good = good[:limit]
            elif len(good) < len(codes):
                bad = [c for c in codes if c not in good]
                reject(key, SEPARATOR.join(bad), "unknown region code")
            field_name = {"region": "regions", "compare": "compare", "area": "area"}[key]
            state = replace(state, **{field_name: tuple(good)})
        elif key == "weights":
            parts = [p for p in value.split(SEPARATOR) if p]
            parsed = [WEIGHT_PATTERN.fullmatch(p) for p in parts]
            if parts and all(m and m[1] in ctx.weight_ids and float(m[2]) <= MAX_WEIGHT
                             for m in parsed):
                state = replace(state, weights=tuple((m[1], float(m[2]))
                                                     for m in parsed if m))
            else:
                reject(key, value, "weights must look like component:1.5~component:0.5, "
                       f"each between 0 and {MAX_WEIGHT:g}")
    return replace(state, notes=tuple(notes))
