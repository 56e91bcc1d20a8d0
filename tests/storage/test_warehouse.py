"""Warehouse: imports are atomic and idempotent, build keeps precedence and missing values."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from indicators.catalog import CATALOG
from regiodash.errors import InputFileError
from regiodash.ingest.demo import DEMO_YEARS, write_demo_panel
from regiodash.storage.warehouse import (
    WarehousePaths,
    build_warehouse,
    import_files,
    read_manifest,
)


def snapshot(root: Path) -> dict[str, str]:
    """sha256 of every file under root (the warehouse's complete state)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def sex_indicator():
    return next(s for s in CATALOG if s.has_sex)


def test_demo_panel_covers_every_indicator_region_year_and_sex(demo_settings):
    values = pd.read_parquet(WarehousePaths(demo_settings.data_dir).indicator_values)
    catalog_ids = {s.indicator_id for s in CATALOG}
    values = values[values.indicator_id.isin(catalog_ids)]  # derived indices tested elsewhere
    regions = pd.read_parquet(demo_settings.reference_dir / "nuts_regions.parquet")
    r21 = regions[(regions.nuts_version == "2021") & (regions.nuts_level == 2)
                  & ~regions.geo_code.str.endswith("Z")]
    nuts2 = set(r21.geo_code)
    expected_nuts2 = sum(
        len(nuts2) * len(DEMO_YEARS) * (3 if s.has_sex else 1) for s in CATALOG)
    got = values[values.nuts_level == 2]
    assert len(got) == expected_nuts2
    assert set(got.geo_code) == nuts2
    assert (values.source == "demo").all()
    parents = set(values[values.nuts_level == 0].geo_code)
    assert parents == {c[:2] for c in nuts2}
    assert not values.duplicated(["indicator_id", "geo_code", "year", "sex"]).any()


def test_demo_panel_is_deterministic(tmp_path, demo_settings):
    from regiodash.config import load_settings

    other = load_settings({"REGIODASH_DATA_DIR": str(tmp_path / "again")})
    write_demo_panel(other)
    a = pd.read_parquet(WarehousePaths(demo_settings.data_dir).demo_panel)
    b = pd.read_parquet(WarehousePaths(other.data_dir).demo_panel)
    pd.testing.assert_frame_equal(a, b)


def write_tidy(path: Path, rows: list[str]) -> Path:
    path.write_text("geo_code,year,sex,value,flag\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_real_values_take_precedence_over_demo_and_missing_stays_missing(settings, tmp_path):
    spec = sex_indicator()
    write_demo_panel(settings)
    tidy = write_tidy(tmp_path / "mine.csv", ["DE21,2020,F,11.5,p", "DE21,2020,M,,"])
    results = import_files([tidy], settings, dataset=spec.indicator_id)
    assert results[0].status == "imported"
    build_warehouse(settings)
    values = pd.read_parquet(WarehousePaths(settings.data_dir).indicator_values)
    key = (values.indicator_id == spec.indicator_id) & (values.geo_code == "DE21") & (
        values.year == 2020)
    rows = values[key].set_index("sex")
    assert rows.loc["F", "value"] == 11.5
    assert rows.loc["F", "source"] == "user" and rows.loc["F", "flag"] == "p"
    assert pd.isna(rows.loc["M", "value"]) and rows.loc["M", "source"] == "user"
    assert rows.loc["T", "source"] == "demo"
    assert not values.duplicated(["indicator_id", "geo_code", "year", "sex"]).any()


def test_reimporting_the_same_file_changes_nothing(settings, tmp_path):
    spec = sex_indicator()
    tidy = write_tidy(tmp_path / "mine.csv", ["DE21,2020,F,11.5,", "DE22,2020,F,9.5,e"])
    import_files([tidy], settings, dataset=spec.indicator_id)
    build_warehouse(settings)
    before = snapshot(settings.data_dir)
    again = import_files([tidy], settings, dataset=spec.indicator_id)
    assert again[0].status == "unchanged"
    assert snapshot(settings.data_dir) == before
    assert len(read_manifest(WarehousePaths(settings.data_dir))) == 1


def test_overlapping_import_upserts_without_duplicates(settings, tmp_path):
    spec = sex_indicator()
    first = write_tidy(tmp_path / "a.csv", ["DE21,2020,F,11.5,", "DE22,2020,F,9.5,"])
    second = write_tidy(tmp_path / "b.csv", ["DE22,2020,F,10.0,p", "DE23,2020,F,8.0,"])
    import_files([first], settings, dataset=spec.indicator_id)
    import_files([second], settings, dataset=spec.indicator_id)
    build_warehouse(settings)
    values = pd.read_parquet(WarehousePaths(settings.data_dir).indicator_values)
    mine = values[values.indicator_id == spec.indicator_id].set_index("geo_code")
    assert sorted(mine.index) == ["DE21", "DE22", "DE23"]
    assert mine.loc["DE22", "value"] == 10.0 and mine.loc["DE22", "flag"] == "p"


def test_a_bad_file_leaves_the_warehouse_as_it_was(settings, tmp_path):
    spec = sex_indicator()
    good = write_tidy(tmp_path / "good.csv", ["DE21,2020,F,11.5,"])
    import_files([good], settings, dataset=spec.indicator_id)
    build_warehouse(settings)
    before = snapshot(settings.data_dir)
    good2 = write_tidy(tmp_path / "good2.csv", ["DE25,2020,F,1.5,"])
    bad = write_tidy(tmp_path / "bad.csv", ["DE22,2020,F,12.3x,"])
    with pytest.raises(InputFileError) as err:
        import_files([good2, bad], settings, dataset=spec.indicator_id)
    assert "bad.csv" in str(err.value) and "line 2" in str(err.value)
    assert snapshot(settings.data_dir) == before


@pytest.mark.real_data
def test_real_eurostat_tsv_feeds_the_catalog(settings, real_data_dir):
    tsv = real_data_dir / "eurostat" / "bulk_tsv" / "estat_nama_10r_3gdp.tsv"
    results = import_files([tsv], settings)
    assert results[0].dataset == "nama_10r_3gdp" and results[0].nuts_version == "2021"
    summary = build_warehouse(settings)
    assert summary.observations > 0
    specs = [s for s in CATALOG if s.dataset == "nama_10r_3gdp"]
    assert specs, "the catalog should read nama_10r_3gdp"
    values = pd.read_parquet(WarehousePaths(settings.data_dir).indicator_values)
    mine = values[values.indicator_id == specs[0].indicator_id]
    assert set(mine.nuts_level) >= {0, 1, 2, 3}
    assert (mine.source == "eurostat").all()
    # extra-regio codes stay in the raw layer but never become regions
    assert not mine.geo_code.str.match(r"^[A-Z]{2}Z+$").any()


@pytest.mark.real_data
def test_every_real_eurostat_file_imports_and_label_files_feed_the_catalog(settings,
                                                                            real_data_dir):
    files = sorted((real_data_dir / "eurostat" / "sdmx_csv_labels").glob("*.csv"))
    files.append(real_data_dir / "eurostat" / "bulk_tsv" / "estat_nama_10r_3gdp.tsv")
    results = import_files(files, settings)
    assert [r.status for r in results] == ["imported"] * 7
    build_warehouse(settings)
    values = pd.read_parquet(WarehousePaths(settings.data_dir).indicator_values)
    density = values[values.indicator_id == "population_density_per_km2"]
    assert density.geo_code.nunique() == 27 and (density.source == "eurostat").all()
    # labels "Persons per square kilometre" / "Annual" were mapped back to PER_KM2 / A
    at = density[(density.geo_code == "AT") & (density.year == 2020)]
    raw = pd.read_parquet(WarehousePaths(settings.data_dir).raw_file("eurostat",
                                                                     "demo_r_d3dens"))
    expected = raw[(raw.geo == "AT") & (raw.time_period == "2020")].value.item()
    assert at.value.item() == expected
    rural = values[values.indicator_id == "employment_rate_rural_pct"]
    assert set(rural.sex) == {"F", "M"} and rural.geo_code.nunique() == 27
    from regiodash.storage.check import check_warehouse
    from regiodash.storage.connection import open_warehouse

    wh = open_warehouse(settings)
    try:
        report = check_warehouse(wh)
    finally:
        wh.close()
    assert report.ok, report.problems


def test_build_derives_the_indices_and_innovation_groups(demo_settings):
    paths = WarehousePaths(demo_settings.data_dir)
    values = pd.read_parquet(paths.indicator_values)
    for indicator_id in ("regional_innovation_index", "gender_inclusion_index",
                         "female_achievement_index", "female_disadvantage_index",
                         "sustainability_index"):
        rows = values[values.indicator_id == indicator_id]
        assert set(rows.nuts_level) >= {0, 1, 2}, indicator_id
        assert (rows.source == "demo").all()  # derived from demo inputs: still demo
    groups = pd.read_parquet(paths.innovation_groups)
    assert set(groups.grp) <= {"Leader", "Strong", "Moderate", "Emerging"}
    assert set(groups.subgroup) <= {"+", "", "-"}
    index = values[(values.indicator_id == "regional_innovation_index")]
    merged = groups.merge(index, on=["geo_code", "year"])
    assert len(merged) == len(groups)
    assert (merged.relative_index - merged.value).abs().max() < 1e-9
