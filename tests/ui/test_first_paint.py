"""The map's server-drawn first paint (ui.first_paint): only a drawing of numbers and
colours ever becomes HTML, whatever the figure holds."""

from __future__ import annotations

import base64
import re

import pytest

from regiodash.ui.first_paint import first_paint_markup, first_paint_svg

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
    markup = first_paint_markup(svg)
    [drawing] = re.findall(r"url\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", markup)
    assert base64.b64decode(drawing).decode() == svg
    assert markup.startswith("<style>")
    assert markup.endswith('</style><span class="rd-first-paint"></span>')
    assert markup.count("<") == 4  # the style sheet and an empty marker, nothing else


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
    assert first_paint_markup(svg) == ""


def test_no_drawing_without_inline_or_static_geometry():
    fig = figure()
    fig["data"][0]["geojson"] = "https://example.org/regions.json"
    assert first_paint_svg(fig) == ""
