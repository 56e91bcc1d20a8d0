"""Composite index specs: a small TOML file naming indicators, directions, weights and options.

A spec says what to combine; `indicators.composite` applies the scoreboard method to it. The
built-in Regional Innovation Index is itself a spec shipped with the package
(`specs/regional_innovation_index.toml`), so analysts' composites and the built-in index run
through the same code. The format (docs/composite.md has the full description):

    id = "smart_specialisation_index"      # snake_case, becomes the indicator id
    title = "Smart specialisation index"
    description = "..."                    # optional

    [options]                              # every option is optional
    normalised = false      # true: input already normalised, skip capping and sqrt transform
    reference = "EU"        # "EU" (EU27_2020, scoreboard fallback) or a country / region code
    base_year = 2016        # index = score / reference score in base_year x 100; omit for
                            # same-year relative (reference score of the same year = 100)
    min_coverage = 0.75     # share of the indicators (by count) a unit-year needs; default 2/3
    missing = "skip"        # "skip": mean of the indicators present; "carry_forward": a
                            # unit's last earlier value of an indicator stands in (flag 'e')
    levels = [2]            # NUTS levels to score (0 countries .. 3); default all four
    years = [2014, 2023]    # inclusive window, also the normalisation window; default all

    [[indicators]]          # one table per indicator, at least one
    id = "gerd_business_pct_gdp"
    direction = "higher"    # "higher" / "lower"; optional where the id declares one
    weight = 1.0            # >= 0, default 1; 0 drops the indicator

Every value remembers the line it was written on, so a bad spec is refused with a message
naming the line (`SpecError`). `spec_to_toml` writes a spec back (what the Rankings page
offers as a download) and `parse_spec` reads it again unchanged.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources

SPEC_PACKAGE = "indicators"
BUILTIN_SPEC = "regional_innovation_index"
SKIP, CARRY_FORWARD = "skip", "carry_forward"
MISSING_RULES = (SKIP, CARRY_FORWARD)
DIRECTIONS = ("higher", "lower")
EU_REFERENCE = "EU"
DEFAULT_MIN_COVERAGE = 2 / 3
ALL_LEVELS: tuple[int, ...] = (0, 1, 2, 3)
_ID = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
_GEO = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")
_TOP_KEYS = {"id", "title", "description", "options", "indicators"}
_OPTION_KEYS = {"normalised", "reference", "base_year", "min_coverage", "missing", "levels",
                "years"}
_INDICATOR_KEYS = {"id", "direction", "weight"}


class SpecError(ValueError):
    """A spec that cannot be used; the message names the source and line."""

    def __init__(self, message: str, source: str = "<spec>", line: int | None = None):
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {message}")
        self.source, self.line = source, line


@dataclass(frozen=True)
class SpecIndicator:
    """One indicator of a composite: id, direction ('higher'/'lower' or None = the id's
    declared direction), weight (>= 0) and the line of its `[[indicators]]` table."""

    id: str
    direction: str | None = None
    weight: float = 1.0
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CompositeSpec:
    """A parsed composite spec (see the module doc for the meaning of each field)."""

    id: str
    title: str
    indicators: tuple[SpecIndicator, ...]
    description: str = ""
    normalised: bool = False
    reference: str = EU_REFERENCE
    base_year: int | None = None
    min_coverage: float = DEFAULT_MIN_COVERAGE
    missing: str = SKIP
    levels: tuple[int, ...] = ALL_LEVELS
    years: tuple[int, int] | None = None
    source: str = field(default="<spec>", compare=False)
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def line_of(self, key: str) -> int | None:
        """Line of a top-level or option key (`options.base_year`), None when not written."""
        return self.lines.get(key) or self.lines.get(key.partition(".")[0])

    def error(self, message: str, key: str) -> SpecError:
        return SpecError(message, self.source, self.line_of(key))

    @property
    def weights(self) -> dict[str, float]:
        return {i.id: i.weight for i in self.indicators}


# --- reading ---------------------------------------------------------------------------------

_TABLE = re.compile(r"^\s*\[\s*([A-Za-z_]+)\s*\]\s*(#.*)?$")
_ARRAY_TABLE = re.compile(r"^\s*\[\[\s*([A-Za-z_]+)\s*\]\]\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=")


def _key_lines(text: str) -> tuple[dict[str, int], list[dict[str, int]]]:
    """Line numbers (1-based) of top-level and [options] keys ('options.x') and, per
    [[indicators]] table, of its header ('') and keys. The spec format keeps one key per
    line, which is what makes this line scan enough."""
    top: dict[str, int] = {}
    tables: list[dict[str, int]] = []
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if m := _ARRAY_TABLE.match(line):
            section = m.group(1)
            if section == "indicators":
                tables.append({"": number})
            continue
        if m := _TABLE.match(line):
            section = m.group(1)
            top.setdefault(section, number)
            continue
        if m := _KEY.match(line):
            key = m.group(1)
            if section == "indicators" and tables:
                tables[-1].setdefault(key, number)
            elif section:
                top.setdefault(f"{section}.{key}", number)
            else:
                top.setdefault(key, number)
    top["<end>"] = max(1, len(text.splitlines()))  # where a missing list would go
    return top, tables


def _number(value: object, what: str, err: SpecError) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise err
    out = float(value)
    if not math.isfinite(out):
        raise SpecError(f"{what} must be finite", err.source, err.line)
    return out


def _parse_indicators(raw: object, lines: list[dict[str, int]], top: dict[str, int],
                      source: str) -> tuple[SpecIndicator, ...]:
    line = top.get("indicators") or top["<end>"]
    if raw is None or raw == []:
        raise SpecError("the spec lists no indicators: add at least one [[indicators]] table",
                        source, line)
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise SpecError("indicators must be a list of [[indicators]] tables", source, line)
    out: list[SpecIndicator] = []
    seen: dict[str, int | None] = {}
    for n, table in enumerate(raw):
        at = lines[n] if n < len(lines) else {}

        def where(key: str, at: dict[str, int] = at) -> int | None:
            return at.get(key) or at.get("") or line

        for key in table:
            if key not in _INDICATOR_KEYS:
                raise SpecError(f"unknown key {key!r} in [[indicators]] (allowed: id, direction,"
                                " weight)", source, where(key))
        ident = table.get("id")
        if not isinstance(ident, str) or not ident:
            raise SpecError("every [[indicators]] table needs an id", source, where("id"))
        if ident in seen:
            raise SpecError(f"indicator {ident!r} is listed twice (first on line {seen[ident]})",
                            source, where("id"))
        seen[ident] = where("id")
        direction = table.get("direction")
        if direction is not None and direction not in DIRECTIONS:
            raise SpecError(f"direction of {ident!r} must be 'higher' or 'lower', got "
                            f"{direction!r}", source, where("direction"))
        bad = SpecError(f"weight of {ident!r} must be a number", source, where("weight"))
        weight = _number(table.get("weight", 1.0), f"weight of {ident!r}", bad)
        if weight < 0:
            raise SpecError(f"weight of {ident!r} is negative ({weight:g}): weights must be >= 0",
                            source, where("weight"))
        out.append(SpecIndicator(ident, direction, weight, where("id")))
    if not any(i.weight > 0 for i in out):
        raise SpecError("every indicator has weight 0: at least one must count", source, line)
    return tuple(out)


def _parse_options(raw: object, top: dict[str, int], source: str) -> dict[str, object]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SpecError("options must be a table ([options])", source, top.get("options"))
    opts: dict[str, object] = {}
    for key, value in raw.items():
        line = top.get(f"options.{key}") or top.get("options")
        if key not in _OPTION_KEYS:
            raise SpecError(f"unknown option {key!r} (allowed: {', '.join(sorted(_OPTION_KEYS))})",
                            source, line)
        opts[key] = _check_option(key, value, SpecError("", source, line))
    return opts


def _check_option(key: str, value: object, at: SpecError) -> object:
    def fail(message: str) -> SpecError:
        return SpecError(message, at.source, at.line)

    if key == "normalised":
        if not isinstance(value, bool):
            raise fail("normalised must be true or false")
        return value
    if key == "reference":
        if not isinstance(value, str) or not (value == EU_REFERENCE or _GEO.match(value)):
            raise fail(f"reference must be 'EU' or a country / region code such as 'DE' or "
                       f"'DE21', got {value!r}")
        return value
    if key == "base_year":
        if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2100:
            raise fail(f"base_year must be a year such as 2016, got {value!r}")
        return value
    if key == "min_coverage":
        share = _number(value, "min_coverage", fail("min_coverage must be a number"))
        if not 0 < share <= 1:
            raise fail(f"min_coverage is a share of the indicators: in (0, 1], got {value!r}")
        return share
    if key == "missing":
        if value not in MISSING_RULES:
            raise fail(f"missing must be one of {', '.join(MISSING_RULES)}, got {value!r}")
        return value
    if key == "levels":
        ok = (isinstance(value, list) and value and all(
            isinstance(v, int) and not isinstance(v, bool) and v in ALL_LEVELS for v in value))
        if not ok:
            raise fail(f"levels must be a non-empty list of NUTS levels 0-3, got {value!r}")
        return tuple(sorted(set(value)))
    # years
    ok = (isinstance(value, list) and len(value) == 2
          and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
          and value[0] <= value[1])
    if not ok:
        raise fail(f"years must be [first, last] with first <= last, got {value!r}")
    return (int(value[0]), int(value[1]))


def parse_spec(text: str, source: str = "<spec>") -> CompositeSpec:
    """A CompositeSpec from TOML text; SpecError (naming `source` and the line) when the text
    is not TOML, a key is unknown or misspelt, a weight is negative, no indicator is listed,
    an indicator is listed twice or an option is out of range. Whether the indicator ids
    exist is checked against the warehouse by `check_indicators`."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise SpecError(f"not valid TOML: {exc}", source,
                        int(found.group(1)) if found else None) from exc
    top, tables = _key_lines(text)
    for key in raw:
        if key not in _TOP_KEYS:
            raise SpecError(f"unknown key {key!r} (allowed: {', '.join(sorted(_TOP_KEYS))})",
                            source, top.get(key))
    ident = raw.get("id")
    if not isinstance(ident, str) or not _ID.match(ident):
        raise SpecError(f"id must be a lower-case snake_case name, got {ident!r}", source,
                        top.get("id"))
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise SpecError("title is missing or empty", source, top.get("title"))
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise SpecError("description must be text", source, top.get("description"))
    indicators = _parse_indicators(raw.get("indicators"), tables, top, source)
    options = _parse_options(raw.get("options"), top, source)
    return CompositeSpec(id=ident, title=title.strip(), description=description.strip(),
                         indicators=indicators, source=source, lines=top,
                         **options)  # type: ignore[arg-type]


