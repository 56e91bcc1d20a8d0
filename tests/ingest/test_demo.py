"""The synthetic demo panel (plausible, deterministic) and the bundled real default."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from indicators.catalog import CATALOG_BY_ID, EUROSTAT_CATALOG
from regiodash.config import load_settings
from regiodash.errors import InputFileError
from regiodash.ingest import demo_profiles as dp
from regiodash.ingest.bundled import (
    BUNDLED_DIR,
    BUNDLED_FILES,
    bundled_indicator_ids,
    import_bundled_default,
    read_bundled,
)
from regiodash.ingest.demo import DEMO_YEARS, build_demo_panel, write_demo_panel
from regiodash.storage.build import build_warehouse
from regiodash.storage.layout import WarehousePaths, read_manifest

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"


@pytest.fixture(scope="module")
def panel(demo_settings) -> pd.DataFrame:
    return pd.read_parquet(WarehousePaths(demo_settings.data_dir).demo_panel)


def _nuts2(settings) -> set[str]:
    regions = pd.read_parquet(settings.reference_dir / "nuts_regions.parquet")
    r21 = regions[(regions.nuts_version == "2021") & (regions.nuts_level == 2)
                  & ~regions.geo_code.str.endswith("Z")]
    return set(r21.geo_code)


def test_demo_panel_covers_every_indicator_and_region_without_duplicates(demo_settings, panel):
    # Every Eurostat entry; none of the World Bank's (real WDI files cover every country).
    assert set(panel.indicator_id) == {s.indicator_id for s in EUROSTAT_CATALOG}
    nuts2 = _nuts2(demo_settings)
    for spec in EUROSTAT_CATALOG:
        rows = panel[panel.indicator_id == spec.indicator_id]
        assert set(rows.nuts_level) <= set(spec.nuts_levels), spec.indicator_id
        assert set(rows.sex) == ({"F", "M", "T"} if spec.has_sex else {"T"})
        if 2 in spec.nuts_levels:  # a few region-years are missing, as in real releases
            covered = set(rows[rows.nuts_level == 2].geo_code)
            assert covered <= nuts2 and len(covered) > 0.9 * len(nuts2), spec.indicator_id
    assert set(panel[panel.nuts_level == 2].geo_code) == nuts2
    assert (panel.source == "demo").all() and panel.flag.isna().all()
    assert panel.value.notna().all()  # a value not published has no row, never a zero
    assert not panel.duplicated(["indicator_id", "geo_code", "year", "sex"]).any()
    values = pd.read_parquet(WarehousePaths(demo_settings.data_dir).indicator_values)
    parents = set(values[(values.nuts_level == 0) & (values.source == "demo")].geo_code)
    assert parents == {c[:2] for c in nuts2}


def test_nuts3_only_where_eurostat_publishes_it(panel):
    nuts3_ids = set(panel[panel.nuts_level == 3].indicator_id)
    assert nuts3_ids == {s.indicator_id for s in EUROSTAT_CATALOG if 3 in s.nuts_levels}
    pop = panel[panel.indicator_id == "population_persons"]
    one = pop[(pop.year == 2020)]
    nuts3 = one[one.nuts_level == 3].groupby(one.geo_code.str[:4]).value.sum()
    nuts2 = one[one.nuts_level == 2].set_index("geo_code").value
    pd.testing.assert_series_equal(nuts3.reindex(nuts2.index), nuts2, check_names=False,
                                   rtol=1e-6)  # head counts add up


def test_some_years_are_missing_as_published(panel):
    years = panel.groupby("indicator_id").year.agg(["min", "max"])
    assert years.loc["epo_patent_applications_per_million_inhabitants"].tolist() == [2012, 2012]
    assert years.loc["municipal_waste_kg_per_capita"].tolist() == [2013, 2020]
    assert years.loc["gerd_total_pct_gdp", "max"] == 2022
    gerd = panel[(panel.indicator_id == "gerd_total_pct_gdp") & (panel.nuts_level == 2)]
    per_country = gerd.groupby(gerd.geo_code.str[:2]).year.nunique()
    assert (per_country < 11).any() and (per_country == 11).any()  # odd years only somewhere
    lfs = panel[(panel.indicator_id == "neet_rate_pct") & (panel.nuts_level == 2)]
    assert 0 < len(lfs) < len(set(lfs.geo_code)) * len(DEMO_YEARS) * 3


def _nuts2_year(panel, indicator_id, year=2022):
    rows = panel[(panel.indicator_id == indicator_id) & (panel.nuts_level == 2)
                 & (panel.year == year)]
    return rows.pivot(index="geo_code", columns="sex", values="value")


@pytest.mark.parametrize(("indicator_id", "low", "high"), [
    ("unemployment_rate_pct", 1.5, 25.0),
    ("employment_rate_pct", 40.0, 92.0),
    ("life_expectancy_years", 72.0, 87.0),
    ("tertiary_attainment_25_64_pct", 10.0, 60.0),
    ("neet_rate_pct", 3.0, 32.0),
])
def test_levels_are_plausible(panel, indicator_id, low, high):
    total = _nuts2_year(panel, indicator_id)["T"]
    assert low <= total.min() and total.max() <= high
    assert total.quantile(0.95) - total.quantile(0.05) > (high - low) / 5  # regions differ


def test_gender_gaps_vary_by_region_and_country_and_follow_the_real_employment_gap(panel):
    emp = _nuts2_year(panel, "employment_rate_pct")
    gap = emp["F"] - emp["M"]
    assert gap.std() > 2 and gap.nunique() > len(gap) / 2  # not one gap for everyone
    by_country = gap.groupby(gap.index.str[:2]).mean()
    assert by_country["IT"] < by_country["DE"] < by_country["FI"]  # as in lfst_r_ergau
    assert by_country["EL"] < -15 and by_country["LT"] > -5
    life = _nuts2_year(panel, "life_expectancy_years")
    assert (life["F"] > life["M"]).all()
    tertiary = _nuts2_year(panel, "tertiary_attainment_25_34_pct")
    assert (tertiary["F"] - tertiary["M"]).median() > 5
    unemp = _nuts2_year(panel, "unemployment_rate_pct")
    unemp_gap = (unemp["F"] - unemp["M"]).groupby(unemp.index.str[:2]).mean()
    assert unemp_gap["EL"] > unemp_gap["FI"]


def test_regional_pattern_follows_real_development(panel):
    gdp = _nuts2_year(panel, "gdp_per_capita_pps", 2019)["T"]
    assert gdp["LU00"] > 2 * gdp["BG31"] and gdp["CZ01"] > gdp["CZ04"]
    tertiary = _nuts2_year(panel, "tertiary_attainment_25_64_pct")["T"]
    assert tertiary.corr(gdp.reindex(tertiary.index)) > 0.3


def test_demo_panel_is_deterministic(tmp_path, demo_settings):
    other = load_settings({"REGIODASH_DATA_DIR": str(tmp_path / "again")})
    write_demo_panel(other)
    a = WarehousePaths(demo_settings.data_dir).demo_panel
    b = WarehousePaths(other.data_dir).demo_panel
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()


def test_excluded_indicators_are_left_out(demo_settings):
    regions = pd.read_parquet(demo_settings.reference_dir / "nuts_regions.parquet")
    regions = regions[(regions.nuts_version == "2021") & (regions.nuts_level <= 3)]
    out = build_demo_panel(regions, exclude=bundled_indicator_ids())
    assert not set(out.indicator_id) & bundled_indicator_ids()
    assert "gdp_per_capita_pps" in set(out.indicator_id)


def test_employment_calibration_is_the_real_file():
    path = REAL / "eurostat" / "sdmx_csv_labels" / "estat_lfst_r_ergau_filtered_en.csv"
    if not path.is_file():
        pytest.skip("real file not available")
    rows = pd.read_csv(path)
    it = rows[(rows.geo == "Italy") & (rows.TIME_PERIOD == 2022)
              & (rows.age == "From 25 to 64 years")]
    women = it[it.sex == "Females"].OBS_VALUE.mean()
    rural_men = it[(it.sex == "Males") & (it.deg_urb == "Rural areas")].OBS_VALUE.item()
    assert dp.COUNTRY_EMPLOYMENT["IT"][0] == round(women, 1)
    assert dp.COUNTRY_RURAL_EMPLOYMENT["IT"][1] == round(rural_men, 1)


# ------------------------------------------------------------------ bundled real default

def test_bundled_file_holds_the_catalog_rows_with_provenance():
    bundled = BUNDLED_FILES[0]
    table, meta = read_bundled(BUNDLED_DIR / bundled.file_name)
    assert meta["source_sha256"] == bundled.original_sha256
    assert meta["licence"].startswith("CC BY 4.0")
    assert set(table.frame.unit) == {"EUR_HAB", "PPS_HAB_EU27_2020"}
    geo = set(table.frame.geo)
    assert {"EU27_2020", "DE", "DE1", "DE11", "DE111"} <= geo  # NUTS 3 kept: Eurostat has it
    value = table.frame.set_index(["unit", "geo", "time_period"]).value
    assert value[("PPS_HAB_EU27_2020", "BG31", "2017")] == 31.0  # as in the published TSV
    assert (BUNDLED_DIR / "README.md").read_text().count(bundled.original_sha256) == 1
    assert set(bundled.indicator_ids) == {
        i for i, e in CATALOG_BY_ID.items() if e.dataset == "nama_10r_3gdp"}


def test_bundled_file_matches_a_rebuild_from_the_published_file(tmp_path):
    if not (REAL / BUNDLED_FILES[0].original).is_file():
        pytest.skip("real file not available")
    import importlib.util

    script = Path(__file__).resolve().parents[2] / "scripts" / "build_default.py"
    spec = importlib.util.spec_from_file_location("build_default", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--shared", str(REAL), "--out", str(tmp_path)]) == 0
    name = BUNDLED_FILES[0].file_name
    assert (tmp_path / name).read_bytes() == (BUNDLED_DIR / name).read_bytes()


def test_demo_with_bundled_default_makes_gdp_real_and_the_rest_demo(tmp_path):
    settings = load_settings({"REGIODASH_DATA_DIR": str(tmp_path / "data")})
    write_demo_panel(settings, exclude=bundled_indicator_ids())
    results = import_bundled_default(settings)
    assert [r.status for r in results] == ["imported"]
    build_warehouse(settings)
    values = pd.read_parquet(WarehousePaths(settings.data_dir).indicator_values)
    gdp = values[values.indicator_id == "gdp_per_capita_pps_pct_eu27"]
    assert len(gdp) and (gdp.source == "eurostat").all()
    assert gdp.set_index(["geo_code", "year"]).value[("BG31", 2017)] == 31.0
    assert (values[values.indicator_id == "employment_rate_pct"].source == "demo").all()
    category = values[values.indicator_id == "cohesion_category"]
    assert (category.source == "derived").all() and set(category.value) == {1.0, 2.0, 3.0}
    record = [m for m in read_manifest(WarehousePaths(settings.data_dir))
              if m["dataset"] == "nama_10r_3gdp"][0]
    assert record["source"] == "eurostat" and record["licence"].startswith("CC BY 4.0")
    assert "bundled" in record["location"] and "estat_nama_10r_3gdp.tsv" in record["location"]
    assert import_bundled_default(settings)[0].status == "unchanged"


def test_a_damaged_bundled_file_is_refused_and_the_warehouse_is_unchanged(tmp_path):
    settings = load_settings({"REGIODASH_DATA_DIR": str(tmp_path / "data")})
    bad_dir = tmp_path / "bundled"
    bad_dir.mkdir()
    (bad_dir / BUNDLED_FILES[0].file_name).write_bytes(b"PAR1 not parquet PAR1")
    with pytest.raises(InputFileError, match="nama_10r_3gdp.parquet"):
        import_bundled_default(settings, bundled_dir=bad_dir)
    stripped = pq.read_table(BUNDLED_DIR / BUNDLED_FILES[0].file_name)
    pq.write_table(stripped.replace_schema_metadata({}), bad_dir / BUNDLED_FILES[0].file_name)
    with pytest.raises(InputFileError, match="metadata missing"):
        import_bundled_default(settings, bundled_dir=bad_dir)
    with pytest.raises(InputFileError, match="build_default.py"):
        import_bundled_default(settings, bundled_dir=tmp_path / "nowhere")
    assert not (tmp_path / "data").exists()
