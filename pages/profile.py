"""Region profile: where a region stands, its strengths, trends, gender gaps and peers."""

import pandas as pd
import streamlit as st

from indicators.peers import PEER_CONTEXT, find_peers
from regiodash.errors import RegiodashError
from regiodash.ui import charts, data
from regiodash.ui.profile import (
    build_component_table,
    build_gender_table,
    build_tiles,
    format_tile_value,
)
from regiodash.ui.state import ViewState
from regiodash.ui.url import read_view, render_copy_link, write_view
from regiodash.ui.widgets import render_demo_banner, render_notes

PAGE = "profile"
INDEX_ID = "regional_innovation_index"

try:
    version = data.data_version()
    ctx = data.view_context(version)
    regions = data.regions(version)
except RegiodashError as exc:
    st.error(f"The warehouse could not be opened: {exc}")
    st.stop()

names = regions.set_index("geo_code")["geo_name"]
level_of = regions.set_index("geo_code")["nuts_level"]
defaults = ViewState(indicator=INDEX_ID, regions=("DE21",) if "DE21" in names else ())
view, fresh = read_view(PAGE, defaults, ctx)
if fresh:
    st.session_state["w_region"] = view.region or defaults.region

st.title("Region profile")
render_notes(view.notes)
choices = [c for c in regions.sort_values(["nuts_level", "geo_code"])["geo_code"]
           if int(level_of[c]) <= 3]
region = st.selectbox("Region", choices, key="w_region",
                      format_func=lambda c: f"{c} · {names[c]} (NUTS {int(level_of[c])})",
                      help="Type a code or a name to search")
view = ViewState(indicator=view.indicator, regions=(region,))
query = write_view(PAGE, view, defaults)
level = int(level_of[region])

values = data.region_values(version, region)
if values.empty:
    st.warning("No indicator values for this region.")
    st.stop()
render_demo_banner(bool((values["source"] == "demo").any()))
head = st.columns([5, 1])
head[0].subheader(f"{names[region]} ({region}), NUTS {level}")
with head[1]:
    render_copy_link(query)

groups = data.innovation_groups(version, level)
level_index = data.level_year_values(version, INDEX_ID, level, "T")
tiles = build_tiles(values, groups, level_index, region)
cols = st.columns(len(tiles))
for col, tile in zip(cols, tiles, strict=True):
    col.metric(tile.label, format_tile_value(tile), delta=tile.delta, help=tile.help,
               delta_color="off" if tile.neutral_delta else "normal")

latest = int(values.loc[values["indicator_id"] == INDEX_ID, "year"].max()) if (
    values["indicator_id"] == INDEX_ID).any() else int(values["year"].max())
tab_strength, tab_trend, tab_gender, tab_peers, tab_table = st.tabs(
    ["Strengths & weaknesses", "Trends", "Gender gaps", "Peer regions", "All values"])

with tab_strength:
    components = data.level_values(version, level, latest, tuple(
        sorted(values.loc[values["indicator_id"].str.startswith("innovation_component_"),
                          "indicator_id"].unique())))
    table = build_component_table(components, region, data.catalog(version))
    if table.empty:
        st.info("No normalised innovation components for this region and year.")
    else:
        st.caption(f"Normalised innovation components in {latest} (0 = weakest region, "
                   "1 = strongest over the reference window), next to the mean of all "
                   "regions at this level and of the region's country.")
        st.plotly_chart(charts.build_strengths_chart(table), key="strengths")

with tab_trend:
    cat = data.catalog(version).set_index("indicator_id")
    trend_ids = [i for i in (INDEX_ID, "gender_inclusion_index", "sustainability_index")
                 if i in set(values["indicator_id"])]
    picked = st.selectbox("Indicator", sorted(set(values["indicator_id"]) & set(cat.index)),
                          index=None, placeholder="Choose an indicator (default: the indices)",
                          format_func=lambda i: cat.loc[i, "title"], key="w_trend")
    for indicator_id in [picked] if picked else trend_ids:
        series = values[(values["indicator_id"] == indicator_id) & (values["sex"] == "T")]
        series = series.assign(geo_code=region, geo_name=names[region])
        st.plotly_chart(charts.build_trend_chart(series, str(cat.loc[indicator_id, "unit"]),
                                                 str(cat.loc[indicator_id, "title"])),
                        key=f"trend_{indicator_id}")

with tab_gender:
    gaps = build_gender_table(values, latest)
    if gaps.empty:
        st.info("No indicators with values for both women and men in this region.")
    else:
        st.caption(f"Women and men, latest year with both values (up to {latest}).")
        st.plotly_chart(charts.build_dumbbell_chart(gaps), key="dumbbell")

with tab_peers:
    context = data.level_values(version, level, latest, PEER_CONTEXT)
    peers = find_peers(context, region, k=8)
    if peers.empty:
        st.info("Not enough context indicators to find structurally similar regions.")
    else:
        idx = groups[groups["year"] == latest].set_index("geo_code")["relative_index"]
        own = idx.get(region)
        peers = peers.assign(name=peers["geo_code"].map(names),
                             innovation_index=peers["geo_code"].map(idx))
        st.caption("The structurally most similar regions (GDP per head, population density "
                   "and size, high-tech and knowledge-intensive employment, tertiary "
                   "attainment; standardised distance). Those with a higher Regional "
                   "Innovation Index are the ones to learn from.")
        for row in peers.itertuples():
            better = own is not None and pd.notna(row.innovation_index) and (
                row.innovation_index > own)
            label = (f"{row.geo_code} · {row.name} (distance {row.distance:.2f}; "
                     f"index {format_tile_value(row.innovation_index)})"
                     + (" ▲ performs better" if better else ""))
            st.page_link("pages/profile.py", label=label, query_params={"region": row.geo_code},
                         icon=":material/trending_up:" if better else ":material/place:")

with tab_table:
    shown = values.drop(columns=["nuts_version"]).sort_values(
        ["domain", "indicator_id", "year", "sex"])
    st.dataframe(shown, hide_index=True, column_config={
        "value": st.column_config.NumberColumn(format="%.3f")})
    st.download_button("Download CSV", shown.to_csv(index=False).encode(),
                       file_name=f"regiodash_{region}.csv", mime="text/csv",
                       icon=":material/download:")
