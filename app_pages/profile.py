"""Region profile: where a region stands, its strengths, trends, gender gaps and peers.

The region lives in the URL; everything shown is built once per data version and region
(ui.profile_view).
"""

import streamlit as st

from regiodash.ui.profile_view import region_profile, render_profile, select_region

choice = select_region()
profile = region_profile(choice.version, choice.region)
if profile is None:
    st.warning("No indicator values for this region.")
    st.stop()
render_profile(choice, profile)
