"""The ids and specs of the gender-inclusion measures, one set per sex-breakdown catalog indicator.

Per catalog indicator X with `has_sex`, ids are built from a prefix and X's indicator_id (so
`gender_gap_employment_rate_pct` is `GAP_PREFIX + "employment_rate_pct"`, declared by
`indicator_specs`): `gender_gap_X`, `gender_ratio_X`, `women_share_X` (headcounts only) and
`eige_metric_X` (indicators with a normative reading); plus the three region-year composites
`gender_inclusion_index`, `female_achievement_index` and `female_disadvantage_index`
(`composite_specs`). `indicators.gender_inclusion` computes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from indicators.catalog import CATALOG
from indicators.frames import REGION_LEVELS
from indicators.provenance import unique_sources
from indicators.spec import CatalogIndicator, Direction, Domain, IndicatorSpec

GAP_PREFIX = "gender_gap_"
RATIO_PREFIX = "gender_ratio_"
SHARE_PREFIX = "women_share_"
EIGE_PREFIX = "eige_metric_"
GENDER_INCLUSION_INDEX = "gender_inclusion_index"
FEMALE_ACHIEVEMENT_INDEX = "female_achievement_index"
FEMALE_DISADVANTAGE_INDEX = "female_disadvantage_index"

EIGE_REFERENCE = "EIGE, Gender Equality Index 2017: Methodological report (doi:10.2839/601545)"
MONITOR_REFERENCE = (
    "Norlén, Papadimitriou, Dijkstra, The Regional Gender Equality Monitor, JRC EUR 29679 EN "
    "(2019, doi:10.2760/472693); Norlén, Papadimitriou, De Dominicis, Dijkstra, Mapping the "
    "glass ceiling, DG REGIO working paper (2021)"
)

def is_headcount(entry: IndicatorSpec) -> bool:
    """A count of persons (not a rate): women's share and shares-based EIGE metric apply."""
    return entry.unit.strip().lower() == "persons"


def is_percentage(entry: IndicatorSpec) -> bool:
    return entry.unit.lstrip().startswith("%")


def is_scored(entry: IndicatorSpec) -> bool:
    """Has a normative reading (higher/lower is better, or a headcount read via shares)."""
    return is_headcount(entry) or entry.direction in (Direction.HIGHER, Direction.LOWER)


SEX_INDICATORS: tuple[CatalogIndicator, ...] = tuple(e for e in CATALOG if e.has_sex)
SCORED_INDICATORS: tuple[CatalogIndicator, ...] = tuple(e for e in SEX_INDICATORS if is_scored(e))


def gap_reading(entry: IndicatorSpec) -> str:
    if is_headcount(entry):
        return "Positive: fewer women than men are counted; 0: as many women as men."
    if entry.direction == Direction.HIGHER:
        return (
            "Higher is better, so a positive gap means women are behind men; negative: women ahead."
        )
    if entry.direction == Direction.LOWER:
        return (
            "Lower is better, so a NEGATIVE gap means women are worse off (their value is "
            "higher than men's); positive: men worse off."
        )
    return "Positive: men's value is higher; no normative reading (context indicator)."


def _gap_unit(entry: IndicatorSpec) -> str:
    return "percentage points" if is_percentage(entry) else entry.unit


