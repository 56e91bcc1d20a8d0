"""Ids, components, performance-group cut points and the spec of every derived innovation id.

`INDEX_ID` is the one spelling of "regional_innovation_index" in src/: every other module
imports it from here. Component ids are built from a prefix (`component_spec`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from indicators.catalog import CATALOG_BY_ID
from indicators.composite_spec import CompositeSpec, builtin_spec
from indicators.frames import REGION_LEVELS
from indicators.provenance import unique_sources
from indicators.spec import CatalogIndicator, Direction, Domain, IndicatorSpec

EU_CODE = "EU27_2020"
EU_LEVEL = -1
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


# --- components ----------------------------------------------------------------------------

# The built-in index is a spec shipped with the package: its indicators are the components.
BUILTIN_SPEC: CompositeSpec = builtin_spec()
COMPONENT_IDS: tuple[str, ...] = tuple(i.id for i in BUILTIN_SPEC.indicators if i.weight > 0)
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
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {i.id: i.weight for i in BUILTIN_SPEC.indicators if i.weight > 0})


COMPONENT_SOURCES = unique_sources(COMPONENTS)
POPULATION_SOURCES = unique_sources([CATALOG_BY_ID[POPULATION_ID]])
_RIS_CAVEAT = (
    "Follows the RIS method (capping, square root for skewed data, min-max over all regions "
    "and years of the window, equal weights) on a reduced set of Eurostat regional indicators "
    "(no Community Innovation Survey, patent or publication data): scores are not the "
    "published RIS scores. Normalisation is per NUTS level, so scores of different levels are "
    "not comparable, and scores change when the reference window or the set of regions changes."
)


def component_spec(entry: CatalogIndicator) -> IndicatorSpec:
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
        nuts_levels=REGION_LEVELS,
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
        nuts_levels=REGION_LEVELS,
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
        nuts_levels=REGION_LEVELS,
        formula="index = score / EU score x 100 (same year and NUTS level)",
        caveats=_RIS_CAVEAT,
    ),
    *(component_spec(entry) for entry in COMPONENTS),
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
        nuts_levels=REGION_LEVELS,
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
        nuts_levels=REGION_LEVELS,
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
        nuts_levels=REGION_LEVELS,
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
        nuts_levels=REGION_LEVELS,
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
        nuts_levels=REGION_LEVELS,
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
            return component_spec(entry)
    raise KeyError(f"no derived innovation indicator {indicator_id!r}")

