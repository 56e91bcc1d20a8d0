"""Compare page (AppTest on the demo panel and the real-data warehouse): the EU or country
reference line on both charts, and the bar chart's year in the link."""

from __future__ import annotations

import json

import pytest

from regiodash.storage.connection import open_warehouse
from tests.ui.test_pages import PAGE, app_factory, qp


@pytest.fixture()
def make_app(demo_settings, monkeypatch):
    return app_factory(demo_settings, monkeypatch)


def compare(make, **params):
    at = make(PAGE["compare"], **params)
    at.run()
    assert not at.exception, at.exception
    return at


def lines_and_bars(at) -> tuple[dict, dict]:
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return charts[0], charts[1]


def dashed(fig: dict) -> list[dict]:
    return [t for t in fig["data"] if t.get("line", {}).get("dash") == "dash"]


def test_index_comparison_has_the_eu_100_line_on_both_charts(make_app):
    at = compare(make_app)
    lines, bars = lines_and_bars(at)
    (ref,) = dashed(lines)
    assert ref["name"] == "EU = 100" and set(ref["y"]) == {100.0}
    assert [s["y0"] for s in bars["layout"]["shapes"]] == [100.0]
    assert any("EU (= 100" in c.value for c in at.caption)


def test_one_country_without_an_eu_value_gets_the_country_line(make_app):
    at = compare(make_app, indicator="employment_rate_pct", compare="PL91~PL92")
    lines, bars = lines_and_bars(at)
    (ref,) = dashed(lines)
    assert ref["name"] == "Polska"
    year = at.select_slider(key="w_cmp_year").value
    assert bars["layout"]["shapes"][0]["y0"] == dict(zip(ref["x"], ref["y"],
                                                         strict=True))[year]
    assert any("Polska (PL) as a whole" in c.value for c in at.caption)


def test_regions_of_several_countries_without_an_eu_value_say_there_is_no_line(make_app):
    at = compare(make_app, indicator="employment_rate_pct", compare="PL91~DE21")
    lines, bars = lines_and_bars(at)
    assert not dashed(lines) and not bars["layout"].get("shapes")
    assert any(c.value.startswith("No reference line") for c in at.caption)


def test_real_data_draws_the_published_eu27_aggregate(real_settings, monkeypatch):
    wh = open_warehouse(real_settings)
    try:
        found = wh.query_df(
            "select indicator_id, count(*) as n from indicator_values where geo_code = "
            "'EU27_2020' and sex = 'T' and value is not null group by all order by n desc "
            "limit 1")
        assert len(found), "the real files publish EU27_2020 aggregates"
        indicator = str(found["indicator_id"].iloc[0])
        eu = wh.query_df(
            "select year, value from indicator_values where indicator_id = ? and geo_code = "
            "'EU27_2020' and sex = 'T' and value is not null order by year", [indicator])
    finally:
        wh.close()
    at = compare(app_factory(real_settings, monkeypatch), indicator=indicator,
                 compare="PL91~DE21")
    lines, _ = lines_and_bars(at)
    (ref,) = dashed(lines)
    assert ref["name"] == "EU27"
    published = dict(zip(eu["year"].astype(int), eu["value"], strict=True))
    assert ref["x"] and all(published[x] == y for x, y in zip(ref["x"], ref["y"], strict=True))


def test_bar_year_lives_in_the_link(make_app):
    at = compare(make_app)
    years = at.select_slider(key="w_cmp_year").options
    first = int(years[0])
    at.select_slider(key="w_cmp_year").set_value(first).run()
    assert qp(at, "year") == str(first)
    again = compare(make_app, year=str(first))
    assert int(again.select_slider(key="w_cmp_year").value) == first
