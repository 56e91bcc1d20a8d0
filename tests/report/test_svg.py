"""The print renderer of the pages' figures: text stays text, missing stays missing."""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET

import pandas as pd
import plotly.graph_objects as go
import pytest

from regiodash.report.common import fmt, write_atomic
from regiodash.report.figures import render_figure
from regiodash.report.svg_map import ConicEqualArea, render_map
from regiodash.ui import charts
from regiodash.ui.maps import build_group_map
from regiodash.ui.projects_charts import build_kpi_chart

NS = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{NS}text")]


def test_trend_chart_labels_are_text_and_a_missing_year_breaks_the_line():
    series = pd.DataFrame({"geo_code": "PL91", "geo_name": "Warszawski stołeczny",
                           "year": [2018, 2019, 2020, 2021, 2022],
                           "value": [10.0, 12.0, math.nan, 14.0, 15.0]})
    svg = render_figure(charts.build_trend_chart(series, "% of GDP", "R&D <intensity>"), 500)
    root = ET.fromstring(svg)
    assert len(list(root.iter(f"{NS}polyline"))) == 2  # 2018-19 and 2021-22: no line via zero
    # one marker per value (none for 2020) and one in the legend
    assert len(list(root.iter(f"{NS}circle"))) == 4 + 1
    labels = texts(svg)
    assert "R&D <intensity>" in labels  # unescaped from plotly's HTML, escaped for XML
    assert "Warszawski stołeczny (PL91)" in labels
    assert {"2018", "2022"} <= set(labels) and "2,018" not in labels
    assert "% of GDP" in labels and "year" in labels


def test_grouped_bars_skip_missing_values_and_keep_category_order():
    table = pd.DataFrame({"title": ["a", "b"], "region": [0.2, 0.9],
                          "eu": [0.5, math.nan], "country": [0.4, 0.6]})
    svg = render_figure(charts.build_strengths_chart(table), 600, 300)
    root = ET.fromstring(svg)
    widths = [float(r.get("width")) for r in root.iter(f"{NS}rect")
              if r.get("fill") in ("#0072B2", "#E69F00", "#7f7f7f") and r.get("height") != "10"]
    assert len(widths) == 5  # 2 + 2 + 1: the missing EU value of b has no bar
    y = {t.text: float(t.get("y")) for t in root.iter(f"{NS}text")}
    assert y["a"] > y["b"]  # as plotly: the first category is drawn lowest
    assert {"0.0", "0.4", "1.0"} <= set(y)


def test_kpi_chart_with_dates():
    kpi = {"name": "Cities", "unit": "cities", "baseline": 0.0, "target": 10.0,
           "target_date": dt.date(2024, 12, 31), "cumulative": True}
    values = pd.DataFrame({"date": [dt.date(2023, 6, 30)], "value": [4.0], "expected": [5.0],
                           "ratio": [0.8], "status": ["at risk"], "source": ["seeds"],
                           "note": [None]})
    svg = render_figure(build_kpi_chart(kpi, values, dt.date(2022, 1, 1)), 500)
    labels = texts(svg)
    assert {"2023", "2024"} <= set(labels)
    assert "expected (straight line to target)" in labels and "target" in labels


def test_group_map_colours_regions_by_group_and_lists_the_groups():
    square = {"type": "Polygon", "coordinates": [[[10, 50], [10, 51], [11, 51], [11, 50],
                                                  [10, 50]]]}
    other = {"type": "Polygon", "coordinates": [[[12, 50], [12, 51], [13, 51], [13, 50],
                                                 [12, 50]]]}
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "XX01", "properties": {}, "geometry": square},
        {"type": "Feature", "id": "XX02", "properties": {}, "geometry": other}]}
    values = pd.DataFrame({"geo_code": ["XX01", "XX02"], "geo_name": ["One", "Two"],
                           "value": [130.0, None], "flag": [None, None],
                           "source": ["demo", None], "nuts_version": "2021",
                           "is_overseas": False, "grp": ["Leader", None],
                           "subgroup": ["", None]})
    fig, missing = build_group_map(geojson, values)
    svg = render_map(fig.to_dict(), 300, 200)
    fills = [p.get("fill") for p in ET.fromstring(svg).iter(f"{NS}path")]
    assert fills == ["#c8c8c8", "#0072B2"]  # no data in grey, the Leader in its colour
    assert {"Leader", "no data"} <= set(texts(svg))
    assert missing["geo_code"].tolist() == ["XX02"]


def test_a_map_with_its_geometry_at_a_url_cannot_be_printed():
    fig = go.Figure(go.Choropleth(geojson="/app/static/geo/x.json", locations=["XX01"], z=[1]))
    with pytest.raises(ValueError, match="GeoJSON inline"):
        render_map(fig.to_dict(), 300, 200)


def test_conic_projection_is_equal_area_in_the_middle_latitudes():
    project = ConicEqualArea(10, 50)
    areas = []
    for lat in (40.0, 60.0):  # two 1x1 degree cells: areas ratio = cos(latitude) ratio
        xs, ys = project(pd.Series([10, 11, 11, 10]).to_numpy(),
                         pd.Series([lat, lat, lat + 1, lat + 1]).to_numpy())
        areas.append(0.5 * abs(sum(xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(4))))
    expected = math.cos(math.radians(40.5)) / math.cos(math.radians(60.5))
    assert areas[0] / areas[1] == pytest.approx(expected, rel=0.01)


def test_missing_numbers_print_as_no_data():
    assert fmt(None) == "no data" and fmt(float("nan")) == "no data"
    assert fmt(0.0) == "0.0" and fmt(1234.5, 1, "EUR") == "1,234.5 EUR"


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "r.pdf"
    path.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_atomic(path, "not bytes")  # type: ignore[arg-type]
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.pdf"]
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new"
