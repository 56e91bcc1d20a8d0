"""Tests for regiodash.ingest.tidy (the user's own CSV/XLSX)."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from openpyxl import Workbook

from regiodash.errors import InputFileError
from regiodash.ingest.text import decode_text, read_bytes
from regiodash.ingest.tidy import detect_delimiter, parse_tidy_csv, parse_tidy_xlsx


def parse(path: Path, dataset: str | None = None):
    return parse_tidy_csv(decode_text(read_bytes(path), path), path, dataset)


def parse_text(text: str, name: str = "my regions.csv"):
    return parse_tidy_csv(text, Path(name))


def xlsx_bytes(rows: list[list[object]], sheets: int = 1) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if sheets == 2:  # a first sheet without a tidy header
        sheet.title = "notes"
        sheet.append(["read me"])
        sheet = workbook.create_sheet("data")
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_comma_csv(fixtures_dir: Path) -> None:
    table = parse(fixtures_dir / "tidy.csv")
    frame = table.frame
    assert table.format == "tidy"
    assert table.dataset == "user_tidy"
    assert table.dimensions == ["geo", "sex"]
    assert list(frame.columns) == ["geo", "sex", "time_period", "value", "flag"]
    assert frame.to_dict("records")[:3] == [
        {"geo": "DE21", "sex": "F", "time_period": "2020", "value": 12.5, "flag": None},
        {"geo": "DE21", "sex": "M", "time_period": "2020", "value": 13.5, "flag": "p"},
        # lower-case code upper-cased, empty sex -> T
        {"geo": "DE21", "sex": "T", "time_period": "2021", "value": 14.0, "flag": "e"},
    ]
    assert math.isnan(frame.value.iloc[3])  # empty value


def test_semicolon_csv_with_decimal_comma_bom_crlf(fixtures_dir: Path) -> None:
    table = parse(fixtures_dir / "tidy_semicolon.csv")
    assert table.dimensions == ["geo", "sex", "unit"]
    assert table.frame.value.tolist() == [12.5, -0.25, 1000.0]
    assert set(table.frame.sex) == {"T"}  # no sex column
    assert set(table.frame.unit) == {"PC"}


def test_decimal_comma_rejected_with_comma_delimiter() -> None:
    with pytest.raises(InputFileError, match="only accepted in semicolon") as err:
        parse_text('geo_code,year,value\nDE21,2020,"12,5"\n')
    assert (err.value.line, err.value.column) == (2, "value")


def test_tab_delimited() -> None:
    table = parse_text("geo_code\tyear\tvalue\nAT13\t2020\t3.5\n")
    assert table.frame.value.tolist() == [3.5]


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("geo_code,year,value", ","),
        (" GEO_CODE ; Year ; Value ", ";"),
        ('"geo_code","year","value"', ","),
        ("geo,year,value", None),
    ],
)
def test_detect_delimiter(header: str, delimiter: str | None) -> None:
    assert detect_delimiter(header) == delimiter


def test_xlsx() -> None:
    data = xlsx_bytes(
        [
            ["GEO_CODE", " Year ", "Value", "Sex", "Flag", "comment"],
            ["DE21", 2020, 12.5, "F", None, "x"],
            ["DE21", 2020.0, "13.5", "male", "P", None],
            [None, None, None, None, None, None],  # empty row skipped
            ["AT13", "2021", None, None, None, None],
        ],
        sheets=2,
    )
    table = parse_tidy_xlsx(data, Path("Gender Gap 2024.xlsx"))
    frame = table.frame
    assert table.dataset == "user_gender_gap_2024"
    assert frame.geo.tolist() == ["DE21", "DE21", "AT13"]
    assert frame.sex.tolist() == ["F", "M", "T"]
    assert frame.time_period.tolist() == ["2020", "2020", "2021"]
    assert frame.value.tolist()[:2] == [12.5, 13.5] and math.isnan(frame.value.iloc[2])
    assert frame.flag.tolist() == [None, "p", None]


def test_xlsx_errors_use_excel_row_numbers() -> None:
    data = xlsx_bytes([["geo_code", "year", "value"], ["DE21", 2020, 1], [], ["DE22", 2020, "x"]])
    with pytest.raises(InputFileError, match="'x' is not a number") as err:
        parse_tidy_xlsx(data, Path("mine.xlsx"))
    assert (err.value.line, err.value.column) == (4, "value")


def test_xlsx_without_tidy_header() -> None:
    data = xlsx_bytes([["region", "jahr", "wert"], ["DE21", 2020, 1]])
    with pytest.raises(InputFileError, match="no sheet has the columns geo_code, year, value"):
        parse_tidy_xlsx(data, Path("mine.xlsx"))


def test_not_an_xlsx() -> None:
    with pytest.raises(InputFileError, match="not a readable .xlsx"):
        parse_tidy_xlsx(b"PK\x03\x04garbage", Path("mine.xlsx"))


# ------------------------------------------------------------------------- errors


def test_duplicate_rows_name_both_lines() -> None:
    text = "geo_code,year,value,sex\nDE21,2020,1,F\nDE21,2020,2,M\nDE21,2020,3,F\n"
    with pytest.raises(InputFileError, match="lines 2 and 4") as err:
        parse_text(text)
    assert err.value.line == 4


def test_missing_sex_means_total_for_duplicates_too() -> None:
    with pytest.raises(InputFileError, match="lines 2 and 3"):
        parse_text("geo_code,year,value,sex\nDE21,2020,1,\nDE21,2020,2,T\n")


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ("DE21,20x0,1", "year", "not a four-digit year"),
        ("DE21,2020,12x", "value", "'12x' is not a number"),
        (",2020,1", "geo_code", "empty geo_code"),
    ],
)
def test_bad_cells(line: str, column: str, message: str) -> None:
    with pytest.raises(InputFileError, match=message) as err:
        parse_text("geo_code,year,value\nAT13,2019,1\n" + line + "\n")
    assert (err.value.line, err.value.column) == (3, column)


def test_bad_sex() -> None:
    with pytest.raises(InputFileError, match="must be F, M or T") as err:
        parse_text("geo_code;year;value;Sex\nAT13;2019;1;X\n")
    assert (err.value.line, err.value.column) == (2, "Sex")


def test_truncated_row() -> None:
    with pytest.raises(InputFileError, match="truncated") as err:
        parse_text("geo_code,year,value\nAT13,2019,1\nAT13,2020")
    assert (err.value.line, err.value.column) == (3, "value")


def test_duplicate_column() -> None:
    with pytest.raises(InputFileError, match="'value' appears twice"):
        parse_text("geo_code,year,value,Value\nAT13,2019,1,2\n")


def test_header_without_required_columns() -> None:
    with pytest.raises(InputFileError, match="unknown header") as err:
        parse_text("geo,year,value\nAT13,2019,1\n")
    assert err.value.line == 1


def test_explicit_dataset() -> None:
    assert parse_text("geo_code,year,value\nAT13,2019,1\n").dataset == "user_my_regions"
    table = parse_tidy_csv("geo_code,year,value\nAT13,2019,1\n", Path("x.csv"), "my_index")
    assert table.dataset == "my_index"
