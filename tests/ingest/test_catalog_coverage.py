"""No silent losses on import (issue 13): labels with no code and catalog indicators left
empty make a catalog import fail with the warehouse unchanged, or show in the summary."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from regiodash.errors import InputFileError
from regiodash.ingest.catalog_coverage import review_table
from regiodash.ingest.importing import import_files
from regiodash.ingest.sdmx_csv import parse_sdmx_csv
from regiodash.storage.build import build_warehouse
from regiodash.storage.layout import WarehousePaths

LFU3RT = "sdmx_labels_lfst_r_lfu3rt.csv"
TERTIARY = "Tertiary education (levels 5-8)"
CODES_HEADER = "DATAFLOW,LAST UPDATE,freq,isced11,sex,age,unit,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"
EDAT_HEADER = "DATAFLOW,LAST UPDATE,freq,sex,age,unit,isced11,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture()
def seeded(settings, tmp_path):
    """A warehouse holding one imported and built file, to prove failures change nothing."""
    good = tmp_path / "good.csv"
    good.write_text("geo_code,year,value\nDE21,2020,1.5\n", encoding="utf-8")
    import_files([good], settings, dataset="my_values")
    build_warehouse(settings)
    return settings


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


# --------------------------------------------------- the real case: label-only lfst_r_lfu3rt


def test_label_only_lfu3rt_now_feeds_the_unemployment_rate(settings, fixtures_dir) -> None:
    # before issue 13 this file imported 0 observations with exit 0: isced11 had no label map
    results = import_files([fixtures_dir / LFU3RT], settings)
    assert results[0].dataset == "lfst_r_lfu3rt"
    assert not [n for n in results[0].notes if "label" in n or "observation" in n]
    raw = pd.read_parquet(WarehousePaths(settings.data_dir).raw_file("eurostat",
                                                                     "lfst_r_lfu3rt"))
    assert set(raw.isced11) == {"TOTAL", "ED0-2", "ED5-8"}
    assert set(raw.age) == {"Y15-74"} and set(raw.unit) == {"PC"}
    build_warehouse(settings)
    obs = pd.read_parquet(WarehousePaths(settings.data_dir).observations)
    rate = obs[obs.indicator_id == "unemployment_rate_pct"].set_index(["geo_code", "sex"])
    assert len(rate) == 6  # AT, EL x F, M, T (isced11 TOTAL only)
    assert rate.loc[("EL", "F"), "value"] == 14.9 and rate.loc[("AT", "T"), "value"] == 5.1


def test_unknown_label_in_a_catalog_dataset_fails_and_writes_nothing(seeded, fixtures_dir,
                                                                     tmp_path) -> None:
    text = (fixtures_dir / LFU3RT).read_text(encoding="utf-8")
    bad = write(tmp_path, "lfu3rt.csv", text.replace(
        f"{TERTIARY},Females,From 15 to 74 years,Percentage,Greece",
        "Tertiary education (levels 5 to 8),Females,From 15 to 74 years,Percentage,Greece"))
    before = snapshot(seeded.data_dir)
    with pytest.raises(InputFileError) as err:
        import_files([bad], seeded)
    assert snapshot(seeded.data_dir) == before
    assert err.value.path == bad and err.value.column == "isced11"
    assert err.value.line == 17  # the line of the first unknown label
    message = str(err.value)
    assert "'Tertiary education (levels 5 to 8)'" in message
    assert "isced11 = TOTAL" in message and "label=both" in message


def test_catalog_dataset_filtered_to_other_codes_fails_naming_what_it_has(seeded,
                                                                          tmp_path) -> None:
    # a code file of lfst_r_lfu3rt downloaded for the low-education level only
    rows = "".join(f"ESTAT:LFST_R_LFU3RT(1.0),25/04/24 23:00:00,A,ED0-2,{s},Y15-74,PC,AT,2023,"
                   f"{v},\n" for s, v in (("F", 10.9), ("M", 10.2), ("T", 10.5)))
    bad = write(tmp_path, "lfu3rt_ed02.csv", CODES_HEADER + rows)
    before = snapshot(seeded.data_dir)
    with pytest.raises(InputFileError) as err:
        import_files([bad], seeded)
    assert snapshot(seeded.data_dir) == before
    message = str(err.value)
    assert "lfst_r_lfu3rt" in message and "unemployment_rate_pct" in message
    assert "isced11 has 'ED0-2' but the catalog wants TOTAL" in message
    assert err.value.column == "isced11" and "lfu3rt_ed02.csv" in message


def test_label_file_filtered_to_tertiary_only_fails_with_the_mapped_code(seeded,
                                                                          tmp_path) -> None:
    rows = "".join(
        f"ESTAT:LFST_R_LFU3RT(1.0),25/04/24 23:00:00,Annual,{TERTIARY},{s},From 15 to 74 years,"
        f"Percentage,Austria,2023,{v},\n" for s, v in (("Females", 3.4), ("Total", 3.3)))
    bad = write(tmp_path, "lfu3rt_tertiary.csv", CODES_HEADER + rows)
    with pytest.raises(InputFileError, match="isced11 has 'ED5-8' but the catalog wants TOTAL"):
        import_files([bad], seeded)


def test_a_good_file_beside_a_failing_one_is_not_written_either(seeded, fixtures_dir,
                                                                  tmp_path) -> None:
    bad = write(tmp_path, "lfu3rt_y2064.csv", CODES_HEADER
                + "ESTAT:LFST_R_LFU3RT(1.0),25/04/24 23:00:00,A,TOTAL,T,Y20-64,PC,AT,2023,5,\n")
    before = snapshot(seeded.data_dir)
    with pytest.raises(InputFileError, match="age has 'Y20-64' but the catalog wants Y15-74"):
        import_files([fixtures_dir / LFU3RT, bad], seeded)
    assert snapshot(seeded.data_dir) == before


def test_quarterly_periods_are_no_catalog_observations(tmp_path) -> None:
    text = CODES_HEADER + (
        "ESTAT:LFST_R_LFU3RT(1.0),25/04/24 23:00:00,A,TOTAL,T,Y15-74,PC,AT,2023-Q1,5,\n")
    table = parse_sdmx_csv(text, tmp_path / "x.csv")
    with pytest.raises(InputFileError, match="time_period has '2023-Q1' but the catalog reads "
                                             "annual periods"):
        review_table(table)


def test_missing_values_only_are_no_observations(tmp_path) -> None:
    text = CODES_HEADER + (
        "ESTAT:LFST_R_LFU3RT(1.0),25/04/24 23:00:00,A,TOTAL,T,Y15-74,PC,AT,2023,,c\n")
    with pytest.raises(InputFileError, match="all lack a value"):
        review_table(parse_sdmx_csv(text, tmp_path / "x.csv"))


def test_some_indicators_empty_imports_with_a_note_per_empty_one(settings, tmp_path) -> None:
    # edat_lfse_04 downloaded for age 25-64 only: tertiary_attainment_25_34_pct gets nothing
    rows = "".join(f"ESTAT:EDAT_LFSE_04(1.0),23/04/24 23:00:00,A,{s},Y25-64,PC,ED5-8,{g},2023,"
                   f"{v},\n" for g, s, v in (("AT", "F", 38.6), ("AT", "M", 33.9),
                                             ("EL", "T", 33.4)))
    path = write(tmp_path, "edat_lfse_04.csv", EDAT_HEADER + rows)
    [result] = import_files([path], settings)
    assert result.status == "imported"
    empty = [n for n in result.notes if "gets no observation" in n]
    assert len(empty) == 1
    assert "tertiary_attainment_25_34_pct" in empty[0]
    assert "age has 'Y25-64' but the catalog wants Y25-34" in empty[0]
    build_warehouse(settings)
    obs = pd.read_parquet(WarehousePaths(settings.data_dir).observations)
    assert set(obs.indicator_id) == {"tertiary_attainment_25_64_pct"}


def test_extra_regio_labels_stay_as_text_with_a_note(tmp_path) -> None:
    text = CODES_HEADER + "".join(
        f"ESTAT:LFST_R_LFU3RT(1.0),25/04/24 23:00:00,Annual,All ISCED 2011 levels,Total,"
        f"From 15 to 74 years,Percentage,{geo},2023,{v},\n"
        for geo, v in (("Austria", 5.1), ("Extra-Regio NUTS 2", "")))
    table = parse_sdmx_csv(text, tmp_path / "x.csv")
    review_table(table)
    assert table.unmapped_labels == {"geo": ["Extra-Regio NUTS 2"]}
    assert len(table.notes) == 1 and "extra-regio" in table.notes[0]
    review_table(table)
    assert len(table.notes) == 1  # reviewing twice adds nothing


def test_non_catalog_label_columns_show_in_the_import_summary(settings, fixtures_dir) -> None:
    # sdmx_labels.csv: lfsi_emp_a (not in the catalog) with a country no code list knows
    [result] = import_files([fixtures_dir / "sdmx_labels.csv"], settings)
    assert result.status == "imported"
    assert any("'geo' kept as label text" in n and "'Atlantis'" in n for n in result.notes)


def test_tidy_files_are_not_catalog_datasets(settings, tmp_path) -> None:
    # a user file named like a catalog dataset is the user's own indicator: no coverage check
    path = write(tmp_path, "mine.csv", "geo_code,year,value\nAT,2020,1\n")
    [result] = import_files([path], settings, dataset="lfst_r_lfu3rt")
    assert result.status == "imported" and not [n for n in result.notes if "observation" in n]


# --------------------------------------------------------------------- the real files


@pytest.mark.real_data
def test_every_real_eurostat_file_imports_with_visible_notes(settings, real_data_dir) -> None:
    eurostat = real_data_dir / "eurostat"
    files = [*sorted((eurostat / "sdmx_csv_labels").glob("*.csv")),
             eurostat / "bulk_tsv" / "estat_nama_10r_3gdp.tsv",
             *sorted((eurostat / "bulk_tsv_old").glob("*.tsv"))]
    results = import_files(files, settings)
    assert [r.status for r in results] == ["imported"] * 9
    notes = {r.dataset: r.notes for r in results}
    for dataset, column in (("lfsi_emp_a", "indic_em"), ("urt_gind3", "terrtypo"),
                            ("ilc_lvho01", "building")):
        assert any(f"{column!r} kept as label text" in n for n in notes[dataset]), dataset
    for dataset in ("demo_r_d3dens", "lfst_r_ergau", "nama_10r_3gdp", "trng_lfse_04"):
        assert not any("gets no observation" in n or "label text" in n
                       for n in notes[dataset]), dataset
    build_warehouse(settings)
    obs = pd.read_parquet(WarehousePaths(settings.data_dir).observations)
    fed = set(obs[obs.value.notna()].indicator_id)
    # every catalog indicator of these datasets gets observations; trng_lfse_04's old layout
    # has no freq dimension, which is now derived from its annual periods
    assert {"population_density_per_km2", "employment_rate_rural_pct", "gdp_per_capita_eur",
            "gdp_per_capita_pps_pct_eu27", "lifelong_learning_pct"} <= fed
    life = obs[(obs.indicator_id == "lifelong_learning_pct") & (obs.geo_code == "AT")
               & (obs.year == 2015) & (obs.sex == "T")]
    assert len(life) == 1
