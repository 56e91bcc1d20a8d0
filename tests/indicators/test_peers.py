"""Peer search: hand-computed distances, missing values never count as zero."""

from __future__ import annotations

import math

import pandas as pd

from indicators.peers import find_peers


def test_nearest_regions_by_standardised_distance():
    wide = pd.DataFrame(
        {"a": [0.0, 1.0, 2.0, 10.0], "b": [0.0, 0.0, 1.0, 5.0]},
        index=["R1", "R2", "R3", "R4"])
    peers = find_peers(wide, "R1", k=2)
    assert peers["geo_code"].tolist() == ["R2", "R3"]
    za = (wide["a"] - wide["a"].mean()) / wide["a"].std(ddof=0)
    zb = (wide["b"] - wide["b"].mean()) / wide["b"].std(ddof=0)
    expected = math.sqrt(((za["R2"] - za["R1"]) ** 2 + (zb["R2"] - zb["R1"]) ** 2) / 2)
    assert math.isclose(peers.loc[0, "distance"], expected)


def test_missing_values_are_not_zero_and_need_common_columns():
    wide = pd.DataFrame(
        {"a": [1.0, 1.0, None, 5.0], "b": [2.0, None, 2.0, 7.0], "c": [1.0, 2.0, 3.0, 4.0]},
        index=["R1", "R2", "R3", "R4"])
    peers = find_peers(wide, "R1", k=5, min_common=2)
    assert set(peers["geo_code"]) == {"R2", "R3", "R4"}
    assert (peers["n_common"] >= 2).all()
    assert find_peers(wide, "R1", k=5, min_common=3)["geo_code"].tolist() == ["R4"]


def test_unknown_region_gives_no_peers():
    assert find_peers(pd.DataFrame({"a": [1.0]}, index=["R1"]), "XX").empty
