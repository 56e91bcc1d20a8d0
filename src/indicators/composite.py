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

from indicators.composite_reference import (
    REFERENCE_COLUMNS,
    Groups,
    index_values,
    reference_scores,
)
from indicators.composite_rows import (
    Population,
    Rows,
    carry_forward,
    concat_rows,
    select_rows,
)
from indicators.composite_spec import CARRY_FORWARD, CompositeSpec
from indicators.frames import OUTPUT_COLUMNS
from indicators.innovation.rows import EU_KIND, REGION, empty_output
from indicators.normalise import apply_params, fit_groups
from indicators.ordering import stable_order
from indicators.provenance import DEMO_BIT, E_BIT, P_BIT, decode_flags

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


def _or_bits(gid: np.ndarray, n: int, mask: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype="int64")
    for bit in (E_BIT, P_BIT, DEMO_BIT):
        hit = np.bincount(gid, weights=(mask & bit) > 0, minlength=n) > 0
        out |= np.where(hit, bit, 0)
    return out


def _score_order(rows: Rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row order, unit-year group number of each ordered row, first ordered row of each
    group): rows sorted by level, geo code, year, reference last, indicator."""
    is_eu = (rows.kind == EU_KIND).astype("int64")
    order = stable_order([rows.level, rows.geo, rows.year, is_eu, rows.comp])
    lv, geo, yr, eu = rows.level[order], rows.geo[order], rows.year[order], is_eu[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (lv[1:] != lv[:-1]) | (geo[1:] != geo[:-1]) | (yr[1:] != yr[:-1]) | (
        eu[1:] != eu[:-1])
    return order, np.cumsum(new) - 1, np.flatnonzero(new)


def _scores(p: Prepared, weights: np.ndarray) -> tuple[Groups, np.ndarray]:
    """(score per unit-year, rows used): sum(w x norm) / sum(w) over the indicators present
    with a weight > 0, summed in indicator order (so identical inputs give bit-identical
    scores; a zero-weight row adds an exact 0.0). Unit-years with none are dropped."""
    rows, gid, n = p.normed, p.gid, len(p.first)
    w = weights[rows.comp]
    use = w > 0
    n_present = np.bincount(gid[use], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.bincount(gid, weights=w * p.norm, minlength=n) / np.bincount(
            gid, weights=w, minlength=n)
    gu = gid[use]
    mask = _or_bits(gu, n, rows.mask[use])
    version = _mode_version(gu, n, rows.version[use], rows.kind[use] == EU_KIND,
                            len(rows.version_labels))
    alive = np.flatnonzero(n_present > 0)
    f = p.first[alive]
    return Groups(rows.level[f], rows.geo[f], rows.year[f], rows.kind[f], n_present[alive],
                  mask[alive], score[alive], version[alive]), use


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


# --- outputs ---------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Prepared:
    """The weight-independent part of a composite (`prepare`): the selected rows and the
    population, and the normalised rows sorted in score order with their unit-year group
    number. `reweight` scores it with any weights of the same indicators, so a ranking that
    is reweighted again and again normalises and sorts once."""

    method: Method
    rows: Rows
    population: Population
    normed: Rows
    norm: np.ndarray
    gid: np.ndarray
    first: np.ndarray


def prepare(values: pd.DataFrame, method: Method, *, population_id: str) -> Prepared:
    """Select, carry forward (when asked), normalise and sort the inputs of `method`."""
    spec = method.spec
    rows, population = select_rows(values, method.ids, population_id, spec.levels, spec.years,
                                   spec.reference, method.eu_code)
    if spec.missing == CARRY_FORWARD:
        rows = carry_forward(rows, spec.years[1] if spec.years else None)
    normed, norm = _normalise(rows, method)
    order, gid, first = _score_order(normed)
    return Prepared(method, rows, population, normed.take(order), norm[order], gid, first)


def compute_composite(values: pd.DataFrame, method: Method, ids: OutputIds, *,
                      population_id: str, with_coverage: bool = True,
                      index_only: bool = False) -> CompositeResult:
    """The composite of `method` over tidy `values` (see the module doc). Grain of `values`
    in the result: one row per indicator_id (index, score, prefix + input id), geo_code,
    nuts_level, year; sex 'T'. Unit-years that cannot be scored are absent, never NaN.
    `index_only`: only the index rows (what a reweighted ranking needs), no coverage."""
    p = prepare(values, method, population_id=population_id)
    return _finish(p, method.weights, ids, with_coverage=with_coverage and not index_only,
                   index_only=index_only)


def reweight(p: Prepared, weights: Mapping[str, float], ids: OutputIds) -> CompositeResult:
    """The index rows of `compute_composite` for the prepared indicators with these weights
    (finite, >= 0; a zero or absent weight drops an indicator, which then does not count for
    coverage): the same values, bit for bit, as computing from the inputs again."""
    unknown = sorted(set(weights) - set(p.method.ids))
    if unknown:
        raise ValueError(f"weights name {unknown}, which the prepared composite does not have")
    w = np.array([float(weights.get(i, 0.0)) for i in p.method.ids], dtype="float64")
    if not np.isfinite(w).all() or (w < 0).any() or not (w > 0).any():
        raise ValueError("weights must be finite and >= 0, at least one of them > 0")
    return _finish(p, w, ids, with_coverage=False, index_only=True)


def _finish(p: Prepared, weights: np.ndarray, ids: OutputIds, *, with_coverage: bool,
            index_only: bool) -> CompositeResult:
    method, spec = p.method, p.method.spec
    n_total = int((weights > 0).sum())
    g, use = _scores(p, weights) if len(p.normed) else (None, None)
    if g is None or use is None or not len(g.level):
        coverage = _coverage(p.rows, method, np.zeros(0)) if with_coverage else pd.DataFrame(
            columns=COVERAGE_COLUMNS)
        return CompositeResult(empty_output(), pd.DataFrame(columns=REFERENCE_COLUMNS),
                               coverage, _scored_frame(None, None, None))
    covered = _meets(g.n_present, n_total, spec.min_coverage)
    reference = reference_scores(g, covered, p.population, p.rows.geo_labels, n_total, spec,
                                 method.eu_members)
    scored = (g.kind != EU_KIND) & covered
    pos, value, mask, same = index_values(g, scored, reference, spec.base_year)
    labels = [ids.index, ids.score, *(ids.component_prefix + i for i in method.ids)]
    sp = np.flatnonzero(scored)
    parts = [(np.zeros(len(pos), dtype="int64"), g.geo[pos], g.level[pos], g.year[pos],
              g.version[pos], value, mask)]
    if not index_only:
        normed = p.normed
        unit = (normed.kind != EU_KIND) & use
        parts += [
            (np.ones(len(sp), dtype="int64"), g.geo[sp], g.level[sp], g.year[sp],
             g.version[sp], g.score[sp], g.mask[sp]),
            (normed.comp[unit] + 2, normed.geo[unit], normed.level[unit], normed.year[unit],
             normed.version[unit], p.norm[unit], normed.mask[unit]),
        ]
    out = _tidy(parts, labels, p.normed)
    scored_keys = (g.level[sp] * 1_000_000 + g.geo[sp]) * 10_000 + g.year[sp]
    coverage = (_coverage(p.rows, method, scored_keys) if with_coverage
                else pd.DataFrame(columns=COVERAGE_COLUMNS))
    frame = _scored_frame(g, sp, same, p.rows)
    return CompositeResult(out, reference[REFERENCE_COLUMNS], coverage, frame)


def coverage_of(values: pd.DataFrame, method: Method, *, population_id: str) -> pd.DataFrame:
    """Only the coverage of `compute_composite` (has_index left False): no normalisation."""
    spec = method.spec
    rows, _ = select_rows(values, method.ids, population_id, spec.levels, spec.years,
                          spec.reference, method.eu_code)
    if spec.missing == CARRY_FORWARD:
        rows = carry_forward(rows, spec.years[1] if spec.years else None)
    return _coverage(rows, method, np.zeros(0, dtype="int64"))


def _scored_frame(g: Groups | None, sp: np.ndarray | None, same: np.ndarray | None,
                  rows: Rows | None = None) -> pd.DataFrame:
    columns = ["geo_code", "nuts_level", "year", "score", "n_present", "same_year_index"]
    if g is None or sp is None or rows is None:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame({
        "geo_code": pd.Index(rows.geo_labels).astype("str").take(g.geo[sp]).array,
        "nuts_level": g.level[sp], "year": g.year[sp], "score": g.score[sp],
        "n_present": g.n_present[sp], "same_year_index": same,
    })
