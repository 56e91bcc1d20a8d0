"""Tests for regiodash.ingest.readers (format sniffing, dispatch, bad files) and the shared
primitives it reads with (ingest.text, ingest.cells: dataset codes, numbers, lines)."""

from __future__ import annotations

import gzip
import io
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook

from regiodash.errors import InputFileError
from regiodash.ingest.cells import dataset_from_filename, parse_numbers
from regiodash.ingest.readers import detect_format, read_file
from regiodash.ingest.text import split_lines


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("eurostat_new_layout.tsv", "eurostat-tsv"),
        ("eurostat_old_layout.tsv", "eurostat-tsv"),
        ("eurostat_crlf_bom.tsv", "eurostat-tsv"),
        ("bad_semicolon.tsv", "eurostat-tsv"),  # recognised, then rejected by the parser
        ("sdmx_codes.csv", "sdmx-csv"),
        ("sdmx_labels.csv", "sdmx-csv"),
        ("sdmx_both.csv", "sdmx-csv"),
        ("jsonstat_nama_10r_2gdp.json", "jsonstat"),
        ("tidy.csv", "tidy"),
        ("tidy_semicolon.csv", "tidy"),
    ],
)
def test_detect_format(fixtures_dir: Path, name: str, fmt: str) -> None:
    assert detect_format(fixtures_dir / name) == fmt


def test_detection_ignores_the_extension(fixtures_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "download.txt"
    shutil.copy(fixtures_dir / "jsonstat_nama_10r_2gdp.json", target)
    assert detect_format(target) == "jsonstat"
    shutil.copy(fixtures_dir / "sdmx_codes.csv", target)
    assert read_file(target).format == "sdmx-csv"


def test_gzip_is_transparent(fixtures_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "nama_10r_3gdp.tsv.gz"
    target.write_bytes(gzip.compress((fixtures_dir / "eurostat_new_layout.tsv").read_bytes()))
    table = read_file(target)
    assert table.format == "eurostat-tsv"
    assert table.dataset == "nama_10r_3gdp"
    assert len(table.frame) == 15


def test_truncated_gzip(fixtures_dir: Path, tmp_path: Path) -> None:
    data = gzip.compress((fixtures_dir / "eurostat_new_layout.tsv").read_bytes())
    target = tmp_path / "nama_10r_3gdp.tsv.gz"
    target.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputFileError, match="gzip-compressed file is truncated"):
        read_file(target)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("estat_nama_10r_3gdp.tsv", "nama_10r_3gdp"),
        ("nama_10r_3gdp.tsv.gz", "nama_10r_3gdp"),
        ("estat_nama_10r_3gdp.tsv.gz", "nama_10r_3gdp"),
        ("NAMA_10R_3GDP.TSV", "nama_10r_3gdp"),
        ("demo_r_d3dens.json", "demo_r_d3dens"),
        ("My GDP file (1).tsv", None),
        ("x.tsv", None),
    ],
)
def test_dataset_from_filename(name: str, code: str | None) -> None:
    assert dataset_from_filename(name) == code


def test_dataset_precedence(fixtures_dir: Path, tmp_path: Path) -> None:
    # content (DATAFLOW) beats the file name; an explicit argument beats both
    target = tmp_path / "estat_other_code.csv"
    shutil.copy(fixtures_dir / "sdmx_codes.csv", target)
    assert read_file(target).dataset == "nama_10r_2gdp"
    assert read_file(target, dataset="gdp_nuts2").dataset == "gdp_nuts2"


def test_invalid_dataset_code(fixtures_dir: Path) -> None:
    with pytest.raises(InputFileError, match="'GDP-2024'.*2-64 characters"):
        read_file(fixtures_dir / "eurostat_new_layout.tsv", dataset="GDP-2024")


