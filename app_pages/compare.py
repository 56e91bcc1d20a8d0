"""Compare up to 8 regions side by side: lines over time, bars for a year, gender gaps.

The view lives in the URL; the charts of a view are built once (ui.compare_view).
"""

import streamlit as st

from regiodash.ui.compare_view import comparison, render_comparison, select_comparison

view = select_comparison()
if not view.regions and not view.area:
    st.info("Pick one or more regions to compare.")
    st.stop()
render_comparison(view, comparison(view.version, view.indicator, view.regions, view.area,
                                   view.area_name))