def indicator_specs(entry: CatalogIndicator) -> list[IndicatorSpec]:
    name = entry.title
    levels = tuple(sorted({-1, *entry.nuts_levels}))
    flag_note = ("Flag e/p if either input is estimated/provisional. " + entry.caveats).strip()
    headcount_note = (
        " Headcount: read as counts of persons; the gap is a difference in persons."
        if is_headcount(entry)
        else ""
    )
    specs = [
        IndicatorSpec(
            indicator_id=GAP_PREFIX + entry.indicator_id,
            title=f"Gender gap: {name}",
            description=(
                f"Men's minus women's value of '{name}' ({entry.indicator_id}). "
                + gap_reading(entry)
                + headcount_note
            ),
            unit=_gap_unit(entry),
            direction=Direction.TARGET,
            target=0.0,
            decimals=entry.decimals,
            formula="X_M - X_F",
            caveats=flag_note,
            sources=entry.sources,
            nuts_levels=levels,
            domain=Domain.GENDER,
        ),
        IndicatorSpec(
            indicator_id=RATIO_PREFIX + entry.indicator_id,
            title=f"Women-to-men ratio: {name}",
            description=(
                f"Women's value of '{name}' divided by men's; 1 = parity. "
                + (
                    "Lower is better for this indicator: a ratio above 1 means women are worse off."
                    if entry.direction == Direction.LOWER
                    else "A ratio below 1 means women's value is lower than men's."
                )
            ),
            unit="ratio",
            direction=Direction.TARGET,
            target=1.0,
            decimals=3,
            formula="X_F / X_M (no value when X_M = 0)",
            caveats=flag_note,
            sources=entry.sources,
            nuts_levels=levels,
            domain=Domain.GENDER,
        ),
    ]
    if is_headcount(entry):
        specs.append(
            IndicatorSpec(
                indicator_id=SHARE_PREFIX + entry.indicator_id,
                title=f"Share of women: {name}",
                description=(
                    f"Women as a percentage of women and men counted in '{name}' "
                    f"(unit '{entry.unit}' is a headcount); 50 = parity."
                ),
                unit="% of women and men",
                direction=Direction.TARGET,
                target=50.0,
                decimals=1,
                formula="100 * X_F / (X_F + X_M)",
                caveats=flag_note,
                sources=entry.sources,
                nuts_levels=levels,
                domain=Domain.GENDER,
            )
        )
    if is_scored(entry):
        if is_headcount(entry):
            inputs = (
                "the shares of women and men (100 X_F/(X_F+X_M) and 100 X_M/(X_F+X_M)); "
                "their mean is always 50, so the achievement factor is 1"
            )
            achieve = "A = 1"
        elif entry.direction == Direction.LOWER and is_percentage(entry):
            inputs = (
                "the complements 100 - X (lower is better: EIGE states negative "
                "indicators positively, e.g. 'not at risk of poverty')"
            )
            achieve = "A = Xbar / max Xbar"
        elif entry.direction == Direction.LOWER:
            inputs = "X itself (lower is better and not a percentage)"
            achieve = "A = min Xbar / Xbar"
        else:
            inputs = "X itself (higher is better)"
            achieve = "A = Xbar / max Xbar"
        regional_levels = tuple(sorted(set(entry.nuts_levels) & set(REGION_LEVELS)))
        specs.append(
            IndicatorSpec(
                indicator_id=EIGE_PREFIX + entry.indicator_id,
                title=f"Gender equality metric (EIGE method): {name}",
                description=(
                    f"Gender Equality Index metric for '{name}': 1 = full inequality, 100 = "
                    "equality at the best level observed among regions of the same NUTS level in "
                    f"any year. Computed on {inputs}."
                ),
                unit="score 1-100",
                direction=Direction.HIGHER,
                decimals=1,
                formula=(
                    "Xbar = (X_F + X_M)/2; G = |X_F/Xbar - 1|; "
                    + achieve
                    + " (best over all regions of the level and all years); "
                    "metric = 1 + 99 * (1 - G) * A. Source: " + EIGE_REFERENCE
                ),
                caveats=(
                    "A gap in either direction lowers the metric, as in EIGE's index (so "
                    "women's biologically longer life expectancy counts as a gap). Rewards "
                    "both a small gap and a high level (Permanyer 2015 criticises the "
                    "achievement correction for this). Relative to the best region in the data "
                    "loaded: adding regions or years can change scores. " + flag_note
                ),
                sources=entry.sources,
                nuts_levels=regional_levels,
                domain=Domain.GENDER,
            )
        )
    return specs


