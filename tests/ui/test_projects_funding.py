"""AppTest for the Projects page's Cohesion funding tab, on warehouses with the real Kohesio
export imported: over the demo panel (synthetic population and groups, said so) and over the
real Eurostat files (no population, no groups: what is missing is named). The figures are
checked against sums computed here from the warehouse files with pandas, not with
projects.cohesion_funding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from regiodash.config import REPO_ROOT
from tests.ui.kohesio_fixtures import demo_with_kohesio, real_with_kohesio

PAGE = str(REPO_ROOT / "app_pages" / "projects.py")
SHARE = "EU contribution reaching Moderate and Emerging Innovator regions"


@pytest.fixture(scope="module")
def kohesio_demo_settings(real_data_dir, tmp_path_factory):
    return demo_with_kohesio(tmp_path_factory.mktemp("kohesio_demo") / "data", real_data_dir)


@pytest.fixture(scope="module")
def kohesio_real_settings(real_settings, real_data_dir, tmp_path_factory):
    return real_with_kohesio(real_settings, tmp_path_factory.mktemp("kohesio_real") / "data",
                             real_data_dir)


def app_on(settings, monkeypatch, **params: str) -> AppTest:
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(settings.data_dir))
    app = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, app.exception
    return app


def texts(app: AppTest) -> str:
    return " ".join(e.value for kind in ("caption", "info", "markdown", "warning")
                    for e in getattr(app, kind))


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def funding_frame(settings) -> pd.DataFrame:
    """NUTS 2 regions of 2020: EU contribution, population, latest group and category up to
    2020, partial flag; read from the warehouse's Parquet files with pandas."""
    values = pd.read_parquet(settings.data_dir / "indicator_values.parquet")
    values = values[(values["nuts_level"] == 2) & (values["sex"] == "T")]
    now = values[values["year"] == 2020]
    eu = now[now["indicator_id"] == "cohesion_eu_contribution_eur"].set_index("geo_code")
    frame = pd.DataFrame({"eu": eu["value"],
                          "partial": eu["flag"].fillna("").str.contains("t")})
    pop = now[now["indicator_id"] == "population_persons"].set_index("geo_code")["value"]
    frame["population"] = pop.reindex(frame.index)
    groups = pd.read_parquet(settings.data_dir / "innovation_groups.parquet")
    groups = groups[(groups["nuts_level"] == 2) & (groups["year"] <= 2020)
                    & groups["grp"].notna()]
    latest = groups.sort_values("year").groupby("geo_code")["grp"].last()
    frame["grp"] = latest.reindex(frame.index)
    cat = values[(values["indicator_id"] == "cohesion_category") & (values["year"] <= 2020)
                 & values["value"].notna()]
    frame["category"] = cat.sort_values("year").groupby("geo_code")["value"].last().reindex(
        frame.index)
    return frame


def test_without_kohesio_data_the_tab_says_how_to_import(demo_settings, monkeypatch):
    app = app_on(demo_settings, monkeypatch, tab="funding")
    assert "regiodash kohesio FILE --drop-duplicates" in texts(app)
    assert app.tabs[2].label == "Cohesion funding"
    assert app.query_params["tab"] in ("funding", ["funding"])


def test_funding_tab_on_the_demo_with_the_real_export(kohesio_demo_settings, monkeypatch):
    app = app_on(kohesio_demo_settings, monkeypatch, tab="funding")
    frame = funding_frame(kohesio_demo_settings)
    assert len(frame) == 61 and frame["partial"].all()
    grouped = frame[frame["grp"].notna()]
    share = grouped.loc[grouped["grp"].isin(["Moderate", "Emerging"]), "eu"].sum() / grouped[
        "eu"].sum()
    shown = metrics(app)
    assert shown[SHARE] == f"{100 * share:.0f} %"
    less = frame[frame["category"].notna()]
    assert shown["EU contribution in less developed regions"] == (
        f"{100 * less.loc[less['category'] == 1, 'eu'].sum() / less['eu'].sum():.0f} %")
    assert shown["Known EU contribution"] == f"€{frame['eu'].sum() / 1e9:,.2f} bn"
    # Gini of EU contribution per inhabitant, by the trapezoid rule over sorted regions
    usable = frame[frame["population"] > 0].assign(per=lambda f: f["eu"] / f["population"])
    usable = usable.sort_values("per")
    x = np.concatenate([[0], usable["population"].cumsum() / usable["population"].sum()])
    y = np.concatenate([[0], usable["eu"].cumsum() / usable["eu"].sum()])
    gini = 1 - np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]))
    assert shown["Concentration (Gini)"] == f"{gini:.2f}"
    # honest labels: synthetic population and groups, partial regions, next to the figures
    said = texts(app)
    assert "Population 2020: synthetic (demo panel)" in said
    assert "Innovation groups: from the synthetic demo panel" in said
    assert "61 of 61 regions are partial" in said
    charts = {c.proto.id for c in app.get("plotly_chart")}
    assert len(charts) == 3  # by group, by category, Lorenz
    # the regions table is built only when its panel is opened: names beside codes, partial
    assert len(app.dataframe) == 1  # the beneficiaries
    app.session_state["pj_fund_regions_open"] = True
    app.run()
    regions = app.dataframe[0].value.set_index("region")
    assert regions.loc["BG41", "name"] == "Yugozapaden"
    assert (regions["partial"] == "partial (lower bound)").all()
    assert not regions["EU contribution"].str.contains("None|nan").any()


