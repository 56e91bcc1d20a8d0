"""The World Bank WDI bulk CSV importer, on the real files and on small inline fixtures.

Counts on the real files are made independently with the csv module: non-empty year cells of
the rows whose country has a Region in a Metadata_Country companion (the World Bank's own mark
of an economy), never with the importer's code table.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from regiodash.errors import InputFileError
from regiodash.ingest import wdi
from regiodash.ingest.importing import import_files
from regiodash.ingest.readers import detect_format, read_file
from regiodash.ingest.wdi_countries import load_wdi_countries, two_letter_codes
from regiodash.storage.build import build_warehouse
from regiodash.storage.layout import WarehousePaths, read_manifest

FOLDER = "worldbank/wdi_bulk_csv"
LFP = "API_SL.TLF.CACT.FE.ZS_DS2_en_csv_v2_13361.csv"
NET = "API_IT.NET.USER.ZS_DS2_en_csv_v2_33086/API_IT.NET.USER.ZS_DS2_en_csv_v2_33086.csv"
GDP = "API_NY.GDP.PCAP.PP.KD_DS2_en_csv_v2_4572.csv"
POP = "API_SP.POP.TOTL_DS2_en_csv_v2_246068.csv"
META = "Metadata_Country_API_SL.TLF.CACT.FE.ZS_DS2_en_csv_v2_13361.csv"
NEIGHBOURS = {"MA", "TN", "EG", "JO", "LB", "PS", "DZ"}


def economies(real_data_dir: Path) -> set[str]:
    """ISO3 codes with a Region in the 2025-03 Metadata_Country companion."""
    text = (real_data_dir / FOLDER / META).read_text(encoding="utf-8-sig")
    return {r["Country Code"] for r in csv.DictReader(io.StringIO(text, newline=""))
            if r["Region"].strip()}


def independent_count(path: Path, keep: set[str]) -> tuple[int, int, int]:
    """(non-empty year cells of `keep` rows, rows kept, rows dropped) with the csv module."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    header = rows[4]
    years = [i for i, name in enumerate(header) if name.isdigit()]
    cells = kept = dropped = 0
    for row in rows[5:]:
        if not row:
            continue
        if row[1] in keep:
            kept += 1
            cells += sum(1 for i in years if row[i] != "")
        else:
            dropped += 1
    return cells, kept, dropped


# --------------------------------------------------------------------------- real files


@pytest.mark.parametrize(("name", "aggregates"), [(LFP, 48), (NET, 47), (GDP, 48), (POP, 48)])
def test_real_files_counted_independently(real_data_dir: Path, name: str,
                                          aggregates: int) -> None:
    path = real_data_dir / FOLDER / name
    assert detect_format(path) == "wdi"
    table = read_file(path)
    cells, kept, dropped = independent_count(path, economies(real_data_dir))
    assert (kept, dropped) == (217, aggregates + 1)  # + INX "Not classified"
    assert len(table.frame) == cells
    assert table.frame["geo"].nunique() <= 217
    assert f"skipped {aggregates} aggregate rows" in table.notes[0]
    assert "1 'Not classified' row(s)" in table.notes[0]
    assert not table.frame.duplicated(table.key_columns).any()
    assert table.frame["value"].notna().all() and table.frame["flag"].isna().all()


def test_real_lfp_values_as_published(real_data_dir: Path) -> None:
    table = read_file(real_data_dir / FOLDER / LFP)
    frame = table.frame.set_index(["geo", "time_period"])["value"]
    assert table.dataset == "wdi_sl_tlf_cact_zs"
    assert set(table.frame["series"]) == {"SL.TLF.CACT.ZS"}
    assert set(table.frame["sex"]) == {"F"}
    assert frame[("MA", "2023")] == pytest.approx(19.709)
    assert frame[("TN", "2023")] == pytest.approx(26.781)
    assert frame[("PS", "2022")] == pytest.approx(18.934)  # "West Bank and Gaza", PSE
    assert ("PS", "2023") not in frame.index  # empty cell: missing, no row
    assert {"EL", "UK", "DE"} <= set(table.frame["geo"])  # GRC, GBR as Eurostat codes
    assert not {"GR", "GB", "EU", "EUU", "ARB"} & set(table.frame["geo"])
    assert NEIGHBOURS <= set(table.frame["geo"])
    assert "last updated 2025-03-24" in table.notes[0]
    # The companion Metadata_Indicator names the indicator in the summary.
    assert "modeled ILO estimate" in table.notes[0]


def test_real_lf_and_crlf_copies_read_alike(real_data_dir: Path, tmp_path: Path) -> None:
    """The population file is LF-only (a git round trip); as served it is CRLF."""
    path = real_data_dir / FOLDER / POP
    data = path.read_bytes()
    assert b"\r\n" not in data
    crlf = tmp_path / POP
    crlf.write_bytes(data.replace(b"\n", b"\r\n"))
    pd.testing.assert_frame_equal(read_file(path).frame, read_file(crlf).frame)
    assert read_file(path).frame.set_index(["geo", "time_period"]).loc[
        ("PS", "2024"), "value"] == 5289152


