"""A server-drawn first paint of the map: the same regions in the same colours as SVG, shown
while the browser loads plotly.js, hidden once plotly has drawn its map over it.

A new visitor's browser fetches and evaluates plotly.js (Streamlit's PlotlyChart chunk, a few
MB) before the interactive map can draw: on the 2-core benchmark machine in headless Chromium
that is 1-1.5 s after the page's first elements. During that time the map's place shows this
static drawing instead of nothing (bench.paint_bench measures both moments). It is drawn only
on a session's first map run: later runs already have plotly.js, and the slot then holds an
empty element so the chart keeps its place in the page (no remount).

The drawing is the background image (an SVG data URI) of the container that holds the chart,
set by an st.html (a style sheet and an empty marker): the browser paints it as soon as the
container is laid out, with no Markdown to parse and no element of its own to load (app.py's
focus style has already loaded Streamlit's HTML element). Drawn as inline SVG in Markdown, it
waited for the Markdown HTML plugin, and plotly.js's evaluation often came first (the
benchmark's ratio to an empty page was 1.6-1.7x then; BENCHMARKS.md has today's).

The drawing holds no text at all (no names, no legend: the caption above says what the map
shows, and plotly's own legend arrives with it), only numbers and the figure's colours, so
nothing from a data file reaches the HTML. A background is not in the accessibility tree and
takes no pointer events: screen readers get the map's caption and text alternative, clicks
reach the interactive map.
"""

from __future__ import annotations

import base64
import functools
import json
import re

import streamlit as st

from regiodash.report.svg_map import COMPACT_STROKE, region_paths
from regiodash.ui import data
from regiodash.ui.maps import MAP_HEIGHT

STACK_KEY = "map_stack"
SHOWN_KEY = "_rd_map_first_paint_shown"
VIEW_WIDTH = 1000  # SVG user units across; the drawing scales to the page's width
COLOURBAR_WIDTH = 20  # plotly centres the map almost as if its colour bar were not there
FILL = 0.72  # plotly.js frames the lon/lat box of the regions: they fill less of it
# While the chart's place is empty, the container is as tall as the chart will be and shows
# the drawing; once plotly has drawn its regions (path.choroplethlocation), it shows nothing.
BOX = f".st-key-{STACK_KEY}"
MARKER = "rd-first-paint"
# The st.html holding the style sheet has an empty marker element: HTML that is only a style
# sheet would go to Streamlit's event container, rendered after the page, and leave the slot
# before the chart empty (a remount of the chart on the next run); its own place is hidden.
SLOT = (f'[data-testid="stElementContainer"]:has([data-testid="stHtml"] > .{MARKER})'
        "{display:none}")


def _background(drawing: str) -> str:
    """The style rules showing `drawing` (base64 SVG) in the box until plotly has drawn."""
    return (f"{BOX}{{min-height:{MAP_HEIGHT}px;background:url(data:image/svg+xml;base64,"
            f"{drawing}) center/100% {MAP_HEIGHT}px no-repeat}}"
            f"{BOX}:has(path.choroplethlocation){{background:none}}{SLOT}")


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


# What first_paint_markup lets through: an <svg> element of <path>s whose outlines are
# numbers and moves and whose fills are colours, nothing else (no text, no other element).
_DRAWING = re.compile(r'<svg [^<>]*>(?:<path d="[Mlz0-9, -]+" fill="[#\w(),. ]+"'
                      r'(?: fill-opacity="[0-9.]+")?/>)+</svg>')


@functools.lru_cache(maxsize=8)
def first_paint_markup(svg: str) -> str:
    """The HTML of the first paint (a style sheet drawing `svg` behind the chart's place), or
    "" when `svg` is anything but the drawing first_paint_svg makes: checked here, where it
    becomes HTML, so that nothing from a data file can ever reach the page this way."""
    if not _DRAWING.fullmatch(svg):
        return ""
    drawing = base64.b64encode(svg.encode()).decode("ascii")
    return f'<style>{_background(drawing)}</style><span class="{MARKER}"></span>'


def render_first_paint(svg: str) -> None:
    """The drawing on a session's first map run, an empty slot on later ones (call inside the
    `st.container(key=STACK_KEY)` that holds the chart, before it)."""
    state = st.session_state
    if svg and not state.get(SHOWN_KEY) and first_paint_markup(svg):
        state[SHOWN_KEY] = True
        st.html(first_paint_markup(svg))  # the same call: its cached result
    else:  # later runs, or a drawing that fails the check (st.html refuses empty HTML)
        st.empty()
