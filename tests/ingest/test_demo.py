"""The synthetic demo panel: complete, and the same every time it is written."""

from __future__ import annotations

import pandas as pd

from indicators.catalog import CATALOG
from regiodash.ingest.demo import DEMO_YEARS, write_demo_panel
from regiodash.storage.layout import WarehousePaths


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
