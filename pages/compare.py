"""Compare up to 8 regions side by side: lines over time, bars for a year, gender gaps."""

import streamlit as st

from regiodash.errors import RegiodashError
from regiodash.ui import charts, data
from regiodash.ui.state import MAX_COMPARE, ViewState
from regiodash.ui.url import read_view, render_copy_link, write_view
from regiodash.ui.widgets import DOMAIN_LABELS, render_demo_banner, render_notes

PAGE = "compare"

try:
    version = data.data_version()
    ctx = data.view_context(version)
    regions = data.regions(version)
    catalog = data.catalog(version).set_index("indicator_id")
except RegiodashError as exc:
    st.error(f"The warehouse could not be opened: {exc}")
    st.stop()

names = regions.set_index("geo_code")["geo_name"]
default_id = "regional_innovation_index" if "regional_innovation_index" in catalog.index \
    else catalog.index[0]
start = tuple(c for c in ("DE21", "FR10", "PL91", "RO32") if c in names)
defaults = ViewState(indicator=default_id, compare=start)
view, fresh = read_view(PAGE, defaults, ctx)
if fresh:
    st.session_state["w_cmp_indicator"] = view.indicator
    st.session_state["w_compare"] = list(view.compare or start)

st.title("Compare regions")
render_notes(view.notes)
cols = st.columns([3, 4])
indicator = cols[0].selectbox(
    "Indicator", list(catalog.index), key="w_cmp_indicator",
    format_func=lambda i: f"{DOMAIN_LABELS.get(catalog.loc[i, 'domain'], '')} · "
                          f"{catalog.loc[i, 'title']}")
picked = cols[1].multiselect(
    "Regions (up to 8)", list(regions["geo_code"]), key="w_compare",
    max_selections=MAX_COMPARE, format_func=lambda c: f"{c} · {names[c]}")
view = ViewState(indicator=indicator, compare=tuple(picked))
query = write_view(PAGE, view, defaults)
render_copy_link(query)
if not picked:
    st.info("Pick one or more regions to compare.")
    st.stop()

spec = catalog.loc[indicator]
series = data.indicator_series(version, indicator, tuple(picked))
render_demo_banner(bool((series["source"] == "demo").any()))
total = series[series["sex"] == "T"]
missing = [c for c in picked if c not in set(total.dropna(subset=["value"])["geo_code"])]
if missing:
    st.caption(f"No values for: {', '.join(missing)}")
st.plotly_chart(charts.build_trend_chart(total, str(spec["unit"]), str(spec["title"])),
                key="cmp_lines")
years = sorted(total.dropna(subset=["value"])["year"].unique())
if years:
    year = st.select_slider("Year for the bar chart", options=years, value=years[-1],
                            key="w_cmp_year")
    st.plotly_chart(charts.build_bar_chart(total[total["year"] == year], str(spec["unit"])),
                    key="cmp_bars")
if bool(spec["has_sex"]):
    both = series[series["sex"].isin(["F", "M"])].pivot_table(
        index=["geo_code", "geo_name", "year"], columns="sex", values="value").reset_index()
    if {"F", "M"} <= set(both.columns):
        gap = both.assign(value=both["M"] - both["F"])
        st.subheader("Gender gap (men - women)")
        st.plotly_chart(charts.build_trend_chart(gap, f"points ({spec['unit']})"),
                        key="cmp_gap")