def test_tsv_without_usable_name_needs_a_dataset(fixtures_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "My GDP file (1).tsv"
    shutil.copy(fixtures_dir / "eurostat_new_layout.tsv", target)
    with pytest.raises(InputFileError, match="pass it explicitly"):
        read_file(target)
    assert read_file(target, dataset="nama_10r_3gdp").dataset == "nama_10r_3gdp"


def test_tidy_xlsx_through_read_file(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.active.append(["geo_code", "year", "value"])
    workbook.active.append(["PL91", 2022, 7.25])
    target = tmp_path / "Warsaw.xlsx"
    workbook.save(target)
    assert detect_format(target) == "tidy"
    table = read_file(target)
    assert table.dataset == "user_warsaw"
    assert table.frame.value.tolist() == [7.25]


def test_xlsx_with_unknown_header(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.active.append(["Region", "Jahr", "Wert"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    target = tmp_path / "x.xlsx"
    target.write_bytes(buffer.getvalue())
    with pytest.raises(InputFileError, match="no sheet has the columns"):
        detect_format(target)


# ------------------------------------------------------------------------- bad files


def test_unknown_header(fixtures_dir: Path) -> None:
    path = fixtures_dir / "bad_unknown_header.csv"
    with pytest.raises(InputFileError) as err:
        read_file(path)
    message = str(err.value)
    assert message.startswith(f"{path}, line 1, column 1: unknown header 'region;jahr;wert'")
    for expected in ("Eurostat TSV", "SDMX-CSV", "JSON-stat", "geo_code, year, value"):
        assert expected in message


def test_empty_file(fixtures_dir: Path) -> None:
    with pytest.raises(InputFileError, match="file is empty") as err:
        read_file(fixtures_dir / "empty.csv")
    assert err.value.line == 1


def test_whitespace_only_file(tmp_path: Path) -> None:
    target = tmp_path / "blank.csv"
    target.write_text("\n \r\n")
    with pytest.raises(InputFileError, match="file is empty"):
        read_file(target)


def test_non_utf8(fixtures_dir: Path) -> None:
    with pytest.raises(InputFileError, match="0xe9 is not valid UTF-8") as err:
        read_file(fixtures_dir / "bad_latin1.csv")
    # "AT13,2020,2.5,Wien \xe9": the byte is the 20th of line 3
    assert (err.value.line, err.value.column) == (3, 20)


def test_utf16_with_bom(fixtures_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "tidy16.csv"
    text = (fixtures_dir / "tidy.csv").read_text(encoding="utf-8")
    target.write_bytes(text.encode("utf-16"))
    assert len(read_file(target).frame) == 4


def test_json_that_is_not_jsonstat(tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    target.write_text('{"name": "not a cube"}')
    with pytest.raises(InputFileError, match="not a JSON-stat 2.0 dataset"):
        read_file(target)


def test_truncated_jsonstat(fixtures_dir: Path, tmp_path: Path) -> None:
    data = (fixtures_dir / "jsonstat_nama_10r_2gdp.json").read_bytes()
    target = tmp_path / "cut.json"
    target.write_bytes(data[:700])
    with pytest.raises(InputFileError, match="truncated") as err:
        read_file(target)
    assert err.value.line == data[:700].count(b"\n") + 1


def test_legacy_xls(tmp_path: Path) -> None:
    target = tmp_path / "old.xls"
    target.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(InputFileError, match="legacy Excel"):
        read_file(target)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="file not found"):
        read_file(tmp_path / "nope.tsv")


@pytest.mark.parametrize(
    "name",
    [
        "bad_truncated.tsv",
        "bad_semicolon.tsv",
        "bad_value.tsv",
        "bad_duplicate.tsv",
        "bad_unknown_header.csv",
        "bad_latin1.csv",
        "empty.csv",
    ],
)
def test_bad_fixtures_raise_one_located_error(fixtures_dir: Path, name: str) -> None:
    path = fixtures_dir / name
    with pytest.raises(InputFileError) as err:
        read_file(path, dataset="some_dataset")
    assert err.value.path == path
    assert err.value.line is not None
    assert str(err.value).startswith(str(path))


# ------------------------------------------------------------------------- primitives


def test_split_lines() -> None:
    assert split_lines("a\r\nb\nc") == ["a", "b", "c"]
    assert split_lines("a\n\nb\n") == ["a", "", "b"]


def test_parse_numbers() -> None:
    values, bad = parse_numbers([" 1.5", ":", "", "-2", "1e3", ".5"])
    assert bad is None
    assert values[0] == 1.5 and values[3] == -2 and values[4] == 1000 and values[5] == 0.5
    assert parse_numbers(["1", "1_000"])[1] == 1
    assert parse_numbers(["inf"])[1] == 0
    assert parse_numbers(["1,5"], decimal_comma=True)[0].tolist() == [1.5]
    assert parse_numbers(["1,5"])[1] == 0


def test_error_messages_about_huge_fields_stay_readable():
    from regiodash.errors import MAX_COLUMN, MAX_MESSAGE, InputFileError

    err = InputFileError("f.csv", f"sex {'A' * 100_000 + '2020'!r} must be F, M or T", line=3,
                         column="B" * 5_000)
    text = str(err)
    assert len(text) < MAX_MESSAGE + MAX_COLUMN + 40
    assert text.startswith("f.csv, line 3, column 'BBB")
    assert "characters cut" in text and text.endswith("2020' must be F, M or T")
