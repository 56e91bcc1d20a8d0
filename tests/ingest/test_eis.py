"""Tests for regiodash.ingest.eis: the real EIS 2023 table (read, and its Summary Innovation
Index rebuilt from the 32 indicator scores with the shipped spec) and small inline
workbooks for the refusals."""

from __future__ import annotations

import math

import openpyxl
import pytest

from regiodash.ingest.eis import (
    EU_CODE,
    SII_ID,
    EisFormatError,
    read_eis,
    rebuild_summary_index,
    summarise_differences,
)

# The published index of these countries cannot be rebuilt from the table (docs/composite.md
# explains each); every other country and the EU reproduce to rounding.
NOT_REBUILDABLE = {"CH", "IE", "IS", "TR", "BA", "UK"}


@pytest.fixture(scope="module")
def eis(real_data_dir):
    path = real_data_dir / "eis" / "EIS_Data_transformed.xlsx"
    if not path.exists():
        pytest.skip("real EIS file not available")
    return read_eis(path)


@pytest.mark.real_data
def test_real_table_shape_and_values(eis):
    values = eis.values
    assert len(eis.indicator_ids) == 32 and eis.indicator_ids[0] == "eis_1_1_1"
    assert values["geo_code"].nunique() == 39 and sorted(values["year"].unique()) == list(
        range(2016, 2024))
    assert values.duplicated(["indicator_id", "geo_code", "year"]).sum() == 0  # Level 0/1 once
    sii = values[values["indicator_id"] == SII_ID].set_index(["geo_code", "year"])["value"]
    assert sii[("AL", 2016)] == 37.961  # stored as '37.960999999999999'
    assert sii[(EU_CODE, 2016)] == 100.0
    eu = values[values["geo_code"] == EU_CODE]
    assert (eu["nuts_level"] == -1).all() and (values["source"] == "eis").all()
    # 'n/a' is missing (no row), '0' a real zero
    al = values[(values["geo_code"] == "AL") & (values["year"] == 2016)]
    assert "eis_2_1_2" not in set(al["indicator_id"])  # 'n/a' in the file
    assert al.set_index("indicator_id").loc["eis_1_2_2", "value"] == 0.0
    assert values["value"].map(math.isfinite).all()


@pytest.mark.real_data
def test_summary_index_rebuilt_from_the_indicator_scores(eis):
    rebuilt = rebuild_summary_index(eis)
    assert len(rebuilt) == 39 * 8 and rebuilt["rebuilt"].notna().all()
    good = rebuilt[~rebuilt["geo_code"].isin(NOT_REBUILDABLE)]
    assert good["geo_code"].nunique() == 33  # 32 countries and the EU
    assert good["diff"].abs().max() < 0.01  # in fact < 0.001: the table has 3 decimals
    summary = summarise_differences(rebuilt).set_index("geo_code")
    bad = summary.loc[sorted(NOT_REBUILDABLE)]
    assert (bad["max_abs_diff"] > 0.1).all()  # the six do not match, and the test says so


def _workbook(tmp_path, rows, header=None):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header or ["Year", "Country", "CountryName", "Perf", "Level", "Zone",
                            "0 Summary Innovation Index", "1.1.1 New doctorate graduates"])
    for r in rows:
        sheet.append(r)
    path = tmp_path / "eis.xlsx"
    book.save(path)
    return path


def test_inline_workbook_text_numbers_and_missing(tmp_path):
    path = _workbook(tmp_path, [
        [2016, "EU Average", "EU", "EU", 0, "EU", "100", "100"],
        [2016, "AT", "Austria", "Strong", 0, "EU", "123.59800000000001", "n/a"],
        [2016, "AT", "Austria", "Strong", 1, "EU", "123.59800000000001", "n/a"],
    ])
    table = read_eis(path)
    got = {(r.indicator_id, r.geo_code): r.value for r in table.values.itertuples()}
    assert got == {(SII_ID, "AT"): 123.598, (SII_ID, EU_CODE): 100.0,
                   ("eis_1_1_1", EU_CODE): 100.0}
    assert table.indicator_ids == ["eis_1_1_1"]


def test_refusals_name_the_cell(tmp_path):
    path = _workbook(tmp_path, [[2016, "AT", "Austria", "Strong", 0, "EU", "12,5", "1"]])
    with pytest.raises(EisFormatError, match=r"sheet cell G2: '12,5' is not a number"):
        read_eis(path)
    path = _workbook(tmp_path, [[2016, "AT", "Austria", "Strong", 0, "EU", "1", "1"],
                                [2016, "AT", "Austria", "Strong", 1, "EU", "2", "1"]])
    with pytest.raises(EisFormatError, match=r"cell G3: 2.0 differs from 1.0 on row 2"):
        read_eis(path)
    path = _workbook(tmp_path, [], header=["Jahr", "Land"])
    with pytest.raises(EisFormatError, match=r"row 1: expected columns Year"):
        read_eis(path)
    with pytest.raises(EisFormatError, match="not a readable .xlsx"):
        read_eis(tmp_path / "missing.xlsx")
