"""The app's own CSS, sent once per run from app.py after the page's content."""

from __future__ import annotations

import streamlit as st

# A focus ring on what Streamlit leaves without one when reached by Tab (sidebar page links,
# the select boxes' input, links in the main area). Dark blue on white and on the sidebar's
# grey, 3 px: visible for keyboard users, not shown on mouse clicks (:focus-visible).
APP_CSS = """<style>
[data-testid="stSidebarNavLink"]:focus-visible, [data-testid="stMain"] a:focus-visible,
[data-testid="stSidebar"] a:focus-visible, [role="slider"]:focus-visible {
  outline: 3px solid #1a4ea3 !important; outline-offset: 2px; }
[data-testid="stSelectbox"] [role="group"]:has(input:focus-visible) {
  outline: 3px solid #1a4ea3; outline-offset: 1px; }
[data-testid="stElementContainer"]:has([data-testid="stHtml"] > .rd-focus-style) {
  display: none; }
.st-key-map_stack { position: relative; min-height: 540px; }
.st-key-map_stack > [data-testid="stElementContainer"]:has(img) {
  position: absolute; inset: 0; z-index: 1; pointer-events: none; }
.st-key-map_stack img {
  width: 100%; height: 540px; max-width: none; margin: 0; object-fit: contain; }
.st-key-map_stack:has(path.choroplethlocation) >
  [data-testid="stElementContainer"]:has(img) { display: none; }
</style><span class="rd-focus-style"></span>"""
# The rules on .st-key-map_stack lay out the map's first paint (ui.first_paint: an image in
# Markdown, the only image in that container, over the chart's place until plotly has drawn
# its regions, centred at its own proportions as plotly centres its map; 540 px is
# ui.maps.MAP_HEIGHT, a literal here so that the static HTML check sees a constant). Until
# they apply (an st.html is loaded lazily, after the page's first elements), the image takes
# the width of the page at its own proportions.
# The empty element keeps this st.html in the page (HTML that is only a style sheet goes to
# Streamlit's event container); the rule above hides the place it would take.


def render_app_style() -> None:
    """APP_CSS (focus rings, the map's first-paint layout) on every page (a style-only
    st.html takes no space).

    app.py sends it after the page's content: as the page's first element, the lazily
    loaded HTML element held back the reveal of everything after it (the map's first paint
    came about 0.1 s later in bench.paint_bench).
    """
    st.html(APP_CSS)
