"""AppTest for every page on the demo panel and on the warehouse built from the real files
(tests/conftest.py real_settings): renders, URL round trips, hostile parameters."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from bench.devserver import APP, APP_SIDEBAR_TEXT, read_pages
from tests.ui.test_map_page import FIRST_PAINT

# app.py's own page list (read, not copied): a page added there is tested here
PAGES = [spec["page"] for spec in read_pages()]
PAGE = {spec["url_path"]: spec["page"] for spec in read_pages()}
# each page's own heading (its st.title), not its menu title in app.py
TITLES = {PAGE["overview"]: "Where Europe's regions stand", PAGE["map"]: "Map explorer",
          PAGE["profile"]: "Region profile", PAGE["compare"]: "Compare regions",
          PAGE["rankings"]: "Rankings & trends", PAGE["methodology"]: "Data & methodology",
          PAGE["projects"]: "Projects & KPIs"}


def test_no_pages_folder_beside_app_py():
    """A `pages/` folder next to app.py (even one left with only __pycache__ after a pull)
    switches Streamlit into its legacy multipage mode: a deep link opened first after a
    start would run its page script without app.py."""
    assert not (APP.parent / "pages").exists(), "remove the stale pages/ folder"


def app_factory(settings, monkeypatch):
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(settings.data_dir))

    def make(page: str, **params: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=90)
        for key, value in params.items():
            at.query_params[key] = value
        at.switch_page(page)
        return at

    return make


@pytest.fixture()
def make_app(demo_settings, monkeypatch):
    return app_factory(demo_settings, monkeypatch)


@pytest.fixture()
def make_any_app(any_settings, monkeypatch):
    """Pages on the demo warehouse, then on the real-data one (tests/conftest.py)."""
    return app_factory(any_settings, monkeypatch)


def on_demo(request) -> bool:
    return request.node.callspec.params["any_settings"] == "demo"


def texts(at: AppTest) -> list[str]:
    """Every message and caption a page shows (warnings, infos, errors, captions, markdown)."""
    return [e.value for kind in (at.warning, at.info, at.error, at.caption, at.markdown)
            for e in kind]


def qp(at: AppTest, key: str) -> str | None:
    value = at.query_params.get(key)
    if isinstance(value, list):
        return value[0] if value else None
    return value


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_both_warehouses(make_any_app, page, request):
    at = make_any_app(page)
    at.run()
    assert not at.exception, at.exception
    # the page asked for, through app.py's navigation
    assert at.title and at.title[0].value == TITLES[page]
    banner = any("Synthetic demo data" in w.value for w in at.warning)
    # every page of the all-synthetic demo shows demo values; the real warehouse has none
    assert banner == on_demo(request), texts(at)
    if page != PAGE["projects"]:  # (projects_view words its own messages)
        assert not any("regiodash build" in t for t in texts(at))  # the build did run
    # Every run goes through app.py (its sidebar text), also the second: with a `pages/`
    # folder AppTest, like a server's first request for a deep link, ran the page alone.
    at.run()
    assert any(APP_SIDEBAR_TEXT in c.value for c in at.sidebar.caption)
    assert not at.exception and at.title[0].value == TITLES[page]


@pytest.mark.parametrize("page", [PAGE["map"], PAGE["profile"], PAGE["compare"],
                                  PAGE["rankings"], PAGE["overview"]])
@pytest.mark.parametrize("params", [
    {"indicator": "<script>alert(1)</script>"},
    {"region": "DE21'; DROP TABLE regions; --"},
    {"compare": "~".join(["DE21"] * 5000)},
    {"year": "20155"},
    {"level": "-1"},
    {"country": "<b>XX</b>"},
    {"weights": "x:1e309"},
    {"weights": "gerd_business_pct_gdp:50"},  # above the weight inputs' maximum
    {"tab": "<img src=x onerror=alert(1)>"},
])
def test_hostile_parameters_fall_back_with_a_note(make_any_app, page, params):
    at = make_any_app(page, **params)
    at.run()
    assert not at.exception, at.exception
    assert any("Ignored URL parameter" in i.value for i in at.info)
    # what the URL held reaches the page only in the quoted note, never as HTML
    hostile = next(iter(params.values()))[:40]
    assert not [md for md in at.markdown if md.proto.allow_html and hostile in md.value
                and not FIRST_PAINT.fullmatch(md.value)]  # the map's drawing: numbers only


def test_profile_round_trip_and_region_change(make_app):
    at = make_app(PAGE["profile"], region="FR10")
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="w_region").value == "FR10"
    at.selectbox(key="w_region").set_value("PL91").run()
    assert qp(at, "region") == "PL91"
    assert not at.exception


def test_profile_tab_lives_in_the_url_and_only_the_open_tab_is_built(make_app):
    at = make_app(PAGE["profile"], region="FR10", tab="peers")
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["w_tab"] == "Peer regions"
    # peer links open the peer's profile on the same tab (one more link opens Compare)
    links = [link for link in at.get("page_link") if link.proto.page != "compare"]
    assert links and all(link.proto.page == "profile"
                         and link.proto.query_string.endswith("&tab=peers")
                         and link.proto.query_string.startswith("region=")
                         for link in links)
    assert not at.get("plotly_chart") and not at.get("arrow_data_frame")
    at.session_state["w_tab"] = "All values"  # what clicking the tab does
    at.run()
    assert not at.exception, at.exception
    assert qp(at, "tab") == "values" and qp(at, "region") == "FR10"
    assert at.dataframe and not at.get("page_link")
    at.session_state["w_tab"] = "Strengths & weaknesses"  # the default: left out of the URL
    at.run()
    assert qp(at, "tab") is None and at.get("plotly_chart")


def test_compare_round_trip(make_app):
    at = make_app(PAGE["compare"], compare="DE21~ITC4", indicator="gdp_per_capita_pps")
    at.run()
    assert not at.exception, at.exception
    assert at.multiselect(key="w_compare").value == ["DE21", "ITC4"]
    at.multiselect(key="w_compare").set_value(["DE21", "ITC4", "ES51"]).run()
    assert qp(at, "compare") == "DE21~ITC4~ES51"
    assert qp(at, "indicator") == "gdp_per_capita_pps"


def test_rankings_round_trip(make_app):
    at = make_app(PAGE["rankings"], indicator="employment_rate_pct", level="1",
                  year="2014..2020")
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="w_rank_level").value == 1
    assert at.select_slider(key="w_rank_years").value == (2014, 2020)
    assert qp(at, "year") == "2014..2020"
    at.selectbox(key="w_rank_level").set_value(0).run()
    assert qp(at, "level") == "0"


def test_map_widgets_update_the_url(make_app):
    at = make_app(PAGE["map"])
    at.run()
    at.selectbox(key="w_indicator").set_value("employment_rate_pct").run()
    at.selectbox(key="w_sex").set_value("gap").run()
    at.selectbox(key="w_country").set_value("PL").run()
    assert not at.exception, at.exception
    assert qp(at, "indicator") == "employment_rate_pct"
    assert qp(at, "sex") == "gap" and qp(at, "country") == "PL"
    at.selectbox(key="w_level").set_value(1).run()
    assert qp(at, "level") == "1"


def test_overview_country_in_url(make_app):
    at = make_app(PAGE["overview"], country="PL")
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="w_ov_country").value == "PL"


def test_reweighting_goes_into_the_url_and_changes_the_ranking(make_app):
    at = make_app(PAGE["rankings"])
    at.run()
    before = at.dataframe[0].value.head(5)[["geo_code", "value"]].to_dict("records")
    assert not at.number_input  # the panel is closed: its inputs are not built
    at.session_state["w_rank_reweight"] = True  # what opening the panel does
    at.run()
    at.number_input(key="w_weight_gerd_business_pct_gdp").set_value(5.0).run()
    assert not at.exception, at.exception
    assert qp(at, "weights") == "gerd_business_pct_gdp:5"
    after = at.dataframe[0].value.head(5)[["geo_code", "value"]].to_dict("records")
    assert after != before
    at.session_state["w_rank_reweight"] = False  # closing the panel keeps the weights
    at.run()
    assert not at.number_input and qp(at, "weights") == "gerd_business_pct_gdp:5"
    assert at.dataframe[0].value.head(5)[["geo_code", "value"]].to_dict("records") == after
    # the link restores the weights, with the panel open
    again = make_app(PAGE["rankings"], weights="gerd_business_pct_gdp:5")
    again.run()
    assert again.number_input(key="w_weight_gerd_business_pct_gdp").value == 5.0
    # another link in the same session (back/forward) wins over what the inputs held
    again.query_params.clear()
    again.query_params["weights"] = "gerd_business_pct_gdp:3"
    again.run()
    assert again.number_input(key="w_weight_gerd_business_pct_gdp").value == 3.0
    assert qp(again, "weights") == "gerd_business_pct_gdp:3"


def test_compare_with_a_user_defined_area_round_trips(make_app):
    at = make_app(PAGE["compare"], compare="DE21", area="DE22~DE23~DE24",
                  area_name="East Bavaria", indicator="gdp_per_capita_pps")
    at.run()
    assert not at.exception, at.exception
    assert at.multiselect(key="w_area").value == ["DE22", "DE23", "DE24"]
    assert any("Area 'East Bavaria': 3 regions" in c.value for c in at.caption)
    assert qp(at, "area_name") == "East Bavaria"
    at.session_state["w_cmp_area_open"] = False  # closing the panel keeps the area
    at.run()
    assert not [m for m in at.multiselect if m.key == "w_area"]  # not built while closed
    assert qp(at, "area_name") == "East Bavaria" and qp(at, "area") == "DE22~DE23~DE24"
    assert any("Area 'East Bavaria': 3 regions" in c.value for c in at.caption)
    at.session_state["w_cmp_area_open"] = True  # reopened: the inputs show the same area
    at.run()
    assert at.multiselect(key="w_area").value == ["DE22", "DE23", "DE24"]
    assert at.text_input(key="w_area_name").value == "East Bavaria"
    hostile = make_app(PAGE["compare"], area="DE22~DE23", area_name="<img src=x>")
    hostile.run()
    assert not hostile.exception
    assert any("Ignored URL parameter area_name" in i.value for i in hostile.info)


def test_rankings_year_range_without_data_falls_back_with_a_note(make_app):
    at = make_app(PAGE["rankings"], indicator="employment_rate_pct", year="2099..2100")
    at.run()
    assert not at.exception, at.exception
    lo, hi = at.select_slider(key="w_rank_years").value
    assert any(f"No data for 2099..2100; showing {lo}..{hi}" in i.value for i in at.info)
