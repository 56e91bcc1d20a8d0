"""The read-only connection: views exist, only single SELECTs run, no file escapes."""

from __future__ import annotations

import pytest

from regiodash.errors import RegiodashError
from regiodash.storage.connection import open_warehouse


@pytest.fixture(scope="module")
def wh(demo_settings):
    warehouse = open_warehouse(demo_settings)
    yield warehouse
    warehouse.close()


def test_views_exist(wh):
    names = set(wh.view_names())
    assert {"regions", "boundaries", "indicator_catalog", "observations", "indicator_values",
            "indicator_values_by_region", "manifest", "innovation_groups"} <= names


def test_select_works(wh):
    frame = wh.run_readonly_sql("SELECT count(*) AS n FROM indicator_values")
    assert int(frame["n"][0]) > 0


@pytest.mark.parametrize("sql", [
    "COPY indicator_values TO '/tmp/x.csv'",
    "CREATE TABLE t AS SELECT 1",
    "INSERT INTO indicator_catalog SELECT * FROM indicator_catalog",
    "SELECT 1; DROP VIEW regions",
    "ATTACH '/tmp/evil.duckdb'",
    "SET enable_external_access = true",
])
def test_writes_and_settings_are_refused(wh, sql):
    with pytest.raises(RegiodashError):
        wh.run_readonly_sql(sql)


def test_files_outside_the_warehouse_cannot_be_read(wh):
    with pytest.raises(RegiodashError):
        wh.run_readonly_sql("SELECT * FROM read_csv('/etc/passwd')")


def test_catalog_view_lists_every_spec(wh):
    from indicators.catalog import CATALOG

    ids = set(wh.run_readonly_sql("SELECT indicator_id FROM indicator_catalog")["indicator_id"])
    assert {s.indicator_id for s in CATALOG} <= ids
