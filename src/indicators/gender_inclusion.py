"""Computes the gender-inclusion measures from the catalog indicators that have a sex breakdown.

Ids and specs: `indicators.gender_specs`.

Input: a DataFrame `values` with the columns indicator_id, geo_code, nuts_level (int; -1 EU
aggregate, 0 country, 1-3 regions), nuts_version, year, sex (F/M/T), value (float, NaN =
missing), flag (Eurostat flag or None) and source ('eurostat', 'user', 'demo'). Only rows of
catalog indicators with `has_sex` and sex F or M are read; everything else is ignored.

Output grain: one row per derived indicator, `geo_code` and `year`, always with the columns
indicator_id, geo_code, nuts_level, nuts_version, year, sex, value, flag, source (sex 'T').
Rows are emitted only where a value could be computed: a missing input gives no row, never a
zero or an imputed value.

Per catalog indicator X with a sex breakdown (ids built from X's indicator_id):
- `gender_gap_X`   = men - women (M - F), in X's unit. How to read the sign depends on X's
  direction (see each spec): for higher-is-better X a positive gap means women are behind; for
  lower-is-better X (unemployment, NEET, early leavers) women are worse off when the gap is
  NEGATIVE (their rate is higher).
- `gender_ratio_X` = F / M (none when M is 0).
- `women_share_X`  = 100 * F / (F + M), only for headcounts (unit "persons").
- `eige_metric_X`  = the Gender Equality Index metric (EIGE): 1 + 99 * (1 - G) * A where
  G = |F' / mean(F', M') - 1| and A = mean / best mean; 1..100, 100 = equality at the best level.
  F', M' are X itself (higher is better), 100 - X for lower-is-better percentages (EIGE states
  negative indicators positively), or the shares of women and men for headcounts.

Region-year composites (levels 0-3; at least `min_coverage` of the expected indicators):
- `gender_inclusion_index`   geometric mean of the eige metrics, 1..100.
- `female_achievement_index` 100 * mean of F / best F (higher is better) or best F / F (lower),
  after the EU Regional Gender Equality Monitor's FemAI, 0..100.
- `female_disadvantage_index` 100 * mean of the relative gap where women do worse than men
  (0 where they do not), after the Monitor's FemDI, 0 (no disadvantage)..100.

"Best" is taken per indicator and NUTS level over all regions and all years of `values`, so
scores compare over time; EU aggregates (level -1) get gaps, ratios and shares only. See
docs/methodology_gender_sustainability.md for sources, deviations and edge cases.

Flags: a derived value gets 'e' if any of its own inputs has a flag containing 'e', 'p' if any
contains 'p', 'ep' for both, else None. Source is 'demo' if any own input is demo (for the
relative measures also if any value of the reference pool is demo), else 'derived'.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

from indicators.frames import (
    GROUP_KEYS,
    INPUT_COLUMNS,
    OUTPUT_COLUMNS,
    REGION_LEVELS,
    as_category,
    check_columns,
    check_unique,
    finish,
    group_heads,
    latest_version_by_group,
    take_rows,
)
from indicators.gender_specs import (
    EIGE_PREFIX,
    FEMALE_ACHIEVEMENT_INDEX,
    FEMALE_DISADVANTAGE_INDEX,
    GAP_PREFIX,
    GENDER_INCLUSION_INDEX,
    OUTPUT_IDS,
    RATIO_PREFIX,
    SCORED_INDICATORS,
    SEX_INDICATORS,
    SHARE_PREFIX,
    is_headcount,
    is_percentage,
)
from indicators.provenance import DEMO_BIT, encode_provenance, or_by_group
from indicators.spec import Direction, IndicatorSpec


def meets_coverage(available: np.ndarray, expected: np.ndarray, min_coverage: float) -> np.ndarray:
    """available / expected >= min_coverage (with a tolerance for 2/3 * 3 and the like)."""
    return (available > 0) & (available >= min_coverage * expected - 1e-9)



def _latest_version(a: pd.Series, b: pd.Series) -> pd.Categorical:
    """Most recent of two categorical nuts_version columns sharing categories (b may be NaN).

    The geo_code is the same on both sides, so the code exists in the later version too.
    """
    codes = np.maximum(a.cat.codes.to_numpy(), b.cat.codes.to_numpy()).astype(np.int64)
    return pd.Categorical.from_codes(codes, categories=a.cat.categories)


# How an indicator is read by the relative measures (EIGE metric, achievement, disadvantage).
UNSCORED, HIGHER, LOWER_PCT, LOWER_RAW, HEADCOUNT = 0, 1, 2, 3, 4


def reading_kind(entry: IndicatorSpec) -> int:
    if is_headcount(entry):
        return HEADCOUNT
    if entry.direction == Direction.HIGHER:
        return HIGHER
    if entry.direction == Direction.LOWER:
        return LOWER_PCT if is_percentage(entry) else LOWER_RAW
    return UNSCORED


KIND_BY_ID: Mapping[str, int] = MappingProxyType(
    {e.indicator_id: reading_kind(e) for e in SEX_INDICATORS}
)


def _pool(pool_ids: np.ndarray, x: np.ndarray, how: Literal["max", "min"]) -> np.ndarray:
    """max/min of x within its reference pool (indicator x NUTS level, all regions, all years)."""
    return pd.Series(x).groupby(pool_ids).transform(how).to_numpy(dtype=float)


def _pool_demo(pool_ids: np.ndarray, mask: np.ndarray, used: np.ndarray) -> np.ndarray:
    """DEMO_BIT where the row's reference pool holds any demo input that enters the measure."""
    demo = ((mask & DEMO_BIT) > 0) & used
    pooled = pd.Series(demo).groupby(pool_ids).transform("any").to_numpy(dtype=bool)
    return np.where(pooled, DEMO_BIT, 0).astype(np.int8)


