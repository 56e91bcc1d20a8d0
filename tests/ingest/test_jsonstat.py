"""Tests for regiodash.ingest.jsonstat (sparse Eurostat responses, dense lists, errors)."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from regiodash.errors import InputFileError
from regiodash.ingest.jsonstat import parse_jsonstat

FIXTURE = "jsonstat_nama_10r_2gdp.json"


@pytest.fixture()
def doc(fixtures_dir: Path) -> dict:
    return json.loads((fixtures_dir / FIXTURE).read_text(encoding="utf-8"))


def parse_doc(doc: dict, name: str = "download.json", **kwargs):
    return parse_jsonstat(json.dumps(doc), Path(name), **kwargs)


def cell(frame: pd.DataFrame, unit: str, geo: str, period: str) -> pd.Series:
    rows = frame[(frame.unit == unit) & (frame.geo == geo) & (frame.time_period == period)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_sparse_eurostat_response(fixtures_dir: Path) -> None:
    path = fixtures_dir / FIXTURE
    table = parse_jsonstat(path.read_text(encoding="utf-8"), path)
    frame = table.frame
    assert table.format == "jsonstat"
    assert table.dataset == "nama_10r_2gdp"  # from extension.id
    assert table.dimensions == ["freq", "unit", "geo"]
    assert list(frame.columns) == ["freq", "unit", "geo", "time_period", "value", "flag"]
    # 18 cells; 14 have a value, 3 more only a status; position 13 has neither
    assert len(frame) == 17
    assert frame.value.notna().sum() == 14
    # row-major over id: position 2 = (A, MIO_EUR, DE21, 2021)
    first = cell(frame, "MIO_EUR", "DE21", "2021")
    assert first.value == 273025.5 and first.flag == "p"
    assert cell(frame, "MIO_EUR", "EL30", "2019").value == 43170.77
    # position 6: status "c" without a value
    confidential = cell(frame, "MIO_EUR", "DEZZ", "2019")
    assert math.isnan(confidential.value) and confidential.flag == "c"
    assert cell(frame, "MIO_EUR", "DEZZ", "2021").flag == "e"
    assert cell(frame, "EUR_HAB", "DE21", "2021").value == 60100
    # position 14: status ":" only says "no value"
    colon = cell(frame, "EUR_HAB", "EL30", "2021")
    assert math.isnan(colon.value) and colon.flag is None
    composite = cell(frame, "EUR_HAB", "DEZZ", "2020")
    assert math.isnan(composite.value) and composite.flag == "bep"
    # position 13 (EUR_HAB, EL30, 2020) is absent from value and status
    assert frame[(frame.unit == "EUR_HAB") & (frame.geo == "EL30")].time_period.tolist() == [
        "2019",
        "2021",
    ]
    assert not frame.duplicated(table.key_columns).any()


def test_dense_list_variant(doc: dict) -> None:
    total = 18
    dense = copy.deepcopy(doc)
    dense["value"] = [doc["value"].get(str(i)) for i in range(total)]
    dense["status"] = [doc["status"].get(str(i)) for i in range(total)]
    dense["dimension"]["geo"]["category"]["index"] = ["DE21", "EL30", "DEZZ"]  # list form
    table = parse_doc(dense)
    frame = table.frame
    assert len(frame) == total  # every cell of a dense cube
    assert cell(frame, "MIO_EUR", "DE21", "2021").value == 273025.5
    hole = cell(frame, "EUR_HAB", "EL30", "2020")
    assert math.isnan(hole.value) and hole.flag is None
    sparse = parse_doc(doc).frame
    merged = frame.merge(sparse, on=["freq", "unit", "geo", "time_period"], suffixes=("", "_s"))
    assert len(merged) == 17
    pd.testing.assert_series_equal(merged.value, merged.value_s, check_names=False)
    assert (merged.flag.fillna("-") == merged.flag_s.fillna("-")).all()


def test_status_as_one_string_and_single_category_label_only(doc: dict) -> None:
    doc = copy.deepcopy(doc)
    doc["status"] = "p"
    del doc["dimension"]["freq"]["category"]["index"]  # one category: label only
    frame = parse_doc(doc).frame
    assert set(frame.flag) == {"p"}
    assert set(frame.freq) == {"A"}
    assert len(frame) == 18


def test_dataset_code_fallbacks(doc: dict) -> None:
    doc = copy.deepcopy(doc)
    assert parse_doc(doc, dataset="gdp_regions").dataset == "gdp_regions"
    del doc["extension"]
    assert parse_doc(doc, name="estat_nama_10r_2gdp.json").dataset == "nama_10r_2gdp"
    doc["href"] = "https://ec.europa.eu/eurostat/api/dissemination/statistics/1.0/data/tgs00003"
    assert parse_doc(doc).dataset == "tgs00003"


def test_time_dimension_is_required(doc: dict) -> None:
    doc = copy.deepcopy(doc)
    doc["id"][3] = "period"
    doc["dimension"]["period"] = doc["dimension"].pop("time")
    with pytest.raises(InputFileError, match="no 'time' dimension"):
        parse_doc(doc)


# ------------------------------------------------------------------------- errors


def test_truncated_json(fixtures_dir: Path, tmp_path: Path) -> None:
    text = (fixtures_dir / FIXTURE).read_text(encoding="utf-8")
    cut = text[: len(text) // 2]
    with pytest.raises(InputFileError, match="truncated") as err:
        parse_jsonstat(cut, tmp_path / "cut.json")
    assert err.value.line == cut.count("\n") + 1
    assert err.value.column is not None


def test_invalid_json_in_the_middle() -> None:
    with pytest.raises(InputFileError, match="invalid JSON") as err:
        parse_jsonstat('{"class": "dataset",\n "id": [1,,2]}', Path("x.json"))
    assert err.value.line == 2


def test_size_does_not_match_categories(doc: dict) -> None:
    doc = copy.deepcopy(doc)
    doc["size"][2] = 4
    with pytest.raises(InputFileError, match="3 categories but size says 4") as err:
        parse_doc(doc)
    assert err.value.column == "dimension.geo.category.index"


def test_structural_errors_point_at_the_line(fixtures_dir: Path) -> None:
    text = (fixtures_dir / FIXTURE).read_text(encoding="utf-8")
    lines = text.split("\n")
    broken = text.replace('"index": {"DE21": 0, "EL30": 1, "DEZZ": 2}', '"index": {"DE21": 0}')
    with pytest.raises(InputFileError, match="1 categories but size says 3") as err:
        parse_jsonstat(broken, Path("broken.json"))
    expected = next(i for i, line in enumerate(lines, 1) if '"DE21": 0' in line)
    assert err.value.line == expected


def test_empty_cube(doc: dict) -> None:
    doc = copy.deepcopy(doc)
    doc["value"], doc["status"] = {}, {}
    with pytest.raises(InputFileError, match="no observations"):
        parse_doc(doc)


def test_dense_value_list_of_wrong_length(doc: dict) -> None:
    doc = copy.deepcopy(doc)
    doc["value"] = [1.0, 2.0]
    with pytest.raises(InputFileError, match="2 entries, the cube has 18 cells"):
        parse_doc(doc)


def test_position_outside_the_cube(doc: dict) -> None:
    doc = copy.deepcopy(doc)
    doc["value"]["99"] = 1
    with pytest.raises(InputFileError, match="position 99 is outside"):
        parse_doc(doc)


def test_non_numeric_value(doc: dict) -> None:
    doc = copy.deepcopy(doc)
    doc["value"]["0"] = "12,3x"
    with pytest.raises(InputFileError, match="'12,3x' is not a number") as err:
        parse_doc(doc)
    assert err.value.column == "value[0]"
    assert err.value.line is not None


def test_collections_are_rejected(doc: dict) -> None:
    with pytest.raises(InputFileError, match="class 'collection'"):
        parse_doc({"version": "2.0", "class": "collection", "link": {}})
