"""Portfolio queries on hand-made rows: budget allocation, regional roll-ups, innovation-group
shares (present, absent), KPI summaries. Warehouse reads: test_region_data.py."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from regiodash.projects import queries as q
from regiodash.projects import region_data
from regiodash.projects.importers import import_project_files
from regiodash.projects.model import KPI_VALUES, KPIS, PARTNERS, PROJECTS, Portfolio, typed
from regiodash.projects.templates import write_templates

D = dt.date


def portfolio() -> Portfolio:
    projects = pd.DataFrame([
        {"project_id": "a", "acronym": "A", "title": "A", "programme": "Interreg Europe",
         "start_date": D(2020, 1, 1), "end_date": D(2022, 12, 31),
         "total_budget_eur": 1000.0, "eu_cofinancing_eur": 800.0, "source": "user"},
        {"project_id": "b", "acronym": "B", "title": "B", "programme": "Horizon Europe",
         "start_date": D(2021, 1, 1), "end_date": D(2023, 12, 31), "total_budget_eur": None,
         "source": "illustrative", "illustrative_fields": "programme"},
    ])
    partners = pd.DataFrame([
        # a: one share known (0.5), the other two split the remaining 0.5 equally
        {"project_id": "a", "partner_name": "P1", "role": "lead", "country_code": "DE",
         "nuts_code": "DE803", "nuts_level": 3, "budget_share": 0.5, "source": "user"},
        {"project_id": "a", "partner_name": "P2", "role": "partner", "country_code": "DE",
         "nuts_code": "DE80J", "nuts_level": 3, "source": "user"},
        {"project_id": "a", "partner_name": "P3", "role": "partner", "country_code": "PL",
         "nuts_code": "PL4", "nuts_level": 1, "source": "user"},
        {"project_id": "b", "partner_name": "Q1", "role": "lead", "country_code": "DE",
         "nuts_code": "DE80", "nuts_level": 2, "source": "illustrative"},
        {"project_id": "b", "partner_name": "Q2", "role": "partner", "country_code": "EG",
         "nuts_code": None, "nuts_level": None, "source": "illustrative"},
    ])
    kpis = pd.DataFrame([
        {"project_id": "a", "kpi_id": "smes", "name": "SMEs", "unit": "SMEs", "baseline": 0.0,
         "target": 100.0, "target_date": D(2022, 1, 1), "cumulative": True,
         "direction": "higher", "source": "user"},
        {"project_id": "a", "kpi_id": "gap", "name": "Gap", "unit": "pp", "baseline": 20.0,
         "target": 10.0, "target_date": D(2022, 1, 1), "cumulative": False,
         "direction": "lower", "source": "user"},
    ])
    values = pd.DataFrame([
        {"project_id": "a", "kpi_id": "smes", "date": D(2020, 7, 1), "value": 10.0,
         "source": "user"},
        {"project_id": "a", "kpi_id": "smes", "date": D(2021, 1, 1), "value": 48.0,
         "source": "illustrative"},
    ])
    return Portfolio(typed(PROJECTS, projects), typed(PARTNERS, partners), typed(KPIS, kpis),
                     typed(KPI_VALUES, values), "warehouse")


@pytest.fixture(scope="module")
def regions():
    from regiodash.config import load_settings

    return q.load_region_names(load_settings({}).reference_dir)


@pytest.fixture(scope="module")
def budgets(regions):
    return q.load_partner_budgets(portfolio(), regions).set_index("partner_name")


def test_budget_share_when_known_else_equal_split_of_the_rest(budgets):
    assert budgets.loc["P1", "budget_eur"] == 500
    assert budgets.loc["P2", "budget_eur"] == 250
    assert budgets.loc["P3", "budget_eur"] == 250
    assert budgets.loc[["P1", "P2", "P3"], "budget_basis"].tolist() == [
        "budget share", "equal split", "equal split"]
    # unknown project budget: no budget, never zero
    assert budgets.loc[["Q1", "Q2"], "budget_eur"].isna().all()
    assert set(budgets.loc[["Q1", "Q2"], "budget_basis"]) == {"unknown"}


def test_partner_regions_roll_up_to_nuts2_and_country(budgets):
    assert budgets.loc["P1", "nuts2_code"] == "DE80"
    assert budgets.loc["P1", "geo_name"] == "Rostock, Kreisfreie Stadt"
    assert pd.isna(budgets.loc["P3", "nuts2_code"]) and budgets.loc["P3", "nuts0_code"] == "PL"
    assert pd.isna(budgets.loc["Q2", "nuts0_code"])
    # outside the NUTS area: located by its country, never by a NUTS region
    assert budgets.loc["Q2", "location_country"] == "EG" and budgets.loc["Q2", "outside_nuts"]
    assert budgets.loc["P3", "location_country"] == "PL" and not budgets.loc["P3", "outside_nuts"]


def test_place_names_name_countries_outside_nuts(regions):
    from regiodash.config import load_settings

    names = q.load_place_names(load_settings({}).reference_dir).set_index("geo_code")
    assert names.loc[["EG", "MA", "PS"], "geo_name"].tolist() == ["Egypt", "Morocco",
                                                                  "Palestine"]
    assert (names.loc[["EG", "MA"], "nuts_level"] == 0).all()
    assert len(names) == len(regions) + len(set(names.index) - set(regions["geo_code"]))
    assert names.index.is_unique
    frame = q.load_partner_budgets(portfolio(), names.reset_index()).set_index("partner_name")
    assert frame.loc["Q2", "country_name"] == "Egypt"


def test_budget_by_region_and_unlocated_partners(budgets):
    frame = budgets.reset_index()
    nuts2 = q.budget_by_region(frame, 2).set_index("geo_code")
    assert list(nuts2.index) == ["DE80"]
    assert nuts2.loc["DE80", ["projects", "partners"]].tolist() == [2, 3]
    assert nuts2.loc["DE80", "budget_eur"] == 750  # Q1's unknown budget adds nothing
    assert nuts2.loc["DE80", "illustrative_partners"] == 1
    countries = q.budget_by_region(frame, 0).set_index("geo_code")
    assert countries.loc["PL", "budget_eur"] == 250
    # the partner in Egypt counts for its country, with no budget (unknown, not zero)
    assert countries.loc["EG", ["partners", "partners_outside_nuts"]].tolist() == [1, 1]
    assert pd.isna(countries.loc["EG", "budget_eur"])
    assert countries.loc["DE", "partners_outside_nuts"] == 0
    assert sorted(q.unlocated_partners(frame, 2)["partner_name"]) == ["P3", "Q2"]
    assert q.unlocated_partners(frame, 0).empty  # every partner has a country
    with pytest.raises(ValueError):
        q.budget_by_region(frame, 3)


def test_budget_by_programme_counts_unknown_budgets_apart():
    frame = q.budget_by_programme(portfolio()).set_index("programme")
    assert frame.loc["Interreg Europe", ["projects", "projects_with_budget"]].tolist() == [1, 1]
    assert frame.loc["Interreg Europe", "total_budget_eur"] == 1000
    assert pd.isna(frame.loc["Horizon Europe", "total_budget_eur"])
    assert bool(frame.loc["Horizon Europe", "illustrative"])
    assert not bool(frame.loc["Interreg Europe", "illustrative"])


def write_groups(data_dir, rows) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(rows, schema=pa.schema([
        ("geo_code", pa.string()), ("nuts_level", pa.int8()), ("nuts_version", pa.string()),
        ("year", pa.int16()), ("relative_index", pa.float64()), ("grp", pa.string()),
        ("subgroup", pa.string())]))
    pq.write_table(table, data_dir / "innovation_groups.parquet")


def test_group_shares_over_partners_with_a_group(tmp_path, budgets, warehouse_at):
    write_groups(tmp_path, [
        {"geo_code": "DE80", "nuts_level": 2, "nuts_version": "2021", "year": 2022,
         "relative_index": 80.0, "grp": "Strong", "subgroup": ""},
        {"geo_code": "DE80", "nuts_level": 2, "nuts_version": "2021", "year": 2023,
         "relative_index": 95.0, "grp": "Moderate", "subgroup": ""},  # latest year wins
        {"geo_code": "PL", "nuts_level": 0, "nuts_version": "2021", "year": 2023,
         "relative_index": 60.0, "grp": "Emerging Innovator", "subgroup": "-"},
    ])
    groups = region_data.load_innovation_groups(warehouse_at(tmp_path))
    assert groups.set_index("geo_code").loc["DE80", "grp"] == "Moderate"
    attached = q.attach_groups(budgets.reset_index(), groups).set_index("partner_name")
    assert attached.loc["P3", "grp"] == "Emerging"  # NUTS 1 partner: the country's group
    assert pd.isna(attached.loc["Q2", "grp"])
    shares = q.group_shares(attached.reset_index(), True)
    assert shares.partners_share == 1.0
    assert shares.budget_share == 1.0
    assert (shares.partners_with_group, shares.partners_located, shares.year) == (4, 4, 2023)
    # the partner in Egypt is not dropped: counted as outside the RIS coverage
    assert (shares.partners_total, shares.partners_outside_coverage) == (5, 1)
    assert shares.outside_countries == ("EG",)
    assert shares.message == ("4 of 5 partners have an innovation group; 1 is outside the RIS "
                              "coverage (1 outside the NUTS area: EG)")


def test_group_shares_mixed_groups(tmp_path, budgets, warehouse_at):
    write_groups(tmp_path, [
        {"geo_code": "DE80", "nuts_level": 2, "nuts_version": "2021", "year": 2023,
         "relative_index": 130.0, "grp": "Leader", "subgroup": ""},
        {"geo_code": "PL", "nuts_level": 0, "nuts_version": "2021", "year": 2023,
         "relative_index": 60.0, "grp": "Emerging", "subgroup": ""},
    ])
    attached = q.attach_groups(budgets.reset_index(),
                               region_data.load_innovation_groups(warehouse_at(tmp_path)))
    shares = q.group_shares(attached, True)
    assert shares.partners_share == pytest.approx(1 / 4)
    assert shares.budget_share == pytest.approx(250 / 1000)


def test_group_shares_name_partners_in_regions_without_a_group(tmp_path, budgets,
                                                               warehouse_at):
    write_groups(tmp_path, [
        {"geo_code": "DE80", "nuts_level": 2, "nuts_version": "2021", "year": 2023,
         "relative_index": 130.0, "grp": "Leader", "subgroup": ""}])
    attached = q.attach_groups(budgets.reset_index(),
                               region_data.load_innovation_groups(warehouse_at(tmp_path)))
    shares = q.group_shares(attached, True)
    assert (shares.partners_with_group, shares.partners_outside_coverage) == (3, 2)
    assert shares.message.endswith("2 are outside the RIS coverage (1 outside the NUTS area: "
                                   "EG; 1 in NUTS regions without a group)")


def test_without_the_groups_file_the_shares_say_not_available(tmp_path, budgets,
                                                               warehouse_at):
    assert region_data.load_innovation_groups(warehouse_at(tmp_path)) is None
    attached = q.attach_groups(budgets.reset_index(), None)
    shares = q.group_shares(attached, False)
    assert not shares.available
    assert shares.message == "innovation groups not available yet"
    assert shares.partners_share is None
    assert (shares.partners_total, shares.partners_outside_nuts) == (5, 1)


def test_region_map_frame_one_row_per_nuts2_region(budgets):
    frame = q.region_map_frame(q.attach_groups(budgets.reset_index(), None))
    assert frame["geo_code"].tolist() == ["DE80"]
    assert frame.iloc[0]["partners"] == 3 and frame.iloc[0]["acronyms"] == "A, B"


def test_country_map_frame_locates_partners_outside_nuts_by_country(regions):
    from regiodash.config import load_settings

    names = q.load_place_names(load_settings({}).reference_dir)
    frame = q.attach_groups(q.load_partner_budgets(portfolio(), names), None)
    frame.loc[frame["partner_name"] == "Q2", "city"] = "Cairo"
    countries = q.country_map_frame(frame)
    (row,) = countries.to_dict("records")
    assert pd.isna(row.pop("budget_eur"))  # project b's budget is unknown: not zero
    assert row == {"geo_code": "EG", "geo_name": "Egypt", "partners": 1, "projects": 1,
                   "grp": None, "acronyms": "B", "cities": "Cairo"}
    assert q.country_map_frame(frame[frame["partner_name"] != "Q2"]).empty


def test_kpi_summary_uses_the_latest_value_and_marks_illustrative():
    summary = q.kpi_summary(portfolio(), "a").set_index("kpi_id")
    # smes: day 366 of 731 -> expected 50.07; 48 -> ratio 0.96 -> on track
    assert summary.loc["smes", "status"] == "on track"
    assert summary.loc["smes", "latest_value"] == 48
    assert bool(summary.loc["smes", "illustrative"])
    assert summary.loc["gap", "status"] == "no data"
    overview = q.portfolio_overview(portfolio()).set_index("project_id")
    assert overview.loc["a", ["kpis", "on_track", "partners"]].tolist() == [2, 1, 3]


def test_load_portfolio_sample_until_projects_are_imported(settings, tmp_path):
    assert q.load_portfolio(settings).origin == "sample"
    import_project_files(write_templates(tmp_path / "t"), settings)
    mine = q.load_portfolio(settings)
    assert (mine.origin, mine.project_ids()) == ("warehouse", ["my_cluster_project"])