def test_real_metadata_with_line_breaks_inside_fields(real_data_dir: Path) -> None:
    path = real_data_dir / FOLDER / META
    data = path.read_bytes()
    records = wdi.read_country_metadata(path)
    assert len(records) == 265
    assert sum(1 for region in records.values() if region == "") == 48
    # A reader splitting on lines would see more records than there are.
    assert data.count(b"\r\n") - 1 == 265 and data.count(b"\n") - 1 > 265
    assert records["PSE"] and records["EUU"] == ""


def test_code_table_covers_the_real_metadata(real_data_dir: Path) -> None:
    table = load_wdi_countries()
    assert {c for c, k in table.items() if k.kind == "economy"} == economies(real_data_dir)
    assert table["GRC"].geo_code == "EL" and table["GBR"].geo_code == "UK"
    assert table["PSE"].geo_code == "PS" and table["NAM"].geo_code == "NA"
    assert table["INX"].kind == "not_classified"
    codes = two_letter_codes()
    assert len(codes) == 217 and all(len(c) == 2 for c in codes)


def test_real_files_import_and_build(real_data_dir: Path, settings) -> None:
    files = [real_data_dir / FOLDER / name for name in (LFP, NET)]
    results = import_files(files, settings)
    assert [r.source for r in results] == ["worldbank", "worldbank"]
    manifest = read_manifest(WarehousePaths(settings.data_dir))
    assert {m["licence"] for m in manifest} == {
        "CC BY 4.0 (World Bank, World Development Indicators)"}
    build_warehouse(settings)
    values = pd.read_parquet(WarehousePaths(settings.data_dir).indicator_values)
    lfp = values[values["indicator_id"] == "wdi_labour_force_participation_pct"]
    latest = lfp[lfp["year"] == 2022]
    assert NEIGHBOURS | {"DE", "EL", "FR"} <= set(latest["geo_code"].astype(str))
    assert set(lfp["source"].astype(str)) == {"worldbank"}
    assert set(lfp["nuts_level"]) == {0}


# --------------------------------------------------------------------------- inline fixtures

PREAMBLE = ('\ufeff"Data Source","World Development Indicators",\r\n\r\n'
            '"Last Updated Date","2025-07-01",\r\n\r\n')
HEADER = '"Country Name","Country Code","Indicator Name","Indicator Code","2020","2021",\r\n'


def wdi_file(tmp_path: Path, rows: list[str], indicator: str = "GB.XPD.RSDV.GD.ZS",
             header: str = HEADER, preamble: str = PREAMBLE, end: str = "\r\n") -> Path:
    body = "".join(
        f'"{name}","{code}","Research and development expenditure (% of GDP)",'
        f'"{indicator}",{values},' + end for name, code, values in
        (r.split("|") for r in rows))
    path = tmp_path / f"API_{indicator}_DS2_en_csv_v2_1.csv"
    path.write_bytes((preamble + header + body).encode("utf-8"))
    return path


def test_inline_file_read(tmp_path: Path) -> None:
    path = wdi_file(tmp_path, ['Morocco|MAR|"0.75",""', 'Arab World|ARB|"0.6","0.7"',
                               'Not classified|INX|"",""', 'Germany|DEU|"3.1","3.13"'])
    table = read_file(path)
    assert table.format == "wdi" and table.dataset == "wdi_gb_xpd_rsdv_gd_zs"
    assert table.frame[["geo", "time_period", "value"]].values.tolist() == [
        ["MA", "2020", 0.75], ["DE", "2020", 3.1], ["DE", "2021", 3.13]]
    assert "skipped 1 aggregate rows (ARB)" in table.notes[0]


def test_unknown_code_named_with_its_line_and_nothing_written(tmp_path: Path, settings
                                                                ) -> None:
    path = wdi_file(tmp_path, ['Morocco|MAR|"1",""', 'Atlantis|ATL|"2",""'])
    with pytest.raises(InputFileError) as info:
        import_files([path], settings)
    assert info.value.line == 7 and "ATL (line 7)" in str(info.value)
    assert not WarehousePaths(settings.data_dir).raw_dir.exists() or not any(
        WarehousePaths(settings.data_dir).raw_dir.rglob("*.parquet"))


def test_aggregate_known_only_to_the_companion_is_skipped(tmp_path: Path) -> None:
    path = wdi_file(tmp_path, ['Morocco|MAR|"1",""', 'New aggregate|ZZA|"2",""'])
    (tmp_path / f"Metadata_Country_{path.name}").write_text(
        '\ufeff"Country Code","Region","IncomeGroup","SpecialNotes","TableName",\r\n'
        '"MAR","Middle East, North Africa, Afghanistan & Pakistan","Lower middle income",'
        '"Fiscal year\nends June 30.","Morocco",\r\n'
        '"ZZA","","","A new\n\ngroup","New aggregate",\r\n', encoding="utf-8")
    table = read_file(path)
    assert table.frame["geo"].tolist() == ["MA"]
    assert "skipped 1 aggregate rows (ZZA)" in table.notes[0]


