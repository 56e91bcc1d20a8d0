"""Tests for projects.cohesion_funding: the pure summaries on hand-computed rows, and the
warehouse queries on a demo warehouse with the real Kohesio export imported and built."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regiodash.config import load_settings
from regiodash.ingest.demo import write_demo_panel
from regiodash.ingest.kohesio_import import import_kohesio
from regiodash.projects import cohesion_funding as cf
from regiodash.storage.build import build_warehouse
from regiodash.storage.connection import open_warehouse

REAL = Path("/work/shared/data/real/kohesio/kohesio-data-export.tsv")


def _regions() -> pd.DataFrame:
    return pd.DataFrame({
        "geo_code": ["A1", "A2", "B1", "B2", "C1"],
        "eu_contribution_eur": [100.0, 300.0, 600.0, np.nan, 50.0],
        "population": [100.0, 100.0, 200.0, 50.0, np.nan],
        "innovation_group": ["Emerging", "Moderate", "Strong", "Emerging", None],
        "cohesion_category": [1, 1, 3, 1, 2],
        "partial": [True, False, True, False, False],
    })


def test_share_reaching_moderate_and_emerging() -> None:
    share = cf.share_reaching(_regions())
    # classified with an amount: A1, A2, B1 -> (100 + 300) / 1000; C1 has no group
    assert share["share"] == pytest.approx(0.4)
    assert share["amount_unclassified"] == 50.0
    assert share["regions_in_targets"] == 2 and share["partial_regions"] == 2


def test_per_inhabitant_by_class_is_a_ratio_of_sums() -> None:
    by_group = cf.funding_per_inhabitant_by_class(_regions(), "innovation_group")
    row = by_group.set_index("innovation_group").loc["Emerging"]
    # B2 has no amount and C1 no population: both left out, not read as zero
    assert (row["regions"], row["eur_per_inhabitant"]) == (1, 1.0)
    by_cat = cf.funding_per_inhabitant_by_class(_regions(), "cohesion_category")
    assert by_cat.set_index("cohesion_category").loc[1, "eur_per_inhabitant"] == 2.0


def test_lorenz_points_and_gini() -> None:
    points = cf.lorenz_points(_regions())
    assert points["geo_code"].tolist()[1:] == ["A1", "A2", "B1"]  # 1, 3, 3 EUR per head
    assert points["population_share"].tolist() == [0.0, 0.25, 0.5, 1.0]
    assert points["funding_share"].tolist() == [0.0, 0.1, 0.4, 1.0]
    # area = 0.25*0.1/2 + 0.25*(0.1+0.4)/2 + 0.5*(0.4+1)/2 = 0.425 -> gini 0.15
    assert cf.gini(points) == pytest.approx(0.15)
    equal = pd.DataFrame({"geo_code": ["x", "y"], "eu_contribution_eur": [1.0, 2.0],
                          "population": [1.0, 2.0], "partial": False})
    assert cf.gini(cf.lorenz_points(equal)) == pytest.approx(0.0)
    assert cf.lorenz_points(_regions().iloc[0:0]).empty


def test_search_key_reads_any_script() -> None:
    assert cf.search_key(" Клъстер ") == "klaster"
    assert cf.search_key("Klášter") == "klaster"


@pytest.fixture(scope="module")
def funded_warehouse(tmp_path_factory):
    if not REAL.exists():
        pytest.skip("shared real data not available")
    settings = load_settings(
        {"REGIODASH_DATA_DIR": str(tmp_path_factory.mktemp("kohesio") / "data")})
    write_demo_panel(settings)
    import_kohesio(REAL, settings, drop_duplicates=True)
    build_warehouse(settings)
    wh = open_warehouse(settings)
    yield wh
    wh.close()


def test_region_funding_on_the_real_export(funded_warehouse) -> None:
    regions = cf.load_region_funding(funded_warehouse, level=2)
    assert len(regions) == 61 and set(regions["country_code"]) == {
        "BG", "CZ", "EE", "HR", "HU", "LT", "LV", "PL", "RO", "SI", "SK"}
    assert regions["partial"].all()  # every NUTS 2 region holds a capped region
    assert set(regions["population_source"].dropna()) == {"demo"}  # synthetic, and says so
    share = cf.share_reaching(regions)
    assert 0.0 < share["share"] <= 1.0
    by_group = cf.funding_per_inhabitant_by_class(regions, "innovation_group")
    assert set(by_group["innovation_group"].dropna()) <= {"Leader", "Strong", "Moderate",
                                                          "Emerging"}
    points = cf.lorenz_points(regions)
    assert points["funding_share"].is_monotonic_increasing
    assert 0.0 <= cf.gini(points) < 1.0


def test_largest_beneficiaries_search_and_scope(funded_warehouse) -> None:
    top = cf.load_largest_beneficiaries(funded_warehouse, "HU", limit=5)
    assert len(top) == 5 and top["eu_contribution_eur"].is_monotonic_decreasing
    assert top["geo_code"].str.startswith("HU").all()
    clusters = cf.load_largest_beneficiaries(funded_warehouse, "BG41", search="КЛЪСТЕР")
    assert len(clusters) == 3 and clusters["is_cluster"].all()
    assert clusters["beneficiary_name"].str.contains("КЛЪСТЕР").all()  # original script kept
    assert clusters["name_latin"].str.contains("KLASTER").all()
    # user text is a bound parameter: quotes and SQL fragments only fail to match
    assert cf.load_largest_beneficiaries(funded_warehouse, "BG' OR 1=1 --", "x").empty
