"""Map explorer: one indicator, NUTS level, year and sex (or gender gap) as a choropleth.

Clicking a region opens its profile. The whole view lives in the URL (ui.state.ViewState).
"""

import streamlit as st

from regiodash.errors import RegiodashError
from regiodash.ingest.flags import describe_flag
from regiodash.ui import data
from regiodash.ui.maps import (
    MAP_CONFIG,
    MapSpec,
    build_choropleth,
    build_group_map,
    gap_values,
)
from regiodash.ui.state import ViewState
from regiodash.ui.url import read_view, render_copy_link, write_view
from regiodash.ui.widgets import (
    DOMAIN_LABELS,
    SEX_LABELS,
    render_demo_banner,
    render_notes,
)

PAGE = "map"

try:
    version = data.data_version()
    catalog = data.catalog(version)
    ctx = data.view_context(version)
except RegiodashError as exc:
    st.error(f"The warehouse could not be opened: {exc}")
    st.stop()
if version == "empty" or catalog.empty:
    st.error("No data yet. Run `regiodash demo` (synthetic) or `regiodash import FILE`.")
    st.stop()

catalog = catalog.assign(order=catalog["domain"].map(list(DOMAIN_LABELS).index))
catalog = catalog.sort_values(["order", "title"]).set_index("indicator_id")
default_id = "regional_innovation_index" if "regional_innovation_index" in catalog.index else (
    "gdp_per_capita_pps" if "gdp_per_capita_pps" in catalog.index else catalog.index[0])
defaults = ViewState(indicator=default_id, level=2)
view, fresh = read_view(PAGE, defaults, ctx)
if fresh:
    st.session_state["w_indicator"] = view.indicator
    st.session_state["w_level"] = view.level
    st.session_state["w_sex"] = view.sex
    st.session_state["w_country"] = view.country or ""
    st.session_state.pop("w_year", None)

st.title("Map explorer")
render_notes(view.notes)


def indicator_label(indicator_id: str) -> str:
    row = catalog.loc[indicator_id]
    return f"{DOMAIN_LABELS.get(row['domain'], row['domain'])} · {row['title']}"


cols = st.columns([4, 1, 1, 1.4])
indicator = cols[0].selectbox("Indicator", list(catalog.index), format_func=indicator_label,
                              key="w_indicator", help="Grouped by domain: innovation, gender, "
                              "sustainability, social, digital, context and derived indices")
spec_row = catalog.loc[indicator]
cov = data.coverage(version, indicator)
levels = sorted(int(x) for x in cov["nuts_level"].unique())
if not levels:
    st.warning("This indicator has no values yet.")
    st.stop()
if st.session_state.get("w_level") not in levels:
    if fresh and "level" in st.query_params:
        render_notes((f"NUTS level {st.session_state.get('w_level')} has no data for this "
                      "indicator; showing another level.",))
    st.session_state["w_level"] = 2 if 2 in levels else levels[-1]
level = cols[1].selectbox("NUTS level", levels, key="w_level",
                          help="0 = countries; 1, 2, 3 = ever smaller regions")
sexes = ["T", "F", "M", "gap"] if bool(spec_row["has_sex"]) else ["T"]
if st.session_state.get("w_sex") not in sexes:
    st.session_state["w_sex"] = "T"
sex = cols[2].selectbox("Sex", sexes, format_func=SEX_LABELS.get, key="w_sex",
                        help="'Gap' maps men minus women, in the indicator's unit")
regions = data.regions(version)
countries = regions[regions["nuts_level"] == 0].set_index("geo_code")["geo_name"]
country_options = ["", *sorted(countries.index)]
if st.session_state.get("w_country") not in country_options:
    st.session_state["w_country"] = ""
country = cols[3].selectbox(
    "Country", country_options, key="w_country",
    format_func=lambda c: "All of Europe" if not c else f"{c} · {countries[c].title()}")

year_sex = "F" if sex == "gap" else sex
years = sorted(int(y) for y in cov[(cov["nuts_level"] == level)
                                   & (cov["sex"] == year_sex)]["year"])
if not years:
    st.warning("This indicator has no values at this NUTS level for this sex.")
    st.stop()
wanted = view.year if view.year in years else years[-1]
if fresh and view.year is not None and view.year not in years:
    render_notes((f"No data for {view.year}; showing {wanted}.",))
if st.session_state.get("w_year") not in years:
    st.session_state["w_year"] = wanted
year = (st.select_slider("Year", options=years, key="w_year") if len(years) > 1
        else years[0])

view = ViewState(indicator=indicator, level=level, year=year, sex=sex, country=country or None)
query = write_view(PAGE, view, ViewState(indicator=default_id, level=2, year=years[-1]))

if sex == "gap":
    values = gap_values(data.map_values(version, indicator, level, year, "F"),
                        data.map_values(version, indicator, level, year, "M"))
else:
    values = data.map_values(version, indicator, level, year, sex)
if country:
    values = values[values["country_code"] == country]
render_demo_banner(bool((values["source"] == "demo").any()))
unit = str(spec_row["unit"])
spec = MapSpec(
    title=str(spec_row["title"]),
    unit=f"points ({unit}), men - women" if sex == "gap" else unit,
    decimals=int(spec_row["decimals"]), direction=str(spec_row["direction"]),
    diverging=sex == "gap")
if indicator == "regional_innovation_index" and sex == "T":
    groups = data.innovation_groups(version, level)
    values = values.merge(groups.loc[groups["year"] == year, ["geo_code", "grp", "subgroup"]],
                          on="geo_code", how="left")
    fig, missing = build_group_map(data.geojson(version, level, "2021"), values,
                                   describe_flag=describe_flag)
    st.caption("Colours (Okabe-Ito, colour-blind safe): Leader dark blue, Strong light blue, "
               "Moderate orange, Emerging vermilion, grey = no index.")
else:
    fig, missing = build_choropleth(data.geojson(version, level, "2021"), values, spec,
                                    describe_flag=describe_flag)
head = st.columns([5, 1])
head[0].caption(
    f"**{spec.title}** ({spec.unit}), NUTS {level}, {year}, {SEX_LABELS[sex]}. "
    f"Source: Eurostat {spec_row['source_dataset']} ({spec_row['licence']}). "
    "Grey: no data. Click a region to open its profile.")
with head[1]:
    render_copy_link(query)
event = st.plotly_chart(fig, config=MAP_CONFIG, key=f"map_{level}", on_select="rerun",
                        selection_mode="points")
points = (event or {}).get("selection", {}).get("points", []) if event else []
if points and points[0].get("location"):
    st.switch_page("pages/profile.py",
                   query_params={"region": str(points[0]["location"]), "indicator": indicator})
with st.expander(f"Regions with no data ({len(missing)})", expanded=False):
    if len(missing):
        st.dataframe(missing, hide_index=True)
    else:
        st.write("Every region on the map has a value.")
overseas = values[values["is_overseas"].fillna(False).astype(bool)]
if len(overseas):
    st.caption(f"Not on the European frame: {len(overseas)} overseas regions "
               f"({', '.join(overseas['geo_code'])}); their values are in the profile and "
               "rankings pages.")