def test_largest_beneficiaries_search_in_any_script(kohesio_demo_settings, monkeypatch):
    app = app_on(kohesio_demo_settings, monkeypatch, tab="funding", region="BG41")
    assert app.selectbox(key="pj_fund_region").value == "BG41"
    app.text_input(key="pj_fund_search").set_value("клъстер").run()
    table = app.dataframe[-1].value
    assert len(table) == 3
    assert table["beneficiary (original script)"].str.contains("КЛЪСТЕР").all()
    assert table["transliteration"].str.contains("KLASTER").all()
    assert table["NUTS"].str.startswith("BG41").all()
    assert set(table["partial"]) == {"partial"}
    assert app.query_params["region"] in ("BG41", ["BG41"])
    # user text is a bound parameter: SQL and Markdown only fail to match
    app.text_input(key="pj_fund_search").set_value("x' OR 1=1 -- [a](http://e.x)").run()
    assert not app.exception
    assert len(app.dataframe[-1].value) == 0
    assert "No beneficiary matches." in " ".join(m.value for m in app.markdown)
    # a country lists its regions' beneficiaries, largest first, amounts as text
    app.selectbox(key="pj_fund_region").set_value("HU").run()
    app.text_input(key="pj_fund_search").set_value("").run()
    table = app.dataframe[-1].value
    assert len(table) == 100 and table["NUTS"].str.startswith("HU").all()
    assert table["EU contribution"].str.startswith("€").all()


@pytest.mark.parametrize("region", ["ZZ9", "<b>x</b>"])
def test_an_unknown_region_in_the_url_gives_a_note(kohesio_demo_settings, monkeypatch,
                                                    region):
    app = app_on(kohesio_demo_settings, monkeypatch, tab="funding", region=region)
    notes = [i.value for i in app.info if "Ignored URL parameter region" in i.value]
    assert len(notes) == 1 and "<b>" not in notes[0]
    assert "region" not in app.query_params  # the first country is the default: not written


@pytest.mark.real_data
def test_funding_tab_on_the_real_warehouse_names_what_is_missing(kohesio_real_settings,
                                                                 monkeypatch):
    app = app_on(kohesio_real_settings, monkeypatch, tab="funding")
    frame = funding_frame(kohesio_real_settings)
    assert frame["population"].isna().all() and frame["grp"].isna().all()
    shown = metrics(app)
    assert shown[SHARE] == "n/a"
    less = frame[frame["category"].notna()]
    assert shown["EU contribution in less developed regions"] == (
        f"{100 * less.loc[less['category'] == 1, 'eu'].sum() / less['eu'].sum():.0f} %")
    said = texts(app)
    assert "No region with funding has an innovation group" in said
    assert "No Regional Innovation Index" in said and "`rd_e_gerdreg`" in said
    assert "No population for 2020 in this warehouse" in said and "`demo_r_pjangrp3`" in said
    assert "Cohesion-policy categories: derived from the warehouse's GDP" in said
    assert "synthetic" not in said.replace("Synthetic demo data", "")
    assert len(app.get("plotly_chart")) == 0  # nothing per inhabitant without population


@pytest.mark.real_data
def test_portfolio_on_the_real_warehouse_says_what_the_groups_need(real_settings, monkeypatch):
    app = app_on(real_settings, monkeypatch)
    info = " ".join(i.value for i in app.info)
    assert "No innovation groups, so no shares in Moderate and Emerging Innovator regions" in info
    assert "No Regional Innovation Index" in info and "fetch or import" in info
    assert "has written innovation_groups.parquet" not in info
