"""Regional Innovation Index, performance groups and innovation gaps, after the RIS method.

The Regional Innovation Scoreboard (RIS) summarises normalised component indicators into one
Regional Innovation Index, expresses it relative to the EU (EU = 100) and sorts regions into
four performance groups with three subgroups each. This module does the same on the Eurostat
regional indicators of our catalog (see `COMPONENTS`), and adds gap measures (to the EU, to the
next group, to the best region of the same country, change over time) and convergence
statistics. The method, the boundary rules and the sources are written up in
docs/methodology_innovation_gap.md; tests/indicators/test_innovation_gap.py checks them.

Input `values`: one row per indicator_id, geo_code, nuts_level, year and sex with columns
indicator_id, geo_code, nuts_level (int; -1 EU aggregate, 0 countries, 1-3 regions),
nuts_version, year, sex (F/M/T), value (float; NaN = missing), flag (str or None), source
('eurostat', 'user', 'demo'). Only sex 'T' rows of the component indicators (and of
`population_persons`, for weights) are read; everything else is ignored. Missing values are never
imputed: a NaN (or non-finite) value is treated exactly like an absent row.

Output frames of derived values always have the columns of `OUTPUT_COLUMNS`: grain one row per
indicator_id, geo_code, nuts_level, year (sex always 'T'); rows whose value cannot be computed
are absent, never NaN. `flag` holds 'e', 'p', 'ep' or None (the e/p letters of any input flag);
`source` is 'demo' when any input row is demo, else 'derived'.

Regions and pseudo-regions. A geo_code shaped like a NUTS code (two capital letters and up to
three letters/digits) is a region. Any other code at levels 0-3 (e.g. an area built by
`aggregate_area`, such as 'AREA:SPECTRA') is a pseudo-region: it is scored with the
normalisation fitted on the regions of its level (like the EU27_2020 aggregate), so adding it
never changes a region's score, and it is left out of the EU fallback mean, of the Leader and
Emerging third cut points (unless no region reaches those groups), of the country-best gap and
of the convergence statistics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from indicators.catalog import CATALOG, CATALOG_BY_ID
from indicators.normalise import OUTLIER_SD, SKEW_THRESHOLD, normalise_components
from indicators.provenance import E_BIT, P_BIT, decode_flags, flag_bits, unique_sources
from indicators.spec import CatalogIndicator, Direction, Domain, IndicatorSpec

# --- vocabulary ----------------------------------------------------------------------------

OUTPUT_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "geo_code",
    "nuts_level",
    "nuts_version",
    "year",
    "sex",
    "value",
    "flag",
    "source",
)
INPUT_COLUMNS = OUTPUT_COLUMNS
EU_CODE = "EU27_2020"
EU_LEVEL = -1
REGION_LEVELS: tuple[int, ...] = (0, 1, 2, 3)
POPULATION_ID = "population_persons"
NUTS_CODE_PATTERN = r"[A-Z]{2}[A-Z0-9]{0,3}"
AREA_PREFIX = "AREA:"
# Member states of EU27_2020 (Eurostat country codes: EL for Greece). The fallback EU reference
# averages regions of these countries only, so "EU = 100" never includes NO, CH, UK, RS, TR...
EU27_COUNTRY_CODES: frozenset[str] = frozenset(
    "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)

SCORE_ID = "regional_innovation_score"
INDEX_ID = "regional_innovation_index"
COMPONENT_PREFIX = "innovation_component_"
GAP_TO_EU_ID = "innovation_gap_to_eu_points"
GAP_TO_NEXT_GROUP_ID = "innovation_gap_to_next_group_points"
GAP_TO_COUNTRY_BEST_ID = "innovation_gap_to_country_best_points"
INDEX_CHANGE_ID = "innovation_index_change_points"
SCORE_CHANGE_ID = "innovation_score_change"

# Performance groups (relative index, EU = 100). See classify_groups for the boundary rules.
LEADER_ABOVE = 125.0
STRONG_FROM = 100.0
MODERATE_FROM = 70.0
STRONG_CUTS = (108.3, 116.7)  # the RIS publishes these rounded values; used literally
MODERATE_CUTS = (80.0, 90.0)
NEXT_GROUP_THRESHOLD = {"Emerging": MODERATE_FROM, "Moderate": STRONG_FROM, "Strong": LEADER_ABOVE}
# Relative indices and cut points are compared after rounding to this many decimals, so that
# floating-point noise from a division (125.00000000000001) never decides a group.
COMPARE_DECIMALS = 9

_REGION, _PSEUDO, _EU = 0, 1, 2
_KEYS = ["nuts_level", "geo_code", "year"]

# --- components ----------------------------------------------------------------------------

COMPONENT_IDS: tuple[str, ...] = (
    "tertiary_attainment_25_34_pct",
    "lifelong_learning_pct",
    "hrst_pct_active",
    "scientists_engineers_pct_active",
    "gerd_business_pct_gdp",
    "gerd_government_pct_gdp",
    "gerd_higher_education_pct_gdp",
    "rd_personnel_fte_pct_active",
    "high_tech_employment_pct",
    "knowledge_intensive_services_employment_pct",
)
# Innovation-domain catalog indicators deliberately left out, with the reason (a contract test
# fails when a new innovation indicator is added to the catalog without a decision here).
EXCLUDED_COMPONENTS: Mapping[str, str] = MappingProxyType(
    {
        "gerd_total_pct_gdp": (
            "sum of the business, government, higher-education (and private non-profit) "
            "sectors, which are components themselves: including it would count R&D twice"
        ),
        "rd_personnel_headcount_pct_active": (
            "same population as rd_personnel_fte_pct_active in another unit (head count)"
        ),
        "researchers_headcount": (
            "absolute count (persons), direction neutral: not comparable across regions of "
            "different size; its prof_pos filter is also unverified"
        ),
        "hrst_by_sex_pct_active": (
            "at sex T the same concept as hrst_pct_active; its unit code is unverified"
        ),
        "tertiary_attainment_25_64_pct": (
            "the RIS uses the 25-34 age band (tertiary_attainment_25_34_pct); 25-64 contains it"
        ),
        "epo_patent_applications_per_million_inhabitants": (
            "discontinued regional series (last reference year about 2012, older NUTS version)"
        ),
    }
)
COMPONENTS: tuple[CatalogIndicator, ...] = tuple(CATALOG_BY_ID[i] for i in COMPONENT_IDS)
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType({i: 1.0 for i in COMPONENT_IDS})


COMPONENT_SOURCES = unique_sources(COMPONENTS)
POPULATION_SOURCES = unique_sources([CATALOG_BY_ID[POPULATION_ID]])
_LEVELS_ALL = (0, 1, 2, 3)
_RIS_CAVEAT = (
    "Follows the RIS method (capping, square root for skewed data, min-max over all regions "
    "and years of the window, equal weights) on a reduced set of Eurostat regional indicators "
    "(no Community Innovation Survey, patent or publication data): scores are not the "
    "published RIS scores. Normalisation is per NUTS level, so scores of different levels are "
    "not comparable, and scores change when the reference window or the set of regions changes."
)


def _component_spec(entry: CatalogIndicator) -> IndicatorSpec:
    return IndicatorSpec(
        indicator_id=COMPONENT_PREFIX + entry.indicator_id,
        title=f"{entry.title} (normalised)",
        description=(
            f"{entry.title} ({entry.unit}) rescaled to 0-1 across all regions of the same NUTS "
            "level and all years of the reference window; 1 = best region-year."
            + (" Inverted: lower raw values score higher." if entry.direction == "lower" else "")
        ),
        unit="normalised score, 0-1",
        direction=Direction.HIGHER,
        domain=Domain.DERIVED,
        sources=entry.sources,
        decimals=3,
        nuts_levels=_LEVELS_ALL,
        formula=(
            "x capped at the most extreme non-outlier (outlier: beyond mean +/- 2 sd over the "
            "window); sqrt(x) when skewness > 1 and x >= 0; (x - min) / (max - min) over the "
            "window" + ("; then 1 - result (lower is better)" if entry.direction == "lower" else "")
        ),
        caveats=_RIS_CAVEAT,
    )


DERIVED_SPECS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        indicator_id=SCORE_ID,
        title="Regional innovation score (0-1)",
        description=(
            "Weighted mean of the normalised innovation components available for the "
            "region-year (RIS Regional Innovation Index before it is expressed relative to the "
            "EU). Computed only when at least two thirds of the components are available."
        ),
        unit="score, 0-1",
        direction=Direction.HIGHER,
        domain=Domain.DERIVED,
        sources=COMPONENT_SOURCES,
        decimals=3,
        nuts_levels=_LEVELS_ALL,
        formula="score = sum_i(w_i * norm_i) / sum_i(w_i), over the components i present",
        caveats=_RIS_CAVEAT,
    ),
    IndicatorSpec(
        indicator_id=INDEX_ID,
        title="Regional Innovation Index (EU = 100)",
        description=(
            "Regional innovation score relative to the EU score of the same year and NUTS "
            "level, EU = 100. The EU score is that of EU27_2020 when all its components are "
            "available, else the population-weighted mean of the scores of EU27 regions of "
            "the level (unweighted when a population is missing)."
        ),
        unit="index, EU = 100",
        direction=Direction.HIGHER,
        domain=Domain.DERIVED,
        sources=COMPONENT_SOURCES + POPULATION_SOURCES,
        decimals=1,
        nuts_levels=_LEVELS_ALL,
        formula="index = score / EU score x 100 (same year and NUTS level)",
        caveats=_RIS_CAVEAT,
    ),
    *(_component_spec(entry) for entry in COMPONENTS),
    IndicatorSpec(
        indicator_id=GAP_TO_EU_ID,
        title="Innovation gap to the EU",
        description=(
            "Regional Innovation Index minus 100: points above (positive) or below (negative) "
            "the EU of the same year. Higher is better."
        ),
        unit="index points",
        direction=Direction.HIGHER,
        domain=Domain.DERIVED,
        sources=COMPONENT_SOURCES + POPULATION_SOURCES,
        decimals=1,
        nuts_levels=_LEVELS_ALL,
        formula="gap = index - 100",
    ),
    IndicatorSpec(
        indicator_id=GAP_TO_NEXT_GROUP_ID,
        title="Innovation gap to the next performance group",
        description=(
            "Index points a region needs to reach the lower threshold of the next performance "
            "group: 70 for Emerging, 100 for Moderate, 125 for Strong Innovators; 0 for "
            "Innovation Leaders (no higher group). Lower is better. A Strong region exactly at "
            "125 has gap 0 but is still Strong: Leaders need more than 125."
        ),
        unit="index points",
        direction=Direction.LOWER,
        domain=Domain.DERIVED,
        sources=COMPONENT_SOURCES + POPULATION_SOURCES,
        decimals=1,
        nuts_levels=_LEVELS_ALL,
        formula="gap = threshold(next group) - index; 0 for Leaders",
    ),
    IndicatorSpec(
        indicator_id=GAP_TO_COUNTRY_BEST_ID,
        title="Innovation gap to the best region of the country",
        description=(
            "Index points between the region and the highest-scoring region of the same "
            "country, NUTS level and year (0 for that region). Lower is better."
        ),
        unit="index points",
        direction=Direction.LOWER,
        domain=Domain.DERIVED,
        sources=COMPONENT_SOURCES + POPULATION_SOURCES,
        decimals=1,
        nuts_levels=_LEVELS_ALL,
        formula="gap = max(index of regions with the same first two code letters) - index",
    ),
    IndicatorSpec(
        indicator_id=INDEX_CHANGE_ID,
        title="Change of the Regional Innovation Index since a base year",
        description=(
            "Index (EU = 100) in the year minus the index in the base year: change of the "
            "position relative to the EU of each year. Higher is better."
        ),
        unit="index points",
        direction=Direction.HIGHER,
        domain=Domain.DERIVED,
        sources=COMPONENT_SOURCES + POPULATION_SOURCES,
        decimals=1,
        nuts_levels=_LEVELS_ALL,
        formula="change = index(year) - index(base year)",
    ),
    IndicatorSpec(
        indicator_id=SCORE_CHANGE_ID,
        title="Change of the regional innovation score since a base year",
        description=(
            "Score (0-1) in the year minus the score in the base year: absolute progress on "
            "the scale of the reference window. Higher is better."
        ),
        unit="score points, 0-1 scale",
        direction=Direction.HIGHER,
        domain=Domain.DERIVED,
        sources=COMPONENT_SOURCES,
        decimals=3,
        nuts_levels=_LEVELS_ALL,
        formula="change = score(year) - score(base year)",
    ),
)
DERIVED_SPECS_BY_ID: Mapping[str, IndicatorSpec] = MappingProxyType(
    {spec.indicator_id: spec for spec in DERIVED_SPECS}
)


def get_derived_spec(indicator_id: str) -> IndicatorSpec:
    """The spec of a derived id, including innovation_component_<id> for components chosen
    through `weights` outside COMPONENT_IDS; KeyError for anything else."""
    if indicator_id in DERIVED_SPECS_BY_ID:
        return DERIVED_SPECS_BY_ID[indicator_id]
    if indicator_id.startswith(COMPONENT_PREFIX):
        entry = CATALOG_BY_ID.get(indicator_id.removeprefix(COMPONENT_PREFIX))
        if entry is not None:
            return _component_spec(entry)
    raise KeyError(f"no derived innovation indicator {indicator_id!r}")


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


@dataclass(frozen=True)
class AreaAggregate:
    """An area built by `aggregate_area`.

    values: rows in OUTPUT_COLUMNS for the area (geo_code = the area's name), ready to be
        concatenated to the input of `compute`.
    weighting: one row per indicator_id, year, sex: weighting ('population_weighted_mean',
        'unweighted_mean' or 'sum'), n_members.
    """

    values: pd.DataFrame
    weighting: pd.DataFrame


# --- small helpers -------------------------------------------------------------------------


def _empty_output() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in OUTPUT_COLUMNS})
    return frame.astype({"nuts_level": "int64", "year": "int64", "value": "float64"})


def _check_columns(frame: pd.DataFrame, needed: Iterable[str], what: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks columns {missing}")


def _flag_letters(flags: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(has 'e', has 'p') per row (provenance.flag_bits)."""
    bits = flag_bits(flags)
    return (bits & E_BIT) > 0, (bits & P_BIT) > 0


def _flag_text(has_e: np.ndarray, has_p: np.ndarray) -> np.ndarray:
    return decode_flags(np.where(has_e, E_BIT, 0) | np.where(has_p, P_BIT, 0)).to_numpy()


def _is_nuts_code(codes: pd.Series) -> np.ndarray:
    """True where the code looks like a NUTS code (evaluated once per distinct code)."""
    idx, uniques = pd.factorize(codes)
    shaped = np.asarray(pd.Index(uniques).astype(str).str.fullmatch(NUTS_CODE_PATTERN), bool)
    return np.append(shaped, False)[idx]


def _country(codes: pd.Series) -> pd.Series:
    return codes.astype(str).str[:2]


def _object_column(values: np.ndarray, index: pd.Index) -> pd.Series:
    """An object column keeping None as None (pandas 3 would infer str and turn it into NaN)."""
    return pd.Series(values, index=index, dtype="object")


def _text_array(column: pd.Series) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """A text column's values for a new frame: pandas strings stay as they are (no round trip
    through Python objects); anything else as a NumPy array, which pandas infers as before."""
    if isinstance(column.dtype, pd.StringDtype):
        return column.array
    return column.to_numpy()


def _tidy(
    indicator_id: str | np.ndarray | pd.api.extensions.ExtensionArray, frame: pd.DataFrame
) -> pd.DataFrame:
    """Rows in OUTPUT_COLUMNS from a frame with geo_code, nuts_level, nuts_version, year,
    value, has_e, has_p, is_demo; rows with a non-finite value are dropped."""
    finite = np.isfinite(frame["value"].to_numpy(dtype="float64"))
    if not isinstance(indicator_id, str):
        indicator_id = indicator_id[finite]
    frame = _rows(frame, finite)
    if frame.empty:
        return _empty_output()
    out = pd.DataFrame(
        {
            "indicator_id": indicator_id,
            "geo_code": _text_array(frame["geo_code"]),
            "nuts_level": frame["nuts_level"].to_numpy(dtype="int64"),
            "year": frame["year"].to_numpy(dtype="int64"),
            "sex": frame["sex"].to_numpy() if "sex" in frame.columns else "T",
            "value": frame["value"].to_numpy(dtype="float64"),
        }
    )
    versions = np.array(frame["nuts_version"].to_numpy(dtype=object), dtype=object, copy=True)
    versions[pd.isna(versions)] = None
    out["nuts_version"] = _object_column(versions, out.index)
    flags = _flag_text(frame["has_e"].to_numpy(bool), frame["has_p"].to_numpy(bool))
    out["flag"] = _object_column(flags, out.index)
    # 'derived' / 'demo' as pandas strings, taken from two labels rather than inferred per row
    source = pd.Index(["derived", "demo"]).astype("str")
    out["source"] = source.take(frame["is_demo"].to_numpy(bool).astype("int64")).array
    return out[list(OUTPUT_COLUMNS)]


def _finish(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return _empty_output()
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    # Sort by indicator_id, nuts_level, geo_code, year (stable, missing text last, as
    # sort_values) on integer codes, which also serve the uniqueness check.
    ids, geos, sexes = (_rank(out[c]) for c in ("indicator_id", "geo_code", "sex"))
    level, year = out["nuts_level"].to_numpy(), out["year"].to_numpy()
    order = np.lexsort((year, geos, level, ids))
    out = out.take(order).reset_index(drop=True)
    key = pd.DataFrame({"i": ids, "g": geos, "l": level, "y": year, "s": sexes})
    if key.duplicated().any():
        raise AssertionError("derived rows are not unique per indicator, region, level, year")
    return out


def _rank(column: pd.Series) -> np.ndarray:
    """Integer codes ordering `column` like sort_values (missing values last)."""
    codes, uniques = pd.factorize(column, sort=True)
    return np.where(codes < 0, len(uniques), codes)


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


def _check_unique(rows: pd.DataFrame, keys: list[str], what: str) -> None:
    dup = rows.duplicated(keys, keep=False)
    if dup.any():
        sample = rows.loc[dup, keys].drop_duplicates().head(3).to_dict("records")
        raise ValueError(
            f"{what}: more than one row per {', '.join(keys)} (e.g. {sample}); remove "
            "duplicates (for instance two sources or NUTS versions) before computing"
        )


def _select_rows(
    values: pd.DataFrame,
    ids: tuple[str, ...],
    reference_window: tuple[int, int] | None,
    eu_code: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(component rows, population rows), sex T, levels -1..3, finite values, in the window.

    Component rows get: comp (position in ids), kind (_REGION/_PSEUDO/_EU), has_e, has_p,
    is_demo. Level -1 rows other than `eu_code` are dropped.
    """
    _check_columns(values, INPUT_COLUMNS, "values")
    wanted = values["indicator_id"].isin([*ids, POPULATION_ID]).to_numpy(bool)
    sub = _rows(values, wanted)[list(INPUT_COLUMNS)]
    keep = (sub["sex"] == "T").to_numpy(bool) & sub["nuts_level"].isin(
        [EU_LEVEL, *REGION_LEVELS]
    ).to_numpy(bool)
    sub = _rows(sub, keep)
    level = sub["nuts_level"].to_numpy(dtype="int64")
    sub = _rows(sub, (level != EU_LEVEL) | (sub["geo_code"] == eu_code).to_numpy(bool))
    sub = sub.assign(
        nuts_level=sub["nuts_level"].astype("int64"),
        year=sub["year"].astype("int64"),
        value=pd.to_numeric(sub["value"], errors="coerce").astype("float64"),
    )
    _check_unique(sub, ["indicator_id", "geo_code", "nuts_level", "year"], "values")
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
    has_e, has_p = _flag_letters(rows["flag"])
    kind = np.where(_is_nuts_code(rows["geo_code"]), _REGION, _PSEUDO)
    kind[rows["nuts_level"].to_numpy() == EU_LEVEL] = _EU
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


def _rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """frame.loc[keep] (index labels kept), without copying rows when every row is kept."""
    return frame if keep.all() else frame.loc[keep]


def _group(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(group number per row, position of each group's first row).

    Groups are numbered in sorted key order (independent of row order); sums over a group with
    np.bincount then run in row order. Much cheaper than groupby().agg() on both tiny and
    large frames.
    """
    combined = np.zeros(len(frame), dtype="int64")
    for key in keys:
        codes, uniques = pd.factorize(frame[key], sort=True)
        combined = combined * (len(uniques) + 1) + (codes + 1)
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    return inverse.reshape(-1), first


def _sum(gid: np.ndarray, n: int, x: pd.Series | np.ndarray) -> np.ndarray:
    return np.bincount(gid, weights=np.asarray(x, dtype="float64"), minlength=n)


def _mode_version(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Most common nuts_version per key (ties: the greatest, i.e. most recent, version)."""
    v = rows.loc[rows["nuts_version"].notna(), [*keys, "nuts_version"]]
    v = v.assign(nuts_version=v["nuts_version"].astype(str))
    if v["nuts_version"].nunique() <= 1:  # the usual case: one version, nothing to count
        return v.drop_duplicates(keys)
    counts = v.groupby([*keys, "nuts_version"], sort=False).size().rename("n").reset_index()
    counts = counts.sort_values(
        [*keys, "n", "nuts_version"], ascending=[True] * len(keys) + [False, False]
    )
    return counts.drop_duplicates(keys)[[*keys, "nuts_version"]]


# --- normalisation -------------------------------------------------------------------------


def fit_normalisation(rows: pd.DataFrame, directions: Mapping[str, str]) -> pd.DataFrame:
    """The parameters `normalise_series` derives, per indicator_id and nuts_level.

    Grain: one row per indicator_id, nuts_level of `rows` (columns indicator_id, nuts_level,
    value; NaN values ignored). Columns: raw_min, raw_max, cap_lo, cap_hi (the capping bounds:
    the most extreme non-outliers, or raw min/max when nothing can be capped), sqrt (square
    root applied), lower (inverted). `apply_normalisation` maps any value with them, which is
    how the EU aggregate and pseudo-regions are scored on the regions' scale without entering
    the regions' distribution. A test checks that applying these parameters to `rows`
    reproduces `normalise_components` (same constants, same order of steps).
    """
    keys = ["indicator_id", "nuts_level"]
    value = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype="float64")
    r = rows.loc[np.isfinite(value), keys]
    if r.empty:
        return pd.DataFrame(
            columns=[*keys, "raw_min", "raw_max", "cap_lo", "cap_hi", "sqrt", "lower"]
        )
    gid, first = _group(r, keys)
    order = np.argsort(gid, kind="stable")
    v, g = value[np.isfinite(value)][order], gid[order]
    n = np.bincount(g)
    starts = np.concatenate([[0], np.cumsum(n)[:-1]])

    def total(x: np.ndarray) -> np.ndarray:
        return np.add.reduceat(x, starts)

    # Same steps and constants as normalise_series: sample mean and sd over the window,
    # bounds = most extreme values within mean +/- OUTLIER_SD sd, skewness of the capped values
    # (adjusted Fisher-Pearson G1, as pandas' Series.skew), square root when > SKEW_THRESHOLD.
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total(v) / n
        sd = np.sqrt(total((v - mean[g]) ** 2) / (n - 1))
        inside = (v <= (mean + OUTLIER_SD * sd)[g]) & (v >= (mean - OUTLIER_SD * sd)[g])
    raw_min, raw_max = np.minimum.reduceat(v, starts), np.maximum.reduceat(v, starts)
    in_min = np.minimum.reduceat(np.where(inside, v, np.inf), starts)
    in_max = np.maximum.reduceat(np.where(inside, v, -np.inf), starts)
    can_cap = (n >= 3) & np.isfinite(sd) & (sd > 0) & np.isfinite(in_min)
    cap_lo = np.where(can_cap, in_min, raw_min)
    cap_hi = np.where(can_cap, in_max, raw_max)
    capped = np.clip(v, cap_lo[g], cap_hi[g])
    with np.errstate(invalid="ignore", divide="ignore"):
        dev = capped - (total(capped) / n)[g]
        m2, m3 = total(dev**2), total(dev**3)
        skew = np.where((n >= 3) & (m2 > 0), n * np.sqrt(n - 1) / (n - 2) * m3 / m2**1.5, np.nan)
    params = r.iloc[first][keys].reset_index(drop=True)
    params = params.assign(
        nuts_level=params["nuts_level"].astype("int64"),
        raw_min=raw_min,
        raw_max=raw_max,
        cap_lo=cap_lo,
        cap_hi=cap_hi,
        sqrt=(skew > SKEW_THRESHOLD) & (cap_lo >= 0),
    )
    params["lower"] = params["indicator_id"].map(dict(directions)).eq("lower").to_numpy(bool)
    return params


def apply_normalisation(rows: pd.DataFrame, params: pd.DataFrame) -> np.ndarray:
    """Normalised value (0-1) of each row of `rows` (indicator_id, nuts_level, value) under
    `params` from `fit_normalisation`; NaN where no parameters exist or the value is NaN."""
    keys = ["indicator_id", "nuts_level"]
    if rows.empty:
        return np.array([], dtype="float64")
    m = rows[[*keys, "value"]].reset_index(drop=True).merge(params, on=keys, how="left")
    lo = m["cap_lo"].to_numpy(dtype="float64")
    hi = m["cap_hi"].to_numpy(dtype="float64")
    v = np.clip(m["value"].to_numpy(dtype="float64"), lo, hi)
    root = m["sqrt"].fillna(False).to_numpy(bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(root, np.sqrt(np.where(root, v, 0.0)), v)
        g_lo = np.where(root, np.sqrt(np.where(root, lo, 0.0)), lo)
        g_hi = np.where(root, np.sqrt(np.where(root, hi, 0.0)), hi)
        out = np.where(g_hi == g_lo, 0.5, (t - g_lo) / (g_hi - g_lo))
    out = np.where(m["lower"].fillna(False).to_numpy(bool), 1.0 - out, out)
    out = np.clip(out, 0.0, 1.0)
    out[np.isnan(v)] = np.nan
    return out


def _normalise(rows: pd.DataFrame, directions: Mapping[str, str]) -> pd.DataFrame:
    """Rows with `norm`: regions through normalise_components (per NUTS level, over the window),
    EU and pseudo-regions with the regions' fitted parameters of each level."""
    regions = rows.loc[rows["kind"] == _REGION].reset_index(drop=True)
    if regions.empty:
        return rows.iloc[0:0].assign(norm=np.array([], dtype="float64"))
    normed = normalise_components(
        regions[["indicator_id", "nuts_level", "sex", "year", "geo_code", "value"]],
        dict(directions),
    )
    regions = regions.assign(norm=normed["norm"].to_numpy(dtype="float64"))
    if (rows["kind"] == _REGION).all():
        return regions.loc[regions["norm"].notna()].reset_index(drop=True)
    params = fit_normalisation(regions, directions)
    pseudo = rows.loc[rows["kind"] == _PSEUDO].reset_index(drop=True)
    if not pseudo.empty:
        pseudo = pseudo.assign(norm=apply_normalisation(pseudo, params))
    eu = rows.loc[rows["kind"] == _EU]
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
    rows = rows.loc[rows["kind"] != _EU]
    columns = ["geo_code", "nuts_level", "year", "n_components", "n_present", "missing"]
    if rows.empty:
        return pd.DataFrame(columns=[*columns, "meets_coverage"])
    gid, first = _group(rows, _KEYS)
    keys = rows.iloc[first][_KEYS].reset_index(drop=True)
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
    _check_columns(values, INPUT_COLUMNS, "values")
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
    normed = normed.sort_values([*_KEYS, "comp"], kind="stable")
    # `comp` numbers the components in the order of `weights` (see _resolve_weights)
    w = np.array(list(weights.values()), dtype="float64")[normed["comp"].to_numpy()]
    wn = w * normed["norm"].to_numpy(dtype="float64")
    gid, first = _group(normed, _KEYS)
    n = len(first)
    agg = normed.iloc[first][[*_KEYS, "kind"]].reset_index(drop=True)
    agg["n_present"] = np.bincount(gid, minlength=n)
    for column in ("has_e", "has_p", "is_demo"):
        agg[column] = _sum(gid, n, normed[column].to_numpy(dtype="float64")) > 0
    agg["score"] = _sum(gid, n, wn) / _sum(gid, n, w)
    versions = _mode_version(normed.loc[normed["kind"] != _EU], _KEYS)
    return agg.merge(versions, on=_KEYS, how="left")


def _eu_reference(
    scores: pd.DataFrame,
    population: pd.DataFrame,
    n_total: int,
    eu_members: frozenset[str] | None,
) -> pd.DataFrame:
    lv = ["nuts_level", "year"]
    eu = scores.loc[(scores["kind"] == _EU) & (scores["n_present"] == n_total)]
    eu = eu[[*lv, "score", "has_e", "has_p", "is_demo"]].rename(
        columns={"score": "eu_score", "has_e": "eu_e", "has_p": "eu_p", "is_demo": "eu_demo"}
    )
    eu = eu.assign(method="eu27_2020", n_regions=pd.array([pd.NA] * len(eu), dtype="Int64"))

    regions = scores.loc[(scores["kind"] == _REGION) & scores["covered"]]
    if not eu.empty:  # the fallback is only needed for level-years without a complete EU row
        done = eu["nuts_level"].to_numpy() * 100_000 + eu["year"].to_numpy()
        key = regions["nuts_level"].to_numpy() * 100_000 + regions["year"].to_numpy()
        regions = regions.loc[~np.isin(key, done)]
    if eu_members is not None:
        regions = regions.loc[_country(regions["geo_code"]).isin(eu_members).to_numpy(bool)]
    pop = population[[*_KEYS, "value"]].rename(columns={"value": "pop"})
    regions = regions[[*_KEYS, "score"]].merge(pop, on=_KEYS, how="left")
    gid, first = _group(regions, lv)
    n = len(first)
    fb = regions.iloc[first][lv].reset_index(drop=True)
    score = regions["score"].to_numpy(dtype="float64")
    pop_value = regions["pop"].to_numpy(dtype="float64")
    has_pop = ~np.isnan(pop_value)
    n_regions = np.bincount(gid, minlength=n)
    weighted = np.bincount(gid, weights=has_pop, minlength=n) == n_regions
    with np.errstate(invalid="ignore", divide="ignore"):
        pop_weighted = _sum(gid, n, np.where(has_pop, score * pop_value, 0.0)) / _sum(
            gid, n, np.where(has_pop, pop_value, 0.0)
        )
        mean = _sum(gid, n, score) / n_regions
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
    present) with `normalise_components`; years outside the window are not scored. The score
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
        return InnovationIndexResult(_empty_output(), reference, coverage)

    scores = _scores(normed, w)
    scores["covered"] = _meets(scores["n_present"], len(ids), min_coverage)
    reference = _eu_reference(scores, population, len(ids), eu_members)

    scored = scores.loc[(scores["kind"] != _EU) & scores["covered"]]
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

    columns = [*_KEYS, "nuts_version", "value", "has_e", "has_p", "is_demo", "out_id"]
    components = normed.loc[normed["kind"] != _EU]
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
        scored[_KEYS].assign(has_index=True), on=["nuts_level", "geo_code", "year"], how="left"
    )["has_index"]
    coverage = coverage.assign(has_index=has_index.fillna(False).astype(bool).to_numpy())
    reference = reference[
        ["nuts_level", "year", "eu_score", "method", "n_regions", "relative_index"]
    ]
    tidy = _tidy(_text_array(parts["out_id"]), parts)
    return InnovationIndexResult(_finish([tidy]), reference, coverage)


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


# --- groups --------------------------------------------------------------------------------


def _relative_frame(relative: pd.DataFrame) -> pd.DataFrame:
    """geo_code, nuts_level, nuts_version, year, relative_index (+ flag, source) from either a
    frame with a relative_index column or tidy rows holding regional_innovation_index."""
    if "relative_index" in relative.columns:
        frame = relative.copy()
    elif {"indicator_id", "value"} <= set(relative.columns):
        frame = relative.loc[relative["indicator_id"] == INDEX_ID].rename(
            columns={"value": "relative_index"}
        )
    else:
        raise ValueError("expected a relative_index column or tidy regional_innovation_index rows")
    _check_columns(frame, ["geo_code", "nuts_level", "year", "relative_index"], "relative")
    if "nuts_version" not in frame.columns:
        frame["nuts_version"] = None
    if "flag" not in frame.columns:
        frame["flag"] = None
    if "source" not in frame.columns:
        frame["source"] = "derived"
    frame = frame.assign(
        relative_index=pd.to_numeric(frame["relative_index"], errors="coerce").astype(float)
    )
    frame = frame.loc[np.isfinite(frame["relative_index"].to_numpy())]
    return frame.reset_index(drop=True)


def _thirds(x: np.ndarray, c1: np.ndarray, c2: np.ndarray) -> np.ndarray:
    """'+' above c2, '' above c1 up to c2, '-' at or below c1 (a cut point goes down)."""
    return np.where(x > c2, "+", np.where(x > c1, "", "-"))


def classify_groups(relative: pd.DataFrame) -> pd.DataFrame:
    """Performance group and subgroup per region-year.

    Input: a frame with geo_code, nuts_level, year, relative_index (and nuts_version), or the
    tidy output of `compute` (its regional_innovation_index rows are used). Grain of the
    output: one row per geo_code, nuts_level, year; columns geo_code, nuts_level,
    nuts_version, year, relative_index, grp, subgroup.

    Groups (relative index r, EU = 100): Leader r > 125; Strong 100 <= r <= 125; Moderate
    70 <= r < 100; Emerging r < 70. Subgroups ('+', '', '-'): Strong cut at 108.3 and 116.7,
    Moderate at 80 and 90; Leader thirds of [125, top] and Emerging thirds of [bottom, 70],
    where top/bottom are the highest/lowest index among regions (NUTS-shaped codes) of the same
    level and year (all rows when no region is a Leader/Emerging). A value exactly on a cut
    point belongs to the lower third, so 125 -> Strong '+', 116.7 -> Strong '', 108.3 ->
    Strong '-', 100 -> Strong '-', 90 -> Moderate '', 80 -> Moderate '-', 70 -> Moderate '-'.
    Values and cut points are compared after rounding to 9 decimals.
    """
    frame = _relative_frame(relative)
    columns = ["geo_code", "nuts_level", "nuts_version", "year", "relative_index"]
    if frame.empty:
        return pd.DataFrame(columns=[*columns, "grp", "subgroup"])
    x = frame["relative_index"].round(COMPARE_DECIMALS)
    by = [frame["nuts_level"], frame["year"]]
    region = pd.Series(_is_nuts_code(frame["geo_code"]), index=frame.index)
    top_regions = x.where(region).groupby(by).transform("max")
    top = top_regions.where(top_regions > LEADER_ABOVE, x.groupby(by).transform("max"))
    bottom_regions = x.where(region).groupby(by).transform("min")
    bottom = bottom_regions.where(bottom_regions < MODERATE_FROM, x.groupby(by).transform("min"))
    xv = x.to_numpy()
    top_v, bottom_v = top.to_numpy(dtype="float64"), bottom.to_numpy(dtype="float64")
    leader_c1 = np.round(LEADER_ABOVE + (top_v - LEADER_ABOVE) / 3, COMPARE_DECIMALS)
    leader_c2 = np.round(LEADER_ABOVE + 2 * (top_v - LEADER_ABOVE) / 3, COMPARE_DECIMALS)
    emerging_c1 = np.round(bottom_v + (MODERATE_FROM - bottom_v) / 3, COMPARE_DECIMALS)
    emerging_c2 = np.round(bottom_v + 2 * (MODERATE_FROM - bottom_v) / 3, COMPARE_DECIMALS)
    grp = np.select(
        [xv > LEADER_ABOVE, xv >= STRONG_FROM, xv >= MODERATE_FROM],
        ["Leader", "Strong", "Moderate"],
        default="Emerging",
    )
    subgroup = np.select(
        [grp == "Leader", grp == "Strong", grp == "Moderate"],
        [
            _thirds(xv, leader_c1, leader_c2),
            _thirds(xv, np.full_like(xv, STRONG_CUTS[0]), np.full_like(xv, STRONG_CUTS[1])),
            _thirds(xv, np.full_like(xv, MODERATE_CUTS[0]), np.full_like(xv, MODERATE_CUTS[1])),
        ],
        default=_thirds(xv, emerging_c1, emerging_c2),
    )
    out = frame[columns].assign(grp=grp, subgroup=subgroup)
    out["nuts_level"] = out["nuts_level"].astype("int64")
    out["year"] = out["year"].astype("int64")
    return out.sort_values(["nuts_level", "geo_code", "year"]).reset_index(drop=True)


# --- gaps and change -----------------------------------------------------------------------


def _with_bits(frame: pd.DataFrame) -> pd.DataFrame:
    has_e, has_p = _flag_letters(frame["flag"])
    return frame.assign(has_e=has_e, has_p=has_p, is_demo=(frame["source"] == "demo").to_numpy())


def compute_gap_to_eu(index_values: pd.DataFrame) -> pd.DataFrame:
    """innovation_gap_to_eu_points = regional_innovation_index - 100 (points; higher is
    better). Grain: one row per region-year with an index; flag, source and nuts_version are
    those of the index row."""
    frame = _with_bits(_relative_frame(index_values))
    return _finish([_tidy(GAP_TO_EU_ID, frame.assign(value=frame["relative_index"] - 100.0))])


def compute_gap_to_next_group(index_values: pd.DataFrame) -> pd.DataFrame:
    """innovation_gap_to_next_group_points: points to the lower threshold of the next group
    (Emerging -> 70, Moderate -> 100, Strong -> 125), 0 for Leaders (lower is better).
    A Strong region at exactly 125 gets 0: Leaders need strictly more than 125."""
    frame = _with_bits(_relative_frame(index_values))
    groups = classify_groups(frame)
    frame = frame.merge(groups[["geo_code", "nuts_level", "year", "grp"]], how="left")
    threshold = frame["grp"].map(NEXT_GROUP_THRESHOLD).astype("float64")
    gap = (threshold - frame["relative_index"]).where(frame["grp"] != "Leader", 0.0)
    return _finish([_tidy(GAP_TO_NEXT_GROUP_ID, frame.assign(value=gap))])


def compute_gap_to_country_best(index_values: pd.DataFrame) -> pd.DataFrame:
    """innovation_gap_to_country_best_points: best index among regions of the same country
    (first two letters of geo_code), level and year minus the region's index (>= 0; lower is
    better). Pseudo-regions and the EU are left out. The flag combines the region's and the
    best region's flags (ties for best: the first geo_code)."""
    frame = _with_bits(_relative_frame(index_values))
    frame = frame.loc[_is_nuts_code(frame["geo_code"])]
    frame = frame.assign(country=_country(frame["geo_code"]).to_numpy())
    keys = ["nuts_level", "year", "country"]
    best = frame.sort_values(
        [*keys, "relative_index", "geo_code"], ascending=[True, True, True, False, True]
    ).drop_duplicates(keys)
    best = best[[*keys, "relative_index", "has_e", "has_p", "is_demo"]].rename(
        columns={"relative_index": "best", "has_e": "b_e", "has_p": "b_p", "is_demo": "b_d"}
    )
    frame = frame.merge(best, on=keys, how="left")
    frame = frame.assign(
        value=frame["best"] - frame["relative_index"],
        has_e=frame["has_e"] | frame["b_e"],
        has_p=frame["has_p"] | frame["b_p"],
        is_demo=frame["is_demo"] | frame["b_d"],
    )
    return _finish([_tidy(GAP_TO_COUNTRY_BEST_ID, frame)])


def compute_change_since(values: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """Change since `base_year`, for every later year of each region with a base-year row.

    From the tidy output of `compute`: innovation_index_change_points = index(year) -
    index(base) and innovation_score_change = score(year) - score(base). Grain: one row per
    indicator, region and year > base_year. The flag combines both years' flags.
    """
    _check_columns(values, OUTPUT_COLUMNS, "values")
    frames = []
    for source_id, change_id in ((INDEX_ID, INDEX_CHANGE_ID), (SCORE_ID, SCORE_CHANGE_ID)):
        rows = _with_bits(values.loc[values["indicator_id"] == source_id])
        base = rows.loc[
            rows["year"] == base_year,
            ["geo_code", "nuts_level", "value", "has_e", "has_p", "is_demo"],
        ]
        base = base.rename(
            columns={"value": "base", "has_e": "b_e", "has_p": "b_p", "is_demo": "b_d"}
        )
        later = rows.loc[rows["year"] > base_year].merge(
            base, on=["geo_code", "nuts_level"], how="inner"
        )
        later = later.assign(
            value=later["value"] - later["base"],
            has_e=later["has_e"] | later["b_e"],
            has_p=later["has_p"] | later["b_p"],
            is_demo=later["is_demo"] | later["b_d"],
        )
        frames.append(_tidy(change_id, later))
    return _finish(frames)


# --- convergence ---------------------------------------------------------------------------


def _region_index(index_values: pd.DataFrame) -> pd.DataFrame:
    frame = _relative_frame(index_values)
    return frame.loc[_is_nuts_code(frame["geo_code"])]


def compute_sigma_convergence(index_values: pd.DataFrame) -> pd.DataFrame:
    """Dispersion of the index across regions, per NUTS level and year.

    Grain: one row per nuts_level, year. Columns: nuts_level, year, n_regions, mean, sd
    (population standard deviation, ddof 0), cv = sd / mean. A falling cv over time is sigma
    convergence. Pseudo-regions are left out.
    """
    frame = _region_index(index_values)
    stats = (
        frame.groupby(["nuts_level", "year"])["relative_index"]
        .agg(n_regions="size", mean="mean", sd=lambda s: s.std(ddof=0))
        .reset_index()
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        stats["cv"] = stats["sd"] / stats["mean"]
    return stats


def compute_beta_convergence(
    index_values: pd.DataFrame, start_year: int, end_year: int
) -> pd.DataFrame:
    """OLS of annualised log growth of the index on the log initial index, per NUTS level.

    y = (ln I_end - ln I_start) / (end_year - start_year), x = ln I_start, over regions with a
    positive index in both years. Grain: one row per nuts_level. Columns: nuts_level,
    start_year, end_year, n_regions, slope, intercept, r2 (NaN when n < 2, x has no spread, or
    y has no spread for r2). A negative slope is beta convergence. Using the score instead of
    the index changes the intercept only (the EU divisor is common to all regions).
    """
    if end_year <= start_year:
        raise ValueError("end_year must be after start_year")
    frame = _region_index(index_values)
    keys = ["geo_code", "nuts_level"]
    start = frame.loc[frame["year"] == start_year, [*keys, "relative_index"]]
    end = frame.loc[frame["year"] == end_year, [*keys, "relative_index"]]
    pair = start.merge(end, on=keys, suffixes=("_0", "_1"))
    pair = pair.loc[(pair["relative_index_0"] > 0) & (pair["relative_index_1"] > 0)]
    x = np.log(pair["relative_index_0"])
    y = (np.log(pair["relative_index_1"]) - x) / (end_year - start_year)
    pair = pair.assign(x=x, y=y)
    g = pair.groupby("nuts_level")
    pair = pair.assign(
        dx=pair["x"] - g["x"].transform("mean"), dy=pair["y"] - g["y"].transform("mean")
    )
    pair = pair.assign(sxy=pair["dx"] * pair["dy"], sxx=pair["dx"] ** 2, syy=pair["dy"] ** 2)
    s = (
        pair.groupby("nuts_level")
        .agg(
            n_regions=("x", "size"),
            mx=("x", "mean"),
            my=("y", "mean"),
            sxy=("sxy", "sum"),
            sxx=("sxx", "sum"),
            syy=("syy", "sum"),
        )
        .reset_index()
    )
    ok = (s["n_regions"] >= 2) & (s["sxx"] > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (s["sxy"] / s["sxx"]).where(ok)
        r2 = (s["sxy"] ** 2 / (s["sxx"] * s["syy"])).where(ok & (s["syy"] > 0))
    return pd.DataFrame(
        {
            "nuts_level": s["nuts_level"].astype("int64"),
            "start_year": int(start_year),
            "end_year": int(end_year),
            "n_regions": s["n_regions"].astype("int64"),
            "slope": slope,
            "intercept": s["my"] - slope * s["mx"],
            "r2": r2,
        }
    )


# --- areas ---------------------------------------------------------------------------------


def _is_count(indicator_id: pd.Series) -> np.ndarray:
    counts = {e.indicator_id for e in CATALOG if e.unit == "persons"}
    return indicator_id.isin(counts).to_numpy(bool)


def aggregate_area(values: pd.DataFrame, codes: Iterable[str], name: str) -> AreaAggregate:
    """One pseudo-region `name` from the regions `codes` (all at one NUTS level).

    Grain: one row per indicator_id, year, sex for which every member has a value (no
    member's missing value is ever filled in: a partial group gives no row). Counts (catalog
    unit 'persons', e.g. population_persons) are summed; every other indicator is averaged,
    weighted by the members' population_persons (sex T, same year) when all members have one
    that year, else unweighted. The weights are the total population even for F/M rows and for
    ratios with other denominators (an approximation; say so when showing an area). Flags: e/p
    letters of the member rows (and of the population rows when used as weights); source
    'demo' if any of those rows is demo, else 'derived'; nuts_version the most common among
    the members' rows. `name` must not look like a NUTS code (e.g. 'AREA:SPECTRA').
    """
    _check_columns(values, INPUT_COLUMNS, "values")
    members = list(dict.fromkeys(codes))
    if not members:
        raise ValueError("codes is empty")
    if bool(_is_nuts_code(pd.Series([name]))[0]) or name == EU_CODE:
        raise ValueError(
            f"area name {name!r} looks like a NUTS or EU code; use e.g. {AREA_PREFIX + name!r}"
        )
    rows = values.loc[values["geo_code"].isin(members).to_numpy(bool), list(INPUT_COLUMNS)]
    absent = sorted(set(members) - set(rows["geo_code"]))
    if absent:
        raise ValueError(f"no rows for area members {absent}")
    levels = rows["nuts_level"].unique()
    if len(levels) != 1 or int(levels[0]) not in REGION_LEVELS:
        raise ValueError(f"area members must share one NUTS level 0-3, found {sorted(levels)}")
    rows = rows.assign(
        year=rows["year"].astype("int64"),
        value=pd.to_numeric(rows["value"], errors="coerce").astype("float64"),
    )
    _check_unique(rows, ["indicator_id", "geo_code", "year", "sex"], "area members")
    rows = rows.loc[np.isfinite(rows["value"].to_numpy())].reset_index(drop=True)
    has_e, has_p = _flag_letters(rows["flag"])
    rows = rows.assign(has_e=has_e, has_p=has_p, is_demo=(rows["source"] == "demo").to_numpy())

    pop = rows.loc[
        (rows["indicator_id"] == POPULATION_ID) & (rows["sex"] == "T") & (rows["value"] > 0)
    ]
    pop = pop[["geo_code", "year", "value", "has_e", "has_p", "is_demo"]].rename(
        columns={"value": "pop", "has_e": "p_e", "has_p": "p_p", "is_demo": "p_d"}
    )
    pop_years = pop.groupby("year")["geo_code"].nunique()
    complete_years = set(pop_years.index[pop_years == len(members)])
    rows = rows.merge(pop, on=["geo_code", "year"], how="left")
    count = _is_count(rows["indicator_id"])
    weighted = rows["year"].isin(complete_years).to_numpy(bool) & ~count
    rows = rows.assign(
        w=np.where(weighted, rows["pop"], 1.0),
        has_e=rows["has_e"] | (weighted & rows["p_e"].fillna(False).astype(bool)),
        has_p=rows["has_p"] | (weighted & rows["p_p"].fillna(False).astype(bool)),
        is_demo=rows["is_demo"] | (weighted & rows["p_d"].fillna(False).astype(bool)),
        count=count,
        weighted=weighted,
    )
    rows = rows.assign(wv=rows["w"] * rows["value"])
    keys = ["indicator_id", "year", "sex"]
    agg = (
        rows.groupby(keys, sort=False)
        .agg(
            n_members=("geo_code", "size"),
            total=("value", "sum"),
            wv=("wv", "sum"),
            w=("w", "sum"),
            has_e=("has_e", "any"),
            has_p=("has_p", "any"),
            is_demo=("is_demo", "any"),
            count=("count", "first"),
            weighted=("weighted", "first"),
        )
        .reset_index()
    )
    agg = agg.loc[agg["n_members"] == len(members)]
    agg = agg.assign(
        value=np.where(agg["count"], agg["total"], agg["wv"] / agg["w"]),
        weighting=np.select(
            [agg["count"].to_numpy(bool), agg["weighted"].to_numpy(bool)],
            ["sum", "population_weighted_mean"],
            default="unweighted_mean",
        ),
    )
    agg = agg.merge(_mode_version(rows, keys), on=keys, how="left")
    out = _tidy(
        agg["indicator_id"].to_numpy(dtype=object),
        agg.assign(geo_code=name, nuts_level=int(levels[0])).reset_index(drop=True),
    )
    weighting = agg[[*keys, "weighting", "n_members"]].sort_values(keys).reset_index(drop=True)
    return AreaAggregate(_finish([out]), weighting)


__all__ = [
    "AREA_PREFIX",
    "COMPONENTS",
    "COMPONENT_IDS",
    "DEFAULT_WEIGHTS",
    "DERIVED_SPECS",
    "EU27_COUNTRY_CODES",
    "EXCLUDED_COMPONENTS",
    "OUTPUT_COLUMNS",
    "AreaAggregate",
    "InnovationIndexResult",
    "aggregate_area",
    "apply_normalisation",
    "classify_groups",
    "compute",
    "compute_beta_convergence",
    "compute_change_since",
    "compute_coverage",
    "compute_gap_to_country_best",
    "compute_gap_to_eu",
    "compute_gap_to_next_group",
    "compute_innovation_index",
    "compute_sigma_convergence",
    "fit_normalisation",
    "get_derived_spec",
    "missing_components",
]
