"""The Projects & KPIs page: URL state, tabs, and the Portfolio tab (by programme and region).

The Project detail tab is ui.projects_detail_view, the Cohesion funding tab ui.funding_view;
the import panel and KPI upload are ui.projects_import_view.

What a tab shows depends only on the projects version (ui.projects_data.projects_version) and
the view (programme; project; regional indicator; funding region), so it is built once per
view (filtered tables, shares, maps and charts, frozen) and shared by every rerun and session
(data.rerun_cache: read-only). Partners outside the NUTS area are drawn by their country and
counted in the country figures. app_pages/projects.py calls `render_projects_page()`.
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
from regiodash.ui.funding_view import render_funding_tab
from regiodash.ui.maps import MAP_CONFIG
from regiodash.ui.profile_creative import cci_columns
from regiodash.ui.projects_charts import (
    PROFILE_LINK_PATTERN,
    CountryLayer,
    build_partner_map,
    build_programme_chart,
    build_region_chart,
    format_eur,
    format_share,
    profile_link,
)
from regiodash.ui.projects_data import ProjectsModel, geometry, projects_model
from regiodash.ui.projects_detail_view import follow_map_click, outside_layer, render_project
from regiodash.ui.projects_import_view import render_import_panel
from regiodash.ui.text import escape_markdown
from regiodash.ui.url import render_copy_link
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
    map_caption: str
    programmes_chart: FrozenFigure
    overview: pa.Table | pd.DataFrame  # ui.widgets.arrow_table


def map_caption(partners: pd.DataFrame, n_regions: int, layer: CountryLayer | None,
                colour_by: str) -> str:
    """What the partner map shows and which partners it cannot place, named."""
    outside = sorted(set(partners.loc[partners["outside_nuts"].astype(bool),
                                      "location_country"].dropna()))
    coarse = int((partners["nuts2_code"].isna() & ~partners["outside_nuts"].astype(bool)).sum())
    drawn = sorted(set(outside) & set(layer.ids)) if layer is not None else []
    text = f"{n_regions} NUTS 2 regions with partners. "
    if outside:
        text += (f"{int(partners['outside_nuts'].astype(bool).sum())} partner(s) outside the "
                 f"NUTS area are located by their country ({', '.join(outside)})")
        text += (": drawn with the country's shape (Natural Earth, public domain). "
                 if drawn == outside else
                 f"; {', '.join(sorted(set(outside) - set(drawn)))} have no country shape "
                 "installed and are not drawn. ")
    if coarse:
        text += (f"{coarse} partner(s) known only at country or NUTS 1 level are counted by "
                 "country but not drawn. ")
    return text + "Colour: " + (
        "innovation group of the region (Okabe-Ito palette; purple: outside the RIS "
        "coverage). " if colour_by == "group" else "number of partners. ") + (
        "Click a region to open its profile.")


@data.rerun_cache(32)
def portfolio_tab(version: str, programme: str | None) -> PortfolioTab:
    model = projects_model(version)
    sub = queries.filter_portfolio(model.portfolio, programme)
    sub_located = _sub_located(version, programme)
    budgets = sub.projects["total_budget_eur"]
    regions = queries.region_map_frame(sub_located)
    colour_by = "group" if model.has_groups else "partners"
    geo, codes = geometry(data.data_version())
    layer = outside_layer(sub_located)
    overview = pdata.overview(version, programme).copy()
    overview["illustrative"] = overview["illustrative_fields"].fillna("").str.replace(";", ", ")
    overview["total_budget_eur"] = overview["total_budget_eur"].map(format_eur)
    overview["cofinancing_rate"] = overview["cofinancing_rate"].map(format_share)
    return PortfolioTab(
        n_projects=len(sub.projects), n_partners=len(sub.partners),
        budget=format_eur(budgets.sum(min_count=1)),
        budget_help=(f"{budgets.notna().sum()} of {len(budgets)} projects have a known "
                     "budget; unknown budgets are not counted as zero"),
        shares=queries.group_shares(sub_located, model.has_groups), colour_by=colour_by,
        map=build_partner_map(geo, regions, colour_by, background=set(codes), ids=codes,
                              outside=layer),
        map_caption=map_caption(sub_located, len(regions), layer, colour_by),
        programmes_chart=build_programme_chart(queries.budget_by_programme(sub)),
        overview=arrow_table(overview.drop(columns=["project_id", "illustrative_fields"])))


def _sub_located(version: str, programme: str | None) -> pd.DataFrame:
    model = projects_model(version)
    sub = queries.filter_portfolio(model.portfolio, programme)
    return model.located[model.located["project_id"].isin(set(sub.projects["project_id"]))]


@data.rerun_cache(64)
def region_budgets(version: str, programme: str | None, level: int
                   ) -> tuple[FrozenFigure, pa.Table | pd.DataFrame]:
    """The budget by region chart and the regions table (level 2 or 0 = countries, those
    outside NUTS included): code (a profile link), name, counts, budget as text."""
    by_region = queries.budget_by_region(_sub_located(version, programme), level)
    chart = build_region_chart(by_region, level)
    table = pd.DataFrame({
        "region": by_region["geo_code"].map(profile_link), "name": by_region["geo_name"],
        "partners": by_region["partners"], "projects": by_region["projects"],
        "budget": by_region["budget_eur"].map(format_eur),
        "illustrative partners": by_region["illustrative_partners"]})
    for name, column in cci_columns(version, tuple(by_region["geo_code"]), level).items():
        table[name] = column  # the partner regions' CCI profile (ui.profile_creative)
    if level == 0:
        table["outside NUTS"] = by_region["partners_outside_nuts"].map(
            lambda n: f"{n} partner(s)" if n else "")
    return chart, arrow_table(table)


def render_group_shares(shares: queries.GroupShares, model: ProjectsModel) -> None:
    """The two share metrics (partners, budget in Moderate/Emerging regions) and their note:
    how many partners they are taken over and how many are outside the RIS coverage."""
    over = (f" Taken over the {shares.partners_with_group} of {shares.partners_total} "
            f"partners whose region has a group; {shares.partners_outside_coverage} are "
            "outside the RIS coverage.")
    share_cols = st.columns(2)
    share_cols[0].metric("Partners in Moderate/Emerging regions",
                         format_share(shares.partners_share),
                         help="Share of partners with an innovation group whose region is a "
                              "Moderate or Emerging Innovator." + over)
    share_cols[1].metric("Budget in Moderate/Emerging regions",
                         format_share(shares.budget_share),
                         help="Allocated budget (share x budget, else an equal split) in "
                              "Moderate or Emerging Innovator regions, of the budget with a "
                              "known group." + over)
    if not shares.available:
        st.info(f"No innovation groups, so no shares in Moderate and Emerging Innovator "
                f"regions: {model.groups_missing}. The map is coloured by partner count "
                "meanwhile.", icon=":material/hourglass:")
    else:
        st.caption(f"Innovation groups: {escape_markdown(shares.message)} (latest year "
                   f"{shares.year}).")
        if model.groups_demo:
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
    render_group_shares(tab.shares, model)

    st.subheader("Partner regions (NUTS 2)")
    event = st.plotly_chart(tab.map, config=MAP_CONFIG, key="pj_portfolio_map",
                            width="stretch", on_select="rerun", selection_mode="points")
    follow_map_click(event, "pj_portfolio_map")
    st.caption(escape_markdown(tab.map_caption))

    left, right = st.columns(2)
    left.plotly_chart(tab.programmes_chart, key="pj_programmes", width="stretch")
    level = right.radio("Regions", [2, 0], format_func={2: "NUTS 2", 0: "Countries"}.get,
                        horizontal=True, key="pj_region_level")
    chart, regions_table = region_budgets(version, chosen, level)
    right.plotly_chart(chart, key="pj_regions", width="stretch")

    st.subheader("Projects")
    st.caption("One row per project; budgets as known (unknown is not zero), KPI status of "
               "each KPI's latest value (see the Project detail tab).")
    st.dataframe(
        tab.overview, hide_index=True,
        column_config={
            "total_budget_eur": "budget", "cofinancing_rate": "EU rate",
            "on_track": "KPIs on track", "at_risk": "at risk", "off_track": "off track",
            "illustrative": "illustrative fields",
        })
    st.caption("Bars: the length is the number of projects (programmes) or partners "
               "(regions); labels add the known total budget (programmes) and the allocated "
               "budget (regions). Budget per region: the project budget x the partner's budget "
               "share when known, otherwise an equal split of the rest among the partners; "
               "unknown budgets count as unknown, not zero.")
    # Both panels are built only while open (opening one is a rerun).
    regions_panel = st.expander("Regions table", key="pj_regions_open", on_change="rerun")
    if regions_panel.open:
        regions_panel.caption("Region names next to their codes (a link to the profile); "
                              "partners outside NUTS are counted by country.")
        regions_panel.dataframe(
            regions_table, hide_index=True,
            column_config={
                "region": st.column_config.LinkColumn("region", display_text=PROFILE_LINK_PATTERN,
                                                      help="Open the region profile"),
            })
    render_import_panel()
    return programme


# ------------------------------------------------------------------------------- page ---

TABS = ("Portfolio", "Project detail", "Cohesion funding")
TAB_IDS = dict(zip(TABS, pdata.TAB_IDS, strict=True))  # tab label -> URL value
# The widgets behind the URL, by the tab they are drawn in.
TAB_KEYS = {TABS[0]: ("pj_programme",), TABS[1]: ("pj_project", "pj_indicator"),
            TABS[2]: ("pj_fund_region",)}


def open_tab_with_kept_values() -> tuple[str, dict[str, Any]]:
    """(the open tab, the view's values) with the open tab's widgets seeded from those values.

    Only the open tab is built. Streamlit resets a widget's value once a run goes by without
    it, so the view (programme, project, indicator, funding region) is kept in `pj_kept`,
    which the widgets update when drawn and which seeds them again when their tab opens."""
    state = st.session_state
    kept = state["pj_kept"]
    tab = str(state.get("pj_tab")) if state.get("pj_tab") in TABS else TABS[0]
    state["pj_tab"] = tab
    if state.get("pj_last_tab") != tab:  # the tab was closed last run (or a link came in)
        for key in TAB_KEYS[tab]:
            state[key] = kept[key]
    state["pj_last_tab"] = tab
    return tab, kept


def seed_from_url(model: ProjectsModel) -> tuple[str, ...]:
    """Parse the URL when it changed since this page last wrote it (first visit, a pasted
    link, back/forward) and seed the kept view and open tab from it; returns its notes."""
    params = st.query_params.to_dict()
    if st.session_state.get("pj_last_query") == params and "pj_kept" in st.session_state:
        return ()
    view = pdata.parse_projects_view(params, set(model.projects.index),
                                     set(model.programmes), set(model.indicator_options))
    st.session_state["pj_kept"] = {
        "pj_project": view.project, "pj_programme": view.programme or ALL,
        "pj_indicator": view.indicator or model.default_indicator,
        "pj_fund_region": view.region}
    st.session_state["pj_tab"] = {v: k for k, v in TAB_IDS.items()}[view.open_tab]
    st.session_state.pop("pj_last_tab", None)
    return view.notes


def render_projects_page() -> None:
    """URL -> widgets (when the URL changed since this page last wrote it), the open tab,
    then widgets -> URL (and the Copy link box) at the end of every run."""
    try:
        version = pdata.projects_version()
        model = projects_model(version)
    except RegiodashError as exc:
        st.error(f"The project portfolio could not be loaded: {escape_markdown(exc)}")
        st.stop()

    notes = seed_from_url(model)
    tab, kept = open_tab_with_kept_values()

    st.title("Projects & KPIs")
    link_slot = st.empty()  # Copy link: filled once the run knows the view
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
    panes = dict(zip(TABS, st.tabs(list(TABS), key="pj_tab", on_change="rerun"), strict=True))
    with panes[tab]:
        if tab == TABS[0]:
            kept["pj_programme"] = render_portfolio(version, model)
        elif tab == TABS[1]:
            kept.update(render_project(version, model))
        else:
            kept.update(render_funding_tab(data.data_version(), kept["pj_fund_region"]))

    view = pdata.ProjectsView(
        project=kept["pj_project"],
        programme=None if kept["pj_programme"] in (None, ALL) else kept["pj_programme"],
        indicator=kept["pj_indicator"], tab=TAB_IDS[tab], region=kept["pj_fund_region"],
    )
    query = view.to_query(model.default_indicator)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    st.session_state["pj_last_query"] = query
    with link_slot.container():
        render_copy_link(query)