def _measure(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per indicator, region and year: gap, ratio, share, EIGE metric and the two components
    of the Monitor indices, all indicators at once (vectorised; no loop over rows or groups).

    `pairs` has one row per indicator_id, geo_code, nuts_level, year with value_f (never
    missing), value_m (NaN when men's value is missing), mask_f, mask_m and nuts_version.
    """
    ids = pairs["indicator_id"].cat
    kinds = np.array([KIND_BY_ID.get(str(c), UNSCORED) for c in ids.categories] + [UNSCORED])
    kind = kinds[ids.codes.to_numpy()]
    level = pairs["nuts_level"].to_numpy(dtype=np.int64)
    pool_ids = ids.codes.to_numpy().astype(np.int64) * 16 + (level + 8)  # indicator x level
    f = pairs["value_f"].to_numpy(dtype=float)
    m = pairs["value_m"].to_numpy(dtype=float)
    mask_f = pairs["mask_f"].to_numpy().astype(np.int8)
    mask_fm = (mask_f | pairs["mask_m"].to_numpy()).astype(np.int8)
    headcount, lower_pct, lower_raw = kind == HEADCOUNT, kind == LOWER_PCT, kind == LOWER_RAW
    lower = lower_pct | lower_raw
    scored = (kind != UNSCORED) & np.isin(level, REGION_LEVELS)
    out = pairs[["indicator_id", "geo_code", "nuts_level", "nuts_version", "year"]].copy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        total = f + m
        share = np.where(headcount & (total > 0), np.clip(100.0 * (f / total), 0.0, 100.0), np.nan)
        out["gap"] = m - f
        out["ratio"] = np.where(m != 0, f / m, np.nan)
        out["share"] = share
        # EIGE metric on values stated so that higher is better
        xf = np.where(headcount, share, np.where(lower_pct, 100.0 - f, f))
        xm = np.where(headcount, 100.0 - share, np.where(lower_pct, 100.0 - m, m))
        xbar = (xf + xm) / 2.0
        gamma = np.where(xbar != 0, np.abs(xf / xbar - 1.0), np.where(xf == xm, 0.0, 1.0))
        xbar_pool = np.where(scored, xbar, np.nan)
        best_max, best_min = _pool(pool_ids, xbar_pool, "max"), _pool(pool_ids, xbar_pool, "min")
        level_factor = np.where(
            lower_raw,
            np.where(xbar > 0, best_min / xbar, np.where(xbar == best_min, 1.0, np.nan)),
            np.where(best_max > 0, xbar / best_max, np.nan),
        )
        psi = np.clip((1.0 - np.clip(gamma, 0.0, 1.0)) * level_factor, 0.0, 1.0)
        out["eige"] = np.where(scored, 1.0 + 99.0 * psi, np.nan)
        # Female achievement (FemAI component): women's value against the best women's value
        xf_ach = np.where(headcount, share, f)
        ach_pool = np.where(scored, xf_ach, np.nan)
        top, bottom = _pool(pool_ids, ach_pool, "max"), _pool(pool_ids, ach_pool, "min")
        achievement = np.where(
            lower,
            np.where(xf_ach > 0, bottom / xf_ach, np.where(xf_ach == bottom, 1.0, 0.0)),
            np.where(top > 0, xf_ach / top, np.nan),
        )
        out["achievement"] = np.where(
            scored & ~np.isnan(xf_ach), np.clip(achievement, 0.0, 1.0), np.nan
        )
        # Female disadvantage (FemDI component): relative gap where women do worse, else 0
        worse = np.where(lower, f > m, f < m)
        rel_gap = np.where(
            lower, 1.0 - np.where(f != 0, m / f, 1.0), 1.0 - np.where(m != 0, f / m, 1.0)
        )
        disadvantage = np.where(worse, np.clip(rel_gap, 0.0, 1.0), 0.0)
        out["disadvantage"] = np.where(scored & ~np.isnan(m), disadvantage, np.nan)
    out["mask_fm"] = mask_fm
    out["mask_eige"] = mask_fm | _pool_demo(pool_ids, mask_fm, ~np.isnan(out["eige"]))
    mask_ach = np.where(headcount, mask_fm, mask_f).astype(np.int8)
    out["mask_ach"] = mask_ach | _pool_demo(
        pool_ids, mask_ach, ~np.isnan(out["achievement"].to_numpy())
    )
    return out


def _pair_sexes(obs: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator, geo, level and year where women's value is present."""
    keys = ["indicator_id", "geo_code", "nuts_level", "year"]
    cols = [*keys, "nuts_version", "value", "mask"]
    f = obs.loc[obs["sex"] == "F", cols]
    m = obs.loc[obs["sex"] == "M", cols]
    pairs = f.merge(m, on=keys, how="left", suffixes=("_f", "_m"), sort=False)
    pairs["mask_m"] = pairs["mask_m"].fillna(0).astype(np.int8)
    pairs["nuts_version"] = _latest_version(pairs["nuts_version_f"], pairs["nuts_version_m"])
    return pairs


def _select(values: pd.DataFrame) -> pd.DataFrame:
    """Rows of sex-breakdown catalog indicators with sex F or M and a finite value."""
    ids = [e.indicator_id for e in SEX_INDICATORS]
    keep = (
        values["indicator_id"].isin(ids)
        & values["sex"].isin(["F", "M"])
        & np.isfinite(values["value"].to_numpy(dtype=float))
        & values["geo_code"].notna()
        & values["nuts_level"].notna()
        & values["year"].notna()
    )
    obs = take_rows(values, keep, INPUT_COLUMNS)
    obs["mask"] = encode_provenance(obs["flag"], obs["source"])
    obs = obs.drop(columns=["flag", "source"])
    for col in ("indicator_id", "geo_code", "nuts_version", "sex"):
        obs[col] = as_category(obs[col])  # integer codes make merges, groupbys, sorts cheap
    obs["nuts_level"] = obs["nuts_level"].astype(np.int64)
    obs["year"] = obs["year"].astype(np.int64)
    check_unique(obs, ["indicator_id", "geo_code", "nuts_level", "year", "sex"])
    return obs


def _long(measures: pd.DataFrame, col: str, prefix: str, mask_col: str) -> pd.DataFrame:
    """Rows of one per-indicator measure in output shape, id `prefix + indicator_id`."""
    part = measures.loc[
        measures[col].notna(),
        ["indicator_id", "geo_code", "nuts_level", "nuts_version", "year", col, mask_col],
    ]
    part = part.rename(columns={col: "value", mask_col: "mask"})
    ids = part["indicator_id"].cat
    new_codes = np.array(
        [
            OUTPUT_IDS.index(prefix + str(c)) if prefix + str(c) in OUTPUT_IDS else -1
            for c in ids.categories
        ],
        dtype=np.int64,
    )
    part["indicator_id"] = pd.Categorical.from_codes(
        new_codes[ids.codes.to_numpy()], categories=pd.Index(OUTPUT_IDS)
    )
    return part


def _composites(measures: pd.DataFrame, min_coverage: float) -> pd.DataFrame:
    """Region-year indices from the per-indicator components (levels 0-3 only)."""
    regional = measures[measures["nuts_level"].isin(REGION_LEVELS)].reset_index(drop=True)
    if regional.empty:
        return pd.DataFrame(columns=[*OUTPUT_COLUMNS, "mask"])
    scored = {e.indicator_id for e in SCORED_INDICATORS}
    regional = regional[regional["indicator_id"].isin(scored)].reset_index(drop=True)
    gid, n_groups, heads = group_heads(regional, GROUP_KEYS)
    version = latest_version_by_group(gid, regional["nuts_version"], n_groups)
    # expected indicators per level: published at that level, plus any observed there
    expected_n = {}
    for level in sorted(regional["nuts_level"].unique()):  # at most four levels
        declared = {e.indicator_id for e in SCORED_INDICATORS if level in e.nuts_levels}
        observed = set(regional.loc[regional["nuts_level"] == level, "indicator_id"])
        expected_n[int(level)] = len(declared | observed)
    expected = heads["nuts_level"].map(expected_n).to_numpy(dtype=float)

    def reduce(col: str, mask_col: str, transform: str) -> tuple[np.ndarray, np.ndarray]:
        vals = regional[col].to_numpy(dtype=float)
        present = ~np.isnan(vals)
        count = np.bincount(gid, weights=present, minlength=n_groups)
        x = np.where(present, np.log(vals) if transform == "log" else vals, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.bincount(gid, weights=x, minlength=n_groups) / count
        value = np.exp(mean) if transform == "log" else 100.0 * mean
        ok = meets_coverage(count, expected, min_coverage)
        mask = or_by_group(gid, np.where(present, regional[mask_col].to_numpy(), 0), n_groups)
        return np.where(ok, value, np.nan), mask

    parts = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for index_id, col, mask_col, transform in (
            (GENDER_INCLUSION_INDEX, "eige", "mask_eige", "log"),
            (FEMALE_ACHIEVEMENT_INDEX, "achievement", "mask_ach", "mean"),
            (FEMALE_DISADVANTAGE_INDEX, "disadvantage", "mask_fm", "mean"),
        ):
            value, mask = reduce(col, mask_col, transform)
            part = heads.copy()
            part["indicator_id"] = pd.Categorical.from_codes(
                np.full(len(part), OUTPUT_IDS.index(index_id)), categories=pd.Index(OUTPUT_IDS)
            )
            part["nuts_version"] = version
            part["value"] = value
            part["mask"] = mask
            parts.append(part[part["value"].notna()])
    return pd.concat(parts, ignore_index=True)


def compute(values: pd.DataFrame, min_coverage: float = 2 / 3) -> pd.DataFrame:
    """Gender-inclusion measures for every region and year of `values` (see module doc).

    Grain of the result: one row per derived indicator_id, geo_code and year (sex 'T').
    Missing inputs give no row. `min_coverage` (0 < c <= 1) is the share of the expected
    sex-breakdown indicators a region-year needs for the three composite indices.
    """
    if not 0 < min_coverage <= 1:
        raise ValueError("min_coverage must be in (0, 1]")
    check_columns(values)
    obs = _select(values)
    if obs.empty:
        return finish(pd.DataFrame())
    pairs = _pair_sexes(obs)
    if pairs.empty:
        return finish(pd.DataFrame())
    measures = _measure(pairs)
    long_parts = [
        _long(measures, "gap", GAP_PREFIX, "mask_fm"),
        _long(measures, "ratio", RATIO_PREFIX, "mask_fm"),
        _long(measures, "share", SHARE_PREFIX, "mask_fm"),
        _long(measures, "eige", EIGE_PREFIX, "mask_eige"),
        _composites(measures, min_coverage),
    ]
    parts = [p for p in long_parts if not p.empty]
    return finish(pd.concat(parts, ignore_index=True) if parts else pd.DataFrame())


def expected_indicator_count(level: int) -> int:
    """Number of scored sex-breakdown indicators the catalog publishes at `level`."""
    return sum(1 for e in SCORED_INDICATORS if level in e.nuts_levels)


__all__ = ["compute", "expected_indicator_count"]
