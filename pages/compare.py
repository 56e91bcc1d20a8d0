"""Compare up to 8 regions side by side: lines over time, bars for a year, gender gaps."""

import pandas as pd
import streamlit as st

from regiodash.errors import RegiodashError
from regiodash.ui import charts, data
from regiodash.ui.state import MAX_COMPARE, ViewState, is_valid_area_name
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
    st.session_state["w_area"] = list(view.area)
    st.session_state["w_area_name"] = view.area_name

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
with st.expander("Add a user-defined area (a group of regions of one level)",
                 expanded=bool(view.area), icon=":material/join:"):
    area_name = st.text_input("Area name", key="w_area_name", max_chars=40,
                              placeholder="e.g. SPECTRA partner regions")
    area = st.multiselect("Member regions", list(regions["geo_code"]), key="w_area",
                          format_func=lambda c: f"{c} · {names[c]}")
    st.caption("Members are averaged with population weights when every member has a "
               "population that year (counts are summed); a year in which a member has no "
               "value gives no area value.")
area_ok = bool(area) and is_valid_area_name(area_name.strip())
view = ViewState(indicator=indicator, compare=tuple(picked),
                 area=tuple(area) if area_ok else (),
                 area_name=area_name.strip() if area_ok else "")
query = write_view(PAGE, view, defaults)
render_copy_link(query)
if area and area_name and not area_ok:
    st.warning("Area names may hold up to 40 letters, digits, spaces and .,'()- only.")
if not picked and not view.area:
    st.info("Pick one or more regions to compare.")
    st.stop()

spec = catalog.loc[indicator]
series = data.indicator_series(version, indicator, tuple(picked))
if view.area:
    area_rows, weighting = data.area_series(version, indicator, view.area, view.area_name)
    if area_rows.empty:
        st.caption(f"The area '{view.area_name}' has no complete year for this indicator "
                   "(its members must share one NUTS level and all have values).")
    else:
        st.caption(f"Area '{view.area_name}': {len(view.area)} regions, "
                   f"{weighting.replace('_', ' ')}.")
        series = pd.concat([series, area_rows.assign(geo_code=f"AREA:{view.area_name}")],
                           ignore_index=True)
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
