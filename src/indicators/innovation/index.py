"""The Regional Innovation Index: component coverage, scores, the EU reference and the index.

`compute` gives the regional_innovation_score, regional_innovation_index and
innovation_component_<id> rows (see the package doc for input and output);
`compute_innovation_index` also the EU reference per level-year and the coverage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.catalog import CATALOG_BY_ID
from indicators.frames import INPUT_COLUMNS, REGION_LEVELS, group_rows
from indicators.innovation.rows import (
    EU_KIND,
    KEYS,
    PSEUDO,
    REGION,
    country_of,
    empty_output,
    finish_rows,
    flag_letters,
    is_nuts_code,
    keep_rows,
    mode_version,
    refuse_duplicates,
    require_columns,
    sum_by_group,
    text_array,
    tidy_rows,
)
from indicators.innovation.specs import (
    COMPONENT_PREFIX,
    DEFAULT_WEIGHTS,
    EU27_COUNTRY_CODES,
    EU_CODE,
    EU_LEVEL,
    INDEX_ID,
    POPULATION_ID,
    SCORE_ID,
)
from indicators.normalise import apply_normalisation, fit_normalisation
from indicators.spec import Direction


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


def _select_rows(
    values: pd.DataFrame,
    ids: tuple[str, ...],
    reference_window: tuple[int, int] | None,
    eu_code: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(component rows, population rows), sex T, levels -1..3, finite values, in the window.

    Component rows get: comp (position in ids), kind (REGION/PSEUDO/EU_KIND), has_e, has_p,
    is_demo. Level -1 rows other than `eu_code` are dropped.
    """
    require_columns(values, INPUT_COLUMNS, "values")
    wanted = values["indicator_id"].isin([*ids, POPULATION_ID]).to_numpy(bool)
    sub = keep_rows(values, wanted)[list(INPUT_COLUMNS)]
    keep = (sub["sex"] == "T").to_numpy(bool) & sub["nuts_level"].isin(
        [EU_LEVEL, *REGION_LEVELS]
    ).to_numpy(bool)
    sub = keep_rows(sub, keep)
    level = sub["nuts_level"].to_numpy(dtype="int64")
    sub = keep_rows(sub, (level != EU_LEVEL) | (sub["geo_code"] == eu_code).to_numpy(bool))
    sub = sub.assign(
        nuts_level=sub["nuts_level"].astype("int64"),
        year=sub["year"].astype("int64"),
        value=pd.to_numeric(sub["value"], errors="coerce").astype("float64"),
    )
    refuse_duplicates(sub, ["indicator_id", "geo_code", "nuts_level", "year"], "values")
    sub = sub.loc[np.isfinite(sub["value"].to_numpy())]  # NaN/inf = missing, never imputed

    is_pop = (sub["indicator_id"] == POPULATION_ID).to_numpy(bool)
    population = sub.loc[is_pop & (sub["value"] > 0).to_numpy(bool)]
    rows = sub.loc[~is_pop]
    if reference_window is not None:
        lo, hi = (int(y) for y in reference_window)
        if lo > hi:
            raise ValueError(f"reference_window {reference_window!r}: start after end")
        rows = rows.loc[rows["year"].between(lo, hi).to_numpy(bool)]
    rows = rows.reset_index(drop=True)
    has_e, has_p = flag_letters(rows["flag"])
    kind = np.where(is_nuts_code(rows["geo_code"]), REGION, PSEUDO)
    kind[rows["nuts_level"].to_numpy() == EU_LEVEL] = EU_KIND
    comp = _positions(rows["indicator_id"], ids)
    rows = rows.assign(
        comp=comp.astype("int64"),
        kind=kind,
        has_e=has_e,
        has_p=has_p,
        is_demo=(rows["source"] == "demo").to_numpy(bool),
    )
    return rows, population.reset_index(drop=True)


def _positions(values: pd.Series, ids: tuple[str, ...]) -> np.ndarray:
    """Position of each value in `ids` (-1 when absent or missing), looked up once per
    distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    lookup = {v: i for i, v in enumerate(ids)}
    found = np.array([lookup.get(u, -1) for u in uniques] + [-1], dtype="int64")
    return found[codes]  # code -1 (missing) picks the trailing -1


def _normalise(rows: pd.DataFrame, directions: Mapping[str, str]) -> pd.DataFrame:
    """Rows with `norm`: normalisation fitted on the regions (per NUTS level, over the window)
    and applied to them, and to the EU and pseudo-regions on each level's scale."""
    regions = rows.loc[rows["kind"] == REGION].reset_index(drop=True)
    if regions.empty:
        return rows.iloc[0:0].assign(norm=np.array([], dtype="float64"))
    params = fit_normalisation(regions, directions)
    regions = regions.assign(norm=apply_normalisation(regions, params))
    if (rows["kind"] == REGION).all():
        return regions.loc[regions["norm"].notna()].reset_index(drop=True)
    pseudo = rows.loc[rows["kind"] == PSEUDO].reset_index(drop=True)
    if not pseudo.empty:
        pseudo = pseudo.assign(norm=apply_normalisation(pseudo, params))
    eu = rows.loc[rows["kind"] == EU_KIND]
    if not eu.empty:
        levels = np.sort(params["nuts_level"].unique())
        eu = pd.concat([eu.assign(nuts_level=level) for level in levels], ignore_index=True)
        eu = eu.assign(norm=apply_normalisation(eu, params))  # the EU on every level's scale
    out = pd.concat([f for f in (regions, pseudo, eu) if not f.empty], ignore_index=True)
    return out.loc[out["norm"].notna()].reset_index(drop=True)


