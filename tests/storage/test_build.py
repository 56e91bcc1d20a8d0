"""The build: precedence, missing values, sort orders, row groups, determinism, atomicity."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from indicators.catalog import CATALOG
from regiodash.ingest.demo import write_demo_panel
from regiodash.ingest.importing import import_files
from regiodash.storage.arrow_codes import table_from_frame
from regiodash.storage.build import SOURCE_PRECEDENCE, _apply_precedence, build_warehouse
from regiodash.storage.layout import WarehousePaths
from regiodash.storage.parquet_out import (
    OBSERVATION_ORDER,
    ROW_GROUP_SIZE,
    region_row_group,
    value_row_group,
)
from regiodash.storage.row_order import sorted_by
from regiodash.storage.schema import INDICATOR_VALUES_SCHEMA, OBSERVATIONS_SCHEMA


def snapshot(root: Path) -> dict[str, str]:
    """sha256 of every file under root (the warehouse's complete state)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def sex_indicator():
    return next(s for s in CATALOG if s.has_sex)


def write_tidy(path: Path, rows: list[str]) -> Path:
    path.write_text("geo_code,year,sex,value,flag\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_real_values_take_precedence_over_demo_and_missing_stays_missing(settings, tmp_path):
    spec = sex_indicator()
    write_demo_panel(settings)
    # 2021: the demo publishes regional R&D for DE in odd years only, as Eurostat does
    tidy = write_tidy(tmp_path / "mine.csv", ["DE21,2021,F,11.5,p", "DE21,2021,M,,"])
    results = import_files([tidy], settings, dataset=spec.indicator_id)
    assert results[0].status == "imported"
    build_warehouse(settings)
    values = pd.read_parquet(WarehousePaths(settings.data_dir).indicator_values)
    key = (values.indicator_id == spec.indicator_id) & (values.geo_code == "DE21") & (
        values.year == 2021)
    rows = values[key].set_index("sex")
    assert rows.loc["F", "value"] == 11.5
    assert rows.loc["F", "source"] == "user" and rows.loc["F", "flag"] == "p"
    assert pd.isna(rows.loc["M", "value"]) and rows.loc["M", "source"] == "user"
    assert rows.loc["T", "source"] == "demo"
    assert not values.duplicated(["indicator_id", "geo_code", "year", "sex"]).any()


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


# --------------------------------------------------------------------------- build outputs

VALUE_ORDER = ["indicator_id", "nuts_level", "year", "geo_code", "sex"]
REGION_ORDER = ["geo_code", "indicator_id", "year", "sex"]


def is_sorted(frame: pd.DataFrame, keys: list[str]) -> bool:
    return frame.reset_index(drop=True).equals(
        frame.sort_values(keys, kind="stable").reset_index(drop=True))


def test_build_writes_the_schemas_sort_orders_and_row_groups(demo_settings):
    paths = WarehousePaths(demo_settings.data_dir)
    obs = pq.read_table(paths.observations)
    values = pq.read_table(paths.indicator_values)
    by_region = pq.read_table(paths.indicator_values_by_region)
    assert obs.schema.equals(OBSERVATIONS_SCHEMA, check_metadata=False)
    assert values.schema.equals(INDICATOR_VALUES_SCHEMA, check_metadata=False)
    assert by_region.schema.equals(INDICATOR_VALUES_SCHEMA, check_metadata=False)
    v, r = values.to_pandas(), by_region.to_pandas()
    assert is_sorted(v, VALUE_ORDER) and is_sorted(r, REGION_ORDER)
    assert is_sorted(obs.to_pandas(), [*VALUE_ORDER, "source"])
    pd.testing.assert_frame_equal(
        r.sort_values(VALUE_ORDER).reset_index(drop=True), v)  # the same rows
    meta = pq.ParquetFile(paths.indicator_values).metadata
    assert meta.num_row_groups > 1 and meta.row_group(0).num_rows == ROW_GROUP_SIZE


def test_every_region_lies_in_one_row_group_of_the_by_region_file(demo_settings):
    """Row groups are cut only between regions, so a region profile decodes one row group
    (the geo_code statistics rule out the others); a group holds at most region_row_group
    rows unless it is one region."""
    path = WarehousePaths(demo_settings.data_dir).indicator_values_by_region
    file = pq.ParquetFile(path)
    meta = file.metadata
    assert meta.num_row_groups > 1
    geo = file.schema_arrow.get_field_index("geo_code")
    bounds = [(meta.row_group(i).column(geo).statistics.min,
               meta.row_group(i).column(geo).statistics.max)
              for i in range(meta.num_row_groups)]
    assert all(lo <= hi for lo, hi in bounds)
    assert all(a[1] < b[0] for a, b in zip(bounds, bounds[1:], strict=False))  # no overlap
    largest = region_row_group(meta.num_rows)
    seen: set[str] = set()
    for i in range(meta.num_row_groups):
        regions = set(file.read_row_group(i, columns=["geo_code"]).column(0).to_pylist())
        assert not regions & seen
        seen |= regions
        assert meta.row_group(i).num_rows <= largest or len(regions) == 1
    # the groups are full: the next region would not have fitted in any of them
    first_rows = [file.read_row_group(i + 1, columns=["geo_code"]).column(0)
                  for i in range(meta.num_row_groups - 1)]
    for i, nxt in enumerate(first_rows):
        next_region = pc.sum(pc.equal(nxt, nxt[0])).as_py()
        assert meta.row_group(i).num_rows + next_region > largest


def test_building_twice_gives_the_same_files(settings, tmp_path):
    write_demo_panel(settings)
    tidy = write_tidy(tmp_path / "mine.csv", ["DE21,2020,F,11.5,p", "DE21,2020,M,,"])
    import_files([tidy], settings, dataset=sex_indicator().indicator_id)  # two sources
    build_warehouse(settings)
    first = snapshot(settings.data_dir)
    build_warehouse(settings)
    assert snapshot(settings.data_dir) == first
    # nothing left behind: no temporary files, no DuckDB spill folder
    assert not [p for p in settings.data_dir.rglob(".*")]


def test_a_failed_build_leaves_the_previous_files(settings, monkeypatch):
    import regiodash.storage.build as build

    write_demo_panel(settings)
    build_warehouse(settings)
    before = snapshot(settings.data_dir)

    def broken(*args, **kwargs):
        raise RuntimeError("module failed")

    monkeypatch.setattr(build, "derive_parts", broken)
    with pytest.raises(RuntimeError, match="module failed"):
        build_warehouse(settings)
    assert snapshot(settings.data_dir) == before
    monkeypatch.undo()

    def disk_full(table, order, path, *args):  # the by-region writer fails half-way
        path.write_bytes(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(build, "write_in_order", disk_full)
    with pytest.raises(OSError, match="disk full"):
        build_warehouse(settings)
    assert snapshot(settings.data_dir) == before


def test_an_empty_warehouse_builds_empty_files(settings):
    summary = build_warehouse(settings)
    assert (summary.observations, summary.indicator_values, summary.indicators) == (0, 0, 0)
    paths = WarehousePaths(settings.data_dir)
    for path, schema in ((paths.observations, OBSERVATIONS_SCHEMA),
                         (paths.indicator_values, INDICATOR_VALUES_SCHEMA),
                         (paths.indicator_values_by_region, INDICATOR_VALUES_SCHEMA)):
        table = pq.read_table(path)
        assert table.num_rows == 0 and table.schema.equals(schema, check_metadata=False)


def observation_rows(rows: list[tuple]) -> pa.Table:
    """Observations (as the build holds them) from (indicator, geo, year, sex, source,
    nuts_version, value) tuples."""
    frame = pd.DataFrame(rows, columns=["indicator_id", "geo_code", "year", "sex", "source",
                                        "nuts_version", "value"])
    frame = frame.assign(dataset="d", nuts_level=frame["geo_code"].str.len() - 2, flag=None,
                         unit="u")[list(OBSERVATIONS_SCHEMA.names)]
    table = table_from_frame(frame, OBSERVATIONS_SCHEMA)
    return sorted_by(table, OBSERVATION_ORDER)


def test_precedence_user_then_eurostat_then_other_then_demo_then_newest_version():
    table = observation_rows([
        ("x", "AT11", 2020, "T", "demo", "2021", 1.0),
        ("x", "AT11", 2020, "T", "eurostat", "2016", 2.0),
        ("x", "AT11", 2020, "T", "eurostat", "2021", 3.0),
        ("x", "AT11", 2020, "T", "user", "2016", 4.0),       # user wins over everything
        ("x", "AT12", 2020, "T", "demo", "2021", 5.0),
        ("x", "AT12", 2020, "T", "eurostat", None, 6.0),      # a missing version loses
        ("x", "AT12", 2020, "T", "eurostat", "2016", 7.0),
        ("x", "AT13", 2020, "T", "demo", "2021", 8.0),        # alone: kept
        ("x", "AT13", 2020, "F", "eurostat", "2021", 9.0),    # another sex: another key
        ("x", "AT14", 2020, "T", "somewhere", "2016", 10.0),  # other sources beat demo
        ("x", "AT14", 2020, "T", "demo", "2021", 11.0),
    ])
    values = _apply_precedence(table).to_pandas()
    got = dict(zip(zip(values.geo_code, values.sex, strict=True), values.value, strict=True))
    assert got == {("AT11", "T"): 4.0, ("AT12", "T"): 7.0, ("AT13", "T"): 8.0,
                   ("AT13", "F"): 9.0, ("AT14", "T"): 10.0}
    assert list(values.columns) == list(INDICATOR_VALUES_SCHEMA.names)


def test_precedence_matches_the_sql_window_it_replaces():
    """Random overlapping sources and versions: the same winners as the QUALIFY row_number()
    over (indicator, region, year, sex) ordered by source rank, then nuts_version DESC."""
    import duckdb

    rng = np.random.default_rng(11)
    rows, seen = [], set()
    for _ in range(3000):
        key = (f"i{rng.integers(3)}", f"AT{rng.integers(1, 4)}{rng.integers(1, 4)}",
               int(rng.integers(2018, 2021)), str(rng.choice(["F", "M", "T"])))
        source = str(rng.choice(["user", "eurostat", "demo"]))
        version = rng.choice(["2013", "2016", "2021", None])
        if (key, source, version) in seen:
            continue  # the SQL picks arbitrarily between exact ties; keep none
        seen.add((key, source, version))
        rows.append((*key, source, version, float(len(rows))))
    values = _apply_precedence(observation_rows(rows)).to_pandas()
    frame = pd.DataFrame(rows, columns=["indicator_id", "geo_code", "year", "sex", "source",
                                        "nuts_version", "value"])
    ranks = " ".join(f"WHEN '{s}' THEN {r}" for s, r in SOURCE_PRECEDENCE.items())
    con = duckdb.connect()
    con.register("observations", frame)
    expected = con.sql(
        "SELECT indicator_id, geo_code, year, sex, value FROM observations "  # noqa: S608
        "QUALIFY row_number() OVER (PARTITION BY indicator_id, geo_code, year, sex "
        f"ORDER BY CASE source {ranks} ELSE 5 END, nuts_version DESC) = 1").df()
    key = ["indicator_id", "geo_code", "year", "sex"]
    types = {"indicator_id": "str", "geo_code": "str", "sex": "str", "year": "int64"}
    got = values[[*key, "value"]].astype(types).sort_values(key)
    expected = expected.astype(types).sort_values(key)
    assert len(got) < len(rows)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True),
                                  check_dtype=False)


def test_modules_given_only_the_rows_they_read_give_the_same_result(demo_settings):
    """The build passes each module only its MODULE_INPUTS rows; passing every catalog row
    to every module (as before) must give exactly the same derived rows."""
    from indicators import cohesion, creative, funding, gender_inclusion, sustainability
    from indicators.innovation import gaps as innovation_gaps
    from indicators.innovation import index as innovation_index
    from indicators.innovation import specs as innovation_specs
    from regiodash.storage.derive import DERIVED_COLUMNS, derive_indicators

    values = pd.read_parquet(WarehousePaths(demo_settings.data_dir).indicator_values)
    values = values[values.indicator_id.isin({s.indicator_id for s in CATALOG})]
    values = values.reset_index(drop=True).astype({"year": "int64", "nuts_level": "int64"})
    derived, groups = derive_indicators(values)  # selects each module's rows
    innovation = innovation_index.compute(values)
    index_rows = innovation[innovation["indicator_id"] == innovation_specs.INDEX_ID]
    parts = (
        innovation,
        innovation_gaps.compute_gap_to_eu(index_rows),
        innovation_gaps.compute_gap_to_next_group(index_rows),
        innovation_gaps.compute_gap_to_country_best(index_rows),
        gender_inclusion.compute(values),
        sustainability.compute(values),
        cohesion.compute(values),
        funding.compute(values),
        creative.compute(values),
    )
    expected = pd.concat([p[DERIVED_COLUMNS] for p in parts if len(p)], ignore_index=True)
    pd.testing.assert_frame_equal(derived, expected)
    pd.testing.assert_frame_equal(groups, innovation_gaps.classify_groups(index_rows)[
        list(groups.columns)])


@pytest.mark.parametrize(("rows", "size"), [
    (0, 16_384), (738_048, 16_384), (1_994_697, 32_768), (4_000_000, 63_488),
    (13_167_680, 122_880), (103_788_465, 122_880), (10**9, 122_880)])
def test_by_region_row_groups_grow_with_the_warehouse_within_bounds(rows, size):
    assert region_row_group(rows) == size
    assert size % 2048 == 0


@pytest.mark.parametrize(("rows", "size"), [
    (0, 122_880), (13_790_715, 122_880), (31_457_280, 122_880), (103_788_465, 405_504),
    (10**9, 3_907_584)])
def test_value_files_keep_to_a_bounded_number_of_row_groups(rows, size):
    """A query pays per row group of the file: past 256 groups of 122,880 rows they grow."""
    assert value_row_group(rows) == size
    assert size % 2048 == 0 and -(-rows // size) <= 256


def test_built_files_are_readable_like_plainly_created_files(demo_settings, tmp_path):
    """Temporary files are owner-only; the renamed files must not stay so (a web server
    publishing the warehouse reads them)."""
    import os

    plain = tmp_path / "plain"
    plain.write_text("x")
    expected = plain.stat().st_mode & 0o777
    paths = WarehousePaths(demo_settings.data_dir)
    for path in (paths.observations, paths.indicator_values,
                 paths.indicator_values_by_region, paths.innovation_groups, paths.manifest):
        assert os.stat(path).st_mode & 0o777 == expected, path


def test_a_damaged_raw_file_stops_the_build_with_a_message_and_keeps_the_warehouse(settings):
    from regiodash.errors import WarehouseError

    write_demo_panel(settings)
    build_warehouse(settings)
    paths = WarehousePaths(settings.data_dir)
    paths.demo_panel.write_bytes(b"PAR1 not really a parquet file PAR1")
    before = snapshot(settings.data_dir)
    with pytest.raises(WarehouseError, match="could not read the raw layer"):
        build_warehouse(settings)
    assert snapshot(settings.data_dir) == before
    assert not [p for p in settings.data_dir.iterdir() if p.name.startswith(".build-")]
