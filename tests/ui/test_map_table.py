"""The map's table, CSV and description (ui.map_table) on inline rows: reading order, missing
values kept missing, converted values marked, the CSV's header block read back."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from regiodash.ui.map_table import (
    TableMeta,
    data_status,
    describe_map,
    display_table,
    picker_options,
    profile_link,
    region_rows,
    table_csv,
)
from regiodash.ui.maps import MapSpec

SPEC = MapSpec(title="Employment", unit="%", decimals=1, direction="higher")
COHESION = ((1, "less developed (< 75 %)"), (2, "transition (75-100 %)"),
            (3, "more developed (>= 100 %)"))
FLAGS = {"p": "provisional", "e": "estimated"}


def values(**overrides) -> pd.DataFrame:
    frame = pd.DataFrame({
        "geo_code": ["PL21", "PL22", "PL41", "PL91", "PL82"],
        "geo_name": ["Małopolskie", "Śląskie", "Wielkopolskie", "Warszawski, \"stołeczny\"",
                     None],
        "country_code": ["PL"] * 5,
        "is_overseas": [False] * 5,
        "value": [61.04, None, 70.26, 80.0, 55.56],
        "flag": ["p", None, None, "e", None],
        "source": ["eurostat"] * 5,
        "nuts_version": ["2021"] * 5,
        "converted_from": [None, None, "2016", None, None],
    })
    return frame.assign(**overrides)


def rows(frame=None, spec=SPEC, categories=(), grouped=False, indicator="employment_rate_pct"):
    return region_rows(values() if frame is None else frame, spec, indicator, categories,
                       grouped, FLAGS.__getitem__)


def meta(**overrides) -> TableMeta:
    base = dict(indicator="employment_rate_pct", title="Employment", unit="%", level=2,
                year=2022, sex="Total", country="PL", nuts_version="2021",
                source="Eurostat lfst_r_lfe2emprt", licence="CC BY 4.0",
                link="http://localhost/?country=PL")
    return TableMeta(**(base | overrides))


def test_rows_read_best_first_with_missing_last_and_values_rounded():
    out = rows()
    assert list(out["geo_code"]) == ["PL91", "PL41", "PL21", "PL82", "PL22"]
    assert list(out["value"].iloc[:4]) == [80.0, 70.3, 61.0, 55.6]
    assert pd.isna(out["value"].iloc[-1])  # missing stays missing, never 0
    assert out.loc[out["geo_code"] == "PL82", "geo_name"].item() == "PL82"  # no name: code
    lower = rows(spec=MapSpec(title="x", unit="%", decimals=1, direction="lower"))
    assert list(lower["geo_code"]) == ["PL82", "PL21", "PL41", "PL91", "PL22"]


def test_the_display_table_marks_converted_values_and_describes_flags():
    shown = display_table(rows(), SPEC, "")
    assert list(shown.columns) == ["Region", "Code", "Country", "Value (%)", "Flag", "Source",
                                   "NUTS version", "Profile"]
    by_code = shown.set_index("Code")
    assert by_code.loc["PL41", "NUTS version"] == "2021 (converted from NUTS 2016)"
    assert by_code.loc["PL21", "NUTS version"] == "2021"
    assert by_code.loc["PL21", "Flag"] == "p: provisional"
    assert by_code.loc["PL22", "Flag"] == ""  # no flag is not "no data"
    assert by_code.loc["PL91", "Profile"] == "profile?region=PL91&indicator=employment_rate_pct"
    assert profile_link("PL91", "regional_innovation_index") == "profile?region=PL91"


def test_group_and_category_tables_follow_the_legend_order():
    grouped = values(grp=["Emerging", None, "Moderate", "Leader", "Emerging"],
                     subgroup=["+", None, "", "-", ""])
    out = rows(grouped, grouped=True, indicator="regional_innovation_index")
    assert list(out["cls"].iloc[:4]) == ["Leader -", "Moderate", "Emerging +", "Emerging"]
    assert pd.isna(out["cls"].iloc[4]) and out["geo_code"].iloc[4] == "PL22"
    shown = display_table(out, SPEC, "Innovation group")
    assert "Innovation group" in shown and "Value (%)" in shown
    cats = rows(values(value=[3.0, None, 1.0, 2.0, 7.0]), categories=COHESION,
                indicator="cohesion_category")
    assert list(cats["cls"].iloc[:4]) == ["less developed (< 75 %)", "transition (75-100 %)",
                                          "more developed (>= 100 %)", "not a category (7)"]
    assert pd.isna(cats["cls"].iloc[4])
    assert "Value (%)" not in display_table(cats, SPEC, "Category")  # the code is no value


def test_csv_has_a_header_block_and_reads_back_exactly():
    text = table_csv(rows(), meta(), "")
    header = [line for line in text.splitlines() if line.startswith("#")]
    said = dict(line[2:].split(": ", 1) for line in header)
    assert said["indicator"] == "employment_rate_pct (Employment)"
    assert said["unit"] == "%" and said["year"] == "2022" and said["NUTS version"] == "2021"
    assert said["data status"] == "real (published statistics)"
    assert said["converted values"].startswith("1 (column converted_from_nuts")
    assert said["country"] == "PL" and said["view"] == "http://localhost/?country=PL"
    back = pd.read_csv(io.StringIO(text), comment="#", dtype={"nuts_version": str,
                                                            "converted_from_nuts": str})
    assert list(back.columns) == ["geo_code", "geo_name", "country_code", "value", "flag",
                                  "flag_meaning", "source", "nuts_version",
                                  "converted_from_nuts"]
    assert list(back["geo_code"]) == list(rows()["geo_code"])
    assert back.loc[back["geo_code"] == "PL91", "geo_name"].item() == 'Warszawski, "stołeczny"'
    assert back.loc[back["geo_code"] == "PL41", "converted_from_nuts"].item() == "2016"
    assert pd.isna(back.loc[back["geo_code"] == "PL22", "value"].item())
    assert "\nPL22,Śląskie,PL,,," in text  # missing: an empty field, not 0
    assert "80.0," in text and "70.3," in text  # the indicator's decimals, no float noise


def test_csv_of_a_group_map_has_the_group_column():
    grouped = values(grp=["Emerging", None, "Moderate", "Leader", "Emerging"],
                     subgroup=["+", None, "", "-", ""])
    text = table_csv(rows(grouped, grouped=True), meta(), "Innovation group")
    back = pd.read_csv(io.StringIO(text), comment="#")
    assert back.columns[4] == "innovation_group"
    assert list(back["innovation_group"].iloc[:2]) == ["Leader -", "Moderate"]


@pytest.mark.parametrize(("sources", "expected"), [
    (["demo"] * 3, "demo (synthetic values, not real statistics)"),
    (["eurostat"] * 3, "real (published statistics)"),
    (["demo", "eurostat", "demo"], "mixed: 2 of 3 values are synthetic demo values"),
])
def test_data_status_names_demo_values(sources, expected):
    assert data_status(pd.Series(sources), pd.Series([1.0, 2.0, 3.0])) == expected


def test_data_status_ignores_rows_without_a_value():
    assert data_status(pd.Series(["demo", "eurostat"]), pd.Series([None, 1.0])) == \
        "real (published statistics)"


def test_description_names_the_extremes_and_the_grey_regions():
    text = describe_map(rows(), SPEC, "", "Map of Employment (%), NUTS 2, 2022")
    assert text == ("Map of Employment (%), NUTS 2, 2022: 4 of 5 regions have a value; "
                    "lowest PL82 (PL82, 55.6 %), highest Warszawski, \"stołeczny\" "
                    "(PL91, 80.0 %); 1 grey (no data).")
    grouped = values(grp=["Emerging", None, "Moderate", "Leader", "Emerging"],
                     subgroup=["+", None, "", "-", ""])
    group_text = describe_map(rows(grouped, grouped=True), SPEC, "Innovation group", "Map")
    assert "innovation groups: 1 Leader, 1 Moderate, 2 Emerging; 1 grey (no data)." in \
        group_text
    assert describe_map(rows(values(value=[None] * 5)), SPEC, "", "Map") == \
        "Map: no region has a value."


def test_picker_lists_regions_by_name_with_their_code():
    codes, labels = picker_options(rows())
    assert codes[0] == "PL21" and labels["PL21"] == "Małopolskie (PL21)"
    assert set(codes) == {"PL21", "PL22", "PL41", "PL91", "PL82"}
