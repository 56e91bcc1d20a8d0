"""The read side's fast paths give the same answers as the plain ones.

indicator_values_by_region (the by-region copy, or indicator_values when it is missing or
stale), the in-memory reference tables, the Parquet footer cache, the warehouse summary read
piecewise and the Arrow conversion of named query results.
"""

from __future__ import annotations

import json
import shutil

import duckdb
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from regiodash.config import load_settings
from regiodash.storage import queries
from regiodash.storage.connection import BY_REGION_FILE, open_warehouse
from regiodash.storage.layout import FINGERPRINT_KEY
from regiodash.storage.parquet_out import values_fingerprint, write_parquet
from tests.storage.test_remote import serve_directory

REGION = "DE21"


def _write_by_region(data_dir, where: str = "true") -> None:
    source = data_dir / "indicator_values.parquet"
    con = duckdb.connect()
    try:
        con.execute(
            f"COPY (SELECT * FROM read_parquet('{source}') WHERE {where} "  # noqa: S608
            "ORDER BY geo_code, indicator_id, year, sex) "
            f"TO '{data_dir / BY_REGION_FILE}' (FORMAT parquet, ROW_GROUP_SIZE 2048)")
    finally:
        con.close()


@pytest.fixture(scope="module")
def copies(demo_settings, tmp_path_factory):
    """Copies of the demo warehouse: no by-region file, the build's own (stamped), an
    unstamped copy from an older build (same rows, or fewer), and indicator_values replaced
    on its own by a newer build (same row count, other values, other stamp)."""
    root = tmp_path_factory.mktemp("read_paths")
    out = {}
    for name in ("plain", "by_region", "old_build", "stale", "replaced", "no_stats"):
        target = root / name
        shutil.copytree(demo_settings.data_dir, target)
        if name != "by_region":
            (target / BY_REGION_FILE).unlink(missing_ok=True)
        out[name] = load_settings({"REGIODASH_DATA_DIR": str(target)})
    _write_by_region(out["stale"].data_dir, where="year < 2015")  # an older build's rows
    no_stats = out["no_stats"].data_dir  # the build's copy, without min/max statistics
    table = pq.read_table(demo_settings.data_dir / BY_REGION_FILE)
    pq.write_table(table, no_stats / BY_REGION_FILE, write_statistics=False,
                   row_group_size=4096)
    old = out["old_build"].data_dir
    _write_by_region(old)  # no stamp, and indicator_values without one either
    table = pq.read_table(old / "indicator_values.parquet").replace_schema_metadata(None)
    pq.write_table(table, old / "indicator_values.parquet")
    replaced = out["replaced"].data_dir
    shutil.copy(demo_settings.data_dir / BY_REGION_FILE, replaced / BY_REGION_FILE)
    table = pq.read_table(replaced / "indicator_values.parquet")
    doubled = table.set_column(table.schema.get_field_index("value"), "value",
                               pc.multiply(table.column("value"), 2.0))
    write_parquet(doubled, replaced / "indicator_values.parquet",
                  {FINGERPRINT_KEY: values_fingerprint(doubled)})
    return out


def _by_region_source(wh) -> str:
    return wh.query_rows("SELECT sql FROM duckdb_views() "
                         "WHERE view_name = 'indicator_values_by_region'")[0][0]


def test_by_region_view_uses_the_copy_only_when_it_matches(copies):
    for name, expect_file, point_reads in (
            ("plain", False, False), ("by_region", True, True), ("old_build", True, True),
            ("stale", False, False), ("replaced", False, False), ("no_stats", True, False)):
        wh = open_warehouse(copies[name])
        try:
            # Local files are read through pinned descriptors (/proc/self/fd/N): ask the
            # Warehouse which file the view reads.
            assert wh.by_region_used is expect_file, name
            # Profiles read the copy with pyarrow (region_read) where its footer allows it.
            assert (wh.region_file is not None) is point_reads, name
        finally:
            wh.close()


def test_region_profile_is_the_same_from_every_layout(copies, demo_settings):
    reference = pd.read_parquet(demo_settings.data_dir / "indicator_values.parquet")
    expected = reference[reference["geo_code"] == REGION]
    frames = {}
    for name, settings in copies.items():
        wh = open_warehouse(settings)
        try:
            frames[name] = queries.load_region_values(wh, REGION)
        finally:
            wh.close()
    assert len(frames["plain"]) == len(expected) > 0
    for name in ("by_region", "stale", "old_build", "no_stats"):
        pd.testing.assert_frame_equal(frames[name], frames["plain"], obj=name)


def test_point_reads_match_sql_where_regions_straddle_row_groups(copies):
    """The older build's copy has 2,048-row groups cut anywhere: a region's rows span
    several of them, and its codes differ between their dictionaries."""
    wh = open_warehouse(copies["old_build"])
    try:
        region_file = wh.region_file
        assert region_file is not None
        codes = [r[0] for r in wh.query_rows(
            "SELECT DISTINCT geo_code FROM indicator_values_by_region ORDER BY geo_code")]
        spans = 0
        for code in [*codes, "NOPE", "", "ZZZZZ"]:
            groups = [lo <= code <= hi for lo, hi in region_file.ranges]
            spans += sum(groups) > 1
            point = queries.load_region_values(wh, code)
            wh.region_file = None  # the SQL path, for the same warehouse
            try:
                pd.testing.assert_frame_equal(point, queries.load_region_values(wh, code),
                                              obj=code)
            finally:
                wh.region_file = region_file
        assert spans > 10
    finally:
        wh.close()


