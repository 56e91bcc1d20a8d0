"""Regions drawn as a PNG (report.raster_map): fills exact, holes cut out, enclaves kept."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from regiodash.report.raster_map import regions_png, rgba_of
from regiodash.report.svg_map import projected_regions


def square(x0: float, y0: float, size: float) -> list[list[float]]:
    return [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]


# A region with a hole (a lake-like hole, left empty) and, in a second hole, an enclave: a
# region of its own (Berlin in Brandenburg). The enclave is listed first, so that drawing in
# list order would paint the surrounding region over it.
REGIONS = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": "IN", "properties": {},
     "geometry": {"type": "Polygon", "coordinates": [square(6.5, 44.5, 1)]}},
    {"type": "Feature", "id": "OUT", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [square(0, 40, 10), square(2, 44, 2),
                                            square(6, 44, 2)]}}]}
TRACE = {"type": "choropleth", "geojson": REGIONS, "locations": ["IN", "OUT"], "z": [1, 2],
         "colorscale": [[0, "rgb(200,30,40)"], [1, "#1f77b4"]],
         "marker": {"line": {"color": "white", "width": 0.4}}}


def draw(traces: list[dict]) -> Image.Image:
    png = regions_png(projected_regions(traces, 1000, 540, fill=0.72), 1000, 540, 1.2)
    assert png.startswith(b"\x89PNG")
    return Image.open(io.BytesIO(png)).convert("RGBA")


def at(image: Image.Image, lon: float, lat: float) -> tuple[int, ...]:
    """The pixel at a point of the test square (0-10 E, 40-50 N), by linear interpolation
    over the drawn extent (good enough inside a 10-degree square for these checks)."""
    box = image.getbbox()
    assert box is not None
    x0, y0, x1, y1 = box
    return image.getpixel((round(x0 + (x1 - x0) * lon / 10),
                           round(y1 - (y1 - y0) * (lat - 40) / 10)))


def test_fills_are_exact_holes_empty_and_the_enclave_kept():
    image = draw([TRACE])
    assert image.size == (1200, 648)
    assert at(image, 1, 41) == (31, 119, 180, 255)  # the surrounding region, #1f77b4
    assert at(image, 3, 45)[3] == 0  # its first hole: nothing drawn
    assert at(image, 7, 45) == (200, 30, 40, 255)  # the enclave in its second hole
    assert at(image, 6.2, 44.2)[3] == 0  # the rest of that hole
    assert image.getpixel((2, 2))[3] == 0  # outside every region


def test_regions_are_outlined():
    """A 0.4-unit white outline is half a pixel wide: edges inside a region's fill are the
    fill half-blended with white, as the browser smooths the SVG's strokes."""
    image = draw([TRACE])
    colours = {c for _, c in image.getcolors(maxcolors=1 << 16)}
    half_white = tuple(round((c + 255) / 2) for c in (31, 119, 180))
    assert any(all(abs(a - b) <= 2 for a, b in zip(c[:3], half_white, strict=True))
               and c[3] == 255 for c in colours)


def test_no_outline_where_the_trace_has_none():
    unlined = {**TRACE, "marker": {"line": {"color": "white", "width": 0}}}
    colours = {c for _, c in draw([unlined]).getcolors(maxcolors=1 << 16)}
    assert colours == {(0, 0, 0, 0), (31, 119, 180, 255), (200, 30, 40, 255)} | {
        c for c in colours if c[3] < 255}  # fills and smoothed edges, nothing lighter


def test_nothing_to_draw_gives_no_picture():
    assert regions_png([], 1000, 540) == b""


@pytest.mark.parametrize(("colour", "rgba"), [
    ("#1f77b4", (31, 119, 180, 255)), ("rgb(1, 2, 3)", (1, 2, 3, 255)),
    ("rgba(10,20,30,0.5)", (10, 20, 30, 128)), ("lightgrey", (211, 211, 211, 255))])
def test_css_colours(colour, rgba):
    assert rgba_of(colour) == rgba


def test_an_unknown_colour_is_an_error():
    with pytest.raises(ValueError):
        rgba_of("url(#pattern)")
