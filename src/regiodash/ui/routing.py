"""Keep every page inside app.py's navigation, even on a server's very first request.

Streamlit decides once per process, when the first session starts, whether this is an
old-style multipage app: a `pages/` folder next to the entry script means yes, until some
run calls `st.navigation`. So when the first request after a start is a deep link
(`/profile?region=DE21`, as a shared link is), Streamlit runs pages/profile.py on its own:
no page config, no sidebar text, a menu of file names, and the same for every later session
until somebody opens the root URL. `require_app()`, the first call of every page, catches
that case: it records that app.py's navigation is in use and reruns, so the link opens
through app.py like any other request. Every page's `url_path` is its file name, so the
rerun finds the same page, with the same query parameters.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def require_app() -> None:
    """Rerun through app.py if Streamlit ran this page as a stand-alone `pages/` script."""
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()
