"""Sustainability scores: environmental, social and digital dimensions and an overall index.

Input: a DataFrame `values` with the columns indicator_id, geo_code, nuts_level (int; -1 EU
aggregate, 0 country, 1-3 regions), nuts_version, year, sex (F/M/T), value (float, NaN =
missing), flag and source. Only sex 'T' rows of the dimension components below, at NUTS levels
0-3, are read; EU aggregates are skipped (they have no regional pool to be scored against).

Components come from the catalog by domain, using only entries with a normative direction:
- environmental: domain sustainability (municipal waste: lower is better);
- social: domain social (at-risk-of-poverty-or-social-exclusion and early leavers: lower is
  better; rural employment rate: higher is better, country level only);
- digital: domain digital (broadband households, regular internet users: higher is better).

Each component is normalised with `indicators.normalise.normalise_components` per indicator,
NUTS level and sex over the reference window (RIS method: outliers capped at mean +/- 2 sd,
square root when skewness > 1, min-max over all regions and years of the window, inverted when
lower is better), giving 0..1 with 1 = best.

Output grain: one row per score id, geo_code and year (sex 'T'), exactly the columns
indicator_id, geo_code, nuts_level, nuts_version, year, sex, value, flag, source:
- `sustainability_<dimension>_score` = 100 * mean of the normalised components present, when
  coverage holds: a dimension with 1 or 2 expected components needs all of them; with 3 or more
  it needs at least `min_coverage` of them (rounded up). Expected components at a level = those
  the catalog publishes at that level plus any present in the data at that level.
- `sustainability_index` = mean of the dimension scores present, when at least
  ceil(min_coverage * 3) (= 2 by default) of the three dimensions have a score.
Nothing is imputed: a region-year failing coverage has no row.

Flags: 'e' / 'p' / 'ep' when any own input's flag contains e / p, else None. Source: 'demo'
when any own input is demo or the normalisation pool of any of its components holds demo
values (the score depends on them), else 'derived'.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

from indicators.catalog import CATALOG
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
from indicators.normalise import normalise_components
from indicators.provenance import DEMO_BIT, encode_provenance, or_by_group, unique_sources
from indicators.spec import CatalogIndicator, Direction, Domain, IndicatorSpec

DIMENSION_DOMAINS: dict[str, Domain] = {
    "environmental": Domain.SUSTAINABILITY,
    "social": Domain.SOCIAL,
    "digital": Domain.DIGITAL,
}
COMPONENTS: dict[str, tuple[CatalogIndicator, ...]] = {
    dim: tuple(
        e
        for e in CATALOG
        if e.domain == domain and e.direction in (Direction.HIGHER, Direction.LOWER)
    )
    for dim, domain in DIMENSION_DOMAINS.items()
}
DIMENSION_OF: dict[str, str] = {
    e.indicator_id: dim for dim, entries in COMPONENTS.items() for e in entries
}
DIRECTIONS: dict[str, str] = {
    e.indicator_id: str(e.direction) for entries in COMPONENTS.values() for e in entries
}
SUSTAINABILITY_INDEX = "sustainability_index"


def score_id(dimension: str) -> str:
    return f"sustainability_{dimension}_score"


def required_components(n_expected: int, min_coverage: float) -> int:
    """Components a region-year needs: all when 1 or 2 are expected, else ceil(c * n)."""
    if n_expected <= 2:
        return n_expected
    return math.ceil(min_coverage * n_expected - 1e-9)


def _levels(entries: tuple[CatalogIndicator, ...]) -> tuple[int, ...]:
    return tuple(sorted({lv for e in entries for lv in e.nuts_levels} & set(REGION_LEVELS)))


def _component_text(entries: tuple[CatalogIndicator, ...]) -> str:
    return "; ".join(
        f"{e.indicator_id} ({'lower' if e.direction == Direction.LOWER else 'higher'} is "
        f"better, NUTS {','.join(map(str, e.nuts_levels))})"
        for e in entries
    )


NORMALISATION = (
    "Each component normalised per NUTS level over the reference window with the RIS method "
    "(outliers capped at mean +/- 2 sd, square root if skewness > 1, min-max over all regions "
    "and years, inverted when lower is better)."
)


def build_derived_specs() -> tuple[IndicatorSpec, ...]:
    """One spec per dimension score plus the overall index."""
    specs: dict[str, IndicatorSpec] = {}
    for dim, entries in COMPONENTS.items():
        if not entries:
            continue
        thin = (
            " A single component: the score is that component's normalised value."
            if len(entries) == 1
            else ""
        )
        specs[score_id(dim)] = IndicatorSpec(
            indicator_id=score_id(dim),
            title=f"Sustainability: {dim} dimension score",
            description=(
                f"Mean of the normalised {dim} components available for the region and year, "
                f"0 = worst and 100 = best among regions of the same NUTS level over the "
                f"reference window. Components: {_component_text(entries)}."
            ),
            unit="score 0-100",
            direction=Direction.HIGHER,
            domain=Domain.DERIVED,
            sources=unique_sources(entries),
            decimals=1,
            nuts_levels=_levels(entries),
            formula=("100 * mean(norm_c) over available components c. " + NORMALISATION),
            caveats=(
                "Coverage: a dimension with 1 or 2 components needs all of them, with 3 or "
                "more at least two thirds (rounded up) of the components expected at the "
                "level. Relative to the regions and years loaded: adding data can change "
                "scores." + thin + " " + " ".join(e.caveats for e in entries if e.caveats)
            ).strip(),
        )
    all_entries = tuple(e for entries in COMPONENTS.values() for e in entries)
    specs[SUSTAINABILITY_INDEX] = IndicatorSpec(
        indicator_id=SUSTAINABILITY_INDEX,
        title="Sustainability index",
        description=(
            "Mean of the environmental, social and digital dimension scores available for "
            "the region and year, 0-100 (higher is better)."
        ),
        unit="score 0-100",
        direction=Direction.HIGHER,
        domain=Domain.DERIVED,
        sources=unique_sources(all_entries),
        decimals=1,
        nuts_levels=_levels(all_entries),
        formula="mean(sustainability_<dimension>_score) over the dimensions present. "
        + NORMALISATION,
        caveats=(
            "Needs at least two of the three dimensions (ceil(min_coverage * 3)). Equal "
            "weights per dimension, whatever the number of components in each; the "
            "environmental dimension rests on municipal waste alone (patchy pilot data)."
        ),
    )
    return tuple(specs.values())


DERIVED_SPECS: tuple[IndicatorSpec, ...] = build_derived_specs()
DERIVED_SPECS_BY_ID: Mapping[str, IndicatorSpec] = MappingProxyType(
    {s.indicator_id: s for s in DERIVED_SPECS}
)


def _select(values: pd.DataFrame, reference_window: tuple[int, int] | None) -> pd.DataFrame:
    """Sex-T rows of the components at NUTS levels 0-3 with a finite value, in the window."""
    keep = (
        values["indicator_id"].isin(list(DIMENSION_OF))
        & (values["sex"] == "T")
        & values["nuts_level"].isin(REGION_LEVELS)
        & np.isfinite(values["value"].to_numpy(dtype=float))
        & values["geo_code"].notna()
        & values["year"].notna()
    )
    if reference_window is not None:
        first, last = reference_window
        keep &= (values["year"] >= first) & (values["year"] <= last)
    obs = take_rows(values, keep, INPUT_COLUMNS)
    obs["mask"] = encode_provenance(obs["flag"], obs["source"])
    obs = obs.drop(columns=["flag", "source"])
    for col in ("indicator_id", "geo_code", "nuts_version"):
        obs[col] = as_category(obs[col])
    obs["nuts_level"] = obs["nuts_level"].astype(np.int64)
    obs["year"] = obs["year"].astype(np.int64)
    check_unique(obs, ["indicator_id", "geo_code", "nuts_level", "year"])
    # The normalised value depends on the whole pool (indicator, level): demo anywhere in it
    # makes the score demo-dependent.
    demo = pd.Series((obs["mask"].to_numpy() & DEMO_BIT) > 0)
    pooled = demo.groupby([obs["indicator_id"], obs["nuts_level"]], observed=True)
    obs["mask"] = obs["mask"] | np.where(pooled.transform("any").to_numpy(dtype=bool), DEMO_BIT, 0)
    return obs


def _group(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, int, pd.DataFrame]:
    gid, n_groups, heads = group_heads(frame, keys)
    heads["nuts_version"] = latest_version_by_group(gid, frame["nuts_version"], n_groups)
    return gid, n_groups, heads


def _dimension_scores(obs: pd.DataFrame, min_coverage: float) -> pd.DataFrame:
    obs = obs.assign(dimension=obs["indicator_id"].astype(str).map(DIMENSION_OF))
    gid, n_groups, heads = _group(obs, [*GROUP_KEYS, "dimension"])
    norm = obs["norm"].to_numpy(dtype=float)
    present = ~np.isnan(norm)
    count = np.bincount(gid, weights=present, minlength=n_groups)
    total = np.bincount(gid, weights=np.where(present, norm, 0.0), minlength=n_groups)
    mask = or_by_group(gid, np.where(present, obs["mask"].to_numpy(), 0), n_groups)
    # expected components per level and dimension: published at the level, or present there
    need = {}
    for (level, dim), ids in obs.groupby(["nuts_level", "dimension"], observed=True)[
        "indicator_id"
    ]:  # at most 4 levels x 3 dimensions
        declared = {e.indicator_id for e in COMPONENTS[str(dim)] if level in e.nuts_levels}
        need[(level, dim)] = required_components(len(declared | set(ids)), min_coverage)
    # one lookup per distinct (level, dimension), not per region-year
    pair = pd.MultiIndex.from_arrays([heads["nuts_level"], heads["dimension"]])
    codes, distinct = pair.factorize()
    required = np.array([need[k] for k in distinct], dtype=float)[codes]
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where((count > 0) & (count >= required), 100.0 * total / count, np.nan)
    heads["value"] = value
    heads["mask"] = mask
    heads["indicator_id"] = heads["dimension"].map({d: score_id(d) for d in DIMENSION_DOMAINS})
    return heads[heads["value"].notna()].reset_index(drop=True)


def _overall_index(scores: pd.DataFrame, min_coverage: float) -> pd.DataFrame:
    if scores.empty:
        return scores
    gid, n_groups, heads = _group(scores, GROUP_KEYS)
    vals = scores["value"].to_numpy(dtype=float)
    count = np.bincount(gid, minlength=n_groups)
    total = np.bincount(gid, weights=vals, minlength=n_groups)
    need = required_components(len(DIMENSION_DOMAINS), min_coverage)
    heads["value"] = np.where(count >= need, total / np.maximum(count, 1), np.nan)
    heads["mask"] = or_by_group(gid, scores["mask"].to_numpy(), n_groups)
    heads["indicator_id"] = SUSTAINABILITY_INDEX
    return heads[heads["value"].notna()].reset_index(drop=True)


def compute(
    values: pd.DataFrame,
    reference_window: tuple[int, int] | None = None,
    min_coverage: float = 2 / 3,
) -> pd.DataFrame:
    """Dimension scores and the sustainability index for every region-year (module doc).

    `reference_window` (first_year, last_year), inclusive, restricts the years that are read,
    normalised (min and max are taken over the window) and scored; None = every year present.
    Grain of the result: one row per score id, geo_code and year, sex 'T'.
    """
    if not 0 < min_coverage <= 1:
        raise ValueError("min_coverage must be in (0, 1]")
    check_columns(values)
    obs = _select(values, reference_window)
    if obs.empty:
        return finish(pd.DataFrame())
    obs = normalise_components(obs, DIRECTIONS)
    scores = _dimension_scores(obs, min_coverage)
    index = _overall_index(scores, min_coverage)
    return finish(pd.concat([scores, index], ignore_index=True))


__all__ = [
    "COMPONENTS",
    "DERIVED_SPECS",
    "DERIVED_SPECS_BY_ID",
    "OUTPUT_COLUMNS",
    "SUSTAINABILITY_INDEX",
    "compute",
    "required_components",
    "score_id",
]
