"""Tests for indicators.innovation.index: normalisation end to end, the index, coverage, the EU
reference, flags and NUTS versions, by hand on a few inline rows (see panel.py) and as
properties with hypothesis."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from indicators import normalise
from indicators.innovation import index as ix
from indicators.innovation import specs
from tests.indicators.innovation.panel import (
    BASE,
    EU_VALUES,
    PROPS,
    W3,
    A,
    B,
    C,
    approx,
    base_rows,
    flags,
    frame,
    panels,
    pick,
    row,
)

# --- normalisation end to end --------------------------------------------------------------


def test_components_min_max_and_inversion_hand_computed():
    out = ix.compute(frame(base_rows()), W3)
    assert pick(out, specs.COMPONENT_PREFIX + A) == approx(
        {"AT11": 0.0, "AT12": 1 / 3, "BE21": 2 / 3, "BE22": 1.0}
    )
    assert pick(out, specs.COMPONENT_PREFIX + B) == approx(
        {"AT11": 1.0, "AT12": 0.0, "BE21": 1 / 3, "BE22": 2 / 3}
    )
    # lower is better: 1 - (v - 5) / 15
    assert pick(out, specs.COMPONENT_PREFIX + C) == approx(
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
    out = ix.compute(frame(rows), {A: 1.0})
    comp = out.loc[out["indicator_id"] == specs.COMPONENT_PREFIX + A]
    got = {(g, y): v for g, y, v in zip(comp["geo_code"], comp["year"], comp["value"], strict=True)}
    assert got[("BE21", 2020)] == 1.0
    assert got[("BE21", 2018)] == 0.0 and got[("AT12", 2019)] == 1.0
    assert got[("AT11", 2020)] == 0.0


def test_skewed_component_is_square_rooted():
    # 0, 1, 4, 36: skewness 1.94 > 1, no outlier (mean + 2 sd = 44.75), so sqrt -> 0, 1, 2, 6
    # and min-max -> 0, 1/6, 1/3, 1 (plain min-max would give 0, 1/36, 4/36, 1).
    rows = [row(A, g, v) for g, v in zip(BASE, (0.0, 1.0, 4.0, 36.0), strict=True)]
    out = ix.compute(frame(rows), {A: 1.0})
    assert pick(out, specs.COMPONENT_PREFIX + A) == approx(
        {"AT11": 0.0, "AT12": 1 / 6, "BE21": 1 / 3, "BE22": 1.0}
    )


def test_eu_is_normalised_on_the_regions_scale_without_changing_them():
    with_eu = ix.compute_innovation_index(frame(base_rows()), W3)
    without = ix.compute_innovation_index(frame(base_rows(eu=False)), W3)
    assert with_eu.eu_reference["eu_score"].tolist() == [0.5]
    for indicator_id in (specs.SCORE_ID, *(specs.COMPONENT_PREFIX + i for i in (A, B, C))):
        assert pick(with_eu.values, indicator_id) == pick(without.values, indicator_id)


# --- the index -----------------------------------------------------------------------------


def test_index_equal_weights_hand_computed():
    values = frame(base_rows())
    before = values.copy()
    result = ix.compute_innovation_index(values, W3)
    pd.testing.assert_frame_equal(values, before)  # pure: the input is not modified
    out = result.values
    assert pick(out, specs.SCORE_ID) == approx(
        {"AT11": 5 / 9, "AT12": 4 / 9, "BE21": 3 / 9, "BE22": 6 / 9}
    )
    assert pick(out, specs.INDEX_ID) == approx(
        {"AT11": 1000 / 9, "AT12": 800 / 9, "BE21": 600 / 9, "BE22": 1200 / 9}
    )
    ref = result.eu_reference.iloc[0]
    assert (ref["method"], ref["eu_score"], ref["relative_index"]) == ("eu27_2020", 0.5, 100.0)
    assert pd.isna(ref["n_regions"])


def test_index_weighted_hand_computed():
    # weights A 1, B 2, C 3: AT11 (0 + 2*1 + 3*2/3)/6 = 2/3; AT12 (1/3 + 0 + 3)/6 = 5/9;
    # BE21 (2/3 + 2/3 + 0)/6 = 2/9; BE22 (1 + 4/3 + 1)/6 = 5/9. The EU stays 0.5.
    out = ix.compute(frame(base_rows()), {A: 1, B: 2, C: 3})
    assert pick(out, specs.SCORE_ID) == approx(
        {"AT11": 2 / 3, "AT12": 5 / 9, "BE21": 2 / 9, "BE22": 5 / 9}
    )
    assert pick(out, specs.INDEX_ID)["AT11"] == pytest.approx(400 / 3)


def test_zero_weight_drops_a_component_from_index_and_coverage():
    rows = [r for r in base_rows() if not (r["geo_code"] == "AT12" and r["indicator_id"] != A)]
    result = ix.compute_innovation_index(frame(rows), {A: 1.0, B: 0.0})
    assert pick(result.values, specs.SCORE_ID)["AT12"] == pytest.approx(1 / 3)
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
        ix.compute(frame(base_rows()), weights)


def test_duplicate_rows_are_refused():
    rows = base_rows() + [row(A, "AT11", 1.5, version="2016")]
    with pytest.raises(ValueError, match="more than one row"):
        ix.compute(frame(rows), W3)


def test_reference_window_limits_scored_years_and_normalisation():
    rows = base_rows(year=2019) + base_rows(year=2020)
    rows = [
        r if not (r["year"] == 2019 and r["indicator_id"] == A) else {**r, "value": r["value"] * 10}
        for r in rows
    ]
    windowed = ix.compute(frame(rows), W3, reference_window=(2020, 2020))
    alone = ix.compute(frame(base_rows(year=2020)), W3)
    assert set(windowed["year"]) == {2020}
    pd.testing.assert_frame_equal(windowed, alone)
    pooled = ix.compute(frame(rows), W3)
    assert set(pooled["year"]) == {2019, 2020}
    # pooled over both years, 2020's A values (1-4) sit at the bottom of 1-40
    assert pick(pooled.loc[pooled["year"] == 2020], specs.COMPONENT_PREFIX + A)["BE22"] < 0.2


# --- coverage ------------------------------------------------------------------------------


def test_exactly_two_thirds_present_gets_an_index():
    # AT12 lacks C. C is normalised over 10, 20, 15 (AT11 1, BE21 0, BE22 0.5);
    # AT12 score = (A 1/3 + B 0) / 2 = 1/6.
    rows = [r for r in base_rows() if not (r["geo_code"] == "AT12" and r["indicator_id"] == C)]
    result = ix.compute_innovation_index(frame(rows), W3)
    assert pick(result.values, specs.SCORE_ID)["AT12"] == pytest.approx(1 / 6)
    cov = result.coverage.set_index("geo_code").loc["AT12"]
    assert (cov["n_present"], cov["missing"], cov["meets_coverage"], cov["has_index"]) == (
        2,
        [C],
        True,
        True,
    )


def test_less_than_two_thirds_gets_no_index_row():
    rows = [r for r in base_rows() if not (r["geo_code"] == "AT12" and r["indicator_id"] != A)]
    result = ix.compute_innovation_index(frame(rows), W3)
    out = result.values
    assert "AT12" not in pick(out, specs.SCORE_ID) and "AT12" not in pick(out, specs.INDEX_ID)
    assert "AT12" in pick(out, specs.COMPONENT_PREFIX + A)  # its component is still shown
    cov = result.coverage.set_index("geo_code").loc["AT12"]
    assert (cov["n_present"], cov["missing"], cov["meets_coverage"], cov["has_index"]) == (
        1,
        [B, C],
        False,
        False,
    )
    assert ix.missing_components(frame(rows), "AT12", 2020, 2, W3) == [B, C]
    assert ix.missing_components(frame(rows), "XX99", 2020, 2, W3) == [A, B, C]
    standalone = ix.compute_coverage(frame(rows), W3)
    pd.testing.assert_frame_equal(standalone, result.coverage.drop(columns="has_index"))


def test_coverage_counts_components_not_weights_with_six_components():
    six = [A, B, C, "lifelong_learning_pct", "hrst_pct_active", "unemployment_rate_pct"]
    rng = np.random.default_rng(1)
    rows = [row(i, g, float(rng.uniform(1, 50))) for g in ("AT11", "AT12", "BE21") for i in six]
    rows += [row(i, "BE22", 3.0) for i in six[:4]]  # 4 of 6 = exactly 2/3
    rows += [row(i, "DE11", 3.0) for i in six[:3]]  # 3 of 6 < 2/3
    weights = {i: (10.0 if i == A else 1.0) for i in six}  # weight does not matter
    out = ix.compute(frame(rows), weights)
    assert "BE22" in pick(out, specs.SCORE_ID) and "DE11" not in pick(out, specs.SCORE_ID)


def test_default_components_seven_of_ten_needed():
    ids = specs.COMPONENT_IDS
    rows = [
        row(i, g, float(k + j))
        for j, g in enumerate(("AT11", "AT12", "BE21"))
        for k, i in enumerate(ids)
    ]
    rows += [row(i, "BE22", 5.0) for i in ids[:7]] + [row(i, "DE11", 5.0) for i in ids[:6]]
    out = ix.compute(frame(rows))
    scored = pick(out, specs.SCORE_ID)
    assert "BE22" in scored and "DE11" not in scored


def test_missing_value_stays_missing():
    rows = [
        r
        if not (r["geo_code"] == "BE22" and r["indicator_id"] == B)
        else {**r, "value": float("nan")}
        for r in base_rows()
    ]
    out = ix.compute(frame(rows), W3)
    assert "BE22" not in pick(out, specs.COMPONENT_PREFIX + B)
    # B over 40, 10, 20 keeps min 10 and max 40; BE22 = (A 1 + C 1/3) / 2 = 2/3
    assert pick(out, specs.SCORE_ID)["BE22"] == pytest.approx(2 / 3)
    assert out["value"].notna().all()


# --- EU reference --------------------------------------------------------------------------


def test_fallback_population_weighted_mean_of_regions():
    # EU27_2020 lacks C -> not complete -> fallback: (5/9*1 + 4/9*1 + 3/9*2 + 6/9*1) / 5 = 7/15
    rows = [
        r for r in base_rows() if not (r["geo_code"] == specs.EU_CODE and r["indicator_id"] == C)
    ]
    result = ix.compute_innovation_index(frame(rows), W3)
    ref = result.eu_reference.iloc[0]
    assert ref["method"] == "population_weighted_mean" and ref["n_regions"] == 4
    assert ref["eu_score"] == pytest.approx(7 / 15)
    assert ref["relative_index"] == 100.0
    assert pick(result.values, specs.INDEX_ID)["AT11"] == pytest.approx((5 / 9) / (7 / 15) * 100)


def test_fallback_unweighted_when_a_population_is_missing():
    rows = [
        r
        for r in base_rows(eu=False)
        if not (r["geo_code"] == "BE22" and r["indicator_id"] == specs.POPULATION_ID)
    ]
    result = ix.compute_innovation_index(frame(rows), W3)
    ref = result.eu_reference.iloc[0]
    assert ref["method"] == "unweighted_mean" and ref["eu_score"] == pytest.approx(0.5)


def test_fallback_averages_eu27_regions_only():
    rows = base_rows(eu=False) + [
        row(i, "CH01", v) for i, v in zip((A, B, C), (4.0, 40.0, 5.0), strict=True)
    ]
    rows += [row(specs.POPULATION_ID, "CH01", 1e6)]
    eu_only = ix.compute_innovation_index(frame(rows), W3)
    everyone = ix.compute_innovation_index(frame(rows), W3, eu_members=None)
    assert eu_only.eu_reference["n_regions"].tolist() == [4]
    assert everyone.eu_reference["n_regions"].tolist() == [5]
    assert "CH01" in pick(eu_only.values, specs.INDEX_ID)


def test_no_reference_no_index():
    rows = [row(i, "CH01", v) for i, v in zip((A, B, C), (4.0, 40.0, 5.0), strict=True)]
    rows += [row(i, "CH02", v) for i, v in zip((A, B, C), (1.0, 20.0, 9.0), strict=True)]
    result = ix.compute_innovation_index(frame(rows), W3)
    assert result.eu_reference.empty
    assert (
        pick(result.values, specs.INDEX_ID) == {} and len(pick(result.values, specs.SCORE_ID)) == 2
    )


def test_region_equal_to_the_eu_scores_exactly_100():
    rows = base_rows() + [row(i, "FR10", v) for i, v in zip((A, B, C), EU_VALUES, strict=True)]
    out = ix.compute(frame(rows), W3)
    assert pick(out, specs.INDEX_ID)["FR10"] == 100.0


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
    out = ix.compute(frame(rows), W3)
    assert flags(out, specs.COMPONENT_PREFIX + A)["AT11"] == "e"
    assert flags(out, specs.COMPONENT_PREFIX + B)["BE21"] == "p"
    assert flags(out, specs.SCORE_ID) == {"AT11": "e", "AT12": None, "BE21": "p", "BE22": None}
    assert flags(out, specs.INDEX_ID) == {"AT11": "e", "AT12": None, "BE21": "p", "BE22": None}
    source = out.loc[out["indicator_id"] == specs.SCORE_ID].set_index("geo_code")["source"]
    assert source.to_dict() == {
        "AT11": "derived",
        "AT12": "demo",
        "BE21": "derived",
        "BE22": "derived",
    }

    # an EU27_2020 reference flagged e adds e to every index (not to the scores)
    rows_eu = [{**r, "flag": "e"} if r["geo_code"] == specs.EU_CODE else r for r in rows]
    out_eu = ix.compute(frame(rows_eu), W3)
    assert flags(out_eu, specs.INDEX_ID) == {"AT11": "e", "AT12": "e", "BE21": "ep", "BE22": "e"}
    assert flags(out_eu, specs.SCORE_ID)["AT12"] is None


def test_nuts_version_is_the_most_common_of_the_inputs():
    def version(r):
        if r["geo_code"] == "AT11" and r["indicator_id"] in (A, B):
            return {**r, "nuts_version": "2016"}
        if r["geo_code"] == "AT12" and r["indicator_id"] == A:
            return {**r, "nuts_version": "2016"}
        return r

    rows = [version(r) for r in base_rows()]
    out = ix.compute(frame(rows), W3)
    versions = out.loc[out["indicator_id"] == specs.SCORE_ID].set_index("geo_code")["nuts_version"]
    assert versions["AT11"] == "2016"  # two of three
    assert versions["AT12"] == "2021"  # one of three
    # a tie goes to the greatest (most recent) version
    rows2 = [r for r in rows if not (r["geo_code"] == "AT11" and r["indicator_id"] == A)]
    out2 = ix.compute(frame(rows2), W3)
    v2 = out2.loc[out2["indicator_id"] == specs.SCORE_ID].set_index("geo_code")["nuts_version"]
    assert v2["AT11"] == "2021"


@PROPS
@given(panels())
def test_normalised_values_are_in_unit_interval(values):
    out = ix.compute(values, W3)
    comp = out.loc[out["indicator_id"].str.startswith(specs.COMPONENT_PREFIX), "value"]
    score = out.loc[out["indicator_id"] == specs.SCORE_ID, "value"]
    assert comp.between(0.0, 1.0).all() and score.between(0.0, 1.0).all()


@PROPS
@given(panels(with_eu=True, missing=False))
def test_eu_reference_scores_exactly_100(values):
    result = ix.compute_innovation_index(values, W3)
    assert (result.eu_reference["method"] == "eu27_2020").all()
    ref = result.eu_reference.loc[result.eu_reference["eu_score"] > 0, "relative_index"]
    assert (ref == 100.0).all()
    # the fallback reference is the (unweighted, no population here) mean: regions average 100
    fallback = ix.compute(values.loc[values["nuts_level"] != -1], W3)
    idx = fallback.loc[fallback["indicator_id"] == specs.INDEX_ID]
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
    p0 = normalise.fit_normalisation(values, directions)
    p1 = normalise.fit_normalisation(raised, directions)
    for p in (p0, p1):
        assume(((p["cap_lo"] == p["raw_min"]) & (p["cap_hi"] == p["raw_max"])).all())
    assume((p0["sqrt"].to_numpy() == p1["sqrt"].to_numpy()).all())
    geo, year, indicator_id = values.loc[k, ["geo_code", "year", "indicator_id"]]
    sign = -1.0 if indicator_id == C else 1.0  # raising a lower-is-better value is worse
    before, after = ix.compute(values, W3), ix.compute(raised, W3)
    for indicator in (specs.SCORE_ID, specs.INDEX_ID):
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
        return pick(ix.compute(frame(rows), {A: 1.0}), specs.SCORE_ID)["BE22"]

    assert be22(2.0) == pytest.approx(math.sqrt(2) / 2)
    assert be22(2.5) == pytest.approx(0.625)


@PROPS
@given(panels(), st.randoms(use_true_random=False))
def test_row_order_changes_nothing(values, rnd):
    order = list(range(len(values)))
    rnd.shuffle(order)
    shuffled = values.iloc[order].reset_index(drop=True)
    a = ix.compute_innovation_index(values, W3)
    b = ix.compute_innovation_index(shuffled, W3)
    pd.testing.assert_frame_equal(a.values, b.values, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(a.eu_reference, b.eu_reference, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(a.coverage, b.coverage)


@PROPS
@given(panels(components=specs.COMPONENT_IDS, with_eu=True), st.floats(0.1, 50.0))
def test_explicit_equal_weights_reproduce_the_default(values, weight):
    default = ix.compute(values)
    explicit = ix.compute(values, {i: weight for i in specs.COMPONENT_IDS})
    pd.testing.assert_frame_equal(default, explicit, check_exact=False, rtol=1e-12)
