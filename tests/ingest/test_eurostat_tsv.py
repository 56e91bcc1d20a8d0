"""Tests for regiodash.ingest.eurostat_tsv (both bulk TSV layouts, value/flag cells, errors)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from regiodash.errors import InputFileError
from regiodash.ingest.eurostat_tsv import parse_eurostat_tsv
from regiodash.ingest.text import decode_text, read_bytes

HEADER = "freq,unit,geo\\TIME_PERIOD\t2019 \t2020 \t2021 \n"


def parse(path: Path, dataset: str | None = "nama_10r_3gdp"):
    return parse_eurostat_tsv(decode_text(read_bytes(path), path), path, dataset)


def parse_text(text: str, name: str = "estat_nama_10r_3gdp.tsv"):
    return parse_eurostat_tsv(text, Path(name))


def cell(frame: pd.DataFrame, geo: str, period: str, unit: str = "MIO_EUR") -> pd.Series:
    rows = frame[(frame.geo == geo) & (frame.time_period == period) & (frame.unit == unit)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_new_layout(fixtures_dir: Path) -> None:
    table = parse(fixtures_dir / "eurostat_new_layout.tsv")
    frame = table.frame
    assert table.format == "eurostat-tsv"
    assert table.dataset == "nama_10r_3gdp"
    assert table.dimensions == ["freq", "unit", "geo"]
    assert list(frame.columns) == ["freq", "unit", "geo", "time_period", "value", "flag"]
    # every cell of the file, missing ones included: 5 series x 3 periods
    assert len(frame) == 15
    assert sorted(frame.time_period.unique()) == ["2019", "2020", "2021"]
    assert frame.value.dtype == "float64"

    de = cell(frame, "DE", "2021")
    assert de.value == 3601750.0 and de.flag == "p"
    assert cell(frame, "DE", "2019").flag is None
    missing = cell(frame, "DE21", "2019")  # ": "
    assert math.isnan(missing.value) and missing.flag is None
    confidential = cell(frame, "DE21", "2020")  # ": c"
    assert math.isnan(confidential.value) and confidential.flag == "c"
    estimated = cell(frame, "DE21", "2021")  # "12.3 e"
    assert estimated.value == 12.3 and estimated.flag == "e"
    composite = cell(frame, "DEZZZ", "2021")  # "0.5 bep"; extra-regio kept
    assert composite.value == 0.5 and composite.flag == "bep"
    assert cell(frame, "EU27_2020", "2020").flag == "d"
    negative = cell(frame, "DE21", "2019", unit="PPS_EU27_2020_HAB")
    assert negative.value == -1.5
    bare_colon = cell(frame, "DE21", "2021", unit="PPS_EU27_2020_HAB")  # ":" without space
    assert math.isnan(bare_colon.value) and bare_colon.flag is None
    assert not frame.duplicated(table.key_columns).any()


def test_old_layout(fixtures_dir: Path) -> None:
    table = parse(fixtures_dir / "eurostat_old_layout.tsv", dataset="lfst_r_lfe2emprt")
    frame = table.frame
    assert table.dimensions == ["unit", "sex", "geo"]
    assert len(frame) == 8
    # periods keep the file's order (old files run newest first) and lose trailing spaces
    assert list(frame.time_period[:2]) == ["2020", "2019"]
    row = frame[(frame.geo == "AT") & (frame.sex == "F") & (frame.time_period == "2019")].iloc[0]
    assert row.value == 70.9 and row.flag == "b"
    uk = frame[(frame.geo == "UK") & (frame.time_period == "2020")].iloc[0]
    assert math.isnan(uk.value) and uk.flag == "z"
    assert set(frame.geo) == {"AT", "EL", "UK"}


def test_crlf_and_bom_read_like_lf(fixtures_dir: Path) -> None:
    raw = (fixtures_dir / "eurostat_crlf_bom.tsv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # the fixture really is CRLF+BOM
    crlf = parse(fixtures_dir / "eurostat_crlf_bom.tsv").frame
    lf = parse(fixtures_dir / "eurostat_new_layout.tsv").frame
    pd.testing.assert_frame_equal(crlf, lf)
    assert crlf.columns[0] == "freq"  # no BOM glued to the first dimension name


def test_dataset_from_file_name() -> None:
    table = parse_text(HEADER + "A,MIO_EUR,DE21\t1 \t2 \t3 \n", "estat_nama_10r_2gdp.tsv")
    assert table.dataset == "nama_10r_2gdp"


def test_header_case_and_time_label() -> None:
    table = parse_text("UNIT,GEO\\time\t2020\nPC,AT\t1.5\n")
    assert table.dimensions == ["unit", "geo"]
    assert table.frame.iloc[0].to_dict() == {
        "unit": "PC",
        "geo": "AT",
        "time_period": "2020",
        "value": 1.5,
        "flag": None,
    }


def test_quarterly_periods_kept_as_published() -> None:
    table = parse_text("freq,geo\\TIME_PERIOD\t2021-Q1 \t2021-Q2 \nQ,AT\t1 \t2 u\n")
    assert list(table.frame.time_period) == ["2021-Q1", "2021-Q2"]
    assert list(table.frame.flag) == [None, "u"]


def test_blank_lines_are_skipped_but_counted() -> None:
    text = HEADER + "A,MIO_EUR,DE21\t1 \t2 \t3 \n\nA,MIO_EUR,DE22\t1 \t2 \t3x\n"
    with pytest.raises(InputFileError) as err:
        parse_text(text)
    assert err.value.line == 4  # the blank line 3 still counts


# ------------------------------------------------------------------------- errors


def test_truncated_line(fixtures_dir: Path) -> None:
    path = fixtures_dir / "bad_truncated.tsv"
    with pytest.raises(InputFileError) as err:
        parse(path)
    assert err.value.path == path
    assert err.value.line == 4
    assert err.value.column == "2021"
    assert "3 tab-separated fields" in str(err.value)


def test_too_many_fields() -> None:
    with pytest.raises(InputFileError) as err:
        parse_text(HEADER + "A,MIO_EUR,DE21\t1 \t2 \t3 \t4 \n")
    assert (err.value.line, err.value.column) == (2, 5)


def test_saved_with_semicolons(fixtures_dir: Path) -> None:
    with pytest.raises(InputFileError, match="separated by ';'.*tab-separated") as err:
        parse(fixtures_dir / "bad_semicolon.tsv")
    assert err.value.line == 1


def test_saved_with_commas() -> None:
    text = HEADER.replace("\t", ",") + "A,MIO_EUR,DE21,1 ,2 ,3 \n"
    with pytest.raises(InputFileError, match="separated by ','"):
        parse_text(text)


def test_data_lines_with_wrong_delimiter() -> None:
    with pytest.raises(InputFileError, match="wrong delimiter") as err:
        parse_text(HEADER + "A,MIO_EUR,DE21;1 ;2 ;3 \n")
    assert err.value.line == 2


def test_non_numeric_value(fixtures_dir: Path) -> None:
    with pytest.raises(InputFileError) as err:
        parse(fixtures_dir / "bad_value.tsv")
    assert (err.value.line, err.value.column) == (3, "2021")
    assert "'12,3x'" in str(err.value)


@pytest.mark.parametrize(
    "bad", ["12,3", "1 234", "abc", "12.3.4", "nan", "1e", "3x", "-", "1.5 p q"]
)
def test_values_that_are_not_numbers(bad: str) -> None:
    with pytest.raises(InputFileError, match="not a number"):
        parse_text(HEADER + f"A,MIO_EUR,DE21\t1 \t{bad}\t3 \n")


def test_duplicate_series_names_both_lines(fixtures_dir: Path) -> None:
    with pytest.raises(InputFileError, match="lines 3 and 7") as err:
        parse(fixtures_dir / "bad_duplicate.tsv")
    assert err.value.line == 7


def test_duplicate_period_header() -> None:
    with pytest.raises(InputFileError, match="appears twice") as err:
        parse_text("freq,geo\\TIME_PERIOD\t2020 \t2020\nA,AT\t1\t2\n")
    assert (err.value.line, err.value.column) == (1, 3)


def test_series_key_with_wrong_number_of_codes() -> None:
    with pytest.raises(InputFileError, match="3 comma-separated codes") as err:
        parse_text(HEADER + "A,DE21\t1 \t2 \t3 \n")
    assert err.value.line == 2


def test_geo_in_columns_is_rejected() -> None:
    with pytest.raises(InputFileError, match="periods must run across the columns"):
        parse_text("unit,time\\geo\tAT\tDE\nPC,2020\t1\t2\n")


def test_header_only() -> None:
    with pytest.raises(InputFileError, match="no data lines"):
        parse_text(HEADER)


def test_first_cell_without_backslash() -> None:
    with pytest.raises(InputFileError, match="should look like") as err:
        parse_text("freq,unit,geo\t2019\nA,X,AT\t1\n")
    assert (err.value.line, err.value.column) == (1, 1)
