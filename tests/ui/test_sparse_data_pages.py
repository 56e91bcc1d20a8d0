"""Pages on sparse real data (the warehouse `regiodash import` builds from the real files in
../shared/data/real): the year and indicator a page opens on follow the data, partial years
say what they leave out, messages name what to fetch, the demo banner marks demo values only.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from bench.devserver import read_pages
from tests.ui.test_map_page import plain
from tests.ui.test_pages import app_factory, qp, texts

PAGE = {spec["url_path"]: spec["page"] for spec in read_pages()}
GDP = "gdp_per_capita_pps_pct_eu27"


@pytest.fixture()
def make_real_app(real_settings, monkeypatch):
    return app_factory(real_settings, monkeypatch)


@pytest.fixture()
def make_app(demo_settings, monkeypatch):
    return app_factory(demo_settings, monkeypatch)


def notes(at: AppTest) -> list[str]:
    return [i.value for i in at.info]


@pytest.mark.real_data
def test_root_url_opens_on_real_gdp_and_keeps_every_control(make_real_app):
    """The first map is real: GDP per head in PPS (% of EU27) at NUTS 2, no fallback note."""
    at = make_real_app(PAGE["map"])
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="w_indicator").value == GDP
    assert not any("has no values" in n for n in notes(at))
    assert not any("has no values yet" in w.value for w in at.warning)
    for key in ("w_indicator", "w_level", "w_country"):
        assert at.selectbox(key=key) is not None
    assert at.select_slider(key="w_year").value == 2022  # NUTS 2: 273 of 290 regions
    assert at.get("plotly_chart") and not at.query_params  # the root URL stays the root
    # indicators without values are marked in the picker, and choosing one says what to fetch
    picker = at.selectbox(key="w_indicator")
    assert picker.format_func("gerd_total_pct_gdp").endswith("(no data)")
    picker.set_value("gerd_total_pct_gdp").run()
    assert any("`rd_e_gerdreg`" in w.value for w in at.warning)
    assert not at.exception


def test_root_url_falls_back_to_an_indicator_with_data_and_says_so(make_app, monkeypatch):
    """Without GDP values the root URL opens on the first fallback with data (the index),
    names what is missing and keeps every control."""
    from regiodash.ui import data, map_view

    real = data.indicators_with_data
    monkeypatch.setattr(data, "indicators_with_data",
                        lambda version: frozenset(real(version)) - {GDP})
    map_view.map_default_indicator.cache_clear()
    try:
        at = make_app(PAGE["map"])
        at.run()
        assert not at.exception, at.exception
        assert at.selectbox(key="w_indicator").value == "regional_innovation_index"
        said = " ".join(notes(at))
        assert "Showing Regional Innovation Index" in said and "has no values" in said
        for key in ("w_indicator", "w_level", "w_country"):
            assert at.selectbox(key=key) is not None
    finally:
        map_view.map_default_indicator.cache_clear()


def test_the_demo_root_url_opens_on_gdp_without_a_note(make_app):
    at = make_app(PAGE["map"])
    at.run()
    assert at.selectbox(key="w_indicator").value == GDP
    assert not any("has no values" in n for n in notes(at))


@pytest.mark.real_data
def test_map_of_real_nuts3_gdp_opens_on_2021_and_names_2022(make_real_app):
    at = make_real_app(PAGE["map"], indicator=GDP, level="3")
    at.run()
    assert not at.exception, at.exception
    assert at.select_slider(key="w_year").value == 2021
    note = next(n for n in notes(at) if n.startswith("2022 has values for only 204 of"))
    assert note.endswith("showing 2021, the latest year with values for at least 80 % of them.")
    assert qp(at, "year") is None  # the data's default stays out of the link
    at.select_slider(key="w_year").set_value(2022).run()  # the user's choice is kept
    assert qp(at, "year") == "2022" and not any(n.startswith("2022 has") for n in notes(at))
    at.selectbox(key="w_level").set_value(2).run()
    assert at.select_slider(key="w_year").value == 2022 and not at.exception
    # a link to the sparse year shows it, without the note
    again = make_real_app(PAGE["map"], indicator=GDP, level="3", year="2022")
    again.run()
    assert again.select_slider(key="w_year").value == 2022


@pytest.mark.real_data
def test_a_year_left_to_the_default_follows_the_data(make_real_app):
    """NUTS 3 GDP opens on 2021 (2022: 204 regions); at NUTS 2, 2022 has 273 of 290 regions,
    so the untouched year moves on to 2022; a year the user picked stays."""
    at = make_real_app(PAGE["map"], indicator="gdp_per_capita_eur", level="3")
    at.run()
    assert at.select_slider(key="w_year").value == 2021
    at.selectbox(key="w_level").set_value(2).run()
    assert not at.exception, at.exception
    assert at.select_slider(key="w_year").value == 2022 and qp(at, "year") is None
    at.select_slider(key="w_year").set_value(2015).run()
    at.selectbox(key="w_level").set_value(3).run()
    assert at.select_slider(key="w_year").value == 2015 and qp(at, "year") == "2015"


@pytest.mark.real_data
def test_ranking_of_a_partial_year_says_how_many_regions_are_missing(make_real_app):
    at = make_real_app(PAGE["rankings"], indicator=GDP, level="3", year="2000..2022")
    at.run()
    assert not at.exception, at.exception
    note = next(n for n in notes(at) if n.startswith("Ranked: 204 of "))
    assert "without a value in 2022" in note
    table = at.dataframe[0].value
    assert len(table) == 204 and "FR101" not in set(table["geo_code"])  # Paris: no 2022 value
    # left to the default, the ranking ends on the last well-covered year
    default = make_real_app(PAGE["rankings"], indicator=GDP, level="3")
    default.run()
    assert default.select_slider(key="w_rank_years").value[1] == 2021
    assert any(n.startswith("2022 has values for only 204 of") for n in notes(default))
    ranked = default.dataframe[0].value
    assert {"FR101", "DE212", "LU000"} <= set(ranked["geo_code"])  # Paris, Munich, Luxembourg
    assert not any(n.startswith("Ranked: 204") for n in notes(default))


@pytest.mark.real_data
def test_overview_says_which_domains_have_no_data_and_what_to_fetch(make_real_app):
    at = make_real_app(PAGE["overview"])
    at.run()
    assert not at.exception, at.exception
    said = " ".join(notes(at))
    assert "regiodash build" not in said
    assert "No Regional Innovation Index: 1 of its 10 components have values" in said
    assert "fetch or import `edat_lfse_04`" in said
    assert "no digital indicators imported: fetch or import `isoc_r_broad_h`, " \
           "`isoc_r_iuse_i`" in said


@pytest.mark.real_data
def test_cohesion_categories_draw_as_a_categorical_map_with_their_labels(make_real_app):
    import json

    at = make_real_app(PAGE["map"], indicator="cohesion_category")
    at.run()
    assert not at.exception, at.exception
    caption = " ".join(plain(c.value) for c in at.caption)
    assert "less developed (< 75 %) vermilion" in caption and "Grey" in caption
    assert "categories: " in caption and "less developed (< 75 %)" in caption
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t["name"] for t in spec["data"] if t.get("showlegend")]
    assert {"less developed (&lt; 75 %)", "transition (75-100 %)",
            "more developed (&gt;= 100 %)"} <= set(names)
    assert spec["layout"]["showlegend"]


@pytest.mark.real_data
@pytest.mark.parametrize(("indicator", "year"), [(GDP, 2022), ("lifelong_learning_pct", 2014)])
def test_the_regions_table_on_real_data_marks_converted_values(make_real_app, real_settings,
                                                               indicator, year):
    """A real NUTS 2 map as a table: every row of the map's query, the values moved from an
    older NUTS version (lifelong learning 2014: regions published in NUTS 2013) marked with
    it, missing values missing, no demo value."""
    from regiodash.storage import queries
    from regiodash.storage.connection import open_warehouse

    at = make_real_app(PAGE["map"], indicator=indicator, year=str(year))
    at.run()
    at.session_state["w_table_open"] = True
    at.run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    values = queries.load_map_values(open_warehouse(real_settings), indicator, 2, year, "T")
    assert len(table) == len(values) and set(table["Code"]) == set(values["geo_code"])
    assert not (table["Source"] == "demo").any()
    converted = values.loc[values["converted_from"].notna()]
    marked = table[table["NUTS version"].str.contains("converted from NUTS")]
    assert set(marked["Code"]) == set(converted["geo_code"])
    if indicator != GDP:
        assert len(converted) > 10
        expected = {c: f"{v} (converted from NUTS {f})" for c, v, f in converted[
            ["geo_code", "nuts_version", "converted_from"]].itertuples(index=False)}
        assert dict(zip(marked["Code"], marked["NUTS version"], strict=True)) == expected
    column = next(c for c in table if c.startswith("Value ("))
    assert table[column].isna().sum() == values["value"].isna().sum()
    assert not any("Synthetic demo data" in w.value for w in at.warning)


@pytest.fixture(scope="module")
def mixed_settings(real_data_dir, tmp_path_factory):
    """The synthetic panel without GDP, plus the real GDP file: `regiodash demo` with the real
    default, the mix a newcomer opens."""
    from regiodash.config import load_settings
    from regiodash.ingest.demo import write_demo_panel
    from regiodash.ingest.importing import import_files
    from regiodash.storage.build import build_warehouse

    settings = load_settings({"REGIODASH_DATA_DIR": str(tmp_path_factory.mktemp("mix") / "d")})
    write_demo_panel(settings, exclude={GDP, "gdp_per_capita_eur"})
    import_files([real_data_dir / "eurostat/bulk_tsv/estat_nama_10r_3gdp.tsv"], settings)
    build_warehouse(settings)
    return settings


@pytest.mark.real_data
@pytest.mark.parametrize(("page", "params", "banner"), [
    ("map", {"indicator": GDP}, False),
    ("map", {"indicator": "employment_rate_pct"}, True),
    ("rankings", {"indicator": GDP}, False),
    ("rankings", {"indicator": "employment_rate_pct"}, True),
    ("compare", {"indicator": GDP}, False),
    ("profile", {"region": "FR10", "tab": "values"}, True),  # every value: demo ones too
])
def test_the_demo_banner_shows_only_over_demo_values(mixed_settings, monkeypatch, page, params,
                                                     banner):
    at = app_factory(mixed_settings, monkeypatch)(PAGE[page], **params)
    at.run()
    assert not at.exception, at.exception
    assert any("Synthetic demo data" in w.value for w in at.warning) == banner, texts(at)


@pytest.mark.real_data
def test_compare_bars_open_on_the_last_year_most_compared_regions_have(make_real_app):
    # Copenhagen has a 2022 value, Paris and Munich not yet
    at = make_real_app(PAGE["compare"], indicator=GDP, compare="DK011~FR101~DE212")
    at.run()
    assert not at.exception, at.exception
    assert at.select_slider(key="w_cmp_year").value == 2021
    assert any(c.value.startswith("2022 has values for only 1 of the 3 compared regions")
               for c in at.caption)
