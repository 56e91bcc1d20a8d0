"""The map explorer's view: its widgets (kept in the URL), its cached figure, its rendering.

app_pages/map.py runs `select_map_view()` (URL -> widgets -> URL), `map_figure(...)` and
`render_map(...)`. Everything a rerun with an unchanged view needs is cached per data version:
the widget options and labels (ui.data), the years per level and sex, and the frozen figure
itself, so a rerun runs no query, merge or figure build and sends the figure's stored dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd
import pyarrow as pa
import streamlit as st

from indicators.innovation.specs import INDEX_ID
from regiodash.errors import RegiodashError
from regiodash.flags import describe_flag
from regiodash.ui import data
from regiodash.ui.figures import FrozenFigure
from regiodash.ui.maps import MAP_CONFIG, MapSpec, build_choropleth, build_group_map, gap_values
from regiodash.ui.state import ViewState
from regiodash.ui.url import read_view, render_copy_link, write_view
from regiodash.ui.widgets import SEX_LABELS, arrow_table, render_demo_banner, render_notes

PAGE = "map"
# Figures kept per process; a NUTS 3 view holds about 1-2 MB (figure and its frozen dict).
MAX_CACHED_VIEWS = 32
GROUP_LEGEND = ("Colours (Okabe-Ito, colour-blind safe): Leader dark blue, Strong light blue, "
                "Moderate orange, Emerging vermilion. ")


@dataclass(frozen=True)
class MapView:
    """One map: indicator, NUTS level, year, sex (T, F, M or gap) and country ("" = all)."""

    version: str
    indicator: str
    level: int
    year: int
    sex: str
    country: str


@dataclass(frozen=True)
class MapFigure:
    """What the page draws for one view (read-only: shared by every session).

    `missing`: regions on the European frame without a value (geo_code, geo_name);
    `overseas`: codes of regions with a row but left off the frame; `caption`: what is shown,
    with its source and licence."""

    figure: FrozenFigure
    missing: pa.Table | pd.DataFrame  # ui.widgets.arrow_table
    spec: MapSpec
    caption: str
    grouped: bool
    is_demo: bool
    overseas: tuple[str, ...]


@data.rerun_cache(256)
def map_years(version: str, indicator: str) -> Mapping[int, Mapping[str, tuple[int, ...]]]:
    """NUTS level -> sex -> the years with values, sorted (from the indicator's coverage)."""
    cov = data.coverage(version, indicator)
    out: dict[int, dict[str, list[int]]] = {}
    for level, sex, year in cov[["nuts_level", "sex", "year"]].itertuples(index=False):
        out.setdefault(int(level), {}).setdefault(str(sex), []).append(int(year))
    return MappingProxyType({level: MappingProxyType({sex: tuple(sorted(years))
                                                      for sex, years in by_sex.items()})
                             for level, by_sex in sorted(out.items())})


def select_map_view() -> MapView:
    """Read the view from the URL, render the title and the widgets, write the view back.

    Stops the page (with a message) when there is no warehouse, no data, or no value for the
    chosen indicator / level / sex; a URL value with no data falls back with a visible note.
    """
    try:
        version = data.data_version()
        ctx = data.view_context(version)
        choices = data.indicator_choices(version) if ctx.indicators else None
    except RegiodashError as exc:
        st.error(f"The warehouse could not be opened: {exc}")
        st.stop()
    if version == "empty" or choices is None:
        st.error("No data yet. Run `regiodash demo` (synthetic) or `regiodash import FILE`.")
        st.stop()

    default_id = choices.default("gdp_per_capita_pps_pct_eu27", INDEX_ID, order=choices.by_domain)
    defaults = ViewState(indicator=default_id, level=2)
    view, fresh = read_view(PAGE, defaults, ctx)
    state = st.session_state
    if fresh:
        state["w_indicator"] = view.indicator
        state["w_level"] = view.level
        state["w_sex"] = view.sex
        state["w_country"] = view.country or ""
        state.pop("w_year", None)
    if state.get("w_indicator") not in choices.labels:  # e.g. gone after a rebuild
        state["w_indicator"] = default_id
    # The indicator widget's value is already in the session state: the sex picker is
    # drawn only for indicators broken down by sex.
    by_sex = bool(choices.rows[state["w_indicator"]]["has_sex"])

    st.title("Map explorer")
    render_notes(view.notes)
    cols = st.columns([3.3, 0.9, 1.1, 1.3, 1.3] if by_sex else [3.6, 0.9, 1.3, 1.2],
                      vertical_alignment="bottom")
    indicator = cols[0].selectbox(
        "Indicator", choices.by_domain, format_func=choices.labels.__getitem__,
        key="w_indicator", help="Grouped by domain: innovation, gender, sustainability, "
        "social, digital, context and derived indices")
    years_by_level = map_years(version, indicator)
    levels = list(years_by_level)
    if not levels:
        st.warning("This indicator has no values yet.")
        st.stop()
    if state.get("w_level") not in levels:
        if fresh and "level" in st.query_params:
            render_notes((f"NUTS level {state.get('w_level')} has no data for this "
                          "indicator; showing another level.",))
        state["w_level"] = 2 if 2 in levels else levels[-1]
    level = cols[1].selectbox("NUTS level", levels, key="w_level",
                              help="0 = countries; 1, 2, 3 = ever smaller regions")
    if by_sex:
        sexes = ["T", "F", "M", "gap"]
        if state.get("w_sex") not in sexes:
            state["w_sex"] = "T"
        sex = cols[2].selectbox("Sex", sexes, format_func=SEX_LABELS.__getitem__, key="w_sex",
                                help="'Gap' maps men minus women, in the indicator's unit")
    else:  # nothing to choose (the caption says "Total")
        sex = "T"
    regions = data.region_choices(version)
    country_options = ["", *regions.countries]
    if state.get("w_country") not in regions.country_labels:
        state["w_country"] = ""
    country = cols[-2].selectbox(
        "Country", country_options, key="w_country",
        format_func=lambda c: regions.country_labels.get(str(c), "All of Europe"))

    years = list(years_by_level[level].get("F" if sex == "gap" else sex, ()))
    if not years:
        st.warning("This indicator has no values at this NUTS level for this sex.")
        st.stop()
    wanted = view.year if view.year in years else years[-1]
    if fresh and view.year is not None and view.year not in years:
        render_notes((f"No data for {view.year}; showing {wanted}.",))
    if state.get("w_year") not in years:
        state["w_year"] = wanted
    year = (st.select_slider("Year", options=years, key="w_year") if len(years) > 1
            else years[0])

    shown = ViewState(indicator=indicator, level=level, year=year, sex=sex,
                      country=country or None)
    query = write_view(PAGE, shown, ViewState(indicator=default_id, level=2, year=years[-1]))
    with cols[-1]:
        render_copy_link(query)
    return MapView(version=version, indicator=indicator, level=level, year=year, sex=sex,
                   country=country or "")


@data.rerun_cache(MAX_CACHED_VIEWS)
def map_figure(version: str, indicator: str, level: int, year: int, sex: str, country: str
               ) -> MapFigure:
    """The figure of one view, built once per data version and view (frozen, shared).

    Values are one row per region of the level (missing value = grey, listed in `missing`);
    the gap is men minus women where both exist; the Regional Innovation Index (total) is
    drawn as its innovation groups."""
    row = data.indicator_choices(version).rows[indicator]
    if sex == "gap":
        values = gap_values(data.map_values(version, indicator, level, year, "F"),
                            data.map_values(version, indicator, level, year, "M"))
    else:
        values = data.map_values(version, indicator, level, year, sex)
    if country:
        values = values[values["country_code"] == country]
    unit = str(row["unit"])
    spec = MapSpec(
        title=str(row["title"]),
        unit=f"points ({unit}), men - women" if sex == "gap" else unit,
        decimals=int(row["decimals"]), direction=str(row["direction"]),
        diverging=sex == "gap")
    geometry = data.geojson(version, level, data.nuts_version(version))
    grouped = indicator == INDEX_ID and sex == "T"
    if grouped:
        groups = data.innovation_groups(version, level)
        values = values.merge(groups.loc[groups["year"] == year, ["geo_code", "grp", "subgroup"]],
                              on="geo_code", how="left")
        fig, missing = build_group_map(geometry, values, describe_flag=describe_flag)
    else:
        fig, missing = build_choropleth(geometry, values, spec, describe_flag=describe_flag)
    overseas = values.loc[values["is_overseas"].fillna(False).astype(bool), "geo_code"]
    caption = (f"**{spec.title}** ({spec.unit}), NUTS {level}, {year}, {SEX_LABELS[sex]}. "
               f"Source: Eurostat {row['source_dataset']} ({row['licence']}). "
               + (GROUP_LEGEND if grouped else "")
               + ("Grey: no data. " if len(missing) else "Every region on the map has a value. ")
               + "Click a region to open its profile.")
    return MapFigure(figure=fig, missing=arrow_table(missing), spec=spec, caption=caption,
                     grouped=grouped,
                     is_demo=bool((values["source"] == "demo").any()),
                     overseas=tuple(overseas))


def render_map(view: MapView, shown: MapFigure) -> None:
    """Draw the map and what goes with it; a click on a region opens its profile."""
    render_demo_banner(shown.is_demo)
    st.caption(shown.caption)
    event = st.plotly_chart(shown.figure, config=MAP_CONFIG, key=f"map_{view.level}",
                            on_select="rerun", selection_mode="points")
    points = list(event.get("selection", {}).get("points", [])) if isinstance(event, dict) else []
    if points and points[0].get("location"):
        st.switch_page("app_pages/profile.py", query_params={
            "region": str(points[0]["location"]), "indicator": view.indicator})
    if len(shown.missing):  # the list is built only while its panel is open (a rerun)
        panel = st.expander(f"Regions with no data ({len(shown.missing)})",
                            key="w_missing_open", on_change="rerun")
        if panel.open:
            panel.dataframe(shown.missing, hide_index=True)
    if shown.overseas:
        st.caption(f"Not on the European frame: {len(shown.overseas)} overseas regions "
                   f"({', '.join(shown.overseas)}); their values are in the profile and "
                   "rankings pages.")
