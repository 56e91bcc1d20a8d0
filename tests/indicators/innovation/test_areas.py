"""Tests for indicators.innovation.areas: user-defined areas aggregated from member regions."""

from __future__ import annotations

import pandas as pd
import pytest

from indicators import frames
from indicators.innovation import areas, gaps, specs
from indicators.innovation import index as ix
from tests.indicators.innovation.panel import (
    W3,
    A,
    B,
    C,
    base_rows,
    frame,
    pick,
    row,
)

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
        row(specs.POPULATION_ID, "AT11", 1e6, flag=pop_flag),
    ]
    if pop_at12 is not None:
        rows.append(row(specs.POPULATION_ID, "AT12", pop_at12))
    return rows


def test_area_population_weighted():
    # A: (1 x 1 + 2 x 3) / 4 = 1.75; B: (40 + 30) / 4 = 17.5; B (F): (42 + 36) / 4 = 19.5;
    # population: summed, 4 million.
    area = areas.aggregate_area(frame(area_rows()), ["AT11", "AT12"], "AREA:TEST")
    vals = area.values.set_index(["indicator_id", "sex"])["value"]
    assert vals[(A, "T")] == pytest.approx(1.75)
    assert vals[(B, "T")] == pytest.approx(17.5)
    assert vals[(B, "F")] == pytest.approx(19.5)
    assert vals[(specs.POPULATION_ID, "T")] == 4e6
    weighting = area.weighting.set_index(["indicator_id", "sex"])["weighting"]
    assert weighting[(A, "T")] == "population_weighted_mean"
    assert weighting[(specs.POPULATION_ID, "T")] == "sum"
    assert set(area.values["geo_code"]) == {"AREA:TEST"}
    assert set(area.values["nuts_level"]) == {2}
    assert list(area.values.columns) == list(frames.OUTPUT_COLUMNS)


def test_area_unweighted_without_complete_population():
    area = areas.aggregate_area(frame(area_rows(pop_at12=None)), ["AT11", "AT12"], "AREA:TEST")
    vals = area.values.set_index(["indicator_id", "sex"])["value"]
    assert vals[(A, "T")] == pytest.approx(1.5)
    assert set(area.weighting["weighting"]) == {"unweighted_mean"}
    assert (specs.POPULATION_ID, "T") not in vals.index  # a member's count is missing: no sum


def test_area_never_fills_a_missing_member():
    rows = [r for r in area_rows() if not (r["geo_code"] == "AT12" and r["indicator_id"] == C)]
    area = areas.aggregate_area(frame(rows), ["AT11", "AT12"], "AREA:TEST")
    assert C not in set(area.values["indicator_id"])


def test_area_flags_and_source():
    area = areas.aggregate_area(
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
        areas.aggregate_area(frame(area_rows()), ["AT11", "AT12"], "NORTH")
    with pytest.raises(ValueError, match="no rows"):
        areas.aggregate_area(frame(area_rows()), ["AT11", "ZZ99"], "AREA:X")
    mixed = area_rows() + [row(A, "AT1", 1.0, level=1)]
    with pytest.raises(ValueError, match="one NUTS level"):
        areas.aggregate_area(frame(mixed), ["AT11", "AT1"], "AREA:X")


def test_area_fed_to_compute_leaves_regions_unchanged():
    # AREA = AT11 + AT12 weighted 1:1 (base populations): A 1.5, B 25, C 7.5
    # -> norms (1.5-1)/3 = 1/6, (25-10)/30 = 1/2, 1 - 2.5/15 = 5/6 -> score 1/2 -> index 100.
    values = frame(base_rows())
    area = areas.aggregate_area(values, ["AT11", "AT12"], "AREA:AT")
    plain = ix.compute_innovation_index(values, W3)
    both = ix.compute_innovation_index(pd.concat([values, area.values]), W3)
    regions = both.values.loc[both.values["geo_code"] != "AREA:AT"].reset_index(drop=True)
    pd.testing.assert_frame_equal(regions, plain.values)
    pd.testing.assert_frame_equal(both.eu_reference, plain.eu_reference)
    assert pick(both.values, specs.SCORE_ID)["AREA:AT"] == pytest.approx(0.5)
    assert pick(both.values, specs.INDEX_ID)["AREA:AT"] == pytest.approx(100.0)
    assert "AREA:AT" not in set(gaps.compute_gap_to_country_best(both.values)["geo_code"])