def _scan_filters(wh, name: str, **params) -> list[str]:
    """The filters of every Parquet scan in the plan of a named query."""
    plan = json.loads(wh.con.execute("EXPLAIN (FORMAT json) " + queries.load_sql(name),
                                     params).fetchall()[0][1])
    out, todo = [], list(plan)
    while todo:
        node = todo.pop()
        todo.extend(node.get("children", []))
        if node.get("name") == "READ_PARQUET":
            filters = node.get("extra_info", {}).get("Filters", "")
            out.append(" ".join(filters) if isinstance(filters, list) else filters)
    return out


def test_point_filters_are_pushed_into_the_parquet_scan(copies):
    wh = open_warehouse(copies["by_region"])
    try:
        profile = _scan_filters(wh, "region_values", geo_code=REGION)
        map_scan = _scan_filters(wh, "map_values", indicator_id="regional_innovation_index",
                                 level=2, year=2020, sex="T", nuts_version="2021")
    finally:
        wh.close()
    assert profile == [f"geo_code='{REGION}'"]
    assert len(map_scan) == 1
    for part in ("indicator_id='regional_innovation_index'", "nuts_level=2", "year=2020",
                 "sex='T'"):
        assert part in map_scan[0]


def test_small_reference_data_are_tables_and_footers_are_cached(demo_settings):
    wh = open_warehouse(demo_settings)
    try:
        kinds = dict(wh.query_rows(
            "SELECT table_name, table_type FROM information_schema.tables"))
        assert kinds["regions"] == "BASE TABLE"
        assert kinds["manifest"] == "BASE TABLE"
        assert kinds["indicator_values"] == "VIEW"
        assert wh.query_rows("SELECT current_setting('parquet_metadata_cache')")[0][0] is True
    finally:
        wh.close()


def test_warehouse_summary_matches_a_full_scan(demo_settings):
    values = pd.read_parquet(demo_settings.data_dir / "indicator_values.parquet")
    wh = open_warehouse(demo_settings)
    try:
        summary = queries.load_warehouse_summary(wh).iloc[0]
        assert queries.has_demo_values(wh) == bool((values["source"] == "demo").any())
    finally:
        wh.close()
    assert summary["n_values"] == len(values)
    assert summary["n_regions"] == values["geo_code"].nunique()
    assert summary["n_indicators"] == values["indicator_id"].nunique()
    assert summary["first_year"] == values["year"].min()
    assert summary["last_year"] == values["year"].max()
    assert summary["n_demo"] == (values["source"] == "demo").sum()
    assert summary["n_imports"] >= 1


def test_list_parameters_filter_like_list_contains(demo_settings):
    wh = open_warehouse(demo_settings)
    try:
        index = "regional_innovation_index"
        series = queries.load_indicator_series(wh, index, ["DE21", "FR10", "NOPE"])
        assert set(series["geo_code"]) == {"DE21", "FR10"}
        assert queries.load_indicator_series(wh, index, []).empty
        wide = queries.load_level_values(wh, 2, 2020, ["gdp_per_capita_pps",
                                                         "population_persons"])
        assert list(wide.columns) == ["gdp_per_capita_pps", "population_persons"]
        assert queries.load_level_values(wh, 2, 2020, []).empty
    finally:
        wh.close()


def test_named_results_have_one_string_dtype_also_when_empty_or_all_null(demo_settings):
    wh = open_warehouse(demo_settings)
    try:
        empty = queries.load_region_values(wh, "NOPE")
        no_values = queries.load_map_values(wh, "no_such_indicator", 2, 2020, "T")
        full = queries.load_region_values(wh, REGION)
    finally:
        wh.close()
    assert empty.empty and len(no_values) > 0 and no_values["value"].isna().all()
    assert empty["indicator_id"].dtype == full["indicator_id"].dtype
    assert no_values["flag"].dtype == full["flag"].dtype
    assert no_values["flag"].isna().all()


@pytest.fixture(scope="module")
def served_by_region(copies):
    with serve_directory(copies["by_region"].data_dir) as url:
        yield url


def test_remote_warehouse_uses_the_by_region_copy(served_by_region, copies):
    remote = open_warehouse(load_settings({"REGIODASH_DATA_DIR": served_by_region}))
    local = open_warehouse(copies["plain"])
    try:
        assert BY_REGION_FILE in _by_region_source(remote) and remote.by_region_used
        assert remote.region_file is None  # DuckDB reads it over HTTP
        pd.testing.assert_frame_equal(queries.load_region_values(remote, REGION),
                                      queries.load_region_values(local, REGION))
        pd.testing.assert_frame_equal(queries.load_innovation_groups(remote, 2),
                                      queries.load_innovation_groups(local, 2))
    finally:
        remote.close()
        local.close()


def test_check_reports_a_by_region_copy_that_does_not_match(copies):
    from regiodash.storage.check import check_warehouse

    for name, problem in (("by_region", False), ("replaced", True), ("plain", False)):
        wh = open_warehouse(copies[name])
        try:
            report = check_warehouse(wh)
        finally:
            wh.close()
        assert any("does not match" in p for p in report.problems) is problem, name
        assert report.facts["by_region_copy"] == ("used" if name == "by_region"
                                                  else "not used (profiles slower)")
