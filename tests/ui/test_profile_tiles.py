"""Pure builders of the region profile (ui.profile), on hand-made frames: headline tiles
(changes over time only, coloured by direction), strongest and weakest components, gender
references and the sustainability breakdown."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from regiodash.ui.profile import (
    Tile,
    add_gender_reference,
    build_component_table,
    build_gender_rows,
    build_gender_table,
    build_sustainability_table,
    build_tiles,
    mean_of_eu_regions,
    strongest_and_weakest,
)

INDEX = "regional_innovation_index"


def frames(index: float, grp: str, gap_next: float, earlier: float | None = None):
    """One region XX11 in 2023 (and 2021 when `earlier` is given) beside XX12 and YY11."""
    years = [2023] + ([2021] if earlier is not None else [])
    rows = [(INDEX, 2023, index, "higher"),
            ("innovation_gap_to_eu_points", 2023, index - 100, "higher"),
            ("innovation_gap_to_next_group_points", 2023, gap_next, "lower")]
    if earlier is not None:
        rows.append((INDEX, 2021, earlier, "higher"))
    values = pd.DataFrame(rows, columns=["indicator_id", "year", "value", "direction"]
                          ).assign(sex="T")
    groups = pd.DataFrame({"geo_code": ["XX11"], "year": [2023], "grp": [grp],
                           "subgroup": ["+"]})
    level = [("XX11", 2023, index, "XX"), ("XX12", 2023, 78.0, "XX"),
             ("YY11", 2023, 120.0, "YY")]
    if earlier is not None:  # in 2021 XX11 was last of three
        level += [("XX11", 2021, earlier, "XX"), ("XX12", 2021, 95.0, "XX"),
                  ("YY11", 2021, 100.0, "YY")]
    level_index = pd.DataFrame(level, columns=["geo_code", "year", "value", "country_code"])
    assert set(level_index["year"]) == set(years)
    return values, groups, level_index


def by_label(tiles: list[Tile]) -> dict[str, Tile]:
    return {t.label: t for t in tiles}


def test_a_leader_is_in_the_top_group_not_zero_points_from_the_next():
    tiles = by_label(build_tiles(*frames(136.5, "Leader", 0.0), "XX11"))
    assert tiles["Regional Innovation Index"].note == "Leader + innovator"
    assert tiles["Gap to EU average"].note == "top group"
    assert tiles["Rank"].value == "1 of 3"
    assert tiles["Rank"].note == "1 of 2 in XX"


def test_other_groups_show_the_points_to_the_next_threshold():
    tiles = by_label(build_tiles(*frames(110.0, "Strong", 15.0), "XX11"))
    assert tiles["Gap to EU average"].value == 10.0
    assert tiles["Gap to EU average"].note == "15.0 pts to next group"


def test_words_are_notes_and_only_changes_over_time_are_deltas():
    """The group and the rank in the country used to be st.metric deltas (a green up arrow
    beside "Emerging" or "10 of 17 in PL"); now a delta is only a change since a year."""
    tiles = build_tiles(*frames(80.0, "Moderate", 12.0, earlier=75.5), "XX11")
    for tile in tiles:
        text = tile.change_text
        assert text is None or text.endswith("since 2021"), (tile.label, text)
    t = by_label(tiles)
    assert t["Regional Innovation Index"].change_text == "+4.5 since 2021"
    assert t["Regional Innovation Index"].delta_color == "normal"  # higher is better
    # 2021: XX11 third of three; 2023: second of three -> one place gained
    assert t["Rank"].value == "2 of 3" and t["Rank"].change_text == "+1 places since 2021"
    assert t["Rank"].delta_color == "normal"
    assert t["Gap to EU average"].change_text is None  # it moves exactly as the index


def test_one_year_gives_no_change_and_a_grey_delta():
    tiles = by_label(build_tiles(*frames(80.0, "Moderate", 12.0), "XX11"))
    assert tiles["Regional Innovation Index"].change_text is None
    assert tiles["Rank"].change_text is None
    assert all(t.delta_color == "off" for t in tiles.values())


@pytest.mark.parametrize("direction,change,colour", [
    ("higher", 2.0, "normal"), ("higher", -2.0, "normal"), ("lower", -1.0, "inverse"),
    ("target", 3.0, "off"), ("neutral", 3.0, "off"), ("higher", 0.0, "off")])
def test_delta_colour_follows_the_indicators_direction(direction, change, colour):
    tile = Tile("x", 1.0, change=change, since=2020, direction=direction)
    assert tile.delta_color == colour
    assert tile.change_text.startswith("-" if change < 0 else "+")


def test_missing_indices_are_no_data_without_a_delta():
    values = pd.DataFrame(columns=["indicator_id", "year", "value", "direction", "sex"])
    groups = pd.DataFrame(columns=["geo_code", "year", "grp", "subgroup"])
    level = pd.DataFrame(columns=["geo_code", "year", "value", "country_code"])
    tiles = build_tiles(values, groups, level, "XX11")
    assert [t.label for t in tiles] == ["Regional Innovation Index", "Gap to EU average",
                                        "Gender Inclusion Index", "Sustainability Index"]
    assert all(t.value is None and t.change_text is None and t.note is None for t in tiles)


def components_frame():
    """Five components of four regions (wide, as level_values gives them); NO is not EU27."""
    return pd.DataFrame(
        {"innovation_component_a": [0.9, 0.5, 0.1, 0.0],
         "innovation_component_b": [0.2, 0.4, 0.6, 1.0],
         "innovation_component_c": [0.5, 0.5, 0.5, 0.5],
         "innovation_component_d": [0.8, 0.2, float("nan"), 0.2],
         "innovation_component_e": [0.3, 0.1, 0.2, 0.3]},
        index=pd.Index(["PL11", "PL12", "DE11", "NO01"], name="geo_code"))


def catalog_frame():
    ids = list(components_frame().columns)
    return pd.DataFrame({"indicator_id": ids,
                         "title": [f"Component {i[-1].upper()} (normalised)" for i in ids]})


def test_the_eu_reference_averages_eu27_regions_only():
    table = build_component_table(components_frame(), "PL11", catalog_frame(),
                                  reference_countries=frozenset({"PL", "DE"}))
    a = table.set_index("title").loc["Component A (normalised)"]
    assert a["eu"] == pytest.approx((0.9 + 0.5 + 0.1) / 3)  # NO01's 0.0 left out
    assert a["country"] == pytest.approx((0.9 + 0.5) / 2)
    d = table.set_index("title").loc["Component D (normalised)"]
    assert d["eu"] == pytest.approx((0.8 + 0.2) / 2)  # DE11 missing: not counted as 0
    # without reference countries every region counts, as before
    old = build_component_table(components_frame(), "PL11", catalog_frame())
    assert old.set_index("title").loc["Component A (normalised)", "eu"] == pytest.approx(0.375)


def test_three_strongest_and_weakest_by_distance_to_the_reference():
    table = build_component_table(components_frame(), "PL11", catalog_frame(),
                                  reference_countries=frozenset({"PL", "DE"}))
    strong, weak = strongest_and_weakest(table, k=3)
    # PL11 minus the EU27 mean: A +0.40, D +0.30, E +0.10, C 0, B -0.20
    # five components: two each, so that none is both strong and weak
    assert list(strong["title"].str[10]) == ["A", "D"]
    assert list(weak["title"].str[10]) == ["B", "C"]
    assert strong["difference"].iloc[0] == pytest.approx(0.4)
    assert weak["difference"].iloc[0] == pytest.approx(-0.2)


def test_strongest_and_weakest_of_six_or_more_take_three_each():
    comps = components_frame().assign(innovation_component_f=[0.0, 0.9, 0.9, 0.9])
    cat = pd.concat([catalog_frame(), pd.DataFrame({
        "indicator_id": ["innovation_component_f"], "title": ["Component F"]})])
    table = build_component_table(comps, "PL11", cat, frozenset({"PL", "DE"}))
    strong, weak = strongest_and_weakest(table)
    assert len(strong) == 3 and len(weak) == 3
    assert weak["title"].iloc[0] == "Component F"
    assert not set(strong["title"]) & set(weak["title"])


def test_mean_of_eu_regions_skips_other_countries_and_missing_values():
    level = pd.DataFrame({"geo_code": ["PL11", "DE11", "NO01", "FR10", "PL11"],
                          "country_code": ["PL", "DE", "NO", "FR", "PL"],
                          "year": [2020, 2020, 2020, 2020, 2021],
                          "value": [10.0, 20.0, 99.0, float("nan"), 5.0]})
    means = mean_of_eu_regions(level)
    assert means[2020] == pytest.approx(15.0) and means[2021] == pytest.approx(5.0)


def gender_values():
    rows = [("employment_rate_pct", "Employment rate", "% of population aged 20-64", 2022,
             "F", 70.0), ("employment_rate_pct", "Employment rate",
                          "% of population aged 20-64", 2022, "M", 80.0),
            ("employment_rate_pct", "Employment rate", "% of population aged 20-64", 2023,
             "F", 71.0),  # no men in 2023: the pair is from 2022
            ("life_expectancy_years", "Life expectancy", "years", 2022, "F", 80.0),
            ("life_expectancy_years", "Life expectancy", "years", 2022, "M", 75.0)]
    return pd.DataFrame(rows, columns=["indicator_id", "title", "unit", "year", "sex",
                                       "value"])


def test_gender_rows_pair_women_and_men_in_the_latest_year_with_both():
    rows = build_gender_rows(gender_values(), 2023)
    assert rows.to_dict("records") == [{
        "indicator_id": "employment_rate_pct", "title": "Employment rate",
        "unit": "% of population aged 20-64", "year": 2022, "F": 70.0, "M": 80.0}]
    # the older table keeps its columns (the printed report uses it)
    assert list(build_gender_table(gender_values(), 2023).columns) == ["title", "unit", "F",
                                                                        "M"]


def test_gender_reference_is_the_same_year_and_missing_stays_missing():
    rows = build_gender_rows(gender_values(), 2023)
    means = {("employment_rate_pct", "F"): pd.Series({2022: 68.0, 2023: 69.0}),
             ("employment_rate_pct", "M"): pd.Series({2023: 79.0})}
    out = add_gender_reference(rows, means)
    assert out["ref_F"].iloc[0] == 68.0
    assert math.isnan(out["ref_M"].iloc[0])  # no 2022 reference for men: none, not 0


def test_sustainability_breakdown_lists_every_component_of_each_dimension():
    values = pd.DataFrame(
        [("sustainability_environmental_score", "Env", 2021, 40.0),
         ("sustainability_environmental_score", "Env", 2022, 45.0),
         ("municipal_waste_kg_per_capita", "Municipal waste generated", 2021, 500.0),
         ("sustainability_digital_score", "Dig", 2022, 70.0),
         ("broadband_households_pct", "Households with broadband access", 2022, 90.0)],
        columns=["indicator_id", "title", "year", "value"]).assign(sex="T")
    means = {"municipal_waste_kg_per_capita": pd.Series({2021: 450.0}),
             "sustainability_environmental_score": pd.Series({2022: 50.0})}
    table = build_sustainability_table(values, 2, means)
    dims = table[table["kind"] == "dimension"].set_index("dimension")
    assert list(dims.index) == ["environmental", "social", "digital"]
    assert dims.loc["environmental", "value"] == 45.0 and dims.loc["environmental",
                                                                   "year"] == 2022
    assert dims.loc["environmental", "reference"] == 50.0
    assert pd.isna(dims.loc["social", "value"]) and dims.loc["social", "status"]
    parts = table[table["kind"] == "component"].set_index("indicator_id")
    assert parts.loc["municipal_waste_kg_per_capita", "value"] == 500.0
    assert parts.loc["municipal_waste_kg_per_capita", "better"] == "lower"
    assert parts.loc["municipal_waste_kg_per_capita", "reference"] == 450.0
    # rural employment is published for countries only: said so, not "0"
    assert parts.loc["employment_rate_rural_pct", "status"] == "not published at NUTS 2"
    assert parts.loc["at_risk_of_poverty_or_social_exclusion_pct", "status"] == "no value"
    assert pd.isna(parts.loc["at_risk_of_poverty_or_social_exclusion_pct", "value"])
