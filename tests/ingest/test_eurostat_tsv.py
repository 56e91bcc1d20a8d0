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
    # the old layout writes the frequency in the period: freq is derived from it
    assert table.dimensions == ["freq", "unit", "sex", "geo"]
    assert set(frame.freq) == {"A"}
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
    assert table.dimensions == ["freq", "unit", "geo"]
    assert table.frame.iloc[0].to_dict() == {
        "freq": "A",
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


# ----------------------------------------------------------- frequency of old files


@pytest.mark.parametrize(
    ("periods", "freq"),
    [
        (["2015", "2014"], ["A", "A"]),
        (["2015Q2", "2015Q1"], ["Q", "Q"]),
        (["2015M02", "2015-01"], ["M", "M"]),
        (["2015S1", "2015W07", "2015-01-31"], ["S", "W", "D"]),
        (["2015", "2015_2017"], None),  # a period of no known form: no freq column
    ],
)
def test_freq_derived_from_old_periods(periods, freq) -> None:
    header = "unit,geo\\time\t" + "\t".join(f"{p} " for p in periods) + "\n"
    table = parse_text(header + "PC,AT\t" + "\t".join("1 " for _ in periods) + "\n")
    if freq is None:
        assert "freq" not in table.frame.columns and table.dimensions == ["unit", "geo"]
    else:
        assert list(table.frame.freq) == freq and table.dimensions[0] == "freq"


def test_new_layout_keeps_its_own_freq() -> None:
    table = parse_text("freq,unit,geo\\TIME_PERIOD\t2021-Q1 \nQ,PC,AT\t1 \n")
    assert list(table.frame.freq) == ["Q"] and table.dimensions == ["freq", "unit", "geo"]


# ------------------------------------------------------- files without a final line break


def test_last_cell_cut_is_refused() -> None:
    # "88 p" cut after its first digit: "8" is a number, so only the missing line break shows
    with pytest.raises(InputFileError, match="ends without a line break.*re-download") as err:
        parse_text(HEADER + "A,MIO_EUR,DE21\t1 \t2 \t3 \nA,MIO_EUR,DE22\t90 \t89 \t8")
    assert (err.value.line, err.value.column) == (3, "2021")
    assert "estat_nama_10r_3gdp.tsv, line 3, column '2021'" in str(err.value)


@pytest.mark.parametrize("ending", ["3 p", "3 ", "3 \r", ": "])
def test_complete_looking_last_line_without_break_is_refused(ending: str) -> None:
    with pytest.raises(InputFileError, match="ends without a line break"):
        parse_text(HEADER + "A,MIO_EUR,DE21\t1 \t2 \t" + ending)


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\n\n", "\n  \t", "\r\n\r\n"])
def test_final_line_break_accepted(ending: str) -> None:
    table = parse_text(HEADER + "A,MIO_EUR,DE21\t1 \t2 \t88 p" + ending)
    assert table.frame.value.iloc[-1] == 88.0 and table.frame.flag.iloc[-1] == "p"


def test_short_last_line_names_its_missing_column(fixtures_dir: Path) -> None:
    # bad_truncated.tsv also lacks its final line break: the field count, which names the
    # first missing period, is reported first
    with pytest.raises(InputFileError, match="3 tab-separated fields") as err:
        parse(fixtures_dir / "bad_truncated.tsv")
    assert (err.value.line, err.value.column) == (4, "2021")


@pytest.mark.real_data
def test_real_tsv_cut_inside_its_last_cell(real_data_dir: Path, tmp_path: Path) -> None:
    """The case from issue 13: the real GDP file cut after "8" of the last cell "88 p"."""
    real = (real_data_dir / "eurostat/bulk_tsv/estat_nama_10r_3gdp.tsv").read_bytes()
    lines = real.split(b"\n")
    assert lines[1879].endswith(b"\t88 p")  # line 1880: BE35 EUR_HAB_EU27_2020, 2022 = 88 p
    cut = tmp_path / "estat_nama_10r_3gdp.tsv"
    cut.write_bytes(b"\n".join(lines[:1879]) + b"\n" + lines[1879][:-3])
    with pytest.raises(InputFileError, match="ends without a line break") as err:
        parse(cut, dataset=None)
    assert (err.value.line, err.value.column) == (1880, "2022")
    # the same lines with their line break import, with the value and flag as published
    whole = tmp_path / "whole" / "estat_nama_10r_3gdp.tsv"
    whole.parent.mkdir()
    whole.write_bytes(b"\n".join(lines[:1880]) + b"\n")
    frame = parse(whole, dataset=None).frame
    last = frame[(frame.geo == "BE35") & (frame.unit == "EUR_HAB_EU27_2020")
                 & (frame.time_period == "2022")].iloc[0]
    assert (last.value, last.flag) == (88.0, "p")
