"""AppTest for the Projects & KPIs page: renders on the demo warehouse, URL round trips,
visible notes on bad parameters, graceful absence of innovation groups and indicators."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from regiodash.config import REPO_ROOT

PAGE = str(REPO_ROOT / "app_pages" / "projects.py")


def value_of(params, key):
    got = params[key]
    return got[0] if isinstance(got, list) else got


@pytest.fixture()
def demo_app(demo_settings, monkeypatch):
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(demo_settings.data_dir))
    return AppTest.from_file(PAGE, default_timeout=60)


@pytest.fixture()
def empty_app(settings, monkeypatch):
    """No indicator values, no innovation groups, no projects: the sample portfolio only."""
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(settings.data_dir))
    return AppTest.from_file(PAGE, default_timeout=60)


def test_page_renders_on_the_demo_warehouse(demo_app):
    demo_app.run()
    assert not demo_app.exception
    assert demo_app.title[0].value == "Projects & KPIs"
    assert any("Sample portfolio" in i.value for i in demo_app.info)
    # the innovation groups of the demo warehouse come from the synthetic demo panel
    assert any("Synthetic demo data" in w.value for w in demo_app.warning)
    metrics = {m.label: m.value for m in demo_app.metric}
    assert metrics["Projects"] == "7"
    assert metrics["Partners"] == "40"
    assert len(demo_app.get("plotly_chart")) >= 3  # map, programmes, regions
    assert not demo_app.query_params
    # only the open tab is built: the project picker is in the other one
    assert not [s for s in demo_app.selectbox if s.key == "pj_project"]
    open_tab(demo_app, "Project detail")
    assert demo_app.selectbox(key="pj_project").value is None
    assert not demo_app.get("file_uploader")  # KPI upload is off by default
    # the open tab is in the link (without a project the default tab is the portfolio)
    assert {k: value_of(demo_app.query_params, k) for k in demo_app.query_params} == {
        "tab": "detail"}


def open_tab(app: AppTest, label: str) -> None:
    app.session_state["pj_tab"] = label  # what clicking the tab does
    app.run()
    assert not app.exception, app.exception


def test_selecting_a_project_updates_the_url(demo_app):
    demo_app.run()
    open_tab(demo_app, "Project detail")
    demo_app.selectbox(key="pj_project").set_value("south_baltic_creative_clusters").run()
    assert not demo_app.exception
    assert value_of(demo_app.query_params, "project") == "south_baltic_creative_clusters"
    assert any("SB Creative Clusters" in s.value for s in demo_app.subheader)
    badges = " ".join(m.value for m in demo_app.markdown)
    assert "illustrative values" in badges
    partners = next(d.value for d in demo_app.dataframe if "partner" in d.value.columns)
    assert "/profile?region=PL42" in partners["region"].tolist()
    open_tab(demo_app, "Portfolio")  # the project stays in the URL while its tab is closed
    assert value_of(demo_app.query_params, "project") == "south_baltic_creative_clusters"
    demo_app.selectbox(key="pj_programme").set_value("Interreg Europe").run()
    assert value_of(demo_app.query_params, "programme") == "Interreg Europe"
    assert value_of(demo_app.query_params, "project") == "south_baltic_creative_clusters"
    assert {m.label: m.value for m in demo_app.metric}["Projects"] == "3"
    open_tab(demo_app, "Project detail")  # and comes back with it
    assert demo_app.selectbox(key="pj_project").value == "south_baltic_creative_clusters"
    assert value_of(demo_app.query_params, "programme") == "Interreg Europe"


def test_project_in_the_url_opens_that_project(demo_app):
    demo_app.query_params["project"] = "clusters3"
    demo_app.query_params["programme"] = "Interreg Europe"
    demo_app.run()
    assert not demo_app.exception
    assert demo_app.selectbox(key="pj_project").value == "clusters3"  # the detail tab opens
    assert any(s.value.startswith("CLUSTERS3") for s in demo_app.subheader)
    assert value_of(demo_app.query_params, "programme") == "Interreg Europe"
    open_tab(demo_app, "Portfolio")
    assert demo_app.selectbox(key="pj_programme").value == "Interreg Europe"
    assert not demo_app.info or not any("Ignored" in i.value for i in demo_app.info)


@pytest.mark.parametrize("params", [
    {"project": "no_such_project", "programme": "![x](http://example.org/x.png)",
     "indicator": "not_an_indicator"},
    {"project": "<script>alert(1)</script>x'; DROP TABLE projects; --" + "p" * 5000},
], ids=["unknown values", "hostile long value"])
def test_bad_parameters_give_a_visible_note(demo_app, params):
    for key, value in params.items():
        demo_app.query_params[key] = value
    demo_app.run()
    assert not demo_app.exception
    notes = [i.value for i in demo_app.info if "Ignored URL parameter" in i.value]
    assert len(notes) == len(params), [i.value for i in demo_app.info]
    for note in notes:
        assert "](" not in note.replace("\\]\\(", "")  # a value cannot become a link
        assert len(note) < 200
    for key in params:
        assert key not in demo_app.query_params  # dropped from the URL
    open_tab(demo_app, "Project detail")
    assert demo_app.selectbox(key="pj_project").value is None


def test_without_groups_and_indicators_the_page_says_so(empty_app):
    empty_app.query_params["project"] = "spectra"
    empty_app.run()
    assert not empty_app.exception
    assert "No indicator values in the warehouse yet" in " ".join(i.value for i in empty_app.info)
    open_tab(empty_app, "Portfolio")
    assert ("No innovation groups, so no shares in Moderate and Emerging Innovator regions: no "
            "indicator values in this warehouse yet" in " ".join(i.value for i in empty_app.info))
    metrics = {m.label: m.value for m in empty_app.metric}
    assert metrics["Partners in Moderate/Emerging regions"] == "n/a"
    assert not any("Synthetic demo data" in w.value for w in empty_app.warning)


def test_kpi_upload_appears_for_a_signed_in_editor(demo_app, monkeypatch, tmp_path):
    """(ui.auth; tests/ui/test_auth.py has the refusals and private projects.)"""
    roles = tmp_path / "roles.toml"
    roles.write_text('[roles]\neditors = ["eda@region.example.eu"]\n', encoding="utf-8")
    monkeypatch.setenv("REGIODASH_ROLES_FILE", str(roles))
    demo_app.query_params["project"] = "spectra"
    demo_app.run()
    assert not demo_app.get("file_uploader")  # anonymous: no upload
    demo_app.user = {"is_logged_in": True, "email": "eda@region.example.eu"}
    demo_app.run()
    assert not demo_app.exception
    assert len(demo_app.get("file_uploader")) == 1


def test_the_regions_table_and_import_panels_are_built_only_when_opened(demo_app):
    demo_app.run()
    assert not demo_app.get("download_button")
    tables = len(demo_app.dataframe)
    demo_app.session_state["pj_import_open"] = True  # what opening the panel does
    demo_app.session_state["pj_regions_open"] = True
    demo_app.run()
    assert not demo_app.exception
    names = sorted(b.proto.label for b in demo_app.get("download_button"))
    assert names == ["kpi_values.csv", "kpis.csv", "partners.csv", "projects.csv"]
    assert len(demo_app.dataframe) == tables + 1


def test_the_regional_indicator_survives_closed_tabs_and_an_unchosen_project(demo_app):
    demo_app.query_params["indicator"] = "sustainability_index"
    demo_app.run()
    assert value_of(demo_app.query_params, "indicator") == "sustainability_index"
    open_tab(demo_app, "Project detail")
    demo_app.selectbox(key="pj_project").set_value("spectra").run()
    assert demo_app.selectbox(key="pj_indicator").value == "sustainability_index"
    demo_app.selectbox(key="pj_indicator").set_value("gender_inclusion_index").run()
    open_tab(demo_app, "Portfolio")
    open_tab(demo_app, "Project detail")
    assert demo_app.selectbox(key="pj_indicator").value == "gender_inclusion_index"
    demo_app.selectbox(key="pj_project").set_value(None).run()  # no project: no picker
    demo_app.selectbox(key="pj_project").set_value("clusters3").run()
    assert demo_app.selectbox(key="pj_indicator").value == "gender_inclusion_index"
    assert "indicator" not in demo_app.query_params  # the default is left out of the URL


def chart_spec(app: AppTest, index: int) -> dict:
    import json

    return json.loads(app.get("plotly_chart")[index].proto.spec)


def test_partners_outside_nuts_are_located_by_country_and_counted(demo_app):
    demo_app.run()
    said = " ".join(c.value for c in demo_app.caption)
    # counted, not dropped: 34 with a group and the six Southern Mediterranean partners
    assert ("34 of 40 partners have an innovation group; 6 are outside the RIS coverage "
            "\\(6 outside the NUTS area\\: EG, JO, LB, MA, PS, TN\\)") in said
    assert "6 partner\\(s\\) outside the NUTS area are located by their country" in said
    traces = {t["name"]: t for t in chart_spec(demo_app, 0)["data"]}
    outside = traces["Outside the RIS coverage"]
    assert outside["locations"] == ["EG", "JO", "LB", "MA", "PS", "TN"]
    assert outside["geojson"].startswith("/app/static/geo/world_")  # the world shapes file
    assert "Egypt" in str(outside["customdata"])
    demo_app.radio(key="pj_region_level").set_value(0).run()
    demo_app.session_state["pj_regions_open"] = True
    demo_app.run()
    countries = demo_app.dataframe[-1].value
    egypt = countries[countries["region"] == "/profile?region=EG"].iloc[0]
    assert (egypt["name"], egypt["partners"], egypt["budget"], egypt["outside NUTS"]) == (
        "Egypt", 1, "unknown", "1 partner(s)")
    bars = chart_spec(demo_app, 2)["data"][0]
    assert any(t.startswith("1 partner, budget ") for t in bars["text"])
    assert any("Egypt (EG)" in y for y in bars["y"])


def test_budgets_read_like_the_metrics_and_bars_say_what_their_length_is(demo_app):
    demo_app.run()
    overview = next(d.value for d in demo_app.dataframe if "acronym" in d.value.columns)
    budgets = overview.set_index("acronym")["total_budget_eur"]
    assert budgets["UCP"] == "€1.92 m" and budgets["SPECTRA"] == "unknown"
    assert not overview.astype(str).isin(["None", "nan"]).any().any()
    programmes = chart_spec(demo_app, 1)
    assert programmes["layout"]["xaxis"]["title"]["text"] == "number of projects"
    assert all(" project" in t and "budget " in t for t in programmes["data"][0]["text"])
    regions = chart_spec(demo_app, 2)
    assert regions["layout"]["xaxis"]["title"]["text"] == "number of partners"
    assert "4 partners, budget €567 k" in regions["data"][0]["text"]


def test_project_detail_names_regions_and_countries_beside_codes(demo_app):
    demo_app.query_params["project"] = "southmed_cci_clusters"
    demo_app.run()
    assert not demo_app.exception
    partners = next(d.value for d in demo_app.dataframe if "partner" in d.value.columns)
    located = partners.set_index("partner")["location"]
    assert "Egypt (EG), outside NUTS" in located.tolist()
    assert set(partners["innovation group"]) >= {"Outside the RIS coverage"}
    assert not partners["budget"].isin(["None", "nan"]).any()
    traces = chart_spec(demo_app, -1)["data"]  # the partner map: NUTS regions and countries
    assert {c for t in traces if t.get("hovertemplate") for c in t["locations"]} >= {
        "AT13", "EG", "JO", "LB", "MA", "PS", "TN"}
    values = next(d.value for d in demo_app.dataframe if "latest year" in d.value.columns)
    assert values.loc[values["region"] == "/profile?region=AT13", "name"].item() == "Wien"
    index = values["Gender inclusion index"]
    assert index.str.fullmatch(r"\d+\.\d|no data").all()  # the indicator's one decimal


def test_copy_link_carries_the_view(demo_app):
    demo_app.query_params["project"] = "spectra"
    demo_app.run()
    popovers = demo_app.get("popover")
    assert len(popovers) == 1 and popovers[0].proto.popover.label == "Copy link"
    assert demo_app.code[0].value.endswith("?project=spectra")
    open_tab(demo_app, "Portfolio")
    assert demo_app.code[0].value.endswith("?project=spectra&tab=portfolio")


def test_the_pdf_report_is_built_only_when_asked(demo_app):
    demo_app.query_params["project"] = "clusters3"
    demo_app.run()
    assert not demo_app.get("download_button")
    demo_app.button(key="pj_pdf_prepare").click().run()
    assert not demo_app.exception
    (download,) = demo_app.get("download_button")
    assert download.proto.label == "Download report (PDF)"
    assert download.proto.url  # the PDF bytes, served by the media file manager
    demo_app.run()  # stays ready on the next rerun, from the cache
    assert len(demo_app.get("download_button")) == 1
    demo_app.selectbox(key="pj_project").set_value("spectra").run()
    assert not demo_app.get("download_button")  # another project: ask again
