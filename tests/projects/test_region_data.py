"""Warehouse reads for partner regions: latest innovation groups, indicator values, which
indicators exist, demo groups; on hand-made files and on a warehouse served over HTTP."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from regiodash.config import load_settings
from regiodash.projects import queries as q
from regiodash.projects import region_data as rd
from regiodash.storage.connection import open_warehouse
from tests.storage.test_remote import serve_directory


def test_a_groups_file_without_the_expected_columns_counts_as_absent(tmp_path, warehouse_at):
    pq.write_table(pa.table({"geo_code": ["DE80"]}), tmp_path / "innovation_groups.parquet")
    assert rd.load_innovation_groups(warehouse_at(tmp_path)) is None


def test_region_indicator_values_latest_year_and_absent_indicators(tmp_path, warehouse_at):
    rows = [
        ("gender_inclusion_index", "DE80", 2021, 60.0), ("gender_inclusion_index", "DE80",
                                                        2022, 61.0),
        ("sustainability_index", "DE80", 2020, 50.0), ("gdp_per_capita_pps", "DE80", 2022, 1.0),
    ]
    frame = pd.DataFrame(rows, columns=["indicator_id", "geo_code", "year", "value"]).assign(
        sex="T", flag=None, source="demo", nuts_level=2, nuts_version="2021")
    (tmp_path / "data").mkdir()
    frame.to_parquet(tmp_path / "data" / "indicator_values.parquet")
    wh = warehouse_at(tmp_path / "data")
    got = rd.load_region_indicator_values(wh, ["DE80", "PL42"], list(rd.REGION_INDICATORS))
    assert got[["indicator_id", "year", "value"]].values.tolist() == [
        ["gender_inclusion_index", 2022, 61.0], ["sustainability_index", 2020, 50.0]]
    assert rd.available_indicator_ids(wh)[0] == "gdp_per_capita_pps"
    assert rd.load_region_indicator_values(warehouse_at(tmp_path / "none"), ["DE80"],
                                           ["x"]).empty
    assert not rd.innovation_groups_are_demo(wh)


@pytest.fixture(scope="module")
def local_and_remote(demo_settings):
    """The demo warehouse opened locally and through a localhost HTTP server."""
    with serve_directory(demo_settings.data_dir) as url:
        remote = load_settings({"REGIODASH_DATA_DIR": url})
        assert remote.is_remote
        local_wh, remote_wh = open_warehouse(demo_settings), open_warehouse(remote)
        try:
            yield local_wh, remote_wh
        finally:
            local_wh.close()
            remote_wh.close()


def test_partner_region_reads_work_on_a_warehouse_served_over_http(local_and_remote,
                                                                   demo_settings):
    local, remote = local_and_remote
    groups = rd.load_innovation_groups(remote)
    assert groups is not None and len(groups) > 0
    pd.testing.assert_frame_equal(groups, rd.load_innovation_groups(local))
    assert rd.innovation_groups_are_demo(remote)

    ids = rd.available_indicator_ids(remote)
    assert ids == rd.available_indicator_ids(local)
    wanted = [i for i in rd.REGION_INDICATORS if i in ids] or ids[:2]
    portfolio = q.load_portfolio(demo_settings)
    budgets = q.load_partner_budgets(portfolio, q.load_region_names(
        demo_settings.reference_dir))
    codes = sorted(set(budgets["nuts2_code"].dropna()))
    values = rd.load_region_indicator_values(remote, codes, wanted)
    assert len(values) > 0 and set(values["geo_code"]) <= set(codes)
    pd.testing.assert_frame_equal(values, rd.load_region_indicator_values(local, codes, wanted))
    located = q.attach_groups(budgets, groups)
    assert located["grp"].notna().any()