# --- coverage ------------------------------------------------------------------------------


def _meets(n_present: pd.Series | np.ndarray, n_total: int, min_coverage: float) -> np.ndarray:
    # Count rule with a tolerance so that 2/3 * 6 = 4 present is exactly enough.
    return np.asarray(n_present, dtype="float64") >= min_coverage * n_total - 1e-9


def _coverage_frame(rows: pd.DataFrame, ids: tuple[str, ...], min_coverage: float) -> pd.DataFrame:
    rows = rows.loc[rows["kind"] != EU_KIND]
    columns = ["geo_code", "nuts_level", "year", "n_components", "n_present", "missing"]
    if rows.empty:
        return pd.DataFrame(columns=[*columns, "meets_coverage"])
    gid, first = group_rows(rows, KEYS)
    keys = rows.iloc[first][KEYS].reset_index(drop=True)
    keys["n_present"] = np.bincount(gid, minlength=len(first))
    present = np.zeros((len(keys), len(ids)), dtype=bool)
    present[gid, rows["comp"].to_numpy()] = True
    ids_arr = np.array(ids, dtype=object)
    # One Python list per region-year: the profile page wants a list column (no way around
    # building the list objects; the presence test itself is vectorised above).
    missing = [ids_arr[~row].tolist() for row in present]
    out = keys.assign(n_components=len(ids), missing=missing)
    out["meets_coverage"] = _meets(out["n_present"], len(ids), min_coverage)
    return out[[*columns, "meets_coverage"]]


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
    ids, _, _ = _resolve_weights(weights)
    rows, _ = _select_rows(values, ids, reference_window, eu_code)
    return _coverage_frame(rows, ids, min_coverage)


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


# --- the index -----------------------------------------------------------------------------


