"""A server-drawn first paint of the map: the same regions in the same colours as SVG, shown
while the browser loads plotly.js, hidden once plotly has drawn its map over it.

A new visitor's browser fetches and evaluates plotly.js (Streamlit's PlotlyChart chunk, a few
MB) before the interactive map can draw: on the 2-core benchmark machine in headless Chromium
that is 1-1.5 s after the page's first elements. During that time the map's place shows this
static drawing instead of nothing (bench.paint_bench measures both moments). It is drawn only
on a session's first map run: later runs already have plotly.js, and the slot then holds an
empty element so the chart keeps its place in the page (no remount).

The drawing is an image in Markdown (an SVG data URI): Markdown is in Streamlit's first
bundle, so the image is laid out with the page's first elements, where an st.html (a lazily
loaded element) waited up to 300 ms for React to reveal it. app.py's style sheet
(ui.style) lays it over the chart's place and hides it once plotly has drawn its regions. On
that first run the chart itself is sent last, after a short pause (PACE_S), so that the
browser paints the drawing before it fetches and evaluates plotly.js. bench.paint_bench
measures the first paint (the image loaded, at the chart's height) and the interactive map;
BENCHMARKS.md has the figures.

The drawing holds no text at all (no names, no legend: the caption above says what the map
shows, and plotly's own legend arrives with it), only numbers and the figure's colours, so
nothing from a data file reaches the page this way. The image has an empty alternative text
(decorative: screen readers get the map's caption and text alternative) and takes no pointer
events: clicks reach the interactive map.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from regiodash.report.svg_map import COMPACT_STROKE, region_paths
from regiodash.ui import data
from regiodash.ui.maps import MAP_HEIGHT

STACK_KEY = "map_stack"
SHOWN_KEY = "_rd_map_first_paint_shown"
PACE_S = 0.1
"""How long a new session's first map run waits, once the rest of the page has been sent,
before it sends the chart (defer_chart): time for the browser to lay out and paint the
drawing before it fetches and evaluates plotly.js. Measured in bench.paint_bench: with the
chart sent at once, the ratio to an empty page was about 0.1 higher."""
VIEW_WIDTH = 1000  # SVG user units across; the drawing scales to the page's width
COLOURBAR_WIDTH = 20  # plotly centres the map almost as if its colour bar were not there
FILL = 0.72  # plotly.js frames the lon/lat box of the regions: they fill less of it
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


def first_paint_svg(figure: dict) -> str:
    """The SVG of a map figure dict (ui.maps builders), regions only; "" when it cannot be
    drawn (no region, or a trace whose geometry is neither inline nor a static file)."""
    traces = [{**t, "geojson": _inline(t.get("geojson"))}
              for t in figure.get("data") or [] if t.get("type") == "choropleth"]
    if not traces or not all(isinstance(t["geojson"], dict) for t in traces):
        return ""
    # measured against plotly.js at 1440 px: the same centre and size within a few per cent
    scale = any(t.get("showscale") is not False and t.get("colorbar") for t in traces)
    width = VIEW_WIDTH - (COLOURBAR_WIDTH if scale else 0)
    paths = region_paths(traces, width, MAP_HEIGHT, compact=True, fill=FILL)
    if not paths:
        return ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {VIEW_WIDTH} {MAP_HEIGHT}" '
            f'preserveAspectRatio="xMidYMid meet" focusable="false" fill-rule="evenodd" '
            f'stroke="{COMPACT_STROKE[0]}" stroke-width="{COMPACT_STROKE[1]}">{paths}</svg>')


# What first_paint_markdown lets through: an <svg> element of <path>s whose outlines are
# numbers and moves and whose fills are colours, nothing else (no text, no other element).
_DRAWING = re.compile(r'<svg [^<>]*>(?:<path d="[Mlz0-9, -]+" fill="[#\w(),. ]+"'
                      r'(?: fill-opacity="[0-9.]+")?/>)+</svg>')


@functools.lru_cache(maxsize=8)
def first_paint_markdown(svg: str) -> str:
    """The Markdown of the first paint (an image of `svg` as a data URI, no alternative text:
    the chart's caption and text alternative say what it shows), or "" when `svg` is
    anything but the drawing first_paint_svg makes: checked here, where it becomes page
    content, so that nothing from a data file can ever reach the page this way."""
    if not _DRAWING.fullmatch(svg):
        return ""
    return f"![](data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode('ascii')})"


def render_first_paint(svg: str) -> bool:
    """The drawing on a session's first map run, an empty slot on later ones (call inside the
    `st.container(key=STACK_KEY)` that holds the chart, before it).

    True when the drawing was sent: the caller then puts the chart in a slot filled at the
    end of the run (`defer_chart`), after the rest of the page and a pause, so that the
    browser paints the drawing before it fetches and evaluates plotly.js."""
    state = st.session_state
    markdown = first_paint_markdown(svg) if svg and not state.get(SHOWN_KEY) else ""
    if markdown:
        state[SHOWN_KEY] = True
        st.markdown(markdown)
        return True
    st.empty()  # later runs, or a drawing that fails the check
    return False


_run = threading.local()


def defer_chart(draw: Callable[[], object]) -> None:
    """Leave the chart to the end of this run: an empty slot here, `draw` (which draws into
    it) called by `deferred_chart_run` once the page has been sent and PACE_S has passed."""
    if not getattr(_run, "active", False):  # no deferred_chart_run around: draw it now
        _draw_into(st.empty(), draw)
        return
    slot = st.empty()
    _run.deferred = lambda: _draw_into(slot, draw)


def _draw_into(slot: DeltaGenerator, draw: Callable[[], object]) -> None:
    with slot.container():  # a container, as later runs draw the chart (no remount)
        draw()


@contextlib.contextmanager
def deferred_chart_run() -> Iterator[None]:
    """Around the map page's content (app_pages/map.py): draws a chart left by
    `defer_chart` at the end. Within the page's run: a widget's id depends on the page
    running it, and a chart drawn after it (in app.py) would not be the widget that the
    page's later runs draw, so its clicks would be lost."""
    _run.deferred, _run.active = None, True
    try:
        yield
    finally:
        _run.active = False
    deferred, _run.deferred = _run.deferred, None
    if deferred is not None:
        time.sleep(PACE_S)
        deferred()
