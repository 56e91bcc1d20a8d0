"""A server-drawn first paint of the map: the same regions in the same colours as SVG, shown
while the browser loads plotly.js, hidden once plotly has drawn its map over it.

A new visitor's browser fetches and evaluates plotly.js (Streamlit's PlotlyChart chunk, a few
MB) before the interactive map can draw: on the 2-core benchmark machine in headless Chromium
that is 1-1.5 s after the page's first elements. During that time the map's place shows this
static drawing instead of nothing (bench.paint_bench measures both moments). It is drawn only
on a session's first map run: later runs already have plotly.js, and the slot then holds an
empty element so the chart keeps its place in the page (no remount).

The drawing holds no text at all (no names, no legend: the caption above says what the map
shows, and plotly's own legend arrives with it), only numbers and the figure's colours, so
nothing from a data file reaches the HTML. It is aria-hidden and takes no pointer events:
screen readers get the map's caption and text alternative, clicks reach the interactive map.
"""

from __future__ import annotations

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
CSS_CLASS = "rd-first-paint"
# The first paint and the chart share one grid cell; the drawing lies on top until plotly
# has drawn its regions (path.choroplethlocation), then it is hidden.
STYLE = (f"<style>.st-key-{STACK_KEY}{{display:grid;grid-template-columns:minmax(0,1fr)}}"
         f".st-key-{STACK_KEY}>div{{grid-area:1/1;width:100%}}"
         f".{CSS_CLASS}{{position:relative;z-index:2;pointer-events:none;height:{MAP_HEIGHT}px}}"
         f".{CSS_CLASS} svg{{width:100%;height:{MAP_HEIGHT}px}}"
         f".st-key-{STACK_KEY}:has(path.choroplethlocation) .{CSS_CLASS}{{display:none}}"
         "</style>")


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


def first_paint_markup(svg: str) -> str:
    """The HTML of the first paint (its style and the drawing, aria-hidden), or "" when `svg`
    is anything but the drawing first_paint_svg makes: checked here, where it becomes HTML,
    so that nothing from a data file can ever reach the page this way."""
    if not _DRAWING.fullmatch(svg):
        return ""
    return f'{STYLE}<div class="{CSS_CLASS}" aria-hidden="true">{svg}</div>'


def render_first_paint(svg: str) -> None:
    """The drawing on a session's first map run, an empty slot on later ones (call inside the
    `st.container(key=STACK_KEY)` that holds the chart, before it)."""
    state = st.session_state
    if svg and not state.get(SHOWN_KEY):  # (a drawing that fails the check shows nothing)
        state[SHOWN_KEY] = True
        # Markdown with HTML: st.html's sanitiser drops inline SVG (an <img> of it there lost
        # the race against plotly.js's evaluation when the browser cache was warm).
        st.markdown(first_paint_markup(svg), unsafe_allow_html=True)
    else:
        st.empty()
