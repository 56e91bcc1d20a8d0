"""Files whose last line lacks its line break (issue 13): refused for publisher formats,
read with a note for the user's own tidy CSV when the last line parses completely."""

from __future__ import annotations

from pathlib import Path

import pytest

from regiodash.errors import InputFileError
from regiodash.ingest.readers import read_file
from regiodash.ingest.sdmx_csv import parse_sdmx_csv
from regiodash.ingest.tidy import parse_tidy_csv

SDMX = (
    "DATAFLOW,LAST UPDATE,freq,unit,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG,CONF_STATUS\r\n"
    "ESTAT:DEMO_R_D3DENS(1.0),26/03/24 23:00:00,Annual,Persons per square kilometre,Austria,"
    "2021,108.1,,\r\n"
    "ESTAT:DEMO_R_D3DENS(1.0),26/03/24 23:00:00,Annual,Persons per square kilometre,Austria,"
    "2022,109.5,,"
)


def test_tidy_csv_without_final_line_break_is_read_with_a_note() -> None:
    table = parse_tidy_csv("geo_code,year,value\nDE21,2020,1.5\nDE22,2020,2.5", "mine.csv",
                           "my_values")
    assert list(table.frame.value) == [1.5, 2.5]
    assert len(table.notes) == 1 and "line 3" in table.notes[0]
    assert "without a line break" in table.notes[0]


def test_tidy_csv_with_final_line_break_has_no_note() -> None:
    table = parse_tidy_csv("geo_code,year,value\r\nDE21,2020,1.5\r\n", "mine.csv", "my_values")
    assert table.notes == []


def test_tidy_csv_cut_inside_a_quote_is_refused() -> None:
    with pytest.raises(InputFileError, match="ends without a line break.*incomplete") as err:
        parse_tidy_csv('geo_code,year,value,unit\nDE21,2020,1.5,"Euro per', "mine.csv", "x_y")
    assert err.value.line == 2 and "mine.csv" in str(err.value)


def test_tidy_csv_cut_inside_the_last_line_names_the_missing_column() -> None:
    with pytest.raises(InputFileError, match="truncated line") as err:
        parse_tidy_csv("geo_code,year,value\nDE21,2020,1.5\nDE22,20", "mine.csv", "x_y")
    assert (err.value.line, err.value.column) == (3, "value")


def test_sdmx_csv_without_final_line_break_is_refused() -> None:
    # all fields present, but the value may be cut ("109.5" -> "109.") : refused
    with pytest.raises(InputFileError, match="ends without a line break.*re-download") as err:
        parse_sdmx_csv(SDMX, Path("estat_demo_r_d3dens.csv"))
    assert (err.value.line, err.value.column) == (3, "CONF_STATUS")


def test_sdmx_csv_cut_inside_a_quoted_label_is_refused() -> None:
    text = SDMX.rsplit("\r\n", 1)[0] + '\r\nESTAT:DEMO_R_D3DENS(1.0),26/03/24 23:00:00,"Ann'
    with pytest.raises(InputFileError):
        parse_sdmx_csv(text, Path("estat_demo_r_d3dens.csv"))


def test_sdmx_csv_with_final_line_break_reads() -> None:
    table = parse_sdmx_csv(SDMX + "\r\n", Path("estat_demo_r_d3dens.csv"))
    assert list(table.frame.value) == [108.1, 109.5]


def test_jsonstat_needs_no_final_line_break(fixtures_dir: Path, tmp_path: Path) -> None:
    # a JSON document is complete when it parses; Eurostat's API sends it without a break
    text = (fixtures_dir / "jsonstat_demo_r_d3dens.json").read_text(encoding="utf-8")
    path = tmp_path / "demo_r_d3dens.json"
    path.write_text(text.rstrip("\n"), encoding="utf-8")
    assert len(read_file(path).frame) > 0
    path.write_text(text.rstrip("\n")[:-40], encoding="utf-8")
    with pytest.raises(InputFileError):
        read_file(path)


@pytest.mark.real_data
@pytest.mark.parametrize("name", ["estat_demo_r_d3dens_filtered_en.csv",
                                  "estat_ilc_lvho01_filtered_en.csv"])
def test_real_label_file_without_its_last_line_break(real_data_dir: Path, tmp_path: Path,
                                                     name: str) -> None:
    data = (real_data_dir / "eurostat/sdmx_csv_labels" / name).read_bytes()
    assert data.endswith(b"\n")  # CRLF (demo_r_d3dens) and LF (ilc_lvho01) files
    cut = tmp_path / name
    cut.write_bytes(data.rstrip(b"\r\n"))
    with pytest.raises(InputFileError, match="ends without a line break") as err:
        read_file(cut)
    assert err.value.line == data.count(b"\n")