@pytest.mark.parametrize(("change", "line", "message"), [
    ({"preamble": '"Data Source","Something else",\r\n\r\n'}, 1, "not a WDI bulk file"),
    ({"header": '"Country","Code","Indicator Name","Indicator Code","2020","2021",\r\n'},
     5, "WDI header should start"),
    ({"header": HEADER.replace('"2021"', '"Y2021"')}, 5, "is not a year"),
])
def test_unknown_layout_refused(tmp_path: Path, change: dict, line: int, message: str) -> None:
    if "preamble" in change:
        change = {"preamble": "\ufeff" + change["preamble"]}
    path = wdi_file(tmp_path, ['Morocco|MAR|"1",""'], **change)
    with pytest.raises(InputFileError, match=message) as info:
        wdi.parse_wdi_csv(path.read_text(encoding="utf-8-sig"), path)
    assert info.value.line == line


def test_bad_value_short_line_second_indicator_and_cut_file(tmp_path: Path) -> None:
    bad = wdi_file(tmp_path, ['Morocco|MAR|"1","n/a"'])
    with pytest.raises(InputFileError, match="'n/a' for MAR is not a number") as info:
        read_file(bad)
    assert (info.value.line, info.value.column) == (6, "2021")
    short = wdi_file(tmp_path, ['Morocco|MAR|"1"'])
    with pytest.raises(InputFileError, match="fields") as info:
        read_file(short)
    assert info.value.line == 6
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(wdi_file(tmp_path, ['Morocco|MAR|"1",""']).read_text(encoding="utf-8")
                     + '"Tunisia","TUN","x","SP.POP.TOTL","1","2",\r\n', encoding="utf-8")
    with pytest.raises(InputFileError, match="a second indicator") as info:
        read_file(mixed)
    assert info.value.line == 7
    cut = tmp_path / "cut.csv"
    whole = wdi_file(tmp_path, ['Morocco|MAR|"1","2"']).read_bytes()
    cut.write_bytes(whole[:-2])  # the last line complete, its line break gone
    with pytest.raises(InputFileError, match="may be cut") as info:
        read_file(cut)
    assert info.value.line == 6
    cut.write_bytes(whole[:-6])  # cut inside the last value
    with pytest.raises(InputFileError, match="truncated line"):
        read_file(cut)


def test_metadata_companion_imported_by_mistake(real_data_dir: Path) -> None:
    with pytest.raises(InputFileError, match="metadata companion"):
        read_file(real_data_dir / FOLDER / META)


def test_series_and_sex() -> None:
    assert wdi.series_and_sex("SL.TLF.CACT.FE.ZS") == ("SL.TLF.CACT.ZS", "F")
    assert wdi.series_and_sex("SL.UEM.TOTL.MA.ZS") == ("SL.UEM.TOTL.ZS", "M")
    assert wdi.series_and_sex("SE.TER.ENRR.FE") == ("SE.TER.ENRR", "F")
    assert wdi.series_and_sex("SL.TLF.CACT.FM.ZS") == ("SL.TLF.CACT.FM.ZS", "T")
    assert wdi.series_and_sex("IT.NET.USER.ZS") == ("IT.NET.USER.ZS", "T")
    assert wdi.dataset_for_series("SE.TER.ENRR") == "wdi_se_ter_enrr"


def test_series_outside_the_catalog_is_noted(tmp_path: Path) -> None:
    path = wdi_file(tmp_path, ['Morocco|MAR|"1",""'], indicator="EN.ATM.CO2E.PC")
    assert "not in the indicator catalog" in read_file(path).notes[1]


def test_worldbank_value_meets_eurostat_value(tmp_path: Path, settings) -> None:
    """A WDI series that agrees with a Eurostat indicator feeds it below Eurostat: Germany
    keeps Eurostat's value, Morocco gets the World Bank's, and the build says so."""
    tsv = tmp_path / "estat_rd_e_gerdreg.tsv"
    tsv.write_text("freq,sectperf,unit,geo\\TIME_PERIOD\t2020 \t2021 \n"
                   "A,TOTAL,PC_GDP,DE\t3.11 \t3.13 \n", encoding="utf-8")
    path = wdi_file(tmp_path, ['Morocco|MAR|"0.75",""', 'Germany|DEU|"3.0","3.1"'])
    import_files([tsv, path], settings)
    summary = build_warehouse(settings)
    assert len(summary.source_overlaps) == 1
    assert summary.source_overlaps[0].startswith(
        "gerd_total_pct_gdp: 2 country-years have both World Bank and eurostat values")
    values = pd.read_parquet(WarehousePaths(settings.data_dir).indicator_values)
    gerd = values[values["indicator_id"] == "gerd_total_pct_gdp"].set_index(
        ["geo_code", "year"])
    assert gerd.loc[("DE", 2020), "value"] == pytest.approx(3.11)
    assert str(gerd.loc[("DE", 2020), "source"]) == "eurostat"
    assert str(gerd.loc[("MA", 2020), "source"]) == "worldbank"
    wdi_rows = values[values["indicator_id"] == "wdi_rd_expenditure_pct_gdp"]
    assert set(wdi_rows["geo_code"].astype(str)) == {"MA", "DE"}  # its own id: all of them
