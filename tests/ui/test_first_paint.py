"""The map's server-drawn first paint (ui.first_paint): only a drawing of numbers and
colours ever reaches the page, whatever the figure holds."""

from __future__ import annotations

import base64
import re

import pytest

from regiodash.ui.first_paint import first_paint_markdown, first_paint_svg

SQUARE = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": code, "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[x, 50], [x + 1, 50], [x + 1, 51], [x, 51],
                                            [x, 50]]]}} for x, code in ((10, "AA1"),
                                                                       (12, "BB2"))]}


def figure(name: str = "Title <b>bold</b>") -> dict:
    return {"data": [{"type": "choropleth", "geojson": SQUARE, "locations": ["AA1", "BB2"],
                      "z": [1.0, 2.0], "colorscale": "Viridis", "name": name,
                      "colorbar": {"title": {"text": name}}}]}


def test_the_drawing_holds_no_text_of_the_figure():
    svg = first_paint_svg(figure("<script>alert(1)</script> Évora"))
    assert svg.count("<path") == 2
    assert "script" not in svg and "vora" not in svg and "AA1" not in svg
    markdown = first_paint_markdown(svg)
    # one image with no alternative text, its source a data URI: nothing Markdown could read
    # as emphasis, a link or HTML
    [drawing] = re.fullmatch(r"!\[\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)",
                             markdown).groups()
    assert base64.b64decode(drawing).decode() == svg


@pytest.mark.parametrize("svg", [
    "",
    "<svg x='1'><text>Luxembourg</text></svg>",
    '<svg a="b"><path d="M1,1l2,2z" fill="red"/><script>alert(1)</script></svg>',
    '<svg a="b"><path d="M1,1l2,2z" fill="red" onclick="x()"/></svg>',
    '<svg a="b"><path d="M1,1 javascript:x" fill="red"/></svg>',
    '<svg a="b"><path d="M1,1l2,2z" fill="red"/></svg><b>after</b>',
    '<svg a="b"><path d="M1,1l2,2z" fill="url(&quot;x&quot;)"/></svg>',
])
def test_anything_but_such_a_drawing_is_refused(svg):
    assert first_paint_markdown(svg) == ""


def test_no_drawing_without_inline_or_static_geometry():
    fig = figure()
    fig["data"][0]["geojson"] = "https://example.org/regions.json"
    assert first_paint_svg(fig) == ""


def test_the_style_sheet_lays_the_drawing_over_the_charts_place():
    from regiodash.ui.maps import MAP_HEIGHT
    from regiodash.ui.style import APP_CSS

    assert f"min-height: {MAP_HEIGHT}px" in APP_CSS  # the chart's place, before the chart
    assert f"width: 100%; height: {MAP_HEIGHT}px" in APP_CSS  # the drawing, at its size
    assert ":has(path.choroplethlocation)" in APP_CSS  # hidden once plotly has drawn


def _deferring_page(around: bool) -> None:
    import streamlit as st

    from regiodash.ui.first_paint import defer_chart, deferred_chart_run

    def page() -> None:
        defer_chart(lambda: st.text("chart"))
        st.caption("after")

    if around:
        with deferred_chart_run():
            page()
    else:
        page()


@pytest.mark.parametrize("around", [True, False])
def test_a_deferred_chart_is_drawn_with_or_without_its_run_around_it(around):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(_deferring_page, args=(around,)).run()
    assert not app.exception
    assert [t.value for t in app.text] == ["chart"]
