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
    monkeypatch.delenv("REGIODASH_ALLOW_KPI_UPLOAD", raising=False)
    return AppTest.from_file(PAGE, default_timeout=60)


@pytest.fixture()
def empty_app(settings, monkeypatch):
    """No indicator values, no innovation groups, no projects: the sample portfolio only."""
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("REGIODASH_ALLOW_KPI_UPLOAD", raising=False)
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


def test_kpi_upload_appears_when_enabled(demo_app, monkeypatch):
    monkeypatch.setenv("REGIODASH_ALLOW_KPI_UPLOAD", "1")
    demo_app.query_params["project"] = "spectra"
    demo_app.run()
    assert not demo_app.exception
    assert len(demo_app.get("file_uploader")) == 1
    assert demo_app.text_input(key="pj_upload_user").value


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
