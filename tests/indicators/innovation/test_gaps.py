"""Tests for indicators.innovation.gaps: every group boundary taken literally, gaps, change
since a base year and convergence, by hand on a few inline rows (see panel.py), and the output
schema."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from indicators import frames
from indicators.innovation import gaps, specs
from indicators.innovation import index as ix
from tests.indicators.innovation.panel import (
    W3,
    A,
    approx,
    base_rows,
    flags,
    frame,
    pick,
    row,
)

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
    groups = gaps.classify_groups(relative_frame([v for v, _, _ in BOUNDARIES]))
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
    groups = gaps.classify_groups(relative_frame([154.7, 144.8, 134.9, 134.95, 100.0]))
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
    groups = gaps.classify_groups(frame_)
    sub = groups.set_index(["nuts_level", "year", "relative_index"])["subgroup"]
    assert sub[(2, 2020, 135.0)] == "-"  # 135 <= 125 + 30/3
    assert sub[(2, 2021, 135.0)] == "-"  # cut 125 + 75/3 = 150
    assert sub[(1, 2020, 135.0)] == "+"  # top of its own level


def test_pseudo_region_does_not_move_the_cut_points():
    frame_ = relative_frame([155.0, 135.000001])
    frame_ = pd.concat([frame_, frame_.iloc[[0]].assign(geo_code="AREA:BIG", relative_index=200.0)])
    sub = gaps.classify_groups(frame_).set_index("geo_code")["subgroup"]
    assert sub["DE01"] == "" and sub["AREA:BIG"] == "+"


def test_classify_accepts_tidy_compute_output():
    groups = gaps.classify_groups(ix.compute(frame(base_rows()), W3)).set_index("geo_code")
    assert groups["grp"].to_dict() == {
        "AT11": "Strong",
        "AT12": "Moderate",
        "BE21": "Emerging",
        "BE22": "Leader",
    }


# --- gaps, change, convergence -------------------------------------------------------------


@pytest.fixture(scope="module")
def index_values() -> pd.DataFrame:
    return ix.compute(frame(base_rows()), W3)


def test_gap_to_eu(index_values):
    out = gaps.compute_gap_to_eu(index_values)
    assert pick(out, specs.GAP_TO_EU_ID) == approx(
        {"AT11": 100 / 9, "AT12": -100 / 9, "BE21": -300 / 9, "BE22": 300 / 9}
    )


def test_gap_to_next_group(index_values):
    out = gaps.compute_gap_to_next_group(index_values)
    assert pick(out, specs.GAP_TO_NEXT_GROUP_ID) == approx(
        {"AT11": 125 - 1000 / 9, "AT12": 100 - 800 / 9, "BE21": 70 - 600 / 9, "BE22": 0.0}
    )


def test_gap_to_next_group_at_thresholds():
    rel = relative_frame([125.0, 100.0, 70.0, 69.0, 130.0]).assign(indicator_id=specs.INDEX_ID)
    out = gaps.compute_gap_to_next_group(rel.rename(columns={"relative_index": "value"}))
    assert list(out["value"]) == [0.0, 25.0, 30.0, 1.0, 0.0]


def test_gap_to_country_best(index_values):
    out = gaps.compute_gap_to_country_best(index_values)
    assert pick(out, specs.GAP_TO_COUNTRY_BEST_ID) == approx(
        {"AT11": 0.0, "AT12": 200 / 9, "BE21": 600 / 9, "BE22": 0.0}
    )


def test_gap_flags_follow_the_index():
    rows = [
        {**r, "flag": "p"} if r["geo_code"] == "BE22" and r["indicator_id"] == A else r
        for r in base_rows()
    ]
    idx = ix.compute(frame(rows), W3)
    assert flags(gaps.compute_gap_to_eu(idx), specs.GAP_TO_EU_ID)["BE22"] == "p"
    best = flags(gaps.compute_gap_to_country_best(idx), specs.GAP_TO_COUNTRY_BEST_ID)
    assert best == {"AT11": None, "AT12": None, "BE21": "p", "BE22": "p"}  # BE22 is BE's best


def test_change_since_base_year():
    rows = [
        row(specs.INDEX_ID, "AT11", 100.0, year=2019, flag="e"),
        row(specs.INDEX_ID, "AT11", 110.0, year=2020),
        row(specs.INDEX_ID, "AT11", 90.0, year=2021, flag="p"),
        row(specs.SCORE_ID, "AT11", 0.5, year=2019),
        row(specs.SCORE_ID, "AT11", 0.55, year=2020),
        row(specs.INDEX_ID, "AT12", 95.0, year=2020),  # no base year: no change rows
    ]
    out = gaps.compute_change_since(frame(rows), 2019)
    idx = out.loc[out["indicator_id"] == specs.INDEX_CHANGE_ID]
    assert idx["geo_code"].tolist() == ["AT11", "AT11"]
    assert idx["value"].tolist() == pytest.approx([10.0, -10.0])
    assert idx["flag"].tolist() == ["e", "ep"]
    score = out.loc[out["indicator_id"] == specs.SCORE_CHANGE_ID]
    assert score["value"].tolist() == pytest.approx([0.05])


def test_sigma_convergence(index_values):
    # deviations from the mean 100 are 100/9 x (1, -1, -3, 3): sd = 100/9 x sqrt(5)
    area = index_values.iloc[[0]].assign(indicator_id=specs.INDEX_ID, geo_code="AREA:X", value=5.0)
    out = gaps.compute_sigma_convergence(pd.concat([index_values, area]))
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
        rows.append(row(specs.INDEX_ID, f"DE{k}", math.exp(xi), year=2020))
        rows.append(row(specs.INDEX_ID, f"DE{k}", math.exp(xi + yi), year=2021))
    out = gaps.compute_beta_convergence(frame(rows), 2020, 2021)
    rec = out.iloc[0]
    assert rec["n_regions"] == 3
    assert rec["slope"] == pytest.approx(-0.025)
    assert rec["intercept"] == pytest.approx(0.075)
    assert rec["r2"] == pytest.approx(0.25)


def test_beta_convergence_perfect_fit_over_several_years():
    rows = []
    for k, i0 in enumerate((50.0, 100.0, 200.0)):
        growth = 0.2 - 0.05 * math.log(i0)  # slope -0.05
        rows.append(row(specs.INDEX_ID, f"DE{k}", i0, year=2015))
        rows.append(row(specs.INDEX_ID, f"DE{k}", i0 * math.exp(growth * 5), year=2020))
    rec = gaps.compute_beta_convergence(frame(rows), 2015, 2020).iloc[0]
    assert rec["slope"] == pytest.approx(-0.05) and rec["r2"] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        gaps.compute_beta_convergence(frame(rows), 2020, 2015)


# --- schema and contracts ------------------------------------------------------------------


def test_output_schema(index_values):
    outputs = [
        index_values,
        gaps.compute_gap_to_eu(index_values),
        gaps.compute_gap_to_next_group(index_values),
        gaps.compute_gap_to_country_best(index_values),
        gaps.compute_change_since(pd.concat([index_values, index_values.assign(year=2021)]), 2020),
        ix.compute(frame([row(A, "AT11", float("nan"))]), W3),  # empty
    ]
    for out in outputs:
        assert list(out.columns) == list(frames.OUTPUT_COLUMNS)
        assert not out.duplicated(["indicator_id", "geo_code", "nuts_level", "year", "sex"]).any()
        assert str(out["value"].dtype) == "float64"
        assert str(out["nuts_level"].dtype) == "int64" and str(out["year"].dtype) == "int64"
        assert set(out["sex"]) <= {"T"}
        assert set(out["source"]) <= {"derived", "demo"}
        assert all(f is None or f in {"e", "p", "ep"} for f in out["flag"])
        for indicator_id in set(out["indicator_id"]):
            assert specs.get_derived_spec(indicator_id).indicator_id == indicator_id
