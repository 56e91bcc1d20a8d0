"""The app's own CSS, sent once per run from app.py before any page content."""

from __future__ import annotations

import streamlit as st

# A focus ring on what Streamlit leaves without one when reached by Tab (sidebar page links,
# the select boxes' input, links in the main area). Dark blue on white and on the sidebar's
# grey, 3 px: visible for keyboard users, not shown on mouse clicks (:focus-visible).
FOCUS_CSS = """<style>
[data-testid="stSidebarNavLink"]:focus-visible, [data-testid="stMain"] a:focus-visible,
[data-testid="stSidebar"] a:focus-visible, [role="slider"]:focus-visible {
  outline: 3px solid #1a4ea3 !important; outline-offset: 2px; }
[data-testid="stSelectbox"] [role="group"]:has(input:focus-visible) {
  outline: 3px solid #1a4ea3; outline-offset: 1px; }
[data-testid="stElementContainer"]:has([data-testid="stHtml"] > .rd-focus-style) {
  display: none; }
</style><span class="rd-focus-style"></span>"""
# The empty element keeps this st.html in the page, where it is rendered first (HTML that is
# only a style sheet goes to Streamlit's event container, rendered after the page); the rule
# above hides the place it would take.


def render_focus_style() -> None:
    """FOCUS_CSS on every page (a style-only st.html takes no space).

    app.py sends it as the page's first element: it is also what makes the browser load
    Streamlit's HTML element early, which the map's first paint (ui.first_paint) then finds
    ready.
    """
    st.html(FOCUS_CSS)
