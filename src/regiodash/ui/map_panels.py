"""What the map page draws for a view: the map with its description, the region picker and
the "regions in this view" table with its CSV.

A click on a region, the picker's "Open profile" and the table's links all open the region's
profile. The picker is a form: choosing a region runs nothing on the server; only "Open
profile" does. The table and its CSV are built only while their panel is open, once per data
version and view.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import streamlit as st

from regiodash.ui import data
from regiodash.ui.first_paint import (
    SHOWN_KEY,
    STACK_KEY,
    defer_chart,
    first_paint_png,
    render_first_paint,
)
from regiodash.ui.map_table import (
    TableMeta,
    display_table,
    profile_params,
    table_csv,
    value_column,
)
from regiodash.ui.map_view import MapFigure, MapView, map_figure
from regiodash.ui.maps import MAP_CONFIG
from regiodash.ui.text import escape_markdown
from regiodash.ui.url import canonical_url, switch_to
from regiodash.ui.widgets import SEX_LABELS, arrow_table

PROFILE_PAGE = "app_pages/profile.py"
# One line at 1440 px (the long banner of other pages takes two above the map).
MAP_DEMO_BANNER = ("**Synthetic demo data**, not real statistics: load real data with "
                   "`regiodash import` or `regiodash fetch`.")
# Tables kept per process (one per view whose panel was opened).
MAX_CACHED_TABLES = 32


@dataclass(frozen=True)
class RegionTable:
    """The table panel of one view (read-only, shared): what st.dataframe shows, its column
    settings' inputs, and the CSV's file name."""

    frame: pa.Table | pd.DataFrame
    value_column: str
    decimals: int
    file_name: str


@data.rerun_cache(MAX_CACHED_TABLES)
def region_table(version: str, indicator: str, level: int, year: int, sex: str, country: str
                 ) -> RegionTable:
    """The display table of one view (from map_figure's rows, built once per view)."""
    shown = map_figure(version, indicator, level, year, sex, country)
    name = "_".join(p for p in ("regiodash", indicator, f"nuts{level}", str(year),
                                "" if sex == "T" else sex, country) if p)
    return RegionTable(frame=arrow_table(display_table(shown.rows, shown.spec,
                                                       shown.class_name)),
                       value_column=value_column(shown.spec), decimals=shown.spec.decimals,
                       file_name=f"{name}.csv")


@data.rerun_cache(MAX_CACHED_TABLES)
def first_paint(version: str, indicator: str, level: int, year: int, sex: str, country: str
                ) -> bytes:
    """The server-drawn first paint of one view (ui.first_paint), built once per view."""
    shown = map_figure(version, indicator, level, year, sex, country)
    return first_paint_png(shown.figure.to_dict())


def render_map(view: MapView, shown: MapFigure) -> None:
    """Draw the map and what goes with it; a click on a region opens its profile."""
    if shown.is_demo:
        st.warning(MAP_DEMO_BANNER, icon=":material/science:")
    st.caption(escape_markdown(shown.caption))
    with st.container(key=STACK_KEY):  # the first paint and the chart in one place
        drawn = render_first_paint(b"" if st.session_state.get(SHOWN_KEY) else first_paint(
            view.version, view.indicator, view.level, view.year, view.sex, view.country))

        def chart() -> object:
            return st.plotly_chart(shown.figure, config=MAP_CONFIG, key=f"map_{view.level}",
                                   on_select="rerun", selection_mode="points",
                                   alt=shown.caption)

        event = None
        if drawn:  # the session's first run: nothing selected yet; the chart comes last
            defer_chart(chart)
        else:  # in a container, as defer_chart draws it: the same place, no remount
            with st.container():
                event = chart()
    points = list(event.get("selection", {}).get("points", [])) if isinstance(event, dict) else []
    if points and points[0].get("location"):
        switch_to(PROFILE_PAGE, profile_params(
            str(points[0]["location"]), view.indicator))
    if drawn:  # the rest of the page too: the browser lays out less before the first paint
        defer_chart(lambda: render_below_map(view, shown))
    else:  # in a container, as defer_chart draws it: the same place, no remount
        with st.container():
            render_below_map(view, shown)


def render_below_map(view: MapView, shown: MapFigure) -> None:
    """What follows the map: notes, the region picker and the panels of the view's regions."""
    if shown.attribution:  # Natural Earth shapes and World Bank values beside NUTS
        st.caption(escape_markdown(shown.attribution))
    with st.expander("About this map", icon=":material/info:"):
        st.caption(escape_markdown(shown.about))
    render_region_picker(view, shown)
    render_region_table(view, shown)
    if len(shown.missing):  # the list is built only while its panel is open (a rerun)
        panel = st.expander(f"Regions with no data ({len(shown.missing)})",
                            key="w_missing_open", on_change="rerun")
        if panel.open:
            panel.dataframe(shown.missing, hide_index=True)
    if shown.overseas:
        codes = escape_markdown(", ".join(shown.overseas))  # codes of a geometry file
        st.caption(f"Not on the European frame: {len(shown.overseas)} overseas regions "
                   f"({codes}); their values are in the table above and "
                   "on the profile and rankings pages.")


def render_region_picker(view: MapView, shown: MapFigure) -> None:
    """A region picker and an "Open profile" button: the map's keyboard path (Tab to the
    picker, type, Enter, Tab, Enter). A form, so choosing does not rerun the page."""
    state = st.session_state
    if state.get("w_pick") not in shown.picker_codes:
        state.pop("w_pick", None)  # a region of another view
    with st.form("open_profile", border=False, enter_to_submit=False):
        cols = st.columns([4, 1.2], vertical_alignment="bottom")
        code = cols[0].selectbox(
            "Open a region's profile", shown.picker_codes, index=None, key="w_pick",
            format_func=shown.picker_labels.__getitem__,
            placeholder=f"Type a name or code ({len(shown.picker_codes):,} regions in this "
                        "view)")
        go = cols[1].form_submit_button("Open profile", icon=":material/open_in_new:",
                                        width="stretch")
    if go and code:
        switch_to(PROFILE_PAGE, profile_params(code, view.indicator))
    elif go:
        st.warning("Choose a region first.")


def render_region_table(view: MapView, shown: MapFigure) -> None:
    """The "regions in this view" panel: a sortable, searchable table (the grid's own sort and
    search, in the browser), each row linking to the profile, and the CSV with its metadata
    header. Built only while open."""
    panel = st.expander(f"Regions in this view ({len(shown.rows):,}): table and CSV",
                        key="w_table_open", on_change="rerun", icon=":material/table:")
    if not panel.open:
        return
    table = region_table(view.version, view.indicator, view.level, view.year, view.sex,
                         view.country)
    config = {"Profile": st.column_config.LinkColumn(
        "Profile", display_text="Open profile", help="Opens the region's profile"),
        table.value_column: st.column_config.NumberColumn(format=f"%.{table.decimals}f")}
    panel.dataframe(table.frame, hide_index=True, column_config=config, placeholder="no data",
                    alt=f"Regions in this view: {shown.spec.title}", key="w_region_table")
    row = data.indicator_choices(view.version).rows[view.indicator]
    meta = TableMeta(
        indicator=view.indicator, title=shown.spec.title, unit=shown.spec.unit,
        level=view.level, year=view.year, sex=SEX_LABELS[view.sex], country=view.country,
        nuts_version=data.nuts_version(view.version),
        source=f"Eurostat {row['source_dataset']}", licence=str(row["licence"]),
        link=canonical_url(dict(st.query_params.to_dict())))
    rows, class_name = shown.rows, shown.class_name
    panel.download_button(
        "Download CSV", data=lambda: table_csv(rows, meta, class_name),
        file_name=table.file_name, mime="text/csv", on_click="ignore",
        icon=":material/download:",
        help="The rows above with a header block (# lines): indicator, unit, year, NUTS "
             "version, data status (demo or real), converted values")