def read_spec(path: str, text: str | None = None) -> CompositeSpec:
    """parse_spec of a file (its name in the messages); `text` when already read."""
    if text is None:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    return parse_spec(text, source=str(path))


def builtin_spec(name: str = BUILTIN_SPEC) -> CompositeSpec:
    """A spec shipped with the package (`indicators/specs/<name>.toml`)."""
    text = resources.files(SPEC_PACKAGE).joinpath("specs", f"{name}.toml").read_text("utf-8")
    return parse_spec(text, source=f"{SPEC_PACKAGE}/specs/{name}.toml")


def check_indicators(spec: CompositeSpec, directions: Mapping[str, str | None]) -> dict[str, str]:
    """The direction of every indicator of `spec` with weight > 0, checked against
    `directions` (id -> declared direction: 'higher', 'lower', or None/other when the id
    declares none, e.g. a user indicator). SpecError naming the line of an id that is not
    known, or that has no usable direction and gives none in the spec."""
    out: dict[str, str] = {}
    for ind in spec.indicators:
        if ind.id not in directions:
            raise SpecError(f"unknown indicator {ind.id!r}: not a catalog, derived, user or WDI "
                            "indicator of this warehouse", spec.source, ind.line)
        declared = directions[ind.id]
        direction = ind.direction or (declared if declared in DIRECTIONS else None)
        if direction is None:
            raise SpecError(f"indicator {ind.id!r} declares no direction ({declared or 'none'}):"
                            " add direction = \"higher\" or \"lower\"", spec.source, ind.line)
        if ind.weight > 0:
            out[ind.id] = direction
    return out


