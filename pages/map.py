"""Map explorer: one catalog indicator, NUTS level, year and sex as a choropleth."""

import streamlit as st

from regiodash.errors import RegiodashError
from regiodash.ingest.flags import describe_flag
from regiodash.ui import data
from regiodash.ui.maps import MAP_CONFIG, MapSpec, build_choropleth
from regiodash.ui.state import LEVELS, ViewState, parse_view_state
from regiodash.ui.widgets import render_demo_banner, render_notes

SEX_LABELS = {"T": "Total", "F": "Women", "M": "Men"}

try:
    version = data.data_version()
    catalog = data.catalog(version)
except RegiodashError as exc:
    st.error(f"The warehouse could not be opened: {exc}")
    st.stop()

if version == "empty" or catalog.empty:
    st.error("No data yet. Run `regiodash demo` (synthetic) or `regiodash import FILE`.")
    st.stop()

titles = dict(zip(catalog["indicator_id"], catalog["title"], strict=True))
default_indicator = "gdp_per_capita_pps" if "gdp_per_capita_pps" in titles else next(iter(titles))
defaults = ViewState(indicator=default_indicator)

if "view" not in st.session_state:
    st.session_state.view = parse_view_state(st.query_params.to_dict(), defaults, set(titles))
    for key, value in (("indicator", st.session_state.view.indicator),
                       ("level", st.session_state.view.level),
                       ("sex", st.session_state.view.sex)):
        st.session_state[f"w_{key}"] = value
view: ViewState = st.session_state.view

st.title("Map explorer")
render_notes(view.notes)

cols = st.columns([3, 1, 1])
indicator = cols[0].selectbox("Indicator", list(titles), format_func=titles.get,
                              key="w_indicator", help="Catalog indicator to map")
spec_row = catalog.set_index("indicator_id").loc[indicator]
cov = data.coverage(version, indicator)
levels = sorted(int(x) for x in cov["nuts_level"].unique()) or list(LEVELS)
if st.session_state.get("w_level") not in levels:
    if "level" in st.query_params and not st.session_state.get("level_noted"):
        st.info(f"NUTS level {st.session_state.get('w_level')} has no data for this indicator; "
                "showing another level.", icon=":material/link_off:")
        st.session_state["level_noted"] = True
    st.session_state["w_level"] = 2 if 2 in levels else levels[-1]
level = cols[1].selectbox("NUTS level", levels, key="w_level",
                          help="0 = countries, 1-3 = ever smaller regions")
sexes = ["T", "F", "M"] if bool(spec_row["has_sex"]) else ["T"]
if st.session_state.get("w_sex") not in sexes:
    st.session_state["w_sex"] = "T"
sex = cols[2].selectbox("Sex", sexes, format_func=SEX_LABELS.get, key="w_sex")

years = sorted(int(y) for y in cov[(cov["nuts_level"] == level) & (cov["sex"] == sex)]["year"])
if not years:
    st.warning("This indicator has no values at this NUTS level.")
    st.stop()
wanted = view.year if view.year in years else years[-1]
year = (st.select_slider("Year", options=years, value=wanted, key=f"w_year_{indicator}_{level}")
        if len(years) > 1 else years[0])

view = ViewState(indicator=indicator, level=level, year=year, sex=sex)
st.session_state.view = view
st.query_params.from_dict(view.to_query(ViewState(indicator=default_indicator, year=years[-1])))

values = data.map_values(version, indicator, level, year, sex)
render_demo_banner((values["source"] == "demo").any())
spec = MapSpec(title=str(spec_row["title"]), unit=str(spec_row["unit"]),
               decimals=int(spec_row["decimals"]), direction=str(spec_row["direction"]))
fig, missing = build_choropleth(data.geojson(version, level, "2021"), values, spec,
                                describe_flag=describe_flag)
st.caption(f"{spec.title} ({spec.unit}), NUTS {level}, {year}, {SEX_LABELS[sex]}. "
           f"Source: {spec_row['source_dataset']} ({spec_row['licence']}).")
st.plotly_chart(fig, config=MAP_CONFIG, key="map", use_container_width=True)
with st.expander(f"Regions with no data ({len(missing)})", expanded=False):
    if len(missing):
        st.dataframe(missing, hide_index=True)
    else:
        st.write("Every region on the map has a value.")
