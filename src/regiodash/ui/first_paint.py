"""A server-drawn first paint of the map: the same regions in the same colours as a picture,
shown while the browser loads plotly.js, hidden once plotly has drawn its map over it.

A new visitor's browser fetches and evaluates plotly.js (Streamlit's PlotlyChart chunk, a few
MB) before the interactive map can draw: on the 2-core benchmark machine in headless Chromium
that is 1-1.5 s after the page's first elements. During that time the map's place shows this
static picture instead of nothing (bench.paint_bench measures both moments). It is drawn only
on a session's first map run: later runs already have plotly.js, and the slot then holds an
empty element so the chart keeps its place in the page (no remount).

The picture is a PNG (report.raster_map) in a Markdown image: Markdown is in Streamlit's first
bundle, so the image is laid out with the page's first elements, where an st.html (a lazily
loaded element) waited up to 300 ms for React to reveal it. The PNG is a static file
(static/first_paint/, named by its hash, served by Streamlit at /app/static/), so the Markdown
is one short line; where that folder cannot be written (a read-only install) it is a data
URI. It replaced an SVG data URI of the same regions: the browser parsed that 100 KB line as
Markdown and then the SVG, both on its main thread behind the rest of the page, where a PNG
is decoded off it (bench.paint_bench, alternating loads: the ratio to an empty page went
from 1.46-1.47x to 1.27-1.33x).

app.py's style sheet (ui.style) lays the image over the chart's place and hides it once
plotly has drawn its regions. On that first run the chart, and what follows the map, are
sent last, after a short pause (PACE_S), so that the browser lays out less and paints the
picture before it fetches and evaluates plotly.js. BENCHMARKS.md has the figures.

The picture holds no text at all (no names, no legend: the caption above says what the map
shows, and plotly's own legend arrives with it), only the regions in the figure's colours;
the Markdown holds nothing but a hash or base64. The image has an empty alternative text
(decorative: screen readers get the map's caption and text alternative) and takes no pointer
events: clicks reach the interactive map.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from regiodash.report.raster_map import regions_png
from regiodash.report.svg_map import projected_regions
from regiodash.ui import data
from regiodash.ui.maps import MAP_HEIGHT

STACK_KEY = "map_stack"
SHOWN_KEY = "_rd_map_first_paint_shown"
PACE_S = 0.1
"""How long a new session's first map run waits, once the rest of the page has been sent,
before it sends the chart (defer_chart): time for the browser to lay out and paint the
picture before it fetches and evaluates plotly.js. Measured in bench.paint_bench: with the
chart sent at once, the ratio to an empty page was about 0.1 higher."""
VIEW_WIDTH = 1000  # box units across (MAP_HEIGHT down); the picture scales to the page's width
PIXELS_PER_UNIT = 1.2  # 1200 x 648 px: about the chart's width on a 1440 px wide window
COLOURBAR_WIDTH = 20  # plotly centres the map almost as if its colour bar were not there
FILL = 0.72  # plotly.js frames the lon/lat box of the regions: they fill less of it
PUBLISHED_URL = "/app/static/first_paint"
PUBLISHED_KEEP = 256
"""At most this many pictures are kept in static/first_paint/ (one per view some session
opened first, about 100 KB each); the least recently used go when a new one is written."""


def published_dir() -> Path:
    """Where the pictures are written: static/first_paint/ beside static/geo/ (Streamlit
    serves the app's static/ folder at /app/static/)."""
    return data.STATIC_GEO.parent / "first_paint"


@functools.lru_cache(maxsize=16)
def _static_geometry(name: str) -> dict:
    """A committed static GeoJSON file (static/geo/), parsed once per process."""
    return json.loads((data.STATIC_GEO / name).read_text(encoding="utf-8"))


def _inline(geometry: object) -> object:
    """The trace's GeoJSON as a dict: a URL of the committed static files is read from disk."""
    prefix = f"{data.STATIC_GEO_URL}/"
    if isinstance(geometry, str) and geometry.startswith(prefix):
        return _static_geometry(geometry[len(prefix):])
    return geometry


def first_paint_png(figure: dict) -> bytes:
    """The PNG of a map figure dict (ui.maps builders), regions only; b"" when it cannot be
    drawn (no region, a trace whose geometry is neither inline nor a static file, or a
    colour Pillow cannot read)."""
    traces = [{**t, "geojson": _inline(t.get("geojson"))}
              for t in figure.get("data") or [] if t.get("type") == "choropleth"]
    if not traces or not all(isinstance(t["geojson"], dict) for t in traces):
        return b""
    # measured against plotly.js at 1440 px: the same centre and size within a few per cent
    scale = any(t.get("showscale") is not False and t.get("colorbar") for t in traces)
    width = VIEW_WIDTH - (COLOURBAR_WIDTH if scale else 0)
    regions = projected_regions(traces, width, MAP_HEIGHT, fill=FILL)
    try:
        return regions_png(regions, VIEW_WIDTH, MAP_HEIGHT, PIXELS_PER_UNIT)
    except ValueError:
        return b""


def first_paint_markdown(png: bytes) -> str:
    """The Markdown of the first paint: an image of `png` (published as a static file, or a
    data URI when it cannot be written) with no alternative text (the chart's caption and
    text alternative say what it shows); "" for anything but a PNG."""
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        return ""
    url = publish(png)
    if url is None:
        return f"![](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"
    return f"![]({url})"


def publish(png: bytes) -> str | None:
    """The URL of `png` as a file of static/first_paint/ named by its hash, written once
    (atomically: a browser never reads half a file), or None when the folder cannot be
    written. Several processes may write the same picture: same name, same bytes. Beyond
    PUBLISHED_KEEP files the least recently used are removed."""
    folder = published_dir()
    name = hashlib.sha256(png).hexdigest()[:32] + ".png"
    target = folder / name
    if target.is_file():
        with contextlib.suppress(OSError):  # in use: not among the oldest when pruning
            os.utime(target)
        return f"{PUBLISHED_URL}/{name}"
    partial = folder / f".{name}.{os.getpid()}.{threading.get_ident()}.part"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(png)
        os.replace(partial, target)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        return None
    _prune(folder, keep=target)
    return f"{PUBLISHED_URL}/{name}"


def _prune(folder: Path, keep: Path) -> None:
    """Remove the least recently used pictures beyond PUBLISHED_KEEP (never `keep`, just
    written). Best effort: a file it cannot stat or remove stays, the page is not affected."""
    try:
        pictures = [(p.stat().st_mtime, p) for p in folder.glob("*.png") if p != keep]
    except OSError:  # another process removed one meanwhile: prune next time
        return
    for _, path in sorted(pictures)[:max(0, len(pictures) + 1 - PUBLISHED_KEEP)]:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def render_first_paint(png: bytes) -> bool:
    """The picture on a session's first map run, an empty slot on later ones (call inside the
    `st.container(key=STACK_KEY)` that holds the chart, before it).

    True when the picture was sent: the caller then puts the chart in a slot filled at the
    end of the run (`defer_chart`), after the rest of the page and a pause, so that the
    browser paints the picture before it fetches and evaluates plotly.js."""
    state = st.session_state
    markdown = first_paint_markdown(png) if png and not state.get(SHOWN_KEY) else ""
    if markdown:
        state[SHOWN_KEY] = True
        st.markdown(markdown)
        return True
    st.empty()  # later runs, or no picture
    return False


_run = threading.local()


def defer_chart(draw: Callable[[], object]) -> None:
    """Leave `draw` (the chart, or what follows it) to the end of this run: an empty slot
    here, `draw` called into it by `deferred_chart_run` once the page has been sent and
    PACE_S has passed, in the order deferred."""
    if not getattr(_run, "active", False):  # no deferred_chart_run around: draw it now
        _draw_into(st.empty(), draw)
        return
    slot = st.empty()
    _run.deferred.append(lambda: _draw_into(slot, draw))


def _draw_into(slot: DeltaGenerator, draw: Callable[[], object]) -> None:
    with slot.container():  # a container, as later runs draw it (no remount)
        draw()


@contextlib.contextmanager
def deferred_chart_run() -> Iterator[None]:
    """Around the map page's content (app_pages/map.py): draws what `defer_chart` left at
    the end. Within the page's run: a widget's id depends on the page running it, and a
    chart drawn after it (in app.py) would not be the widget that the page's later runs
    draw, so its clicks would be lost."""
    _run.deferred, _run.active = [], True
    try:
        yield
    finally:
        _run.active = False
    deferred, _run.deferred = _run.deferred, []
    if deferred:
        time.sleep(PACE_S)
        for draw in deferred:
            draw()