def composite_specs() -> list[IndicatorSpec]:
    ids = ", ".join(e.indicator_id for e in SCORED_INDICATORS)
    levels = tuple(
        sorted({lv for e in SCORED_INDICATORS for lv in e.nuts_levels} & set(REGION_LEVELS))
    )
    sources = unique_sources(SCORED_INDICATORS)
    coverage = (
        "Computed only where at least two thirds (min_coverage) of the expected sex-breakdown "
        "indicators are available for the region and year; expected = the indicators "
        "published at that NUTS level plus any present in the data at that level. "
        f"Indicators: {ids}."
    )
    return [
        IndicatorSpec(
            indicator_id=GENDER_INCLUSION_INDEX,
            title="Gender inclusion index (EIGE method)",
            description=(
                "Geometric mean of the per-indicator EIGE gender equality metrics available "
                "for the region and year; 1 = full inequality, 100 = equality at the best "
                "level. Equal weights, no domain structure: not comparable with EIGE's "
                "published Gender Equality Index."
            ),
            unit="score 1-100",
            direction=Direction.HIGHER,
            formula="exp(mean(ln eige_metric_X)) over available X. " + EIGE_REFERENCE,
            caveats=coverage,
            sources=sources,
            nuts_levels=levels,
            domain=Domain.DERIVED,
            decimals=1,
        ),
        IndicatorSpec(
            indicator_id=FEMALE_ACHIEVEMENT_INDEX,
            title="Female achievement index",
            description=(
                "Women's outcomes relative to the best female outcome among regions of the "
                "same NUTS level in any year, averaged: 100 = women do as well as the best "
                "region on every indicator. After the FemAI of the EU Regional Gender "
                "Equality Monitor."
            ),
            unit="score 0-100",
            direction=Direction.HIGHER,
            formula=(
                "a_X = X_F / max X_F (higher is better), min X_F / X_F (lower is better), "
                "share_F / max share_F (headcounts); index = 100 * mean(a_X). " + MONITOR_REFERENCE
            ),
            caveats=coverage + " Needs only women's values (men's too for headcount shares). "
            "Arithmetic mean of indicators, no domains: an interpretation of the Monitor.",
            sources=sources,
            nuts_levels=levels,
            domain=Domain.DERIVED,
            decimals=1,
        ),
        IndicatorSpec(
            indicator_id=FEMALE_DISADVANTAGE_INDEX,
            title="Female disadvantage index",
            description=(
                "How far women are behind men in the same region, counting only indicators "
                "where women do worse: 0 = no disadvantage, 100 = women at zero where men are "
                "not. After the FemDI of the EU Regional Gender Equality Monitor."
            ),
            unit="score 0-100",
            direction=Direction.LOWER,
            formula=(
                "d_X = 1 - X_F/X_M if women worse on a higher-is-better X (or a headcount), "
                "1 - X_M/X_F if women worse on a lower-is-better X, else 0; index = "
                "100 * mean(d_X). " + MONITOR_REFERENCE
            ),
            caveats=coverage + " Gaps in women's favour count as 0 (not as negative "
            "disadvantage). Arithmetic mean of indicators, no domains and no rescaling to "
            "the largest observed disadvantage: an interpretation of the Monitor.",
            sources=sources,
            nuts_levels=levels,
            domain=Domain.DERIVED,
            decimals=1,
        ),
    ]


def build_derived_specs() -> tuple[IndicatorSpec, ...]:
    """One spec per sex-breakdown catalog indicator x measure, plus the three indices."""
    specs = [s for e in SEX_INDICATORS for s in indicator_specs(e)] + composite_specs()
    ids = [s.indicator_id for s in specs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate derived indicator_id(s) {duplicates}")
    return tuple(specs)


DERIVED_SPECS: tuple[IndicatorSpec, ...] = build_derived_specs()
DERIVED_SPECS_BY_ID: Mapping[str, IndicatorSpec] = MappingProxyType(
    {s.indicator_id: s for s in DERIVED_SPECS}
)
OUTPUT_IDS: list[str] = sorted(DERIVED_SPECS_BY_ID)