# --- writing ---------------------------------------------------------------------------------


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def spec_to_toml(spec: CompositeSpec) -> str:
    """TOML text of `spec` that `parse_spec` reads back to an equal spec (options left at
    their defaults are not written). Weights are written with repr, so they survive exactly."""
    lines = [f"id = {_toml_string(spec.id)}", f"title = {_toml_string(spec.title)}"]
    if spec.description:
        lines.append(f"description = {_toml_string(spec.description)}")
    options: list[str] = []
    if spec.normalised:
        options.append("normalised = true")
    if spec.reference != EU_REFERENCE:
        options.append(f"reference = {_toml_string(spec.reference)}")
    if spec.base_year is not None:
        options.append(f"base_year = {spec.base_year}")
    if spec.min_coverage != DEFAULT_MIN_COVERAGE:
        options.append(f"min_coverage = {spec.min_coverage!r}")
    if spec.missing != SKIP:
        options.append(f"missing = {_toml_string(spec.missing)}")
    if spec.levels != ALL_LEVELS:
        options.append(f"levels = [{', '.join(str(v) for v in spec.levels)}]")
    if spec.years is not None:
        options.append(f"years = [{spec.years[0]}, {spec.years[1]}]")
    if options:
        lines += ["", "[options]", *options]
    for ind in spec.indicators:
        lines += ["", "[[indicators]]", f"id = {_toml_string(ind.id)}"]
        if ind.direction:
            lines.append(f"direction = {_toml_string(ind.direction)}")
        lines.append(f"weight = {float(ind.weight)!r}")
    return "\n".join(lines) + "\n"


def reweighted_spec(base: CompositeSpec, weights: Mapping[str, float], *, id: str,
                    title: str) -> CompositeSpec:
    """`base` with new weights (ids of `base` only; those not named keep their weight): what
    the Rankings page saves as a spec of the current reweighting."""
    unknown = sorted(set(weights) - {i.id for i in base.indicators})
    if unknown:
        raise SpecError(f"weights name {unknown}, which {base.id} does not contain", base.source)
    indicators = tuple(
        SpecIndicator(i.id, i.direction, float(weights.get(i.id, i.weight)), i.line)
        for i in base.indicators)
    return parse_spec(spec_to_toml(CompositeSpec(
        id=id, title=title, indicators=indicators, description=base.description,
        normalised=base.normalised, reference=base.reference, base_year=base.base_year,
        min_coverage=base.min_coverage, missing=base.missing, levels=base.levels,
        years=base.years)), source=f"{id}.toml")
