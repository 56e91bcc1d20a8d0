"""Partner map: geometry by URL (what the pages send) or inline, each trace its own regions."""

from __future__ import annotations

import pandas as pd
import pytest

from regiodash.ui.projects_charts import build_partner_map

URL = "/app/static/geo/nuts_2021_level2_test.json"


def square(code: str, x: float) -> dict:
    ring = [[x, 50], [x + 1, 50], [x + 1, 51], [x, 51], [x, 50]]
    return {"type": "Feature", "id": code, "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


GEO = {"type": "FeatureCollection",
       "features": [square("DE21", 0), square("DE22", 2), square("FR10", 4), square("PL91", 6)]}
REGIONS = pd.DataFrame({
    "geo_code": ["DE21", "PL91", "XX99"], "geo_name": ["Oberbayern", None, "nowhere"],
    "partners": [2, 1, 1], "projects": [1, 1, 1], "budget_eur": [1e6, None, 5.0],
    "grp": ["Leader", "Emerging", None], "acronyms": ["SPECTRA", "SPECTRA", "X"]})


def test_url_geometry_is_shared_by_every_trace_and_the_figure_is_small():
    ids = [f["id"] for f in GEO["features"]]
    fig = build_partner_map(URL, REGIONS, "group", background=set(ids), ids=ids)
    assert all(trace.geojson == URL for trace in fig.data)
    located = sorted(c for trace in fig.data for c in trace.locations)
    assert located == ["DE21", "DE22", "FR10", "PL91"]  # XX99 is not on the map
    assert "coordinates" not in fig.to_json()


def test_inline_geometry_gives_each_trace_only_its_own_shapes():
    fig = build_partner_map(GEO, REGIONS, "group", background={"FR10"})
    for trace in fig.data:
        assert sorted(f["id"] for f in trace.geojson["features"]) == sorted(trace.locations)


def test_a_url_without_region_codes_is_refused():
    with pytest.raises(ValueError, match="region codes"):
        build_partner_map(URL, REGIONS)


def test_missing_budget_and_name_are_shown_as_unknown_not_zero():
    fig = build_partner_map(URL, REGIONS, "partners", ids=["DE21", "PL91"])
    (trace,) = fig.data
    by_code = dict(zip(trace.locations, trace.customdata, strict=True))
    assert by_code["PL91"][0] == "PL91"
    assert by_code["PL91"][2] == "unknown"


def test_countries_outside_nuts_are_drawn_with_their_own_shapes():
    from regiodash.ui.projects_charts import OUTSIDE_RIS, OUTSIDE_RIS_COLOUR, CountryLayer

    world = {"type": "FeatureCollection", "features": [square("EG", 10), square("MA", 12)]}
    countries = pd.DataFrame({
        "geo_code": ["EG", "ZZ"], "geo_name": ["Egypt", "Nowhere"], "partners": [3, 1],
        "projects": [1, 1], "budget_eur": [None, 1.0], "grp": [None, None],
        "acronyms": ["SouthMed CCI", "X"], "cities": ["Cairo", ""]})
    layer = CountryLayer(countries, world, frozenset(["EG", "MA"]))
    fig = build_partner_map(GEO, REGIONS, "group", outside=layer)
    (trace,) = [t for t in fig.data if t.name == OUTSIDE_RIS]
    assert list(trace.locations) == ["EG"]  # ZZ has no shape: not drawn
    assert [f["id"] for f in trace.geojson["features"]] == ["EG"]
    assert trace.colorscale[0][1] == OUTSIDE_RIS_COLOUR
    assert trace.customdata[0][2] == "unknown"  # budget not known: never zero
    assert "outside the NUTS area" in trace.customdata[0][3] and "Cairo" in trace.customdata[0][3]
    by_count = build_partner_map(GEO, REGIONS, "partners", outside=layer)
    zmax = {t.zmax for t in by_count.data}
    assert zmax == {3}  # one scale for regions and countries
    assert [t.showscale for t in by_count.data] == [True, False]


def test_bars_say_what_their_length_is_and_read_budgets_like_the_metrics():
    from regiodash.ui.projects_charts import build_region_chart, format_eur

    by_region = pd.DataFrame({
        "geo_code": ["PL42", "EG"], "geo_name": ["Zachodniopomorskie", "Egypt"],
        "partners": [2, 1], "projects": [1, 1], "budget_eur": [1_915_000.0, None],
        "illustrative_partners": [0, 1]})
    fig = build_region_chart(by_region, 0)
    assert list(fig.data[0].text) == ["1 partner, budget unknown", "2 partners, budget €1.92 m"]
    assert fig.layout.xaxis.title.text == "number of partners"
    assert fig.layout.xaxis.range[1] > 2  # room for the labels right of the longest bar
    assert [format_eur(v) for v in (2.2e11, 1.915e6, 264e3, 12.0, None)] == [
        "€220.00 bn", "€1.92 m", "€264 k", "€12", "unknown"]


def test_funding_charts_order_classes_and_name_partial_regions():
    import numpy as np

    from regiodash.ui.funding_charts import GROUP_LABELS, build_lorenz_chart, build_per_head_chart

    by_group = pd.DataFrame({
        "innovation_group": ["Emerging", None, "Leader"], "regions": [3, 1, 2],
        "eu_contribution_eur": [300.0, 5.0, 100.0], "population": [100.0, 5.0, 100.0],
        "partial_regions": [3, 0, 0], "eur_per_inhabitant": [3.0, 1.0, 1.0]})
    fig = build_per_head_chart(by_group, "innovation_group", GROUP_LABELS, "by group")
    (bars,) = fig.data
    # bottom to top: Leader first in reading order, the regions without a group last
    assert list(bars.y) == ["no innovation group", "Emerging Innovators", "Leader Innovators"]
    assert list(bars.text)[1] == "€3 · 3 regions, 3 partial"
    points = pd.DataFrame({"geo_code": [np.nan, "A1", "B1"], "population_share": [0, .5, 1],
                           "funding_share": [0, .25, 1]})
    lorenz = build_lorenz_chart(points, 0.25, {"A1": "Alpha"})
    assert lorenz.layout.title.text == "Concentration of the EU contribution (Gini 0.25)"
    assert "Alpha" in lorenz.data[1].hovertext[1]
