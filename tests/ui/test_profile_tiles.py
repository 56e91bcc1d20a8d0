"""Headline tiles of the region profile (ui.profile.build_tiles), on hand-made frames."""

from __future__ import annotations

import pandas as pd

from regiodash.ui.profile import build_tiles


def frames(index: float, grp: str, gap_next: float):
    values = pd.DataFrame({
        "indicator_id": ["regional_innovation_index", "innovation_gap_to_eu_points",
                         "innovation_gap_to_next_group_points"],
        "year": [2023, 2023, 2023], "sex": ["T", "T", "T"],
        "value": [index, index - 100, gap_next]})
    groups = pd.DataFrame({"geo_code": ["XX11"], "year": [2023], "grp": [grp],
                           "subgroup": ["+"]})
    level_index = pd.DataFrame({"geo_code": ["XX11", "XX12"], "year": [2023, 2023],
                                "value": [index, 90.0], "country_code": ["XX", "XX"]})
    return values, groups, level_index


def test_a_leader_is_in_the_top_group_not_zero_points_from_the_next():
    tiles = {t.label: t for t in build_tiles(*frames(136.5, "Leader", 0.0), "XX11")}
    assert tiles["Regional Innovation Index"].delta == "Leader +"
    assert tiles["Gap to EU average"].delta == "top group"
    assert tiles["Rank"].value == "1 of 2"


def test_other_groups_show_the_points_to_the_next_threshold():
    tiles = {t.label: t for t in build_tiles(*frames(110.0, "Strong", 15.0), "XX11")}
    assert tiles["Gap to EU average"].value == 10.0
    assert tiles["Gap to EU average"].delta == "15.0 pts to next group"
