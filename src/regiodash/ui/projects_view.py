"""The Projects & KPIs page: URL state, tabs, and the Portfolio tab (by programme and region).

The Project detail tab is ui.projects_detail_view; the import panel and KPI upload are
ui.projects_import_view.

What a tab shows depends only on the projects version (ui.projects_data.projects_version) and
the view (programme; project; regional indicator), so it is built once per view (filtered
tables, shares, maps and charts, frozen) and shared by every rerun and session
(data.rerun_cache: read-only). app_pages/projects.py calls `render_projects_page()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import streamlit as st

from regiodash.errors import RegiodashError
from regiodash.projects import queries
from regiodash.ui import data
from regiodash.ui import projects_data as pdata
from regiodash.ui.figures import FrozenFigure
from regiodash.ui.maps import MAP_CONFIG
from regiodash.ui.projects_charts import (
    PROFILE_LINK_PATTERN,
    build_partner_map,
    build_programme_chart,
    build_region_chart,
    format_eur,
    format_share,
    profile_link,
)
from regiodash.ui.projects_data import ProjectsModel, geometry, projects_model
from regiodash.ui.projects_detail_view import render_project
from regiodash.ui.projects_import_view import render_import_panel
from regiodash.ui.text import escape_markdown
from regiodash.ui.widgets import arrow_table, render_demo_banner

ALL = "All programmes"


# -------------------------------------------------------------------------- portfolio ---

@dataclass(frozen=True)
class PortfolioTab:
    """The portfolio tab for one programme (None = all), read-only."""

    n_projects: int
    n_partners: int
    budget: str
    budget_help: str
    shares: queries.GroupShares
    colour_by: str
    map: FrozenFigure
    n_regions: int
    n_unlocated: int
    programmes_chart: FrozenFigure
    overview: pa.Table | pd.DataFrame  # ui.widgets.arrow_table


@data.rerun_cache(32)
def portfolio_tab(version: str, programme: str | None) -> PortfolioTab:
    model = projects_model(version)
    sub = queries.filter_portfolio(model.portfolio, programme)
    sub_located = _sub_located(version, programme)
    budgets = sub.projects["total_budget_eur"]
    regions = queries.region_map_frame(sub_located)
    colour_by = "group" if model.has_groups else "partners"
    geo, codes = geometry(data.data_version())
    overview = pdata.overview(version, programme).copy()
    overview["illustrative"] = overview["illustrative_fields"].fillna("").str.replace(";", ", ")
    return PortfolioTab(
        n_projects=len(sub.projects), n_partners=len(sub.partners),
        budget=format_eur(budgets.sum(min_count=1)),
        budget_help=(f"{budgets.notna().sum()} of {len(budgets)} projects have a known "
                     "budget; unknown budgets are not counted as zero"),
        shares=queries.group_shares(sub_located, model.has_groups), colour_by=colour_by,
        map=build_partner_map(geo, regions, colour_by, background=set(codes), ids=codes),
        n_regions=len(regions), n_unlocated=len(queries.unlocated_partners(sub_located, 2)),
        programmes_chart=build_programme_chart(queries.budget_by_programme(sub)),
        overview=arrow_table(overview.drop(columns=["project_id", "illustrative_fields"])))


def _sub_located(version: str, programme: str | None) -> pd.DataFrame:
    model = projects_model(version)
    sub = queries.filter_portfolio(model.portfolio, programme)
    return model.located[model.located["project_id"].isin(set(sub.projects["project_id"]))]


@data.rerun_cache(64)
def region_budgets(version: str, programme: str | None, level: int
                   ) -> tuple[FrozenFigure, pa.Table | pd.DataFrame]:
    """The budget by region chart and the regions table (level 2 or 0 = countries)."""
    by_region = queries.budget_by_region(_sub_located(version, programme), level)
    chart = build_region_chart(by_region, level)
    by_region["region"] = by_region["geo_code"].map(profile_link)
    return chart, arrow_table(by_region[["region", "geo_name", "partners", "projects",
                                         "budget_eur", "illustrative_partners"]])


def render_group_shares(shares: queries.GroupShares, groups_demo: bool) -> None:
    """The two share metrics (partners, budget in Moderate/Emerging regions) and their note."""
    share_cols = st.columns(2)
    share_cols[0].metric("Partners in Moderate/Emerging regions",
                         format_share(shares.partners_share),
                         help="Share of partners with an innovation group whose region is a "
                              "Moderate or Emerging Innovator")
    share_cols[1].metric("Budget in Moderate/Emerging regions",
                         format_share(shares.budget_share),
                         help="Allocated budget (share x budget, else an equal split) in "
                              "Moderate or Emerging Innovator regions, of the budget with a "
                              "known group")
    if not shares.available:
        st.info(f"{shares.message.capitalize()}: the shares in Moderate and Emerging Innovator "
                "regions appear once `regiodash build` has written innovation_groups.parquet. "
                "The map is coloured by partner count meanwhile.", icon=":material/hourglass:")
    else:
        st.caption(f"Innovation groups: {shares.message} (latest year {shares.year}).")
        if groups_demo:
            st.caption("The innovation groups come from the synthetic demo panel: shares and "
                       "map colours show how the page works, not real groups.")


def render_portfolio(version: str, model: ProjectsModel) -> str:
    """The Portfolio tab; returns the programme picked (or ALL)."""
    programme = st.selectbox("Programme", [ALL, *model.programmes], key="pj_programme",
                             help="Restrict the portfolio to one funding programme")
    chosen = None if programme == ALL else programme
    tab = portfolio_tab(version, chosen)

    cols = st.columns(3)
    cols[0].metric("Projects", tab.n_projects)
    cols[1].metric("Partners", tab.n_partners)
    cols[2].metric("Known total budget", tab.budget, help=tab.budget_help)
    render_group_shares(tab.shares, model.groups_demo)

    st.subheader("Partner regions (NUTS 2)")
    st.plotly_chart(tab.map, config=MAP_CONFIG, key="pj_portfolio_map", width="stretch")
    st.caption(
        f"{tab.n_regions} NUTS 2 regions with partners. {tab.n_unlocated} partner(s) have no "
        "NUTS 2 region (outside the NUTS area, e.g. the Southern Mediterranean countries, or "
        "known only at country level) and are not on the map. Colour: "
        + ("innovation group of the region (Okabe-Ito palette)." if tab.colour_by == "group"
           else "number of partners."))

    left, right = st.columns(2)
    left.plotly_chart(tab.programmes_chart, key="pj_programmes", width="stretch")
    level = right.radio("Regions", [2, 0], format_func={2: "NUTS 2", 0: "Countries"}.get,
                        horizontal=True, key="pj_region_level")
    chart, regions_table = region_budgets(version, chosen, level)
    right.plotly_chart(chart, key="pj_regions", width="stretch")

    st.subheader("Projects")
    st.dataframe(
        tab.overview, hide_index=True,
        column_config={
            "total_budget_eur": st.column_config.NumberColumn("budget (EUR)", format="%.0f"),
            "cofinancing_rate": st.column_config.NumberColumn("EU rate", format="percent"),
            "on_track": "KPIs on track", "at_risk": "at risk", "off_track": "off track",
            "illustrative": "illustrative fields",
        })
    st.caption("Bar labels: the known total budget (programmes) and the allocated budget "
               "(regions). Budget per region: the project budget x the partner's budget share "
               "when known, otherwise an equal split of the rest among the partners; unknown "
               "budgets count as unknown, not zero. KPI status uses each KPI's latest value "
               "(see the Project detail tab).")
    # Both panels are built only while open (opening one is a rerun).
    regions_panel = st.expander("Regions table", key="pj_regions_open", on_change="rerun")
    if regions_panel.open:
        regions_panel.dataframe(
            regions_table, hide_index=True,
            column_config={
                "region": st.column_config.LinkColumn("region", display_text=PROFILE_LINK_PATTERN,
                                                      help="Open the region profile"),
                "budget_eur": st.column_config.NumberColumn("budget (EUR)", format="%.0f"),
            })
    render_import_panel()
    return programme


# ------------------------------------------------------------------------------- page ---

TABS = ("Portfolio", "Project detail")
# The widgets behind the URL, by the tab they are drawn in.
TAB_KEYS = {TABS[0]: ("pj_programme",), TABS[1]: ("pj_project", "pj_indicator")}


def open_tab_with_kept_values() -> tuple[str, dict[str, Any]]:
    """(the open tab, the view's values) with the open tab's widgets seeded from those values.

    Only the open tab is built. Streamlit resets a widget's value once a run goes by without
    it, so the view (programme, project, indicator) is kept in `pj_kept`, which the widgets
    update when drawn and which seeds them again when their tab opens."""
    state = st.session_state
    kept = state["pj_kept"]
    tab = state.get("pj_tab") if state.get("pj_tab") in TABS else TABS[0]
    state["pj_tab"] = tab
    if state.get("pj_last_tab") != tab:  # the tab was closed last run (or a link came in)
        for key in TAB_KEYS[tab]:
            state[key] = kept[key]
    state["pj_last_tab"] = tab
    return tab, kept


def render_projects_page() -> None:
    """URL -> widgets (when the URL changed since this page last wrote it: first visit, a
    pasted link, back/forward), the open tab, then widgets -> URL at the end of every run."""
    try:
        version = pdata.projects_version()
        model = projects_model(version)
    except RegiodashError as exc:
        st.error(f"The project portfolio could not be loaded: {escape_markdown(exc)}")
        st.stop()

    params = st.query_params.to_dict()
    notes: tuple[str, ...] = ()
    if st.session_state.get("pj_last_query") != params or "pj_kept" not in st.session_state:
        view = pdata.parse_projects_view(params, set(model.projects.index),
                                         set(model.programmes), set(model.indicator_options))
        notes = view.notes
        st.session_state["pj_kept"] = {
            "pj_project": view.project, "pj_programme": view.programme or ALL,
            "pj_indicator": view.indicator or model.default_indicator}
        st.session_state["pj_tab"] = TABS[1] if view.project is not None else TABS[0]
        st.session_state.pop("pj_last_tab", None)
    tab, kept = open_tab_with_kept_values()

    st.title("Projects & KPIs")
    render_demo_banner(model.groups_demo)
    for note in notes:
        st.info(escape_markdown(note), icon=":material/link_off:")
    if model.portfolio.origin == "sample":
        st.info(
            "**Sample portfolio.** Seven EU creative-industry cluster projects built from "
            "public project descriptions; values marked *illustrative* are made up to show how "
            "the page works. Import your own projects with `regiodash projects import` "
            "(templates below).", icon=":material/science:")

    # Only the open tab is built (switching tabs is a rerun).
    portfolio, detail = st.tabs(list(TABS), key="pj_tab", on_change="rerun")
    if tab == TABS[0]:
        with portfolio:
            kept["pj_programme"] = render_portfolio(version, model)
    else:
        with detail:
            kept.update(render_project(version, model))

    view = pdata.ProjectsView(
        project=kept["pj_project"],
        programme=None if kept["pj_programme"] in (None, ALL) else kept["pj_programme"],
        indicator=kept["pj_indicator"],
    )
    query = view.to_query(model.default_indicator)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    st.session_state["pj_last_query"] = query
