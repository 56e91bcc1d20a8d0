"""The Regional Innovation Index: component coverage, scores, the EU reference and the index.

The built-in index is a composite spec shipped with the package
(`indicators/specs/regional_innovation_index.toml`: the components and their weights), computed
by the one implementation of the scoreboard method, `indicators.composite`.
`compute` gives the regional_innovation_score, regional_innovation_index and
innovation_component_<id> rows (see the package doc for input and output);
`compute_innovation_index` also the EU reference per level-year and the coverage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from indicators.catalog import CATALOG_BY_ID
from indicators.composite import (
    COVERAGE_COLUMNS,
    REFERENCE_COLUMNS,
    Method,
    OutputIds,
    Prepared,
    compute_composite,
    coverage_of,
    prepare,
    reweight,
)
from indicators.composite_spec import SpecIndicator
from indicators.frames import INPUT_COLUMNS
from indicators.innovation.rows import require_columns
from indicators.innovation.specs import (
    BUILTIN_SPEC,
    COMPONENT_PREFIX,
    DEFAULT_WEIGHTS,
    EU27_COUNTRY_CODES,
    EU_CODE,
    INDEX_ID,
    POPULATION_ID,
    SCORE_ID,
)
from indicators.spec import Direction

OUTPUT_IDS = OutputIds(INDEX_ID, SCORE_ID, COMPONENT_PREFIX)


@dataclass(frozen=True)
class InnovationIndexResult:
    """Everything `compute_innovation_index` derives.

    values: tidy derived rows (OUTPUT_COLUMNS): the regional_innovation_score,
        regional_innovation_index and innovation_component_<id> rows.
    eu_reference: one row per nuts_level and year with an EU reference: eu_score (0-1),
        method ('eu27_2020', 'population_weighted_mean' or 'unweighted_mean'), n_regions
        (regions averaged; <NA> for 'eu27_2020'), relative_index (always exactly 100.0).
    coverage: one row per region-year with at least one component value: geo_code,
        nuts_level, year, n_components, n_present, missing (list of component ids, in
        component order), meets_coverage (bool), has_index (bool: a score row exists).
    """

    values: pd.DataFrame
    eu_reference: pd.DataFrame
    coverage: pd.DataFrame


def _resolve_weights(
    weights: Mapping[str, float] | None,
) -> tuple[tuple[str, ...], dict[str, float], dict[str, str]]:
    """Component ids (weight > 0), their weights and directions; raise on bad weights."""
    given = dict(DEFAULT_WEIGHTS if weights is None else weights)
    if not given:
        raise ValueError("weights is empty: name at least one component")
    ids: list[str] = []
    clean: dict[str, float] = {}
    directions: dict[str, str] = {}
    for indicator_id, weight in given.items():
        entry = CATALOG_BY_ID.get(indicator_id)
        if entry is None:
            raise ValueError(f"weights names {indicator_id!r}, which is not a catalog indicator")
        if entry.direction not in (Direction.HIGHER, Direction.LOWER):
            raise ValueError(
                f"{indicator_id!r} has direction {entry.direction.value!r}; components must be "
                "higher- or lower-is-better"
            )
        w = float(weight)
        if not np.isfinite(w) or w < 0:
            raise ValueError(f"weight of {indicator_id!r} must be finite and >= 0, got {weight!r}")
        if w == 0:
            continue  # a zero weight drops the component (it does not count for coverage)
        ids.append(indicator_id)
        clean[indicator_id] = w
        directions[indicator_id] = entry.direction.value
    if not ids:
        raise ValueError("all weights are zero")
    return tuple(ids), clean, directions


def _method(
    weights: Mapping[str, float] | None,
    reference_window: tuple[int, int] | None,
    min_coverage: float,
    eu_code: str,
    eu_members: frozenset[str] | None,
) -> Method:
    """The built-in spec with these weights, window and coverage rule."""
    if not 0 < min_coverage <= 1:
        raise ValueError(f"min_coverage must be in (0, 1], got {min_coverage!r}")
    ids, w, directions = _resolve_weights(weights)
    if reference_window is not None and int(reference_window[0]) > int(reference_window[1]):
        raise ValueError(f"reference_window {reference_window!r}: start after end")
    spec = replace(
        BUILTIN_SPEC,
        indicators=tuple(SpecIndicator(i, None, w[i]) for i in ids),
        min_coverage=min_coverage,
        years=None if reference_window is None else tuple(int(y) for y in reference_window),
    )
    return Method(ids, np.array([w[i] for i in ids], dtype="float64"), directions, spec,
                  eu_code, eu_members)


def compute_coverage(
    values: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    reference_window: tuple[int, int] | None = None,
    min_coverage: float = 2 / 3,
    *,
    eu_code: str = EU_CODE,
) -> pd.DataFrame:
    """Component coverage per region-year (sex T, levels 0-3).

    Grain: one row per geo_code, nuts_level, year with at least one component value in the
    window (region-years with none are absent: all components are missing there). Columns:
    geo_code, nuts_level, year, n_components (components with weight > 0), n_present,
    missing (list of component ids, component order), meets_coverage (n_present >=
    min_coverage x n_components, counted by number, not by weight).
    """
    method = _method(weights, reference_window, min_coverage, eu_code, EU27_COUNTRY_CODES)
    coverage = coverage_of(values, method, population_id=POPULATION_ID)
    return coverage.drop(columns="has_index")


def missing_components(
    values: pd.DataFrame,
    geo_code: str,
    year: int,
    level: int,
    weights: Mapping[str, float] | None = None,
) -> list[str]:
    """Component ids (component order) with no value for this region, year and level (sex T).

    A NaN or non-finite value counts as missing; a region without any row misses them all.
    """
    ids, _, _ = _resolve_weights(weights)
    require_columns(values, INPUT_COLUMNS, "values")
    hit = values.loc[
        (values["geo_code"] == geo_code).to_numpy(bool)
        & (values["year"] == year).to_numpy(bool)
        & (values["nuts_level"] == level).to_numpy(bool)
        & (values["sex"] == "T").to_numpy(bool),
        ["indicator_id", "value"],
    ]
    value = pd.to_numeric(hit["value"], errors="coerce").to_numpy(dtype="float64")
    present = set(hit.loc[np.isfinite(value), "indicator_id"])
    return [i for i in ids if i not in present]


def compute_innovation_index(
    values: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    reference_window: tuple[int, int] | None = None,
    min_coverage: float = 2 / 3,
    *,
    eu_code: str = EU_CODE,
    eu_members: frozenset[str] | None = EU27_COUNTRY_CODES,
) -> InnovationIndexResult:
    """Regional innovation score, index (EU = 100) and normalised components.

    Per NUTS level 0-3 (sex T only): every component is normalised over all regions of the
    level and all years of `reference_window` (inclusive (start, end); default: all years
    present) with `indicators.normalise`; years outside the window are not scored. The score
    of a region-year is the weighted mean of its normalised components; a region-year with
    fewer than `min_coverage` of the components (by count) gets no score and no index row.
    `weights` maps component id -> weight (default: `DEFAULT_WEIGHTS`, equal, from the shipped
    spec); its keys are the component set, a zero weight drops a component.

    The EU reference of a level-year is the score of `eu_code` (level -1, normalised with the
    level's parameters) when all its components are present, else the population-weighted mean
    of the scores of the level's regions in `eu_members` countries (population_persons of the
    same region-year) when every such region has a population, else their unweighted mean.
    index = score / EU score x 100. Flags: a score carries the e/p letters of its component
    rows; an index also those of the EU27_2020 rows when they are the reference. nuts_version:
    the most common among the region-year's component rows (ties: the greatest).
    """
    return _innovation_index(
        values, weights, reference_window, min_coverage, eu_code, eu_members, with_coverage=True
    )


def _innovation_index(
    values: pd.DataFrame,
    weights: Mapping[str, float] | None,
    reference_window: tuple[int, int] | None,
    min_coverage: float,
    eu_code: str,
    eu_members: frozenset[str] | None,
    with_coverage: bool,
) -> InnovationIndexResult:
    """compute_innovation_index; without `with_coverage` the coverage frame is left empty
    (`compute` does not return it, and it costs a Python list per region-year)."""
    method = _method(weights, reference_window, min_coverage, eu_code, eu_members)
    result = compute_composite(values, method, OUTPUT_IDS, population_id=POPULATION_ID,
                               with_coverage=with_coverage)
    coverage = result.coverage if with_coverage else pd.DataFrame(columns=COVERAGE_COLUMNS)
    return InnovationIndexResult(result.values, result.reference[REFERENCE_COLUMNS], coverage)


def compute_index_rows(
    values: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    level: int | None = None,
) -> pd.DataFrame:
    """Only the regional_innovation_index rows (OUTPUT_COLUMNS) of `compute_innovation_index`
    with these weights, at one NUTS level (default all): what a reweighted ranking shows.
    The same values as the full computation; no score, component or coverage rows are built.
    """
    method = _method(weights, None, 2 / 3, EU_CODE, EU27_COUNTRY_CODES)
    if level is not None:
        method = replace(method, spec=replace(method.spec, levels=(int(level),)))
    return compute_composite(values, method, OUTPUT_IDS, population_id=POPULATION_ID,
                             index_only=True).values


def prepare_reweighting(values: pd.DataFrame, level: int,
                        component_ids: tuple[str, ...] | None = None) -> Prepared:
    """The weight-independent part of `compute_index_rows` at one level for these components
    (default: the shipped spec's): selected, normalised and sorted once, so that
    `reweighted_index_rows` costs only the weighted sums."""
    ids = component_ids or tuple(DEFAULT_WEIGHTS)
    method = _method(dict.fromkeys(ids, 1.0), None, 2 / 3, EU_CODE, EU27_COUNTRY_CODES)
    method = replace(method, spec=replace(method.spec, levels=(int(level),)))
    return prepare(values, method, population_id=POPULATION_ID)


def reweighted_index_rows(prepared: Prepared, weights: Mapping[str, float]) -> pd.DataFrame:
    """`compute_index_rows(values, weights, level)` from `prepare_reweighting(values, level)`:
    the same rows, bit for bit. Weights are checked as there (catalog components, finite,
    >= 0, not all zero) and must name only prepared components."""
    _, clean, _ = _resolve_weights(weights)
    return reweight(prepared, clean, OUTPUT_IDS).values


def compute(
    values: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    reference_window: tuple[int, int] | None = None,
    min_coverage: float = 2 / 3,
) -> pd.DataFrame:
    """Derived rows (OUTPUT_COLUMNS) of `compute_innovation_index`: regional_innovation_score,
    regional_innovation_index and innovation_component_<id>. Grain: one row per indicator_id,
    geo_code, nuts_level, year (sex 'T'). Use `compute_innovation_index` for the EU reference
    (method per year) and the coverage."""
    return _innovation_index(
        values,
        weights,
        reference_window,
        min_coverage,
        EU_CODE,
        EU27_COUNTRY_CODES,
        with_coverage=False,
    ).values
