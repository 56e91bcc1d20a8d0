"""The reference score of a composite per level-year and the index against it (see
`indicators.composite`'s doc for the rules): the reference unit's score, or for the EU the
population-weighted (else unweighted) mean of the member regions' scores; the index is score /
reference score x 100, same-year or against a base year."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.composite_rows import Population
from indicators.composite_spec import EU_REFERENCE, CompositeSpec
from indicators.innovation.rows import EU_KIND, REGION

REFERENCE_COLUMNS = ["nuts_level", "year", "eu_score", "method", "n_regions", "relative_index"]


@dataclass(frozen=True)
class Groups:
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



def reference_scores(g: Groups, covered: np.ndarray, population: Population,
                     geo_labels: np.ndarray, n_total: int, spec: CompositeSpec,
                     eu_members: frozenset[str] | None) -> pd.DataFrame:
    """One row per level-year with a reference score (REFERENCE_COLUMNS + ref_mask): the
    reference unit's score (for the EU only when all `n_total` indicators are present), else
    for the EU the mean of the regions' scores (`_fallback`)."""
    is_eu = spec.reference == EU_REFERENCE
    ref = (g.kind == EU_KIND) & ((g.n_present == n_total) if is_eu else covered)
    out = pd.DataFrame({
        "nuts_level": g.level[ref], "year": g.year[ref], "eu_score": g.score[ref],
        "method": "eu27_2020" if is_eu else "reference_unit",
        "n_regions": pd.array([pd.NA] * int(ref.sum()), dtype="Int64"), "ref_mask": g.mask[ref],
    })
    if is_eu:
        done = out["nuts_level"].to_numpy() * 100_000 + out["year"].to_numpy()
        fallback = _fallback(g, covered, population, geo_labels, eu_members, done)
        out = pd.concat([f for f in (out, fallback) if not f.empty] or [out], ignore_index=True)
    out = out.sort_values(["nuts_level", "year"], kind="stable").reset_index(drop=True)
    out = out.astype({"nuts_level": "int64", "year": "int64", "eu_score": "float64",
                      "method": "str", "n_regions": "Int64", "ref_mask": "int64"})
    with np.errstate(invalid="ignore", divide="ignore"):
        out["relative_index"] = out["eu_score"] / out["eu_score"] * 100.0
    return out


def _fallback(g: Groups, covered: np.ndarray, population: Population, geo_labels: np.ndarray,
              eu_members: frozenset[str] | None, done: np.ndarray) -> pd.DataFrame:
    """The mean of the regions' scores for level-years without an EU27_2020 score."""
    use = (g.kind == REGION) & covered
    if len(done):
        use &= ~np.isin(g.level * 100_000 + g.year, done)
    if eu_members is not None:
        countries = np.array([str(c)[:2] in eu_members for c in geo_labels] + [False])
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


def index_values(g: Groups, scored: np.ndarray, reference: pd.DataFrame, base_year: int | None
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
