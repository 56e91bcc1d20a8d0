"""The scoreboard method on any composite: the one implementation behind the built-in Regional
Innovation Index (`indicators.innovation.index`) and every user composite spec.

Per NUTS level (sex T): every indicator is normalised over all units of the level and all
years of the window with `indicators.normalise` (outliers capped at mean +/- 2 sd, square root
when skewed, min-max to 0-1, lower-is-better inverted), or, for input already normalised
(`spec.normalised`), only min-max rescaled. The score of a unit-year is the weighted mean of
the normalised indicators it has; a unit-year with fewer than `min_coverage` of the indicators
(by count) gets no score. The index is score / reference score x 100, where the reference
score is that of the same level-year (default) or of `base_year`.

Reference 'EU': the EU27_2020 aggregate (level -1, normalised on each level's scale) when all
its indicators are present, else the population-weighted mean of the scores of the level's
units in `eu_members` countries when every such unit has a population, else their unweighted
mean. Another reference (a country or region code): that unit's score on each level's scale,
when it meets the coverage rule; no fallback.

Units: NUTS-shaped codes are regions; other codes (user areas) are pseudo-regions, scored on
the regions' scale but never fitted on and never in the fallback mean. Missing values (NaN,
non-finite, absent rows) are never imputed, except with `missing = "carry_forward"`, where a
unit's latest earlier value stands in and makes the derived value flagged 'e'. Flags: a score
carries the e/p letters of its inputs, an index also those of the reference unit (not of a
fallback mean); source 'demo' when any input is demo, else 'derived'.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from indicators.composite_rows import (
    Population,
    Rows,
    carry_forward,
    concat_rows,
    select_rows,
)
from indicators.composite_spec import CARRY_FORWARD, EU_REFERENCE, CompositeSpec
from indicators.frames import OUTPUT_COLUMNS
from indicators.innovation.rows import EU_KIND, REGION, empty_output
from indicators.normalise import apply_params, fit_groups
from indicators.ordering import stable_order
from indicators.provenance import DEMO_BIT, E_BIT, P_BIT, decode_flags

REFERENCE_COLUMNS = ["nuts_level", "year", "eu_score", "method", "n_regions", "relative_index"]
COVERAGE_COLUMNS = ["geo_code", "nuts_level", "year", "n_components", "n_present", "missing",
                    "meets_coverage", "has_index"]


@dataclass(frozen=True)
class OutputIds:
    """Indicator ids of the derived rows: the index, the score and the prefix of the
    normalised components (prefix + input id)."""

    index: str
    score: str
    component_prefix: str

    @classmethod
    def for_spec(cls, spec: CompositeSpec) -> OutputIds:
        return cls(spec.id, f"{spec.id}_score", f"{spec.id}_component_")


@dataclass(frozen=True)
class Method:
    """What the arithmetic needs from a spec: the indicators with weight > 0 (spec order),
    their weights and directions, and the options."""

    ids: tuple[str, ...]
    weights: np.ndarray
    directions: Mapping[str, str]
    spec: CompositeSpec
    eu_code: str
    eu_members: frozenset[str] | None


@dataclass(frozen=True)
class CompositeResult:
    """values: derived rows (OUTPUT_COLUMNS) of the index, score and normalised components.
    reference: one row per level and year with a reference score (REFERENCE_COLUMNS; method
    'eu27_2020', 'reference_unit', 'population_weighted_mean' or 'unweighted_mean').
    coverage: one row per unit-year with at least one indicator (COVERAGE_COLUMNS; empty when
    not asked for). groups: per scored unit-year, level, year, score, n_present and the
    same-year relative index (NaN without a reference that year), for tables and groups."""

    values: pd.DataFrame
    reference: pd.DataFrame
    coverage: pd.DataFrame
    scored: pd.DataFrame


def resolve_method(spec: CompositeSpec, directions: Mapping[str, str], *,
                   eu_code: str, eu_members: frozenset[str] | None) -> Method:
    """Method of `spec`; `directions` maps every indicator of weight > 0 to 'higher'/'lower'
    (composite_spec.check_indicators gives it)."""
    kept = [i for i in spec.indicators if i.weight > 0]
    ids = tuple(i.id for i in kept)
    return Method(ids, np.array([i.weight for i in kept], dtype="float64"),
                  {i: directions[i] for i in ids}, spec, eu_code, eu_members)


# --- normalisation ---------------------------------------------------------------------------


def _normalise(rows: Rows, method: Method) -> tuple[Rows, np.ndarray]:
    """(rows with a normalised value, that value): the parameters are fitted on the regions
    (per indicator and level, over the window) and applied to them, to pseudo-regions and to
    the reference rows, which are scored on every fitted level's scale."""
    region = np.flatnonzero(rows.kind == REGION)
    if not len(region):
        return rows.take(np.zeros(0, dtype="int64")), np.zeros(0)
    # one group per indicator and level: lut[comp, level] = group number (-1: not fitted)
    n_comp = len(method.ids)
    cell = rows.comp[region] * 4 + rows.level[region]
    cells, gid = np.unique(cell, return_inverse=True)
    params = fit_groups(rows.value[region], gid.reshape(-1), len(cells))
    if method.spec.normalised:  # already normalised: no second capping, no transformation
        params = {**params, "cap_lo": params["raw_min"], "cap_hi": params["raw_max"],
                  "sqrt": np.zeros(len(cells), dtype=bool)}
    lut = np.full(n_comp * 4, -1, dtype="int64")
    lut[cells] = np.arange(len(cells))
    eu = rows.kind == EU_KIND
    if eu.any():  # the reference on every fitted level's scale
        eu_rows = rows.take(np.flatnonzero(eu))
        rows = rows.take(np.flatnonzero(~eu))
        for level in np.unique(cells % 4):
            rows = concat_rows(rows, replace(eu_rows, level=np.full(len(eu_rows), int(level))))
    group = lut[rows.comp * 4 + rows.level]
    ok = group >= 0
    rows = rows.take(np.flatnonzero(ok))
    g = group[ok]
    lower = np.array([method.directions[i] == "lower" for i in method.ids])[cells // 4]
    norm = apply_params(rows.value, params["cap_lo"][g], params["cap_hi"][g],
                        params["sqrt"][g], lower[g])
    keep = ~np.isnan(norm)
    return rows.take(np.flatnonzero(keep)), norm[keep]


# --- scores ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Groups:
    """One entry per unit-year (level, geo, year, kind) of the normalised rows, in sorted
    order (level, geo code, year; the reference copy after a unit with the same code)."""

    level: np.ndarray
    geo: np.ndarray
    year: np.ndarray
    kind: np.ndarray
    n_present: np.ndarray
    mask: np.ndarray
    score: np.ndarray
    version: np.ndarray


def _or_bits(gid: np.ndarray, n: int, mask: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype="int64")
    for bit in (E_BIT, P_BIT, DEMO_BIT):
        hit = np.bincount(gid, weights=(mask & bit) > 0, minlength=n) > 0
        out |= np.where(hit, bit, 0)
    return out


def _scores(rows: Rows, norm: np.ndarray, weights: np.ndarray) -> _Groups:
    """Score per unit-year: sum(w x norm) / sum(w) over the indicators present, summed in
    indicator order (so identical inputs give bit-identical scores)."""
    is_eu = (rows.kind == EU_KIND).astype("int64")
    order = stable_order([rows.level, rows.geo, rows.year, is_eu, rows.comp])
    lv, geo, yr, eu = rows.level[order], rows.geo[order], rows.year[order], is_eu[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (lv[1:] != lv[:-1]) | (geo[1:] != geo[:-1]) | (yr[1:] != yr[:-1]) | (
        eu[1:] != eu[:-1])
    gid = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    n = len(first)
    w = weights[rows.comp[order]]
    wn = w * norm[order]
    score = np.bincount(gid, weights=wn, minlength=n) / np.bincount(gid, weights=w, minlength=n)
    mask = _or_bits(gid, n, rows.mask[order])
    version = _mode_version(gid, n, rows.version[order], eu.astype(bool), len(rows.version_labels))
    return _Groups(lv[first], geo[first], yr[first], rows.kind[order][first],
                   np.bincount(gid, minlength=n), mask, score, version)


def _mode_version(gid: np.ndarray, n: int, version: np.ndarray, is_eu: np.ndarray,
                  n_versions: int) -> np.ndarray:
    """Most common nuts_version code per group (ties: the greatest, i.e. most recent);
    -1 for the reference's groups and groups without a version."""
    use = (version >= 0) & ~is_eu
    out = np.full(n, -1, dtype="int64")
    if not use.any():
        return out
    counts = np.bincount(gid[use] * n_versions + version[use], minlength=n * n_versions)
    counts = counts.reshape(n, n_versions)
    best = n_versions - 1 - np.argmax(counts[:, ::-1], axis=1)
    return np.where(counts.max(axis=1) > 0, best, -1)


def _meets(n_present: np.ndarray, n_total: int, min_coverage: float) -> np.ndarray:
    # Count rule with a tolerance so that 2/3 * 6 = 4 present is exactly enough.
    return np.asarray(n_present, dtype="float64") >= min_coverage * n_total - 1e-9


# --- the reference ---------------------------------------------------------------------------


def _reference(g: _Groups, covered: np.ndarray, population: Population, rows: Rows,
               method: Method) -> pd.DataFrame:
    """One row per level-year with a reference score (REFERENCE_COLUMNS + ref_mask)."""
    n_total = len(method.ids)
    is_eu = method.spec.reference == EU_REFERENCE
    ref = (g.kind == EU_KIND) & ((g.n_present == n_total) if is_eu else covered)
    out = pd.DataFrame({
        "nuts_level": g.level[ref], "year": g.year[ref], "eu_score": g.score[ref],
        "method": "eu27_2020" if is_eu else "reference_unit",
        "n_regions": pd.array([pd.NA] * int(ref.sum()), dtype="Int64"), "ref_mask": g.mask[ref],
    })
    if is_eu:
        done = out["nuts_level"].to_numpy() * 100_000 + out["year"].to_numpy()
        fallback = _fallback(g, covered, population, rows, method, done)
        out = pd.concat([f for f in (out, fallback) if not f.empty] or [out], ignore_index=True)
    out = out.sort_values(["nuts_level", "year"], kind="stable").reset_index(drop=True)
    out = out.astype({"nuts_level": "int64", "year": "int64", "eu_score": "float64",
                      "method": "str", "n_regions": "Int64", "ref_mask": "int64"})
    with np.errstate(invalid="ignore", divide="ignore"):
        out["relative_index"] = out["eu_score"] / out["eu_score"] * 100.0
    return out


def _fallback(g: _Groups, covered: np.ndarray, population: Population, rows: Rows,
              method: Method, done: np.ndarray) -> pd.DataFrame:
    """The mean of the regions' scores for level-years without an EU27_2020 score."""
    use = (g.kind == REGION) & covered
    if len(done):
        use &= ~np.isin(g.level * 100_000 + g.year, done)
    if method.eu_members is not None:
        countries = np.array([str(c)[:2] in method.eu_members for c in rows.geo_labels] + [False])
        use &= countries[g.geo]
    lv, geo, yr, score = g.level[use], g.geo[use], g.year[use], g.score[use]
    if not len(lv):
        return pd.DataFrame()
    pop = _lookup_population(population, lv, geo, yr)
    # groups numbered in (level, year) order; bincount sums each group in row order, i.e. over
    # its regions in code order, as the scores are sorted
    _, heads, gid = np.unique(lv * 100_000 + yr, return_index=True, return_inverse=True)
    gid = gid.reshape(-1)
    n = len(heads)
    has_pop = ~np.isnan(pop)
    n_regions = np.bincount(gid, minlength=n)
    weighted = np.bincount(gid, weights=has_pop, minlength=n) == n_regions
    with np.errstate(invalid="ignore", divide="ignore"):
        pop_weighted = np.bincount(gid, weights=np.where(has_pop, score * pop, 0.0), minlength=n
                                   ) / np.bincount(gid, weights=np.where(has_pop, pop, 0.0),
                                                   minlength=n)
        mean = np.bincount(gid, weights=score, minlength=n) / n_regions
    return pd.DataFrame({
        "nuts_level": lv[heads], "year": yr[heads],
        "eu_score": np.where(weighted, pop_weighted, mean),
        "method": np.where(weighted, "population_weighted_mean", "unweighted_mean"),
        "n_regions": pd.array(n_regions, dtype="Int64"), "ref_mask": 0,
    })


def _lookup_population(population: Population, lv: np.ndarray, geo: np.ndarray,
                       yr: np.ndarray) -> np.ndarray:
    """Population of each (level, geo, year), NaN where none."""
    if not len(population.value):
        return np.full(len(lv), np.nan)
    y0 = int(min(yr.min(), population.year.min()))
    span = int(max(yr.max(), population.year.max())) - y0 + 1
    n_geo = int(max(geo.max(), population.geo.max())) + 1

    def pack(level: np.ndarray, g: np.ndarray, y: np.ndarray) -> np.ndarray:
        return ((level.astype("int64") + 1) * n_geo + g) * span + (y - y0)

    keys = pack(population.level, population.geo, population.year)
    order = np.argsort(keys, kind="stable")
    wanted = pack(lv, geo, yr)
    pos = np.clip(np.searchsorted(keys, wanted, sorter=order), 0, len(keys) - 1)
    hit = keys[order[pos]] == wanted
    return np.where(hit, population.value[order[pos]], np.nan)


# --- outputs ---------------------------------------------------------------------------------


def _index(g: _Groups, scored: np.ndarray, reference: pd.DataFrame, base_year: int | None
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(positions of scored groups with an index, index value, mask, same-year relative index
    of every scored group (NaN without a reference that year))."""
    ref_key = reference["nuts_level"].to_numpy() * 100_000 + reference["year"].to_numpy()
    ref_score = reference["eu_score"].to_numpy(dtype="float64")
    propagate = (reference["method"] != "population_weighted_mean").to_numpy(bool) & (
        reference["method"] != "unweighted_mean").to_numpy(bool)
    ref_mask = np.where(propagate, reference["ref_mask"].to_numpy(dtype="int64"), 0)
    # a sentinel past every key, so that a look-up always lands on an entry
    ref_key = np.append(ref_key, np.iinfo(np.int64).max)
    ref_score, ref_mask = np.append(ref_score, np.nan), np.append(ref_mask, 0)
    pos = np.flatnonzero(scored)

    def find(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        at = np.searchsorted(ref_key, key)
        return at, ref_key[at] == key

    same_at, same_hit = find(g.level[pos] * 100_000 + g.year[pos])
    with np.errstate(invalid="ignore", divide="ignore"):
        same = np.where(same_hit, g.score[pos] / ref_score[same_at] * 100.0, np.nan)
    if base_year is None:
        at, hit = same_at, same_hit
    else:
        at, hit = find(g.level[pos] * 100_000 + base_year)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = g.score[pos[hit]] / ref_score[at[hit]] * 100.0
    mask = g.mask[pos[hit]] | ref_mask[at[hit]]
    return pos[hit], value, mask, same


def _tidy(parts: list[tuple[str | np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                            np.ndarray, np.ndarray]], labels: list[str], rows: Rows
          ) -> pd.DataFrame:
    """OUTPUT_COLUMNS rows from parts (id code per row into `labels`, geo, level, year,
    version code, value, mask), rows with a non-finite value dropped, sorted by indicator_id,
    nuts_level, geo_code, year (ids and geo codes in string order)."""
    ids = np.concatenate([p[0] for p in parts])
    geo, level, year, version, value, mask = (np.concatenate([p[k] for p in parts])
                                              for k in range(1, 7))
    finite = np.isfinite(value)
    rank = np.argsort(np.argsort(np.array(labels, dtype=object)))
    order = stable_order([rank[ids], level, geo, year])
    order = order[finite[order]]
    if not len(order):
        return empty_output()
    version_labels = np.append(np.asarray(rows.version_labels, dtype=object), None)
    text = pd.Index(labels).astype("str")
    geos = pd.Index(rows.geo_labels).astype("str")
    out = pd.DataFrame({
        "indicator_id": text.take(ids[order]).array,
        "geo_code": geos.take(geo[order]).array,
        "nuts_level": level[order].astype("int64"),
        "year": year[order].astype("int64"),
        "sex": pd.Index(["T"]).astype("str").take(np.zeros(len(order), dtype="int64")).array,
        "value": value[order].astype("float64"),
    })
    out["nuts_version"] = pd.Series(version_labels[version[order]], dtype="object")
    out["flag"] = decode_flags(mask[order])
    out["source"] = pd.Index(["derived", "demo"]).astype("str").take(
        ((mask[order] & DEMO_BIT) > 0).astype("int64")).array
    return out[list(OUTPUT_COLUMNS)]


def _coverage(rows: Rows, method: Method, scored_keys: np.ndarray) -> pd.DataFrame:
    """Indicator coverage per unit-year (COVERAGE_COLUMNS), sorted by level, geo code, year."""
    rows = rows.take(np.flatnonzero(rows.kind != EU_KIND))
    if not len(rows):
        return pd.DataFrame(columns=COVERAGE_COLUMNS)
    n_ids = len(method.ids)
    order = stable_order([rows.level, rows.geo, rows.year])
    lv, geo, yr = rows.level[order], rows.geo[order], rows.year[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (lv[1:] != lv[:-1]) | (geo[1:] != geo[:-1]) | (yr[1:] != yr[:-1])
    gid = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    present = np.zeros((len(first), n_ids), dtype=bool)
    present[gid, rows.comp[order]] = True
    # one list per unit-year (the profile page wants a list column): built once per distinct
    # pattern of missing indicators, copied per row
    if n_ids <= 62:  # one int64 per pattern of present indicators
        bits = present.astype("int64") @ (np.int64(1) << np.arange(n_ids, dtype="int64"))
        _, heads, which = np.unique(bits, return_index=True, return_inverse=True)
        patterns = present[heads]
    else:
        patterns, which = np.unique(present, axis=0, return_inverse=True)
    ids = np.array(method.ids, dtype=object)
    lists = [ids[~p].tolist() for p in patterns]
    n_present = np.bincount(gid, minlength=len(first))
    key = (lv[first] * 1_000_000 + geo[first]) * 10_000 + yr[first]
    return pd.DataFrame({
        "geo_code": pd.Index(rows.geo_labels).astype("str").take(geo[first]).array,
        "nuts_level": lv[first].astype("int64"), "year": yr[first].astype("int64"),
        "n_components": n_ids, "n_present": n_present.astype("int64"),
        "missing": [lists[i] for i in which.reshape(-1)],  # shared per pattern
        "meets_coverage": _meets(n_present, n_ids, method.spec.min_coverage),
        "has_index": np.isin(key, scored_keys),
    })[COVERAGE_COLUMNS]


def compute_composite(values: pd.DataFrame, method: Method, ids: OutputIds, *,
                      population_id: str, with_coverage: bool = True,
                      index_only: bool = False) -> CompositeResult:
    """The composite of `method` over tidy `values` (see the module doc). Grain of `values`
    in the result: one row per indicator_id (index, score, prefix + input id), geo_code,
    nuts_level, year; sex 'T'. Unit-years that cannot be scored are absent, never NaN.
    `index_only`: only the index rows (what a reweighted ranking needs), no coverage."""
    with_coverage = with_coverage and not index_only
    spec = method.spec
    rows, population = select_rows(values, method.ids, population_id, spec.levels, spec.years,
                                   spec.reference, method.eu_code)
    if spec.missing == CARRY_FORWARD:
        rows = carry_forward(rows, spec.years[1] if spec.years else None)
    normed, norm = _normalise(rows, method)
    if not len(normed):
        coverage = _coverage(rows, method, np.zeros(0)) if with_coverage else pd.DataFrame(
            columns=COVERAGE_COLUMNS)
        return CompositeResult(empty_output(), pd.DataFrame(columns=REFERENCE_COLUMNS),
                               coverage, _scored_frame(None, None, None))
    g = _scores(normed, norm, method.weights)
    covered = _meets(g.n_present, len(method.ids), spec.min_coverage)
    reference = _reference(g, covered, population, rows, method)
    scored = (g.kind != EU_KIND) & covered
    pos, value, mask, same = _index(g, scored, reference, spec.base_year)
    unit = normed.kind != EU_KIND
    labels = [ids.index, ids.score, *(ids.component_prefix + i for i in method.ids)]
    sp = np.flatnonzero(scored)
    parts = [(np.zeros(len(pos), dtype="int64"), g.geo[pos], g.level[pos], g.year[pos],
              g.version[pos], value, mask)]
    if not index_only:
        parts += [
            (np.ones(len(sp), dtype="int64"), g.geo[sp], g.level[sp], g.year[sp],
             g.version[sp], g.score[sp], g.mask[sp]),
            (normed.comp[unit] + 2, normed.geo[unit], normed.level[unit], normed.year[unit],
             normed.version[unit], norm[unit], normed.mask[unit]),
        ]
    out = _tidy(parts, labels, normed)
    scored_keys = (g.level[sp] * 1_000_000 + g.geo[sp]) * 10_000 + g.year[sp]
    coverage = (_coverage(rows, method, scored_keys) if with_coverage
                else pd.DataFrame(columns=COVERAGE_COLUMNS))
    frame = _scored_frame(g, sp, same, rows)
    return CompositeResult(out, reference[REFERENCE_COLUMNS], coverage, frame)


def coverage_of(values: pd.DataFrame, method: Method, *, population_id: str) -> pd.DataFrame:
    """Only the coverage of `compute_composite` (has_index left False): no normalisation."""
    spec = method.spec
    rows, _ = select_rows(values, method.ids, population_id, spec.levels, spec.years,
                          spec.reference, method.eu_code)
    if spec.missing == CARRY_FORWARD:
        rows = carry_forward(rows, spec.years[1] if spec.years else None)
    return _coverage(rows, method, np.zeros(0, dtype="int64"))


def _scored_frame(g: _Groups | None, sp: np.ndarray | None, same: np.ndarray | None,
                  rows: Rows | None = None) -> pd.DataFrame:
    columns = ["geo_code", "nuts_level", "year", "score", "n_present", "same_year_index"]
    if g is None or sp is None or rows is None:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame({
        "geo_code": pd.Index(rows.geo_labels).astype("str").take(g.geo[sp]).array,
        "nuts_level": g.level[sp], "year": g.year[sp], "score": g.score[sp],
        "n_present": g.n_present[sp], "same_year_index": same,
    })
