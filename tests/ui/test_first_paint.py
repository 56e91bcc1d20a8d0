"""The map's server-drawn first paint (ui.first_paint): only a picture of the regions in
their colours ever reaches the page, whatever the figure holds."""

from __future__ import annotations

import base64
import io
import os
import re

import pytest
from PIL import Image

from regiodash.ui import first_paint
from regiodash.ui.first_paint import first_paint_markdown, first_paint_png

SQUARE = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": code, "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[x, 50], [x + 1, 50], [x + 1, 51], [x, 51],
                                            [x, 50]]]}} for x, code in ((10, "AA1"),
                                                                       (12, "BB2"))]}


def figure(name: str = "Title <b>bold</b>") -> dict:
    return {"data": [{"type": "choropleth", "geojson": SQUARE, "locations": ["AA1", "BB2"],
                      "z": [1.0, 2.0], "colorscale": "Viridis", "name": name,
                      "colorbar": {"title": {"text": name}}}]}


@pytest.fixture()
def folder(tmp_path, monkeypatch):
    """static/first_paint/ in a temporary folder."""
    target = tmp_path / "static" / "first_paint"
    monkeypatch.setattr(first_paint, "published_dir", lambda: target)
    return target


def pixels(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGBA")


def test_the_picture_is_the_regions_in_their_colours_and_nothing_else(folder):
    png = first_paint_png(figure("<script>alert(1)</script> Évora"))
    image = pixels(png)
    assert image.size == (1200, 648)
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 16) if colour[3] == 255}
    viridis_ends = {(68, 1, 84, 255), (253, 231, 37, 255)}  # z 1.0 and 2.0 on Viridis
    assert viridis_ends <= colours
    assert image.getpixel((5, 5))[3] == 0  # around the regions: transparent
    # a PNG holds no text chunk, nothing of the figure's names or codes
    assert b"tEXt" not in png and b"vora" not in png and b"AA1" not in png


def test_the_markdown_is_one_image_of_a_published_file(folder):
    png = first_paint_png(figure())
    markdown = first_paint_markdown(png)
    # one image with no alternative text, its source a hash: nothing Markdown could read as
    # emphasis, a link or HTML
    [name] = re.fullmatch(r"!\[\]\(/app/static/first_paint/([0-9a-f]{32}\.png)\)",
                          markdown).groups()
    assert (folder / name).read_bytes() == png
    assert [p.name for p in folder.iterdir()] == [name]  # no partial file left
    assert first_paint_markdown(png) == markdown  # written once, found again


def test_a_folder_that_cannot_be_written_gives_a_data_uri(tmp_path, monkeypatch):
    blocker = tmp_path / "static"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setattr(first_paint, "published_dir", lambda: blocker / "first_paint")
    png = first_paint_png(figure())
    [data] = re.fullmatch(r"!\[\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)",
                          first_paint_markdown(png)).groups()
    assert base64.b64decode(data) == png


def test_only_the_newest_pictures_are_kept(folder, monkeypatch):
    monkeypatch.setattr(first_paint, "PUBLISHED_KEEP", 3)
    folder.mkdir(parents=True)
    for i in range(5):
        old = folder / f"{i:032x}.png"
        old.write_bytes(b"old")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    markdown = first_paint_markdown(first_paint_png(figure()))
    kept = sorted(p.name for p in folder.iterdir())
    assert len(kept) == 3 and markdown.split("/")[-1].rstrip(")") in kept
    assert f"{4:032x}.png" in kept and f"{3:032x}.png" in kept  # the newest old ones


def test_a_picture_in_use_is_not_among_the_oldest(folder, monkeypatch):
    monkeypatch.setattr(first_paint, "PUBLISHED_KEEP", 2)
    png = first_paint_png(figure())
    name = first_paint_markdown(png).split("/")[-1].rstrip(")")
    os.utime(folder / name, (1_000_000, 1_000_000))  # written long ago...
    newer = folder / f"{1:032x}.png"
    newer.write_bytes(b"newer")
    os.utime(newer, (2_000_000, 2_000_000))
    first_paint_markdown(png)  # ...and shown again now
    other = {**figure(), "data": [{**figure()["data"][0], "z": [2.0, 1.0]}]}
    first_paint_markdown(first_paint_png(other))  # a third picture: one must go
    kept = {p.name for p in folder.iterdir()}
    assert name in kept and newer.name not in kept and len(kept) == 2


def test_a_picture_that_cannot_be_removed_does_not_stop_the_page(folder, monkeypatch):
    monkeypatch.setattr(first_paint, "PUBLISHED_KEEP", 1)
    folder.mkdir(parents=True)
    (folder / f"{0:032x}.png").write_bytes(b"old")

    def refuse(self, missing_ok=False):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(type(folder), "unlink", refuse)
    markdown = first_paint_markdown(first_paint_png(figure()))
    assert markdown.startswith("![](/app/static/first_paint/")


@pytest.mark.parametrize("png", [b"", b"<svg><text>Luxembourg</text></svg>",
                                 b"GIF89a", b"\x89PNX\r\n\x1a\n"])
def test_anything_but_a_png_is_refused(png, folder):
    assert first_paint_markdown(png) == ""
    assert not folder.exists()


def test_no_picture_without_inline_or_static_geometry():
    fig = figure()
    fig["data"][0]["geojson"] = "https://example.org/regions.json"
    assert first_paint_png(fig) == b""


def test_no_picture_for_a_colour_it_cannot_read():
    fig = figure()
    fig["data"][0]["colorscale"] = [[0, "not-a-colour"], [1, "not-a-colour"]]
    assert first_paint_png(fig) == b""


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
