"""storage.coverage: the observation count per catalog indicator and the reason for none."""

from __future__ import annotations

import math

import pandas as pd

from indicators.catalog import CATALOG_BY_ID
from regiodash.storage.coverage import (
    CATALOG_DATASETS,
    catalog_indicators,
    count_observations,
    explain_empty,
    show_values,
)

RATE = CATALOG_BY_ID["unemployment_rate_pct"]  # freq A, age Y15-74, isced11 TOTAL, unit PC; sex


def frame(**overrides) -> pd.DataFrame:
    rows = {"freq": ["A"] * 4, "isced11": ["TOTAL"] * 4, "sex": ["F", "M", "T", "DIFF"],
            "age": ["Y15-74"] * 4, "unit": ["PC"] * 4, "geo": ["AT"] * 4,
            "time_period": ["2023"] * 4, "value": [5.3, 4.9, 5.1, 0.4],
            "flag": [None] * 4}
    rows.update(overrides)
    return pd.DataFrame(rows)


def test_counts_rows_matching_filters_sex_year_and_value() -> None:
    assert count_observations(frame(), RATE) == 3  # DIFF is no sex the catalog reads
    assert count_observations(frame(value=[5.3, math.nan, 5.1, 0.4]), RATE) == 2
    assert count_observations(frame(time_period=["2023", "2023-Q1", "2023", "2023"]), RATE) == 2


def test_reasons_name_the_column_and_what_it_has() -> None:
    assert explain_empty(frame(isced11=["ED0-2", "ED0-2", "ED5-8", "ED5-8"]), RATE) == (
        "isced11 has 'ED0-2', 'ED5-8' but the catalog wants TOTAL", "isced11")
    assert explain_empty(frame().drop(columns="isced11"), RATE)[0].startswith(
        "the file has no 'isced11' column")
    assert explain_empty(frame(sex=["X"] * 4), RATE) == (
        "sex has 'X' but the catalog wants F, M or T", "sex")
    assert explain_empty(frame(time_period=["2023-Q1"] * 4), RATE)[1] == "time_period"
    assert explain_empty(frame(value=[math.nan] * 4), RATE) == (
        "the 3 annual rows with freq = A, age = Y15-74, isced11 = TOTAL, unit = PC all lack "
        "a value (':' or empty)", "value")


def test_filters_that_match_only_apart() -> None:
    mixed = frame(isced11=["TOTAL", "ED0-2", "ED0-2", "ED0-2"], age=["Y20-64", "Y15-74",
                                                                      "Y15-74", "Y15-74"])
    assert count_observations(mixed, RATE) == 0
    assert explain_empty(mixed, RATE)[0].startswith("no annual row combines freq = A")


def test_show_values_is_short_and_sorted() -> None:
    assert show_values(["b", "a", "b"]) == "'a', 'b'"
    assert show_values([str(i) for i in range(8)]) == "'0', '1', '2', '3', '4' and 3 more"
    assert show_values([]) == "no values"


def test_catalog_datasets() -> None:
    assert {"lfst_r_lfu3rt", "edat_lfse_04", "nama_10r_3gdp"} <= CATALOG_DATASETS
    assert [e.indicator_id for e in catalog_indicators("edat_lfse_04")] == [
        "tertiary_attainment_25_64_pct", "tertiary_attainment_25_34_pct"]
    assert catalog_indicators("lfsi_emp_a") == ()
