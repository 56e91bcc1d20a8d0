"""Tests for regiodash.ingest.sdmx_csv (codes, labels, label=both, flags, errors)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from regiodash.errors import InputFileError
from regiodash.ingest.labels import build_region_name_map, map_labels, normalize_label
from regiodash.ingest.sdmx_csv import dataset_from_dataflow, parse_sdmx_csv
from regiodash.ingest.text import decode_text, read_bytes

HEADER = "DATAFLOW,LAST UPDATE,freq,unit,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG,CONF_STATUS\n"
FLOW = "ESTAT:NAMA_10R_2GDP(1.0),18/04/24 23:00:00"


def parse(path: Path, **kwargs):
    return parse_sdmx_csv(decode_text(read_bytes(path), path), path, **kwargs)


def parse_text(text: str, **kwargs):
    return parse_sdmx_csv(text, Path("upload.csv"), **kwargs)


def row(frame: pd.DataFrame, **where: str) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    assert mask.sum() == 1
    return frame[mask].iloc[0]


@pytest.mark.parametrize(
    ("dataflow", "code"),
    [
        ("ESTAT:DEMO_R_D3DENS(1.0)", "demo_r_d3dens"),
        ("ESTAT:NAMA_10R_2GDP(1.0)", "nama_10r_2gdp"),
        ("NAMA_10R_2GDP", "nama_10r_2gdp"),
        ("not a dataflow", None),
    ],
)
def test_dataset_from_dataflow(dataflow: str, code: str | None) -> None:
    assert dataset_from_dataflow(dataflow) == code


def test_codes(fixtures_dir: Path) -> None:
    table = parse(fixtures_dir / "sdmx_codes.csv")
    frame = table.frame
    assert table.format == "sdmx-csv"
    assert table.dataset == "nama_10r_2gdp"
    # DATAFLOW, LAST UPDATE and CONF_STATUS are not dimensions
    assert table.dimensions == ["freq", "unit", "geo"]
    assert list(frame.columns) == ["freq", "unit", "geo", "time_period", "value", "flag"]
    assert len(frame) == 5
    assert table.labels_mapped == {} and table.unmapped_labels == {}
    first = row(frame, geo="DE21", time_period="2020")
    assert first.value == 264843.12 and first.flag is None
    assert row(frame, geo="DE21", time_period="2021").flag == "p"
    confidential = row(frame, geo="DE22")  # empty value, CONF_STATUS C, no flag
    assert math.isnan(confidential.value) and confidential.flag == "c"
    missing = row(frame, geo="EL30")  # flag m with empty OBS_VALUE
    assert math.isnan(missing.value) and missing.flag == "m"
    assert row(frame, geo="EU27_2020").flag == "ep"


def test_conf_status_does_not_override_a_flag() -> None:
    table = parse_text(HEADER + f"{FLOW},A,MIO_EUR,DE21,2021,,p,C\n")
    assert table.frame.flag.tolist() == ["p"]


def test_labels(fixtures_dir: Path) -> None:
    table = parse(fixtures_dir / "sdmx_labels.csv")
    frame = table.frame
    assert table.dataset == "lfsi_emp_a"
    assert table.dimensions == ["freq", "unit", "sex", "geo"]
    assert set(frame.freq) == {"A"}
    assert set(frame.sex) == {"F", "M", "T"}
    assert row(frame, geo="EL", sex="M").flag == "b"
    assert row(frame, geo="CZ").value == 75.5
    # en dash and double space variants of the euro-area labels
    assert row(frame, geo="EA20").value == 70.1
    assert row(frame, geo="EA19").value == 70.0
    assert row(frame, geo="EU27_2020").value == 69.8
    assert row(frame, geo="TR").value == 53.3
    assert row(frame, geo="XK").value == 45.2
    # no code known: kept as text and reported
    assert row(frame, geo="Atlantis").value == 1.0
    assert table.unmapped_labels == {"geo": ["Atlantis"]}
    assert table.labels_mapped == {"freq": 1, "sex": 3, "geo": 7, "unit": 1}
    assert set(frame.unit) == {"PC"}  # "Percentage" mapped back to its UNIT code


def test_label_both(fixtures_dir: Path) -> None:
    table = parse(fixtures_dir / "sdmx_both.csv")
    frame = table.frame
    assert table.dataset == "demo_r_d3dens"
    assert list(frame.geo) == ["AT13", "EL30"]
    assert set(frame.unit) == {"PER_KM2"}
    assert set(frame.freq) == {"A"}
    assert table.unmapped_labels == {}


def test_region_names_for_label_files() -> None:
    names = pd.DataFrame(
        {
            "geo_code": ["AT13", "LU0", "LU00", "LU000", "EL30"],
            "geo_name": ["Wien", "Luxembourg", "Luxembourg", "Luxembourg", "Attiki"],
            "nuts_version": ["2021"] * 5,
        }
    )
    region_names = build_region_name_map(names)
    assert region_names == {"wien": "AT13", "attiki": "EL30"}  # ambiguous names dropped
    text = (
        HEADER
        + f"{FLOW},Annual,Number,Wien,2021,1,,\n"
        + f"{FLOW},Annual,Number,Luxembourg,2021,2,,\n"
        + f"{FLOW},Annual,Number,Nowhere,2021,3,,\n"
    )
    table = parse_text(text, region_names=region_names)
    assert list(table.frame.geo) == ["AT13", "LU", "Nowhere"]  # the country name wins
    assert table.unmapped_labels == {"geo": ["Nowhere"]}


def test_region_names_conflicting_across_versions() -> None:
    names = pd.DataFrame(
        {
            "geo_code": ["FR10", "FR1", "ITC4"],
            "geo_name": ["Île de France", "Île de France", "Lombardia"],
            "nuts_version": ["2016", "2021", "2021"],
        }
    )
    assert build_region_name_map(names) == {"lombardia": "ITC4"}
    assert build_region_name_map(names, nuts_version="2016") == {"île de france": "FR10"}


def test_label_normalisation() -> None:
    assert normalize_label(" Euro area – 20  countries (from 2023) ") == normalize_label(
        "euro area - 20 countries (from 2023)"
    )
    mapped, unmapped = map_labels("geo", ["Greece", "Germany", "Turkey", "Mars"])
    assert mapped == {"Greece": "EL", "Germany": "DE", "Turkey": "TR"}
    assert unmapped == ["Mars"]
    assert map_labels("unit", ["Percentage"]) == ({"Percentage": "PC"}, [])
    assert map_labels("age", ["From 25 to 64 years", "Less than 15 years", "75 years or over"]) \
        == ({"From 25 to 64 years": "Y25-64", "Less than 15 years": "Y_LT15",
             "75 years or over": "Y_GE75"}, [])
    # a dimension without a code list maps nothing and reports every label
    assert map_labels("indic_de", ["Population on 1 January - total"]) == (
        {}, ["Population on 1 January - total"])


def test_sdmx_csv_2_header() -> None:
    text = (
        "STRUCTURE,STRUCTURE_ID,ACTION,freq,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"
        "dataflow,ESTAT:DEMO_R_D3DENS(1.0),I,A,AT13,2022,4686.4,\n"
    )
    table = parse_text(text)
    assert table.dataset == "demo_r_d3dens"
    assert table.dimensions == ["freq", "geo"]
    assert table.frame.value.tolist() == [4686.4]


def test_explicit_dataset_wins() -> None:
    table = parse_text(HEADER + f"{FLOW},A,MIO_EUR,DE21,2021,1,,\n", dataset="my_gdp")
    assert table.dataset == "my_gdp"


# ------------------------------------------------------------------------- errors


def test_duplicate_keys_name_both_lines() -> None:
    text = (
        HEADER
        + f"{FLOW},A,MIO_EUR,DE21,2020,1,,\n"
        + f"{FLOW},A,MIO_EUR,DE22,2020,2,,\n"
        + f"{FLOW},A,MIO_EUR,DE21,2020,3,,\n"
    )
    with pytest.raises(InputFileError, match="lines 2 and 4") as err:
        parse_text(text)
    assert err.value.line == 4


def test_duplicates_after_label_mapping() -> None:
    text = (
        HEADER
        + f"{FLOW},Annual,Number,Türkiye,2020,1,,\r\n"
        + f"{FLOW},Annual,Number,Turkey,2020,2,,\r\n"
    )
    with pytest.raises(InputFileError, match="duplicate observation.*lines 2 and 3"):
        parse_text(text)


def test_non_numeric_value() -> None:
    with pytest.raises(InputFileError) as err:
        parse_text(HEADER + f"{FLOW},A,MIO_EUR,DE21,2020,1,,\n{FLOW},A,MIO_EUR,DE21,2021,12,3x,,\n")
    # "12,3x" splits into two fields: reported as a field-count problem on line 3
    assert err.value.line == 3
    with pytest.raises(InputFileError) as err:
        parse_text(HEADER + f'{FLOW},A,MIO_EUR,DE21,2020,"12,3x",,\n')
    assert (err.value.line, err.value.column) == (2, "OBS_VALUE")
    assert "'12,3x'" in str(err.value)


def test_truncated_line() -> None:
    with pytest.raises(InputFileError, match="truncated") as err:
        parse_text(HEADER + f"{FLOW},A,MIO_EUR,DE21,2020,1,,\n{FLOW},A,MIO_EUR,DE2")
    assert (err.value.line, err.value.column) == (3, "TIME_PERIOD")


def test_wrong_delimiter() -> None:
    with pytest.raises(InputFileError, match="separated by ';'") as err:
        parse_text(HEADER.replace(",", ";") + "x;y\n")
    assert err.value.line == 1


def test_missing_obs_value_column() -> None:
    with pytest.raises(InputFileError, match="missing column OBS_VALUE"):
        parse_text("DATAFLOW,geo,TIME_PERIOD\nX,AT,2020\n")


def test_mixed_dataflows() -> None:
    other = FLOW.replace("NAMA_10R_2GDP", "NAMA_10R_3GDP")
    text = HEADER + f"{FLOW},A,MIO_EUR,DE21,2020,1,,\n{other},A,MIO_EUR,DE21,2021,1,,\n"
    with pytest.raises(InputFileError, match="mixes dataflows") as err:
        parse_text(text)
    assert (err.value.line, err.value.column) == (3, "DATAFLOW")
