"""Input rows of a composite as integer-coded arrays, and the carry-forward of missing values.

`select_rows` turns the tidy input frame into `Rows`: one NumPy array per column, text as codes
into sorted labels (so code order is string order, the order the outputs are sorted in). The
method in `indicators.composite` then never touches a string per row, which is what keeps a
reweighted index on a large panel in tens of milliseconds.

Input grain: one row per indicator_id, geo_code, nuts_level, year and sex (INPUT_COLUMNS).
Only sex 'T' rows of the composite's indicators (and of the population, for the EU fallback)
at the chosen levels, plus the reference unit's rows, are kept. NaN and non-finite values are
missing, exactly like an absent row; nothing is imputed unless the spec asks for carry-forward,
and a carried value is flagged 'e'.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from indicators.frames import INPUT_COLUMNS
from indicators.innovation.rows import EU_KIND, PSEUDO, REGION, is_nuts_code, require_columns
from indicators.provenance import E_BIT, encode_provenance

EU_LEVEL = -1


@dataclass(frozen=True)
class Rows:
    """Component rows (one per indicator, unit, level, year), as arrays of equal length.

    comp: position of the indicator in the composite; geo: code into `geo_labels` (sorted);
    level, year (int64); value (float64, finite); mask: provenance bits (e, p, demo);
    version: code into `version_labels` (sorted; -1 missing); kind: REGION, PSEUDO or EU_KIND
    (the reference unit's rows, scored on every level's scale but never fitted on).
    """

    comp: np.ndarray
    geo: np.ndarray
    level: np.ndarray
    year: np.ndarray
    value: np.ndarray
    mask: np.ndarray
    version: np.ndarray
    kind: np.ndarray
    geo_labels: np.ndarray
    version_labels: np.ndarray

    def take(self, where: np.ndarray) -> Rows:
        return replace(self, **{name: getattr(self, name)[where] for name in _ARRAYS})

    def __len__(self) -> int:
        return len(self.comp)


_ARRAYS = ("comp", "geo", "level", "year", "value", "mask", "version", "kind")


@dataclass(frozen=True)
class Population:
    """Population rows (geo code into the same labels, level, year, value > 0)."""

    geo: np.ndarray
    level: np.ndarray
    year: np.ndarray
    value: np.ndarray


def _codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(code per row, sorted labels); a missing value gets code -1."""
    codes, uniques = pd.factorize(column, sort=True)
    return codes.astype("int64"), np.asarray(uniques, dtype=object)


def select_rows(
    values: pd.DataFrame,
    ids: tuple[str, ...],
    population_id: str,
    levels: tuple[int, ...],
    window: tuple[int, int] | None,
    reference: str,
    eu_code: str,
) -> tuple[Rows, Population]:
    """(component rows, population rows) of `values` for a composite of `ids`.

    Kept: sex 'T'; levels in `levels`; the reference unit's rows at any level (`eu_code` at
    level -1 when the reference is the EU, else `reference`); finite values; component years
    inside `window` (inclusive). Duplicates (two rows for one indicator, unit, level and year)
    are refused. The reference unit's rows become EU_KIND; when it is itself a unit of a
    scored level, its rows are kept as a unit too, and copied as EU_KIND. Text columns are
    factorised once over the whole frame (in Arrow), never compared row by row in Python.
    """
    require_columns(values, INPUT_COLUMNS, "values")
    comp = _positions(values["indicator_id"], (*ids, population_id))
    sex_codes, sexes = pd.factorize(values["sex"])
    is_t = np.append(np.asarray(sexes, dtype=object) == "T", False)[sex_codes]
    level = values["nuts_level"].to_numpy(dtype="int64")
    geo, geo_labels = _codes(values["geo_code"])
    ref_code = eu_code if reference == "EU" else reference
    ref_at = np.flatnonzero(geo_labels == ref_code)
    is_ref = geo == (ref_at[0] if len(ref_at) else -2)
    keep = (comp >= 0) & is_t & (np.isin(level, levels) | is_ref)
    if reference != "EU":  # no EU aggregate rows unless the EU is the reference
        keep &= (level != EU_LEVEL) | is_ref
    at = np.flatnonzero(keep)
    comp, geo, level, is_ref = comp[at], geo[at], level[at], is_ref[at]
    year = values["year"].to_numpy(dtype="int64")[at]
    _refuse_duplicates(comp, geo, level, year, (*ids, population_id), geo_labels)
    value = pd.to_numeric(values["value"], errors="coerce").to_numpy(dtype="float64")[at]
    finite = np.isfinite(value)  # NaN/inf = missing, never imputed
    at, comp, geo, level, year, value, is_ref = (
        a[finite] for a in (at, comp, geo, level, year, value, is_ref))
    is_pop = comp == len(ids)
    in_levels = np.isin(level, levels)
    pop = is_pop & (value > 0) & in_levels
    population = Population(geo[pop], level[pop], year[pop], value[pop])
    use = ~is_pop
    if window is not None:
        lo, hi = (int(y) for y in window)
        if lo > hi:
            raise ValueError(f"reference_window {window!r}: start after end")
        use &= (year >= lo) & (year <= hi)
    at = at[use]
    shaped = np.append(is_nuts_code(pd.Series(geo_labels, dtype=object)), False)
    kind = np.where(shaped[geo[use]], REGION, PSEUDO).astype("int64")
    ref, in_level = is_ref[use], in_levels[use]
    kind[ref & ~in_level] = EU_KIND
    version, version_labels = _codes(values["nuts_version"])
    mask = encode_provenance(values["flag"].iloc[at], values["source"].iloc[at])
    rows = Rows(
        comp=comp[use], geo=geo[use], level=level[use], year=year[use], value=value[use],
        mask=mask.astype("int64"), version=version[at], kind=kind, geo_labels=geo_labels,
        version_labels=version_labels,
    )
    copies = np.flatnonzero(ref & in_level)  # a reference that is a unit of a scored level
    if len(copies):
        extra = rows.take(copies)
        rows = concat_rows(rows, replace(extra, kind=np.full(len(copies), EU_KIND)))
    return rows, population