def _scores(normed: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    # Sorting by component inside each region-year fixes the summation order, so identical
    # inputs (e.g. a region equal to the EU) give bit-identical scores.
    normed = normed.sort_values([*KEYS, "comp"], kind="stable")
    # `comp` numbers the components in the order of `weights` (see _resolve_weights)
    w = np.array(list(weights.values()), dtype="float64")[normed["comp"].to_numpy()]
    wn = w * normed["norm"].to_numpy(dtype="float64")
    gid, first = group_rows(normed, KEYS)
    n = len(first)
    agg = normed.iloc[first][[*KEYS, "kind"]].reset_index(drop=True)
    agg["n_present"] = np.bincount(gid, minlength=n)
    for column in ("has_e", "has_p", "is_demo"):
        agg[column] = sum_by_group(gid, n, normed[column].to_numpy(dtype="float64")) > 0
    agg["score"] = sum_by_group(gid, n, wn) / sum_by_group(gid, n, w)
    versions = mode_version(normed.loc[normed["kind"] != EU_KIND], KEYS)
    return agg.merge(versions, on=KEYS, how="left")


def _eu_reference(
    scores: pd.DataFrame,
    population: pd.DataFrame,
    n_total: int,
    eu_members: frozenset[str] | None,
) -> pd.DataFrame:
    lv = ["nuts_level", "year"]
    eu = scores.loc[(scores["kind"] == EU_KIND) & (scores["n_present"] == n_total)]
    eu = eu[[*lv, "score", "has_e", "has_p", "is_demo"]].rename(
        columns={"score": "eu_score", "has_e": "eu_e", "has_p": "eu_p", "is_demo": "eu_demo"}
    )
    eu = eu.assign(method="eu27_2020", n_regions=pd.array([pd.NA] * len(eu), dtype="Int64"))

    regions = scores.loc[(scores["kind"] == REGION) & scores["covered"]]
    if not eu.empty:  # the fallback is only needed for level-years without a complete EU row
        done = eu["nuts_level"].to_numpy() * 100_000 + eu["year"].to_numpy()
        key = regions["nuts_level"].to_numpy() * 100_000 + regions["year"].to_numpy()
        regions = regions.loc[~np.isin(key, done)]
    if eu_members is not None:
        regions = regions.loc[country_of(regions["geo_code"]).isin(eu_members).to_numpy(bool)]
    pop = population[[*KEYS, "value"]].rename(columns={"value": "pop"})
    regions = regions[[*KEYS, "score"]].merge(pop, on=KEYS, how="left")
    gid, first = group_rows(regions, lv)
    n = len(first)
    fb = regions.iloc[first][lv].reset_index(drop=True)
    score = regions["score"].to_numpy(dtype="float64")
    pop_value = regions["pop"].to_numpy(dtype="float64")
    has_pop = ~np.isnan(pop_value)
    n_regions = np.bincount(gid, minlength=n)
    weighted = np.bincount(gid, weights=has_pop, minlength=n) == n_regions
    with np.errstate(invalid="ignore", divide="ignore"):
        pop_weighted = sum_by_group(
            gid, n, np.where(has_pop, score * pop_value, 0.0)
        ) / sum_by_group(gid, n, np.where(has_pop, pop_value, 0.0))
        mean = sum_by_group(gid, n, score) / n_regions
    fb = fb.assign(
        eu_score=np.where(weighted, pop_weighted, mean),
        method=np.where(weighted, "population_weighted_mean", "unweighted_mean"),
        n_regions=pd.array(n_regions, dtype="Int64"),
        eu_e=False,
        eu_p=False,
        eu_demo=False,
    )
    columns = [*lv, "eu_score", "method", "n_regions", "eu_e", "eu_p", "eu_demo"]
    # EU27_2020 first, so that drop_duplicates keeps it over the fallback of the same year
    parts = [f[columns] for f in (eu, fb) if not f.empty]
    if not parts:
        return pd.DataFrame(columns=[*columns, "relative_index"])
    ref = pd.concat(parts, ignore_index=True)
    ref = ref.drop_duplicates(lv).sort_values(lv).reset_index(drop=True)
    ref["nuts_level"] = ref["nuts_level"].astype("int64")
    ref["year"] = ref["year"].astype("int64")
    ref["n_regions"] = ref["n_regions"].astype("Int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        ref["relative_index"] = ref["eu_score"] / ref["eu_score"] * 100.0
    return ref


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
    `weights` maps component id -> weight (default: `DEFAULT_WEIGHTS`, equal); its keys are
    the component set, a zero weight drops a component.

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
    if not 0 < min_coverage <= 1:
        raise ValueError(f"min_coverage must be in (0, 1], got {min_coverage!r}")
    ids, w, directions = _resolve_weights(weights)
    rows, population = _select_rows(values, ids, reference_window, eu_code)
    coverage = _coverage_frame(rows if with_coverage else rows.iloc[0:0], ids, min_coverage)
    normed = _normalise(rows, directions)
    if normed.empty:
        coverage = coverage.assign(has_index=False)
        reference = pd.DataFrame(
            columns=["nuts_level", "year", "eu_score", "method", "n_regions", "relative_index"]
        )
        return InnovationIndexResult(empty_output(), reference, coverage)

    scores = _scores(normed, w)
    scores["covered"] = _meets(scores["n_present"], len(ids), min_coverage)
    reference = _eu_reference(scores, population, len(ids), eu_members)

    scored = scores.loc[(scores["kind"] != EU_KIND) & scores["covered"]]
    relative = scored.merge(reference, on=["nuts_level", "year"], how="inner")
    use_eu = (relative["method"] == "eu27_2020").to_numpy(bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel_value = relative["score"] / relative["eu_score"] * 100.0
    relative = relative.assign(
        value=rel_value,
        has_e=relative["has_e"].to_numpy(bool) | (use_eu & relative["eu_e"].to_numpy(bool)),
        has_p=relative["has_p"].to_numpy(bool) | (use_eu & relative["eu_p"].to_numpy(bool)),
        is_demo=relative["is_demo"].to_numpy(bool) | (use_eu & relative["eu_demo"].to_numpy(bool)),
    )

    columns = [*KEYS, "nuts_version", "value", "has_e", "has_p", "is_demo", "out_id"]
    components = normed.loc[normed["kind"] != EU_KIND]
    components = components.assign(
        value=components["norm"], out_id=COMPONENT_PREFIX + components["indicator_id"]
    )
    parts = pd.concat(
        [
            components[columns],
            scored.assign(value=scored["score"], out_id=SCORE_ID)[columns],
            relative.assign(out_id=INDEX_ID)[columns],
        ],
        ignore_index=True,
    )
    has_index = coverage.merge(
        scored[KEYS].assign(has_index=True), on=["nuts_level", "geo_code", "year"], how="left"
    )["has_index"]
    coverage = coverage.assign(has_index=has_index.fillna(False).astype(bool).to_numpy())
    reference = reference[
        ["nuts_level", "year", "eu_score", "method", "n_regions", "relative_index"]
    ]
    tidy = tidy_rows(text_array(parts["out_id"]), parts)
    return InnovationIndexResult(finish_rows([tidy]), reference, coverage)


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
