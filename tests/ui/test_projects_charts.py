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
