"""Overview: where Europe stands (innovation groups, gender gaps, sustainability, coverage)."""

import plotly.graph_objects as go
import streamlit as st

from regiodash.errors import RegiodashError
from regiodash.ui import data
from regiodash.ui.charts import GROUP_COLOURS
from regiodash.ui.state import ViewState
from regiodash.ui.url import read_view, render_copy_link, write_view
from regiodash.ui.widgets import render_demo_banner, render_notes

PAGE = "overview"
GROUP_ORDER = ["Leader", "Strong", "Moderate", "Emerging"]

try:
    version = data.data_version()
    ctx = data.view_context(version)
    regions = data.regions(version)
    summary = data.warehouse_summary(version).iloc[0]
except RegiodashError as exc:
    st.error(f"The warehouse could not be opened: {exc}")
    st.stop()

names = regions.set_index("geo_code")["geo_name"]
defaults = ViewState(indicator="regional_innovation_index", level=2)
view, fresh = read_view(PAGE, defaults, ctx)
if fresh:
    st.session_state["w_ov_country"] = view.country or ""

st.title("Where Europe's regions stand")
render_notes(view.notes)
render_demo_banner(int(summary["n_demo"]) > 0)
m = st.columns(4)
m[0].metric("Regions with data", f"{int(summary['n_regions']):,}")
m[1].metric("Indicators", f"{int(summary['n_indicators']):,}")
m[2].metric("Years", f"{summary['first_year']}-{summary['last_year']}")
m[3].metric("Last import", str(summary["last_import"] or "none")[:10],
            help=f"{int(summary['n_imports'])} imports recorded in the manifest")

groups = data.innovation_groups(version, 2)
if groups.empty:
    st.info("No Regional Innovation Index yet: run `regiodash build`.")
else:
    year = int(groups["year"].max())
    latest = groups[groups["year"] == year]
    counts = latest["grp"].value_counts().reindex(GROUP_ORDER, fill_value=0)
    st.subheader(f"NUTS 2 regions per innovation group, {year}")
    fig = go.Figure(go.Bar(x=counts.index, y=counts.values,
                           marker_color=[GROUP_COLOURS[g] for g in counts.index],
                           hovertemplate="%{x}: %{y} regions<extra></extra>"))
    fig.update_layout(height=280, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    st.plotly_chart(fig, key="group_counts")
    st.caption("Groups after the Regional Innovation Scoreboard: relative to the EU (= 100), "
               "Leader > 125, Strong 100-125, Moderate 70-100, Emerging < 70.")

countries = regions[regions["nuts_level"] == 0].set_index("geo_code")["geo_name"]
options = ["", *sorted(countries.index)]
if st.session_state.get("w_ov_country") not in options:
    st.session_state["w_ov_country"] = ""
country = st.selectbox("Country at a glance", options, key="w_ov_country",
                       format_func=lambda c: "Choose a country" if not c
                       else f"{c} · {countries[c].title()}")
query = write_view(PAGE, ViewState(indicator="regional_innovation_index", level=2,
                                   country=country or None), defaults)
render_copy_link(query)
if country and not groups.empty:
    mine = latest[latest["geo_code"].str.startswith(country)].sort_values(
        "relative_index", ascending=False)
    gii = data.level_year_values(version, "gender_inclusion_index", 2, "T")
    sus = data.level_year_values(version, "sustainability_index", 2, "T")
    table = mine[["geo_code", "geo_name", "relative_index", "grp", "subgroup"]].merge(
        gii[gii["year"] == gii["year"].max()][["geo_code", "value"]].rename(
            columns={"value": "gender_inclusion_index"}), how="left").merge(
        sus[sus["year"] == sus["year"].max()][["geo_code", "value"]].rename(
            columns={"value": "sustainability_index"}), how="left")
    st.dataframe(table, hide_index=True, column_config={
        "relative_index": st.column_config.NumberColumn("innovation index", format="%.1f"),
        "gender_inclusion_index": st.column_config.NumberColumn(format="%.1f"),
        "sustainability_index": st.column_config.NumberColumn(format="%.1f")})
    for code in table["geo_code"].head(12):
        st.page_link("pages/profile.py", label=f"{code} · {names.get(code, code)}",
                     query_params={"region": code}, icon=":material/place:")

st.subheader("Headline gender gaps and sustainability (NUTS 2, latest year, median region)")
cols = st.columns(3)
for col, (indicator_id, label) in zip(cols, (
        ("gender_gap_employment_rate_pct", "Employment gap, men - women (pts)"),
        ("gender_inclusion_index", "Gender Inclusion Index (1-100)"),
        ("sustainability_index", "Sustainability Index (0-100)")), strict=True):
    frame = data.level_year_values(version, indicator_id, 2, "T")
    if frame.empty:
        col.metric(label, "no data")
    else:
        last = frame[frame["year"] == frame["year"].max()]
        col.metric(label, f"{last['value'].median():.1f}",
                   help=f"{int(last['year'].iloc[0])}, {len(last)} regions")