def _refuse_duplicates(comp: np.ndarray, geo: np.ndarray, level: np.ndarray, year: np.ndarray,
                       ids: tuple[str, ...], geo_labels: np.ndarray) -> None:
    if not len(comp):
        return
    key = pack_keys([comp, geo, level, year])
    ordered = np.sort(key)
    if (ordered[1:] == ordered[:-1]).any():
        twice = ordered[1:][ordered[1:] == ordered[:-1]]
        dup = np.isin(key, twice)
        sample = [{"indicator_id": ids[c], "geo_code": geo_labels[g], "nuts_level": int(lv),
                   "year": int(y)} for c, g, lv, y in zip(comp[dup], geo[dup], level[dup],
                                                          year[dup], strict=True)]
        unique = list({tuple(d.values()): d for d in sample}.values())[:3]
        raise ValueError(
            f"values: more than one row per indicator_id, geo_code, nuts_level, year (e.g. "
            f"{unique}); remove duplicates (for instance two sources or NUTS versions) before "
            "computing")


def pack_keys(keys: list[np.ndarray]) -> np.ndarray:
    """One int64 per row that is equal exactly where all `keys` (integer arrays) are equal
    and orders rows like the keys (first most significant)."""
    packed = np.zeros(len(keys[0]), dtype="int64")
    for key in keys:
        lo = int(key.min()) if len(key) else 0
        span = int(key.max()) - lo + 1 if len(key) else 1
        packed = packed * span + (key - lo)
    return packed


def _positions(column: pd.Series, ids: tuple[str, ...]) -> np.ndarray:
    """Position of each value in `ids` (-1 when absent), looked up once per distinct value."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    lookup = {v: i for i, v in enumerate(ids)}
    found = np.array([lookup.get(u, -1) for u in uniques] + [-1], dtype="int64")
    return found[codes]


def concat_rows(a: Rows, b: Rows) -> Rows:
    """`a` followed by `b` (same labels)."""
    return replace(a, **{n: np.concatenate([getattr(a, n), getattr(b, n)]) for n in _ARRAYS})


def carry_forward(rows: Rows, last_year: int | None) -> Rows:
    """`rows` plus, for every unit, level and indicator, a row for each year after its first
    value (up to `last_year`, default the last year of `rows`) that has none: the latest
    earlier value, flagged estimated ('e', E_BIT; demo bit kept). Reference rows are carried
    like the others."""
    if not len(rows):
        return rows
    years = np.arange(int(rows.year.min()), int(last_year or rows.year.max()) + 1)
    _, series = np.unique(pack_keys([rows.kind, rows.level, rows.geo, rows.comp]),
                          return_inverse=True)
    series = series.reshape(-1)
    n_series = int(series.max()) + 1
    grid = np.full((n_series, len(years)), -1, dtype="int64")  # row number per series-year
    grid[series, rows.year - years[0]] = np.arange(len(rows))
    has = grid >= 0
    # index of the last filled year at or before each year (forward fill of row numbers)
    last = np.maximum.accumulate(np.where(has, np.arange(len(years)), -1), axis=1)
    fill = ~has & (last >= 0)
    if not fill.any():
        return rows
    s_idx, y_idx = np.nonzero(fill)
    source_rows = grid[s_idx, last[s_idx, y_idx]]
    extra = rows.take(source_rows)
    extra = replace(extra, year=years[y_idx].astype("int64"), mask=extra.mask | E_BIT)
    return concat_rows(rows, extra)
