"""Tests for src/indicators/innovation_gap.py (RIS-style innovation index, groups and gaps).

Hand-computed cases from a few inline rows (numbers worked out in the comments), every group
boundary taken literally, property tests with hypothesis, schema and contract checks, and a
check that docs/methodology_innovation_gap.md names what the code defines.

The base panel (NUTS 2, 2020, three components, EU27_2020 at level -1):

    region  A=gerd_business  B=tertiary_25_34  C=early_leavers (lower is better)  population
    AT11    1                40                10                                 1 000 000
    AT12    2                10                5                                  1 000 000
    BE21    3                20                20                                 2 000 000
    BE22    4                30                15                                 1 000 000
    EU      2.5              25                12.5

No outliers, no skew (each column is an evenly spaced set), so min-max only:
A -> 0, 1/3, 2/3, 1; B -> 1, 0, 1/3, 2/3; C -> 1 - (v - 5) / 15 = 2/3, 1, 0, 1/3.
Equal-weight scores: 5/9, 4/9, 3/9, 6/9. EU: every component 0.5, score 0.5.
Index = score / 0.5 x 100: 111.1, 88.9, 66.7, 133.3 (Strong, Moderate, Emerging, Leader).
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from indicators import innovation_gap as ig
from indicators.catalog import CATALOG
from indicators.normalise import normalise_components
from indicators.spec import Direction, Domain

REPO_ROOT = Path(__file__).resolve().parents[2]
METHOD_DOC = REPO_ROOT / "docs" / "methodology_innovation_gap.md"

A = "gerd_business_pct_gdp"
B = "tertiary_attainment_25_34_pct"
C = "early_leavers_pct"  # lower is better
W3 = {A: 1.0, B: 1.0, C: 1.0}
BASE = {
    "AT11": (1.0, 40.0, 10.0),
    "AT12": (2.0, 10.0, 5.0),
    "BE21": (3.0, 20.0, 20.0),
    "BE22": (4.0, 30.0, 15.0),
}
EU_VALUES = (2.5, 25.0, 12.5)
POP = {"AT11": 1e6, "AT12": 1e6, "BE21": 2e6, "BE22": 1e6}
# Each compute call costs tens of milliseconds of pandas overhead even on a few rows, so the
# properties run a handful of examples by default (the file stays under ~15 s); set
# REGIODASH_PROPERTY_EXAMPLES=200 for a thorough run.
PROPS = settings(
    max_examples=int(os.environ.get("REGIODASH_PROPERTY_EXAMPLES", "6")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def row(
    indicator_id,
    geo,
    value,
    *,
    year=2020,
    level=2,
    flag=None,
    source="eurostat",
    sex="T",
    version="2021",
):
    return {
        "indicator_id": indicator_id,
        "geo_code": geo,
        "nuts_level": level,
        "nuts_version": version,
        "year": year,
        "sex": sex,
        "value": value,
        "flag": flag,
        "source": source,
    }


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(ig.OUTPUT_COLUMNS))


def base_rows(*, eu=True, population=True, year=2020):
    rows = [
        row(i, geo, v, year=year)
        for geo, vals in BASE.items()
        for i, v in zip((A, B, C), vals, strict=True)
    ]
    if eu:
        rows += [
            row(i, ig.EU_CODE, v, year=year, level=-1)
            for i, v in zip((A, B, C), EU_VALUES, strict=True)
        ]
    if population:
        rows += [row(ig.POPULATION_ID, geo, p, year=year) for geo, p in POP.items()]
    return rows


def pick(out: pd.DataFrame, indicator_id: str) -> dict[str, float]:
    sub = out.loc[out["indicator_id"] == indicator_id]
    return dict(zip(sub["geo_code"], sub["value"], strict=True))


def flags(out: pd.DataFrame, indicator_id: str) -> dict[str, str | None]:
    sub = out.loc[out["indicator_id"] == indicator_id]
    return {
        g: (None if pd.isna(f) else f) for g, f in zip(sub["geo_code"], sub["flag"], strict=True)
    }


def approx(d: dict[str, float]):
    return pytest.approx(d, rel=1e-12, abs=1e-12)


# --- normalisation end to end --------------------------------------------------------------


def test_components_min_max_and_inversion_hand_computed():
    out = ig.compute(frame(base_rows()), W3)
    assert pick(out, ig.COMPONENT_PREFIX + A) == approx(
        {"AT11": 0.0, "AT12": 1 / 3, "BE21": 2 / 3, "BE22": 1.0}
    )
    assert pick(out, ig.COMPONENT_PREFIX + B) == approx(
        {"AT11": 1.0, "AT12": 0.0, "BE21": 1 / 3, "BE22": 2 / 3}
    )
    # lower is better: 1 - (v - 5) / 15
    assert pick(out, ig.COMPONENT_PREFIX + C) == approx(
        {"AT11": 2 / 3, "AT12": 1.0, "BE21": 0.0, "BE22": 1 / 3}
    )


def test_outlier_is_capped_over_all_years_of_the_window():
    # 3 regions x 3 years, pooled: 1,1,1 | 2,2,2 | 1,2,20. mean 32/9 = 3.56, sd 6.19, so
    # mean + 2 sd = 15.9: 20 is an outlier, capped to 2 (highest non-outlier). The capped values
    # (four 1s, five 2s) are not skewed: min-max gives 1 -> 0, 2 -> 1, and 20 -> 1.
    series = {"AT11": (1, 1, 1), "AT12": (2, 2, 2), "BE21": (1, 2, 20)}
    rows = [
        row(A, g, float(v), year=y)
        for g, vs in series.items()
        for y, v in zip((2018, 2019, 2020), vs, strict=True)
    ]
    out = ig.compute(frame(rows), {A: 1.0})
    comp = out.loc[out["indicator_id"] == ig.COMPONENT_PREFIX + A]
    got = {(g, y): v for g, y, v in zip(comp["geo_code"], comp["year"], comp["value"], strict=True)}
    assert got[("BE21", 2020)] == 1.0
    assert got[("BE21", 2018)] == 0.0 and got[("AT12", 2019)] == 1.0
    assert got[("AT11", 2020)] == 0.0


def test_skewed_component_is_square_rooted():
    # 0, 1, 4, 36: skewness 1.94 > 1, no outlier (mean + 2 sd = 44.75), so sqrt -> 0, 1, 2, 6
    # and min-max -> 0, 1/6, 1/3, 1 (plain min-max would give 0, 1/36, 4/36, 1).
    rows = [row(A, g, v) for g, v in zip(BASE, (0.0, 1.0, 4.0, 36.0), strict=True)]
    out = ig.compute(frame(rows), {A: 1.0})
    assert pick(out, ig.COMPONENT_PREFIX + A) == approx(
        {"AT11": 0.0, "AT12": 1 / 6, "BE21": 1 / 3, "BE22": 1.0}
    )


def test_eu_is_normalised_on_the_regions_scale_without_changing_them():
    with_eu = ig.compute_innovation_index(frame(base_rows()), W3)
    without = ig.compute_innovation_index(frame(base_rows(eu=False)), W3)
    assert with_eu.eu_reference["eu_score"].tolist() == [0.5]
    for indicator_id in (ig.SCORE_ID, *(ig.COMPONENT_PREFIX + i for i in (A, B, C))):
        assert pick(with_eu.values, indicator_id) == pick(without.values, indicator_id)


# --- the index -----------------------------------------------------------------------------


def test_index_equal_weights_hand_computed():
    values = frame(base_rows())
    before = values.copy()
    result = ig.compute_innovation_index(values, W3)
    pd.testing.assert_frame_equal(values, before)  # pure: the input is not modified
    out = result.values
    assert pick(out, ig.SCORE_ID) == approx(
        {"AT11": 5 / 9, "AT12": 4 / 9, "BE21": 3 / 9, "BE22": 6 / 9}
    )
    assert pick(out, ig.INDEX_ID) == approx(
        {"AT11": 1000 / 9, "AT12": 800 / 9, "BE21": 600 / 9, "BE22": 1200 / 9}
    )
    ref = result.eu_reference.iloc[0]
    assert (ref["method"], ref["eu_score"], ref["relative_index"]) == ("eu27_2020", 0.5, 100.0)
    assert pd.isna(ref["n_regions"])


def test_index_weighted_hand_computed():
    # weights A 1, B 2, C 3: AT11 (0 + 2*1 + 3*2/3)/6 = 2/3; AT12 (1/3 + 0 + 3)/6 = 5/9;
    # BE21 (2/3 + 2/3 + 0)/6 = 2/9; BE22 (1 + 4/3 + 1)/6 = 5/9. The EU stays 0.5.
    out = ig.compute(frame(base_rows()), {A: 1, B: 2, C: 3})
    assert pick(out, ig.SCORE_ID) == approx(
        {"AT11": 2 / 3, "AT12": 5 / 9, "BE21": 2 / 9, "BE22": 5 / 9}
    )
    assert pick(out, ig.INDEX_ID)["AT11"] == pytest.approx(400 / 3)


def test_zero_weight_drops_a_component_from_index_and_coverage():
    rows = [r for r in base_rows() if not (r["geo_code"] == "AT12" and r["indicator_id"] != A)]
    result = ig.compute_innovation_index(frame(rows), {A: 1.0, B: 0.0})
    assert pick(result.values, ig.SCORE_ID)["AT12"] == pytest.approx(1 / 3)
    assert set(result.coverage["n_components"]) == {1}


@pytest.mark.parametrize(
    "weights",
    [
        {"unknown_indicator": 1.0},
        {"researchers_headcount": 1.0},
        {A: -1.0},
        {A: 0.0},
        {A: math.nan},
        {},
    ],
)
def test_bad_weights_are_refused(weights):
    with pytest.raises(ValueError):
        ig.compute(frame(base_rows()), weights)


def test_duplicate_rows_are_refused():
    rows = base_rows() + [row(A, "AT11", 1.5, version="2016")]
    with pytest.raises(ValueError, match="more than one row"):
        ig.compute(frame(rows), W3)


def test_reference_window_limits_scored_years_and_normalisation():
    rows = base_rows(year=2019) + base_rows(year=2020)
    rows = [
        r if not (r["year"] == 2019 and r["indicator_id"] == A) else {**r, "value": r["value"] * 10}
        for r in rows
    ]
    windowed = ig.compute(frame(rows), W3, reference_window=(2020, 2020))
    alone = ig.compute(frame(base_rows(year=2020)), W3)
    assert set(windowed["year"]) == {2020}
    pd.testing.assert_frame_equal(windowed, alone)
    pooled = ig.compute(frame(rows), W3)
    assert set(pooled["year"]) == {2019, 2020}
    # pooled over both years, 2020's A values (1-4) sit at the bottom of 1-40
    assert pick(pooled.loc[pooled["year"] == 2020], ig.COMPONENT_PREFIX + A)["BE22"] < 0.2


# --- coverage ------------------------------------------------------------------------------


def test_exactly_two_thirds_present_gets_an_index():
    # AT12 lacks C. C is normalised over 10, 20, 15 (AT11 1, BE21 0, BE22 0.5);
    # AT12 score = (A 1/3 + B 0) / 2 = 1/6.
    rows = [r for r in base_rows() if not (r["geo_code"] == "AT12" and r["indicator_id"] == C)]
    result = ig.compute_innovation_index(frame(rows), W3)
    assert pick(result.values, ig.SCORE_ID)["AT12"] == pytest.approx(1 / 6)
    cov = result.coverage.set_index("geo_code").loc["AT12"]
    assert (cov["n_present"], cov["missing"], cov["meets_coverage"], cov["has_index"]) == (
        2,
        [C],
        True,
        True,
    )


def test_less_than_two_thirds_gets_no_index_row():
    rows = [r for r in base_rows() if not (r["geo_code"] == "AT12" and r["indicator_id"] != A)]
    result = ig.compute_innovation_index(frame(rows), W3)
    out = result.values
    assert "AT12" not in pick(out, ig.SCORE_ID) and "AT12" not in pick(out, ig.INDEX_ID)
    assert "AT12" in pick(out, ig.COMPONENT_PREFIX + A)  # its component is still shown
    cov = result.coverage.set_index("geo_code").loc["AT12"]
    assert (cov["n_present"], cov["missing"], cov["meets_coverage"], cov["has_index"]) == (
        1,
        [B, C],
        False,
        False,
    )
    assert ig.missing_components(frame(rows), "AT12", 2020, 2, W3) == [B, C]
    assert ig.missing_components(frame(rows), "XX99", 2020, 2, W3) == [A, B, C]
    standalone = ig.compute_coverage(frame(rows), W3)
    pd.testing.assert_frame_equal(standalone, result.coverage.drop(columns="has_index"))


def test_coverage_counts_components_not_weights_with_six_components():
    six = [A, B, C, "lifelong_learning_pct", "hrst_pct_active", "unemployment_rate_pct"]
    rng = np.random.default_rng(1)
    rows = [row(i, g, float(rng.uniform(1, 50))) for g in ("AT11", "AT12", "BE21") for i in six]
    rows += [row(i, "BE22", 3.0) for i in six[:4]]  # 4 of 6 = exactly 2/3
    rows += [row(i, "DE11", 3.0) for i in six[:3]]  # 3 of 6 < 2/3
    weights = {i: (10.0 if i == A else 1.0) for i in six}  # weight does not matter
    out = ig.compute(frame(rows), weights)
    assert "BE22" in pick(out, ig.SCORE_ID) and "DE11" not in pick(out, ig.SCORE_ID)


def test_default_components_seven_of_ten_needed():
    ids = ig.COMPONENT_IDS
    rows = [
        row(i, g, float(k + j))
        for j, g in enumerate(("AT11", "AT12", "BE21"))
        for k, i in enumerate(ids)
    ]
    rows += [row(i, "BE22", 5.0) for i in ids[:7]] + [row(i, "DE11", 5.0) for i in ids[:6]]
    out = ig.compute(frame(rows))
    scored = pick(out, ig.SCORE_ID)
    assert "BE22" in scored and "DE11" not in scored


def test_missing_value_stays_missing():
    rows = [
        r
        if not (r["geo_code"] == "BE22" and r["indicator_id"] == B)
        else {**r, "value": float("nan")}
        for r in base_rows()
    ]
    out = ig.compute(frame(rows), W3)
    assert "BE22" not in pick(out, ig.COMPONENT_PREFIX + B)
    # B over 40, 10, 20 keeps min 10 and max 40; BE22 = (A 1 + C 1/3) / 2 = 2/3
    assert pick(out, ig.SCORE_ID)["BE22"] == pytest.approx(2 / 3)
    assert out["value"].notna().all()


# --- EU reference --------------------------------------------------------------------------


def test_fallback_population_weighted_mean_of_regions():
    # EU27_2020 lacks C -> not complete -> fallback: (5/9*1 + 4/9*1 + 3/9*2 + 6/9*1) / 5 = 7/15
    rows = [r for r in base_rows() if not (r["geo_code"] == ig.EU_CODE and r["indicator_id"] == C)]
    result = ig.compute_innovation_index(frame(rows), W3)
    ref = result.eu_reference.iloc[0]
    assert ref["method"] == "population_weighted_mean" and ref["n_regions"] == 4
    assert ref["eu_score"] == pytest.approx(7 / 15)
    assert ref["relative_index"] == 100.0
    assert pick(result.values, ig.INDEX_ID)["AT11"] == pytest.approx((5 / 9) / (7 / 15) * 100)


def test_fallback_unweighted_when_a_population_is_missing():
    rows = [
        r
        for r in base_rows(eu=False)
        if not (r["geo_code"] == "BE22" and r["indicator_id"] == ig.POPULATION_ID)
    ]
    result = ig.compute_innovation_index(frame(rows), W3)
    ref = result.eu_reference.iloc[0]
    assert ref["method"] == "unweighted_mean" and ref["eu_score"] == pytest.approx(0.5)


def test_fallback_averages_eu27_regions_only():
    rows = base_rows(eu=False) + [
        row(i, "CH01", v) for i, v in zip((A, B, C), (4.0, 40.0, 5.0), strict=True)
    ]
    rows += [row(ig.POPULATION_ID, "CH01", 1e6)]
    eu_only = ig.compute_innovation_index(frame(rows), W3)
    everyone = ig.compute_innovation_index(frame(rows), W3, eu_members=None)
    assert eu_only.eu_reference["n_regions"].tolist() == [4]
    assert everyone.eu_reference["n_regions"].tolist() == [5]
    assert "CH01" in pick(eu_only.values, ig.INDEX_ID)


def test_no_reference_no_index():
    rows = [row(i, "CH01", v) for i, v in zip((A, B, C), (4.0, 40.0, 5.0), strict=True)]
    rows += [row(i, "CH02", v) for i, v in zip((A, B, C), (1.0, 20.0, 9.0), strict=True)]
    result = ig.compute_innovation_index(frame(rows), W3)
    assert result.eu_reference.empty
    assert pick(result.values, ig.INDEX_ID) == {} and len(pick(result.values, ig.SCORE_ID)) == 2


def test_region_equal_to_the_eu_scores_exactly_100():
    rows = base_rows() + [row(i, "FR10", v) for i, v in zip((A, B, C), EU_VALUES, strict=True)]
    out = ig.compute(frame(rows), W3)
    assert pick(out, ig.INDEX_ID)["FR10"] == 100.0


# --- flags, source, NUTS version -----------------------------------------------------------


def test_flags_and_source_propagate():
    rows = []
    for r in base_rows():
        if r["geo_code"] == "AT11" and r["indicator_id"] == A:
            r = {**r, "flag": "e"}
        if r["geo_code"] == "BE21" and r["indicator_id"] == B:
            r = {**r, "flag": "bp"}
        if r["geo_code"] == "BE22" and r["indicator_id"] == C:
            r = {**r, "flag": "u"}
        if r["geo_code"] == "AT12" and r["indicator_id"] == C:
            r = {**r, "source": "demo"}
        rows.append(r)
    out = ig.compute(frame(rows), W3)
    assert flags(out, ig.COMPONENT_PREFIX + A)["AT11"] == "e"
    assert flags(out, ig.COMPONENT_PREFIX + B)["BE21"] == "p"
    assert flags(out, ig.SCORE_ID) == {"AT11": "e", "AT12": None, "BE21": "p", "BE22": None}
    assert flags(out, ig.INDEX_ID) == {"AT11": "e", "AT12": None, "BE21": "p", "BE22": None}
    source = out.loc[out["indicator_id"] == ig.SCORE_ID].set_index("geo_code")["source"]
    assert source.to_dict() == {
        "AT11": "derived",
        "AT12": "demo",
        "BE21": "derived",
        "BE22": "derived",
    }

    # an EU27_2020 reference flagged e adds e to every index (not to the scores)
    rows_eu = [{**r, "flag": "e"} if r["geo_code"] == ig.EU_CODE else r for r in rows]
    out_eu = ig.compute(frame(rows_eu), W3)
    assert flags(out_eu, ig.INDEX_ID) == {"AT11": "e", "AT12": "e", "BE21": "ep", "BE22": "e"}
    assert flags(out_eu, ig.SCORE_ID)["AT12"] is None


def test_nuts_version_is_the_most_common_of_the_inputs():
    def version(r):
        if r["geo_code"] == "AT11" and r["indicator_id"] in (A, B):
            return {**r, "nuts_version": "2016"}
        if r["geo_code"] == "AT12" and r["indicator_id"] == A:
            return {**r, "nuts_version": "2016"}
        return r

    rows = [version(r) for r in base_rows()]
    out = ig.compute(frame(rows), W3)
    versions = out.loc[out["indicator_id"] == ig.SCORE_ID].set_index("geo_code")["nuts_version"]
    assert versions["AT11"] == "2016"  # two of three
    assert versions["AT12"] == "2021"  # one of three
    # a tie goes to the greatest (most recent) version
    rows2 = [r for r in rows if not (r["geo_code"] == "AT11" and r["indicator_id"] == A)]
    out2 = ig.compute(frame(rows2), W3)
    v2 = out2.loc[out2["indicator_id"] == ig.SCORE_ID].set_index("geo_code")["nuts_version"]
    assert v2["AT11"] == "2021"


# --- groups --------------------------------------------------------------------------------

# Top regional score 155 -> Leader cut points 135 and 145; bottom 16 -> Emerging cut points
# 34 and 52. A value exactly on a cut point belongs to the lower third.
BOUNDARIES = [
    (155.0, "Leader", "+"),
    (145.000001, "Leader", "+"),
    (145.0, "Leader", ""),
    (135.000001, "Leader", ""),
    (135.0, "Leader", "-"),
    (125.000001, "Leader", "-"),
    (125.0, "Strong", "+"),
    (125.0 + 1e-12, "Strong", "+"),  # division noise is rounded away
    (116.700001, "Strong", "+"),
    (116.7, "Strong", ""),
    (108.300001, "Strong", ""),
    (108.3, "Strong", "-"),
    (100.0, "Strong", "-"),
    (99.999999, "Moderate", "+"),
    (90.000001, "Moderate", "+"),
    (90.0, "Moderate", ""),
    (80.000001, "Moderate", ""),
    (80.0, "Moderate", "-"),
    (70.0, "Moderate", "-"),
    (69.999999, "Emerging", "+"),
    (52.000001, "Emerging", "+"),
    (52.0, "Emerging", ""),
    (34.000001, "Emerging", ""),
    (34.0, "Emerging", "-"),
    (16.0, "Emerging", "-"),
]


def relative_frame(values, level=2, year=2020):
    return pd.DataFrame(
        {
            "geo_code": [f"DE{k:02d}" for k in range(len(values))],
            "nuts_level": level,
            "nuts_version": "2021",
            "year": year,
            "relative_index": values,
        }
    )


def test_every_group_boundary_literally():
    groups = ig.classify_groups(relative_frame([v for v, _, _ in BOUNDARIES]))
    got = {
        v: (g, s)
        for v, g, s in zip(groups["relative_index"], groups["grp"], groups["subgroup"], strict=True)
    }
    for value, grp, subgroup in BOUNDARIES:
        assert got[value] == (grp, subgroup), value
    assert list(groups.columns) == [
        "geo_code",
        "nuts_level",
        "nuts_version",
        "year",
        "relative_index",
        "grp",
        "subgroup",
    ]


def test_ris_2021_published_leader_cut_points():
    # RIS 2021: Leader- 125-134.9, Leader 134.9-144.8, Leader+ above 144.8 (top 154.7).
    groups = ig.classify_groups(relative_frame([154.7, 144.8, 134.9, 134.95, 100.0]))
    got = dict(zip(groups["relative_index"], groups["subgroup"], strict=True))
    assert (got[144.8], got[134.9], got[134.95], got[154.7]) == ("", "-", "", "+")


def test_thirds_are_per_level_and_year():
    frame_ = pd.concat(
        [
            relative_frame([155.0, 135.0]),
            relative_frame([200.0, 135.0], year=2021),
            relative_frame([135.0, 130.0], level=1),
        ]
    )
    groups = ig.classify_groups(frame_)
    sub = groups.set_index(["nuts_level", "year", "relative_index"])["subgroup"]
    assert sub[(2, 2020, 135.0)] == "-"  # 135 <= 125 + 30/3
    assert sub[(2, 2021, 135.0)] == "-"  # cut 125 + 75/3 = 150
    assert sub[(1, 2020, 135.0)] == "+"  # top of its own level


def test_pseudo_region_does_not_move_the_cut_points():
    frame_ = relative_frame([155.0, 135.000001])
    frame_ = pd.concat([frame_, frame_.iloc[[0]].assign(geo_code="AREA:BIG", relative_index=200.0)])
    sub = ig.classify_groups(frame_).set_index("geo_code")["subgroup"]
    assert sub["DE01"] == "" and sub["AREA:BIG"] == "+"


def test_classify_accepts_tidy_compute_output():
    groups = ig.classify_groups(ig.compute(frame(base_rows()), W3)).set_index("geo_code")
    assert groups["grp"].to_dict() == {
        "AT11": "Strong",
        "AT12": "Moderate",
        "BE21": "Emerging",
        "BE22": "Leader",
    }


# --- gaps, change, convergence -------------------------------------------------------------


@pytest.fixture(scope="module")
def index_values() -> pd.DataFrame:
    return ig.compute(frame(base_rows()), W3)


def test_gap_to_eu(index_values):
    out = ig.compute_gap_to_eu(index_values)
    assert pick(out, ig.GAP_TO_EU_ID) == approx(
        {"AT11": 100 / 9, "AT12": -100 / 9, "BE21": -300 / 9, "BE22": 300 / 9}
    )


def test_gap_to_next_group(index_values):
    out = ig.compute_gap_to_next_group(index_values)
    assert pick(out, ig.GAP_TO_NEXT_GROUP_ID) == approx(
        {"AT11": 125 - 1000 / 9, "AT12": 100 - 800 / 9, "BE21": 70 - 600 / 9, "BE22": 0.0}
    )


def test_gap_to_next_group_at_thresholds():
    rel = relative_frame([125.0, 100.0, 70.0, 69.0, 130.0]).assign(indicator_id=ig.INDEX_ID)
    out = ig.compute_gap_to_next_group(rel.rename(columns={"relative_index": "value"}))
    assert list(out["value"]) == [0.0, 25.0, 30.0, 1.0, 0.0]


def test_gap_to_country_best(index_values):
    out = ig.compute_gap_to_country_best(index_values)
    assert pick(out, ig.GAP_TO_COUNTRY_BEST_ID) == approx(
        {"AT11": 0.0, "AT12": 200 / 9, "BE21": 600 / 9, "BE22": 0.0}
    )


def test_gap_flags_follow_the_index():
    rows = [
        {**r, "flag": "p"} if r["geo_code"] == "BE22" and r["indicator_id"] == A else r
        for r in base_rows()
    ]
    idx = ig.compute(frame(rows), W3)
    assert flags(ig.compute_gap_to_eu(idx), ig.GAP_TO_EU_ID)["BE22"] == "p"
    best = flags(ig.compute_gap_to_country_best(idx), ig.GAP_TO_COUNTRY_BEST_ID)
    assert best == {"AT11": None, "AT12": None, "BE21": "p", "BE22": "p"}  # BE22 is BE's best


def test_change_since_base_year():
    rows = [
        row(ig.INDEX_ID, "AT11", 100.0, year=2019, flag="e"),
        row(ig.INDEX_ID, "AT11", 110.0, year=2020),
        row(ig.INDEX_ID, "AT11", 90.0, year=2021, flag="p"),
        row(ig.SCORE_ID, "AT11", 0.5, year=2019),
        row(ig.SCORE_ID, "AT11", 0.55, year=2020),
        row(ig.INDEX_ID, "AT12", 95.0, year=2020),  # no base year: no change rows
    ]
    out = ig.compute_change_since(frame(rows), 2019)
    idx = out.loc[out["indicator_id"] == ig.INDEX_CHANGE_ID]
    assert idx["geo_code"].tolist() == ["AT11", "AT11"]
    assert idx["value"].tolist() == pytest.approx([10.0, -10.0])
    assert idx["flag"].tolist() == ["e", "ep"]
    score = out.loc[out["indicator_id"] == ig.SCORE_CHANGE_ID]
    assert score["value"].tolist() == pytest.approx([0.05])


def test_sigma_convergence(index_values):
    # deviations from the mean 100 are 100/9 x (1, -1, -3, 3): sd = 100/9 x sqrt(5)
    area = index_values.iloc[[0]].assign(indicator_id=ig.INDEX_ID, geo_code="AREA:X", value=5.0)
    out = ig.compute_sigma_convergence(pd.concat([index_values, area]))
    rec = out.iloc[0]
    assert rec["n_regions"] == 4 and rec["mean"] == pytest.approx(100.0)
    assert rec["sd"] == pytest.approx(100 / 9 * math.sqrt(5))
    assert rec["cv"] == pytest.approx(math.sqrt(5) / 9)


def test_beta_convergence_hand_computed():
    # x = ln I0 = 0, 1, 2; y = 0.1, 0.0, 0.05 per year over one year:
    # slope = Sxy / Sxx = -0.05 / 2 = -0.025; intercept = 0.05 + 0.025 = 0.075;
    # r2 = Sxy^2 / (Sxx Syy) = 0.0025 / (2 x 0.005) = 0.25.
    x = np.array([0.0, 1.0, 2.0])
    y = np.array([0.1, 0.0, 0.05])
    rows = []
    for k, (xi, yi) in enumerate(zip(x, y, strict=True)):
        rows.append(row(ig.INDEX_ID, f"DE{k}", math.exp(xi), year=2020))
        rows.append(row(ig.INDEX_ID, f"DE{k}", math.exp(xi + yi), year=2021))
    out = ig.compute_beta_convergence(frame(rows), 2020, 2021)
    rec = out.iloc[0]
    assert rec["n_regions"] == 3
    assert rec["slope"] == pytest.approx(-0.025)
    assert rec["intercept"] == pytest.approx(0.075)
    assert rec["r2"] == pytest.approx(0.25)


def test_beta_convergence_perfect_fit_over_several_years():
    rows = []
    for k, i0 in enumerate((50.0, 100.0, 200.0)):
        growth = 0.2 - 0.05 * math.log(i0)  # slope -0.05
        rows.append(row(ig.INDEX_ID, f"DE{k}", i0, year=2015))
        rows.append(row(ig.INDEX_ID, f"DE{k}", i0 * math.exp(growth * 5), year=2020))
    rec = ig.compute_beta_convergence(frame(rows), 2015, 2020).iloc[0]
    assert rec["slope"] == pytest.approx(-0.05) and rec["r2"] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        ig.compute_beta_convergence(frame(rows), 2020, 2015)


# --- areas ---------------------------------------------------------------------------------


def area_rows(*, pop_at12=3e6, flags_=(None, None), pop_flag=None, source_at12="eurostat"):
    rows = [
        row(A, "AT11", 1.0, flag=flags_[0]),
        row(A, "AT12", 2.0, flag=flags_[1], source=source_at12),
        row(B, "AT11", 40.0),
        row(B, "AT12", 10.0),
        row(C, "AT11", 10.0),
        row(C, "AT12", 5.0),
        row(B, "AT11", 42.0, sex="F"),
        row(B, "AT12", 12.0, sex="F"),
        row(ig.POPULATION_ID, "AT11", 1e6, flag=pop_flag),
    ]
    if pop_at12 is not None:
        rows.append(row(ig.POPULATION_ID, "AT12", pop_at12))
    return rows


def test_area_population_weighted():
    # A: (1 x 1 + 2 x 3) / 4 = 1.75; B: (40 + 30) / 4 = 17.5; B (F): (42 + 36) / 4 = 19.5;
    # population: summed, 4 million.
    area = ig.aggregate_area(frame(area_rows()), ["AT11", "AT12"], "AREA:TEST")
    vals = area.values.set_index(["indicator_id", "sex"])["value"]
    assert vals[(A, "T")] == pytest.approx(1.75)
    assert vals[(B, "T")] == pytest.approx(17.5)
    assert vals[(B, "F")] == pytest.approx(19.5)
    assert vals[(ig.POPULATION_ID, "T")] == 4e6
    weighting = area.weighting.set_index(["indicator_id", "sex"])["weighting"]
    assert weighting[(A, "T")] == "population_weighted_mean"
    assert weighting[(ig.POPULATION_ID, "T")] == "sum"
    assert set(area.values["geo_code"]) == {"AREA:TEST"}
    assert set(area.values["nuts_level"]) == {2}
    assert list(area.values.columns) == list(ig.OUTPUT_COLUMNS)


def test_area_unweighted_without_complete_population():
    area = ig.aggregate_area(frame(area_rows(pop_at12=None)), ["AT11", "AT12"], "AREA:TEST")
    vals = area.values.set_index(["indicator_id", "sex"])["value"]
    assert vals[(A, "T")] == pytest.approx(1.5)
    assert set(area.weighting["weighting"]) == {"unweighted_mean"}
    assert (ig.POPULATION_ID, "T") not in vals.index  # a member's count is missing: no sum


def test_area_never_fills_a_missing_member():
    rows = [r for r in area_rows() if not (r["geo_code"] == "AT12" and r["indicator_id"] == C)]
    area = ig.aggregate_area(frame(rows), ["AT11", "AT12"], "AREA:TEST")
    assert C not in set(area.values["indicator_id"])


def test_area_flags_and_source():
    area = ig.aggregate_area(
        frame(area_rows(flags_=("e", "p"), pop_flag="e", source_at12="demo")),
        ["AT11", "AT12"],
        "AREA:T",
    )
    got = area.values.set_index(["indicator_id", "sex"])
    assert got.loc[(A, "T"), "flag"] == "ep"
    assert got.loc[(B, "T"), "flag"] == "e"  # from the population weights
    assert got.loc[(A, "T"), "source"] == "demo" and got.loc[(B, "T"), "source"] == "derived"


def test_area_refuses_bad_input():
    with pytest.raises(ValueError, match="looks like a NUTS"):
        ig.aggregate_area(frame(area_rows()), ["AT11", "AT12"], "NORTH")
    with pytest.raises(ValueError, match="no rows"):
        ig.aggregate_area(frame(area_rows()), ["AT11", "ZZ99"], "AREA:X")
    mixed = area_rows() + [row(A, "AT1", 1.0, level=1)]
    with pytest.raises(ValueError, match="one NUTS level"):
        ig.aggregate_area(frame(mixed), ["AT11", "AT1"], "AREA:X")


def test_area_fed_to_compute_leaves_regions_unchanged():
    # AREA = AT11 + AT12 weighted 1:1 (base populations): A 1.5, B 25, C 7.5
    # -> norms (1.5-1)/3 = 1/6, (25-10)/30 = 1/2, 1 - 2.5/15 = 5/6 -> score 1/2 -> index 100.
    values = frame(base_rows())
    area = ig.aggregate_area(values, ["AT11", "AT12"], "AREA:AT")
    plain = ig.compute_innovation_index(values, W3)
    both = ig.compute_innovation_index(pd.concat([values, area.values]), W3)
    regions = both.values.loc[both.values["geo_code"] != "AREA:AT"].reset_index(drop=True)
    pd.testing.assert_frame_equal(regions, plain.values)
    pd.testing.assert_frame_equal(both.eu_reference, plain.eu_reference)
    assert pick(both.values, ig.SCORE_ID)["AREA:AT"] == pytest.approx(0.5)
    assert pick(both.values, ig.INDEX_ID)["AREA:AT"] == pytest.approx(100.0)
    assert "AREA:AT" not in set(ig.compute_gap_to_country_best(both.values)["geo_code"])


# --- schema and contracts ------------------------------------------------------------------


def test_output_schema(index_values):
    outputs = [
        index_values,
        ig.compute_gap_to_eu(index_values),
        ig.compute_gap_to_next_group(index_values),
        ig.compute_gap_to_country_best(index_values),
        ig.compute_change_since(pd.concat([index_values, index_values.assign(year=2021)]), 2020),
        ig.compute(frame([row(A, "AT11", float("nan"))]), W3),  # empty
    ]
    for out in outputs:
        assert list(out.columns) == list(ig.OUTPUT_COLUMNS)
        assert not out.duplicated(["indicator_id", "geo_code", "nuts_level", "year", "sex"]).any()
        assert str(out["value"].dtype) == "float64"
        assert str(out["nuts_level"].dtype) == "int64" and str(out["year"].dtype) == "int64"
        assert set(out["sex"]) <= {"T"}
        assert set(out["source"]) <= {"derived", "demo"}
        assert all(f is None or f in {"e", "p", "ep"} for f in out["flag"])
        for indicator_id in set(out["indicator_id"]):
            assert ig.get_derived_spec(indicator_id).indicator_id == indicator_id


def test_derived_specs_are_complete():
    ids = [s.indicator_id for s in ig.DERIVED_SPECS]
    assert len(ids) == len(set(ids))
    for spec in ig.DERIVED_SPECS:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", spec.indicator_id)
        assert spec.description.strip() and spec.formula.strip() and spec.unit.strip()
        assert spec.domain == Domain.DERIVED and spec.sources
    index = ig.DERIVED_SPECS_BY_ID[ig.INDEX_ID]
    assert index.unit == "index, EU = 100" and index.direction == Direction.HIGHER
    assert {s.dataset for s in index.sources} >= {c.dataset for c in ig.COMPONENTS}
    assert ig.DERIVED_SPECS_BY_ID[ig.GAP_TO_EU_ID].direction == Direction.HIGHER
    assert ig.DERIVED_SPECS_BY_ID[ig.GAP_TO_NEXT_GROUP_ID].direction == Direction.LOWER
    assert {ig.COMPONENT_PREFIX + i for i in ig.COMPONENT_IDS} <= set(ids)
    assert ig.get_derived_spec(ig.COMPONENT_PREFIX + C).direction == Direction.HIGHER
    assert "Inverted" in ig.get_derived_spec(ig.COMPONENT_PREFIX + C).description
    with pytest.raises(KeyError):
        ig.get_derived_spec("innovation_component_nothing")


def test_every_innovation_indicator_is_a_component_or_excluded():
    innovation = {e.indicator_id for e in CATALOG if e.domain == Domain.INNOVATION}
    components = set(ig.COMPONENT_IDS)
    excluded = set(ig.EXCLUDED_COMPONENTS)
    assert components.isdisjoint(excluded)
    assert components | excluded == innovation
    assert all(c.direction in (Direction.HIGHER, Direction.LOWER) for c in ig.COMPONENTS)
    assert all(reason.strip() for reason in ig.EXCLUDED_COMPONENTS.values())


def test_methodology_doc_names_what_the_code_defines():
    doc = METHOD_DOC.read_text(encoding="utf-8")
    names = [
        s.indicator_id
        for s in ig.DERIVED_SPECS
        if not s.indicator_id.startswith(ig.COMPONENT_PREFIX)
    ]
    names += [*ig.COMPONENT_IDS, *ig.EXCLUDED_COMPONENTS, "Regional Innovation Scoreboard 2023"]
    for name in names:
        assert name in doc, name
    for number in ("125", "116.7", "108.3", "100", "90", "80", "70"):
        assert number in doc


# --- normalisation drift guard and properties ----------------------------------------------

value_strategy = st.one_of(
    st.floats(0.0, 10.0, allow_subnormal=False), st.floats(0.0, 1000.0, allow_subnormal=False)
)
REGIONS = ["AT11", "AT12", "BE21", "BE22", "DE11", "DE12"]


@st.composite
def panels(draw, components=(A, B, C), with_eu=None, missing=True, min_regions=3):
    n_regions = draw(st.integers(min_regions, len(REGIONS)))
    years = list(range(2019, 2019 + draw(st.integers(1, 2))))
    keys = [(geo, year, i) for geo in REGIONS[:n_regions] for year in years for i in components]
    values = draw(st.lists(value_strategy, min_size=len(keys), max_size=len(keys)))
    present = draw(st.lists(st.integers(0, 9), min_size=len(keys), max_size=len(keys)))
    rows = [
        row(i, geo, value, year=year)
        for (geo, year, i), value, p in zip(keys, values, present, strict=True)
        if not (missing and p == 0)  # about one value in ten missing
    ]
    if draw(st.booleans()) if with_eu is None else with_eu:
        eu_keys = [(year, i) for year in years for i in components]
        eu_values = draw(st.lists(value_strategy, min_size=len(eu_keys), max_size=len(eu_keys)))
        rows += [
            row(i, ig.EU_CODE, value, year=year, level=-1)
            for (year, i), value in zip(eu_keys, eu_values, strict=True)
        ]
    return frame(rows)


@PROPS
@given(panels(missing=False))
def test_fit_and_apply_reproduce_normalise_components(values):
    directions = {A: "higher", B: "higher", C: "lower"}
    regions = values.loc[values["nuts_level"] == 2].reset_index(drop=True)
    expected = normalise_components(regions, directions)["norm"].to_numpy()
    params = ig.fit_normalisation(regions, directions)
    got = ig.apply_normalisation(regions, params)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


@PROPS
@given(panels())
def test_normalised_values_are_in_unit_interval(values):
    out = ig.compute(values, W3)
    comp = out.loc[out["indicator_id"].str.startswith(ig.COMPONENT_PREFIX), "value"]
    score = out.loc[out["indicator_id"] == ig.SCORE_ID, "value"]
    assert comp.between(0.0, 1.0).all() and score.between(0.0, 1.0).all()


@PROPS
@given(panels(with_eu=True, missing=False))
def test_eu_reference_scores_exactly_100(values):
    result = ig.compute_innovation_index(values, W3)
    assert (result.eu_reference["method"] == "eu27_2020").all()
    ref = result.eu_reference.loc[result.eu_reference["eu_score"] > 0, "relative_index"]
    assert (ref == 100.0).all()
    # the fallback reference is the (unweighted, no population here) mean: regions average 100
    fallback = ig.compute(values.loc[values["nuts_level"] != -1], W3)
    idx = fallback.loc[fallback["indicator_id"] == ig.INDEX_ID]
    means = idx.groupby("year")["value"].mean()
    np.testing.assert_allclose(means.to_numpy(), 100.0, rtol=1e-9)


@PROPS
@given(panels(with_eu=False, missing=False), st.data())
def test_raising_a_component_never_lowers_the_index(values, data):
    """Holds while the normalisation regime (no capping, same sqrt choice) is unchanged; a
    value that switches capping or the square root on or off can move every score (see
    test_regime_switch_can_lower_a_score)."""
    k = data.draw(st.integers(0, len(values) - 1))
    delta = data.draw(st.floats(0.01, 100.0))
    raised = values.copy()
    raised.loc[k, "value"] = raised.loc[k, "value"] + delta
    directions = {A: "higher", B: "higher", C: "lower"}
    p0 = ig.fit_normalisation(values, directions)
    p1 = ig.fit_normalisation(raised, directions)
    for p in (p0, p1):
        assume(((p["cap_lo"] == p["raw_min"]) & (p["cap_hi"] == p["raw_max"])).all())
    assume((p0["sqrt"].to_numpy() == p1["sqrt"].to_numpy()).all())
    geo, year, indicator_id = values.loc[k, ["geo_code", "year", "indicator_id"]]
    sign = -1.0 if indicator_id == C else 1.0  # raising a lower-is-better value is worse
    before, after = ig.compute(values, W3), ig.compute(raised, W3)
    for indicator in (ig.SCORE_ID, ig.INDEX_ID):
        b = before.loc[
            (before["indicator_id"] == indicator)
            & (before["geo_code"] == geo)
            & (before["year"] == year),
            "value",
        ]
        a = after.loc[
            (after["indicator_id"] == indicator)
            & (after["geo_code"] == geo)
            & (after["year"] == year),
            "value",
        ]
        assert sign * (a.iloc[0] - b.iloc[0]) >= -1e-9


def test_regime_switch_can_lower_a_score():
    # Documented limitation of RIS normalisation: raising BE22's value from 2 to 2.5 lowers the
    # skewness of 0, 0, 0, 2, 4 below 1, so the square root is dropped for every region and
    # BE22's own normalised value falls (sqrt: sqrt(2)/sqrt(4) = 0.707; linear: 2.5/4 = 0.625).
    def be22(value):
        rows = [
            row(A, g, v)
            for g, v in zip(
                ("AT11", "AT12", "BE21", "BE22", "DE11"), (0.0, 0.0, 0.0, value, 4.0), strict=True
            )
        ]
        return pick(ig.compute(frame(rows), {A: 1.0}), ig.SCORE_ID)["BE22"]

    assert be22(2.0) == pytest.approx(math.sqrt(2) / 2)
    assert be22(2.5) == pytest.approx(0.625)


@PROPS
@given(panels(), st.randoms(use_true_random=False))
def test_row_order_changes_nothing(values, rnd):
    order = list(range(len(values)))
    rnd.shuffle(order)
    shuffled = values.iloc[order].reset_index(drop=True)
    a = ig.compute_innovation_index(values, W3)
    b = ig.compute_innovation_index(shuffled, W3)
    pd.testing.assert_frame_equal(a.values, b.values, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(a.eu_reference, b.eu_reference, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(a.coverage, b.coverage)


@PROPS
@given(panels(components=ig.COMPONENT_IDS, with_eu=True), st.floats(0.1, 50.0))
def test_explicit_equal_weights_reproduce_the_default(values, weight):
    default = ig.compute(values)
    explicit = ig.compute(values, {i: weight for i in ig.COMPONENT_IDS})
    pd.testing.assert_frame_equal(default, explicit, check_exact=False, rtol=1e-12)
