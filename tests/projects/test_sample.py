"""The sample portfolio: every seed project present with the facts its seed gives, every
partner's NUTS code in the reference (or null outside the NUTS area), and everything else
labelled illustrative.

Seeds (/work/shared/seeds, five public web texts):
  000 SPECTRA web page; 001 South Baltic Creative Clusters programme page; 002 Urban Creative
  Poles database entry; 003 Interreg Europe listing (ClusterFY, ClusteriX 2.0, CLUSTERS3);
  004 Southern Mediterranean CCI clusters project page.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from regiodash.config import load_settings
from regiodash.projects.model import SOURCES, split_list
from regiodash.projects.sample import load_sample
from regiodash.projects.status import kpi_status


@pytest.fixture(scope="module")
def sample():
    return load_sample(load_settings({}).reference_dir)


@pytest.fixture(scope="module")
def regions():
    ref = load_settings({}).reference_dir / "nuts_regions.parquet"
    frame = pd.read_parquet(ref)
    return frame[frame["nuts_version"] == "2021"]


def project(sample, project_id: str) -> pd.Series:
    return sample.projects.set_index("project_id").loc[project_id]


def partners(sample, project_id: str) -> pd.DataFrame:
    return sample.partners[sample.partners["project_id"] == project_id]


def test_every_seed_project_is_in_the_sample(sample):
    assert sorted(sample.project_ids()) == sorted([
        "spectra", "south_baltic_creative_clusters", "urban_creative_poles", "clusterfy",
        "clusterix_2_0", "clusters3", "southmed_cci_clusters",
    ])
    assert set(sample.projects["source"]) == {"seeds"}
    assert sample.projects["source_note"].notna().all()


def test_spectra_seed_facts(sample):
    # seed 000: "Stimulating Performance in Creative Territories and Regional Actors",
    # "Funded by the European Union"; objectives: capacity building in Moderate and Emerging
    # Innovator Regions, investors, gender-inclusive ecosystems. No budget, dates or partners.
    p = project(sample, "spectra")
    assert p["acronym"] == "SPECTRA"
    assert p["title"] == "Stimulating Performance in Creative Territories and Regional Actors"
    assert "moderate and emerging innovator regions" in p["thematic_tags"]
    assert pd.isna(p["total_budget_eur"])  # not in the seed: missing, never invented
    assert {"programme", "start_date", "end_date"} <= set(p["illustrative_fields"].split(";"))
    assert set(partners(sample, "spectra")["source"]) == {"illustrative"}


def test_south_baltic_creative_clusters_seed_facts(sample):
    # seed 001: "Project total eligible budget 264,145.00 EUR 217,833.25 EUR",
    # "Project start date 01 Jul 2019", "Project end date 30 Jun 2021",
    # "Lead partner Name: Media Dizajn ... Szczecin ... Zachodniopomorskie ... Poland".
    p = project(sample, "south_baltic_creative_clusters")
    assert p["total_budget_eur"] == 264_145.00
    assert p["eu_cofinancing_eur"] == 217_833.25
    assert p["cofinancing_rate"] == pytest.approx(217_833.25 / 264_145.00)
    assert (p["start_date"], p["end_date"]) == (dt.date(2019, 7, 1), dt.date(2021, 6, 30))
    assert p["lead_partner"] == "Media Dizajn"
    assert p["programme"] == "Interreg South Baltic"
    got = partners(sample, "south_baltic_creative_clusters").set_index("partner_name")
    # seed 001 partners with city and region -> the NUTS 2021 region containing the city
    expected = {
        "Media Dizajn": ("lead", "Szczecin", "PL", "PL424"),  # Miasto Szczecin
        "Hanseatic City of Rostock, Department for Urban Development, Urban Planning and "
        "Economy": ("partner", "Rostock", "DE", "DE803"),  # Rostock, Kreisfreie Stadt
        "Public Institution Rietavas Tourism and Business Information Centre":
            ("partner", "Rietavas", "LT", "LT028"),  # Telšių apskritis
        "Association Rietavas Women Employment Centre / RMUC":
            ("partner", "Rietavas", "LT", "LT028"),
        "Association of Polish Communes of Euroregion Baltic – ERB":
            ("partner", "Elbląg", "PL", "PL621"),  # Elbląski
        "Kreativum Science Center": ("partner", "Karlshamn", "SE", "SE221"),  # Blekinge län
    }
    assert set(got.index) == set(expected)
    for name, (role, city, country, code) in expected.items():
        assert tuple(got.loc[name, ["role", "city", "country_code", "nuts_code"]]) == (
            role, city, country, code)
        assert got.loc[name, "source"] == "seeds"


def test_urban_creative_poles_seed_facts(sample):
    # seed 002: "Start date: Sep 16, 2010, End date: Dec 15, 2013", "80.1%  1 916 622,50",
    # "2007 - 2013 Baltic Sea Region", "8 Partners Participants", "Mayors of all 5 cities".
    p = project(sample, "urban_creative_poles")
    assert (p["start_date"], p["end_date"]) == (dt.date(2010, 9, 16), dt.date(2013, 12, 15))
    assert p["total_budget_eur"] == 1_916_622.50
    assert p["cofinancing_rate"] == pytest.approx(0.801, abs=1e-6)
    assert (p["programme"], p["funding_period"]) == ("Interreg Baltic Sea Region", "2007-2013")
    mine = partners(sample, "urban_creative_poles")
    assert len(mine) == 8
    assert set(mine["source"]) == {"illustrative"}  # the seed names no partner
    charta = sample.kpis.set_index(["project_id", "kpi_id"]).loc[
        ("urban_creative_poles", "charta_cities")]
    assert (charta["target"], charta["source"]) == (5, "seeds")


def test_interreg_europe_projects_seed_facts(sample):
    # seed 003: "Lead Partner: Agency for Science, Innovation and Technology (MITA)" for
    # ClusterFY (Interreg Europe); "Lead Partner: ecoplus. The Business Agency of Lower
    # Austria" for ClusteriX 2.0 ("financed under the Interreg Europe programme"); "Lead
    # Partner: SPRI - Basque Business Development Agency" for CLUSTERS3, "seven regional and
    # national authorities", "TCI Network ... as advisory partner".
    leads = {
        "clusterfy": ("Agency for Science, Innovation and Technology (MITA)", "LT011"),
        "clusterix_2_0": ("ecoplus. The Business Agency of Lower Austria", "AT12"),
        "clusters3": ("SPRI - Basque Business Development Agency", "ES21"),
    }
    for project_id, (lead, code) in leads.items():
        p = project(sample, project_id)
        assert p["programme"] == "Interreg Europe"
        assert p["lead_partner"] == lead
        mine = partners(sample, project_id)
        row = mine[mine["role"] == "lead"].iloc[0]
        assert (row["partner_name"], row["nuts_code"], row["source"]) == (lead, code, "seeds")
        assert pd.isna(p["total_budget_eur"])
    assert "TCI Network" in set(partners(sample, "clusters3")["partner_name"])
    authorities = sample.kpis.set_index(["project_id", "kpi_id"]).loc[
        ("clusters3", "authorities_engaged")]
    assert authorities["target"] == 7


def test_southern_mediterranean_partners_have_no_nuts_code(sample):
    # seed 004: "Development of Clusters in Cultural and Creative Industries in the Southern
    # Mediterranean"; two pilot cluster initiatives per target country (countries not named).
    p = project(sample, "southmed_cci_clusters")
    assert p["title"] == ("Development of Clusters in Cultural and Creative Industries in the "
                          "Southern Mediterranean")
    mine = partners(sample, "southmed_cci_clusters")
    outside = mine[mine["nuts_code"].isna()]
    assert sorted(outside["country_code"]) == ["EG", "JO", "LB", "MA", "PS", "TN"]
    assert outside["note"].str.contains("no NUTS code").all()
    assert set(mine["source"]) == {"illustrative"}


def test_every_partner_nuts_code_is_in_the_reference_or_null_outside_nuts(sample, regions):
    known = set(regions["geo_code"])
    nuts_countries = set(regions.loc[regions["nuts_level"] == 0, "geo_code"])
    for row in sample.partners.itertuples():
        if pd.isna(row.nuts_code):
            assert row.country_code not in nuts_countries, row.partner_name
        else:
            assert row.nuts_code in known, row.nuts_code
            assert row.nuts_code.startswith(row.country_code)
            assert row.nuts_version == "2021"


def test_everything_not_from_a_seed_is_labelled_illustrative(sample):
    for frame in (sample.partners, sample.kpis, sample.kpi_values):
        assert set(frame["source"]) <= set(SOURCES) - {"user"}
    values = sample.kpi_values
    assert (values.loc[values["source"] == "illustrative", "note"] == "illustrative value").all()
    seeded = sample.partners[sample.partners["source"] == "seeds"]
    assert seeded["note"].str.startswith("Seed 00").all()
    for p in sample.projects.itertuples():
        fields = split_list(p.illustrative_fields)
        assert set(fields) <= set(sample.projects.columns), fields


def test_sample_kpis_show_every_status(sample):
    """The sample exercises on track, at risk and off track (latest values)."""
    starts = sample.projects.set_index("project_id")["start_date"]
    kpis = sample.kpis.set_index(["project_id", "kpi_id"])
    latest = sample.kpi_values.sort_values("date").groupby(["project_id", "kpi_id"]).tail(1)
    statuses = set()
    for r in latest.itertuples():
        k = kpis.loc[(r.project_id, r.kpi_id)]
        statuses.add(kpi_status(r.value, r.date, k["baseline"], k["target"],
                                starts[r.project_id], k["target_date"], k["direction"]).status)
    assert {"on track", "at risk", "off track"} <= statuses
    assert "lower" in set(sample.kpis["direction"])
