"""The Projects & KPIs page: the portfolio by programme and region, and one project's KPIs.

What a tab shows depends only on the projects version (ui.projects_data.projects_version) and
the view (programme; project; regional indicator), so it is built once per view (filtered
tables, shares, maps and charts, frozen) and shared by every rerun and session
(data.rerun_cache: read-only). app_pages/projects.py calls `render_projects_page()`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, cast

import pandas as pd
import pyarrow as pa
import streamlit as st

from regiodash.config import load_settings
from regiodash.errors import RegiodashError
from regiodash.projects import queries
from regiodash.projects.importers import (
    commit_import,
    current_user,
    prepare_kpi_values_upload,
    template_text,
)
from regiodash.projects.model import SOURCES, TABLE_ORDER, Portfolio, split_list
from regiodash.ui import data
from regiodash.ui import projects_data as pdata
from regiodash.ui.data import VERSIONS_KEPT
from regiodash.ui.figures import FrozenFigure
from regiodash.ui.maps import MAP_CONFIG
from regiodash.ui.projects_charts import (
    PROFILE_LINK_PATTERN,
    STATUS_BADGES,
    build_kpi_chart,
    build_partner_map,
    build_programme_chart,
    build_region_chart,
    escape_markdown,
    format_eur,
    format_share,
    profile_link,
    status_label,
    text_or,
)
from regiodash.ui.widgets import arrow_table, render_demo_banner

ALL = "All programmes"
UPLOAD_ENV = "REGIODASH_ALLOW_KPI_UPLOAD"
INDICATOR_TITLES = {"gender_inclusion_index": "Gender inclusion index",
                    "sustainability_index": "Sustainability index"}
NUTS_VERSION = "2021"


# ------------------------------------------------------------------------------ model ---

@dataclass(frozen=True)
class ProjectsModel:
    """The portfolio and its widget options, per projects version (read-only)."""

    portfolio: Portfolio
    located: pd.DataFrame  # partners with regions, budgets and innovation groups
    has_groups: bool
    groups_demo: bool
    indicator_ids: tuple[str, ...]
    projects: pd.DataFrame  # indexed by project_id
    labels: Mapping[str, str]  # project_id -> "ACRONYM – Title", sorted by that label
    programmes: tuple[str, ...]
    indicator_options: tuple[str, ...]
    default_indicator: str | None


@data.rerun_cache(VERSIONS_KEPT)
def projects_model(version: str) -> ProjectsModel:
    portfolio = pdata.portfolio(version)
    groups = pdata.innovation_groups(version)
    ids = tuple(pdata.indicator_ids(version))
    projects = portfolio.projects.set_index("project_id")
    labels = dict(sorted(((str(pid), f"{r.acronym} – {r.title}")
                          for pid, r in projects.iterrows()),
                         key=lambda item: item[1].lower()))
    options = tuple([i for i in queries.REGION_INDICATORS if i in ids]
                    + [i for i in ids if i not in queries.REGION_INDICATORS])
    return ProjectsModel(
        portfolio=portfolio, located=pdata.partner_budgets(version),
        has_groups=groups is not None,
        groups_demo=groups is not None and pdata.groups_are_demo(version),
        indicator_ids=ids, projects=projects, labels=MappingProxyType(labels),
        programmes=tuple(sorted(projects["programme"].unique())),
        indicator_options=options, default_indicator=options[0] if options else None)


@data.rerun_cache(VERSIONS_KEPT)
def geometry(data_version: str) -> tuple[str, frozenset[str]]:
    """URL of the NUTS 2 geometry file (served statically, fetched once by the browser) and
    its region codes (ui.data.data_version)."""
    geo = data.geojson_dict(data_version, 2, NUTS_VERSION)
    return (data.geojson(data_version, 2, NUTS_VERSION),
            frozenset(f["id"] for f in geo["features"]))


@data.rerun_cache(16)
def templates() -> tuple[tuple[str, str], ...]:
    """(table name, CSV template text) of the import templates."""
    return tuple((name, template_text(name)) for name in TABLE_ORDER)


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


def render_portfolio(version: str, model: ProjectsModel) -> str:
    """The Portfolio tab; returns the programme picked (or ALL)."""
    programme = st.selectbox("Programme", [ALL, *model.programmes], key="pj_programme",
                             help="Restrict the portfolio to one funding programme")
    chosen = None if programme == ALL else programme
    tab = portfolio_tab(version, chosen)
    shares = tab.shares

    cols = st.columns(3)
    cols[0].metric("Projects", tab.n_projects)
    cols[1].metric("Partners", tab.n_partners)
    cols[2].metric("Known total budget", tab.budget, help=tab.budget_help)
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
        if model.groups_demo:
            st.caption("The innovation groups come from the synthetic demo panel: shares and "
                       "map colours show how the page works, not real groups.")

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

    import_panel = st.expander("Import your own projects", key="pj_import_open",
                               on_change="rerun")
    if not import_panel.open:
        return programme
    with import_panel:
        st.write("Fill in the four templates (one example row each) and run "
                 "`regiodash projects import projects.csv partners.csv kpis.csv "
                 "kpi_values.csv`. Every file is checked before anything is written.")
        tcols = st.columns(4)
        for col, (name, text) in zip(tcols, templates(), strict=True):
            col.download_button(f"{name}.csv", text, file_name=f"{name}.csv",
                                mime="text/csv", key=f"pj_template_{name}",
                                icon=":material/download:")
    return programme


# --------------------------------------------------------------------- project detail ---

@dataclass(frozen=True)
class KpiCard:
    kpi: Mapping[str, Any]  # one row of kpi_summary
    chart: FrozenFigure


@dataclass(frozen=True)
class ProjectDetail:
    """The project detail tab for one project (read-only). `partners`: one row per partner
    with its region link; `map`: None when no partner has a NUTS 2 region on the map."""

    project: Mapping[str, Any]
    illustrative_fields: tuple[str, ...]
    kpis: tuple[KpiCard, ...]
    partners: pa.Table | pd.DataFrame  # ui.widgets.arrow_table
    n_illustrative: int
    n_no_nuts: int
    map: FrozenFigure | None
    codes: tuple[str, ...]  # the partners' NUTS 2 regions (else their most precise region)


@data.rerun_cache(64)
def project_detail(version: str, project_id: str) -> ProjectDetail:
    model = projects_model(version)
    p = {str(k): v for k, v in model.projects.loc[project_id].to_dict().items()}
    summary = queries.kpi_summary(model.portfolio, project_id)
    progress = queries.kpi_progress(model.portfolio, project_id)
    kpis = tuple(
        KpiCard(kpi=MappingProxyType({str(key): v for key, v in k.items()}), chart=build_kpi_chart(
            k, progress[progress["kpi_id"] == k["kpi_id"]], p["start_date"],
            show_title=False))
        for k in summary.to_dict("records"))
    mine = model.located[model.located["project_id"] == project_id].copy()
    mine["region"] = mine["nuts2_code"].where(mine["nuts2_code"].notna(),
                                              mine["nuts_code"]).map(profile_link)
    project_regions = queries.region_map_frame(mine)
    fig = None
    if len(project_regions):
        countries = set(mine["nuts0_code"].dropna())
        geo, codes = geometry(data.data_version())
        background = {c for c in codes if c[:2] in countries}
        fig = build_partner_map(geo, project_regions,
                                "group" if model.has_groups else "partners",
                                background, height=420, ids=codes)
    return ProjectDetail(
        project=MappingProxyType(p),
        illustrative_fields=tuple(split_list(p["illustrative_fields"])), kpis=kpis,
        partners=arrow_table(mine[["partner_name", "role", "city", "country_code", "nuts_code",
                                   "geo_name", "region", "budget_eur", "budget_basis", "grp",
                                   "source", "note"]]),
        n_illustrative=int((mine["source"] == "illustrative").sum()),
        n_no_nuts=int(mine["nuts_code"].isna().sum()), map=fig,
        codes=tuple(sorted(set(mine["nuts2_code"].dropna()) | set(
            mine.loc[mine["nuts2_code"].isna(), "nuts_code"].dropna()))))


@data.rerun_cache(256)
def partner_indicators(version: str, project_id: str, indicator: str
                       ) -> tuple[pa.Table | pd.DataFrame | None, bool]:
    """The partner regions' latest values of the headline indices and `indicator`: one row per
    region (None when there are none) and whether any value is from the demo panel."""
    model = projects_model(version)
    wanted = tuple(dict.fromkeys([*[i for i in queries.REGION_INDICATORS
                                    if i in model.indicator_ids], indicator]))
    values = pdata.region_indicators(version, project_detail(version, project_id).codes, wanted)
    if values.empty:
        return None, False
    table = values.pivot(index="geo_code", columns="indicator_id", values="value")
    years = values.pivot(index="geo_code", columns="indicator_id", values="year")
    table.columns = [INDICATOR_TITLES.get(c, c) for c in table.columns]
    table["latest year"] = years.max(axis=1)
    table = table.reset_index()
    table.insert(1, "region", table["geo_code"].map(profile_link))
    return (arrow_table(table.drop(columns=["geo_code"])),
            bool((values["source"] == "demo").any()))


def render_project(version: str, model: ProjectsModel) -> dict[str, str | None]:
    """The Project detail tab; returns the project (and regional indicator) picked."""
    project_id = st.selectbox("Project", list(model.labels), format_func=model.labels.__getitem__,
                              key="pj_project", placeholder="Choose a project",
                              help="Shareable: the URL keeps it")
    if project_id is None:
        st.write("Choose a project to see its KPIs, partners and partner regions.")
        return {"pj_project": None}
    picked: dict[str, str | None] = {"pj_project": project_id}
    detail = project_detail(version, project_id)
    p = detail.project
    st.subheader(escape_markdown(f"{p['acronym']}: {p['title']}"))
    source = p["source"] if p["source"] in SOURCES else "unknown"  # fixed vocabulary only
    badges = [f":{'orange' if source == 'illustrative' else 'blue'}-badge[source: {source}]"]
    if detail.illustrative_fields or p["source"] == "illustrative":
        badges.append(":orange-badge[:material/science: contains illustrative values]")
    st.markdown(" ".join(badges))
    facts = st.columns([2, 2, 1, 1])
    facts[0].markdown(f"**Programme**  \n{escape_markdown(p['programme'])}")
    facts[1].markdown(f"**Period**  \n{p['start_date']} to {p['end_date']}")
    facts[2].metric("Total budget", format_eur(p["total_budget_eur"]))
    facts[3].metric("EU co-financing", format_share(p["cofinancing_rate"]),
                    help=f"EU co-financing {format_eur(p['eu_cofinancing_eur'])}")
    st.caption(escape_markdown(
        f"Lead partner: {text_or(p['lead_partner'], 'not given')}. Funding period: "
        f"{text_or(p['funding_period'], 'not given')}."))
    if detail.illustrative_fields:
        st.warning("Illustrative (not from the project's sources): "
                   + escape_markdown(", ".join(f.replace("_", " ")
                                               for f in detail.illustrative_fields)) + ".",
                   icon=":material/science:")
    if isinstance(p["source_note"], str):
        st.caption("Sources: " + escape_markdown(p["source_note"]))
    url = p["url"] if isinstance(p["url"], str) else ""
    if url.startswith(("https://", "http://")):
        st.link_button("Project web page", url)

    st.markdown("#### KPIs: progress against a straight line to the target")
    if not detail.kpis:
        st.write("This project has no KPIs yet.")
    for card in detail.kpis:
        k = card.kpi
        with st.container(border=True):
            head = st.columns([3, 2, 2])
            head[0].markdown(f"**{escape_markdown(k['name'])}** ({escape_markdown(k['unit'])}"
                             f", {'higher' if k['direction'] == 'higher' else 'lower'} is "
                             "better)")
            with head[1]:
                st.badge(status_label(k["status"], k["ratio"]),
                         color=cast(Any, STATUS_BADGES.get(k["status"], "gray")))
            if k["illustrative"]:
                with head[2]:
                    st.badge("illustrative values", color="orange", icon=":material/science:")
            st.plotly_chart(card.chart, key=f"pj_kpi_{project_id}_{k['kpi_id']}",
                            width="stretch")
            if isinstance(k["note"], str):
                st.caption(escape_markdown(k["note"]))
    st.caption("Status of the latest value: on track at 90 % or more of the progress "
               "expected by its date (or target reached), at risk from 70 %, off track "
               "below; before the start nothing is expected ('not started').")

    st.markdown("#### Partners")
    st.dataframe(
        detail.partners, hide_index=True,
        column_config={
            "region": st.column_config.LinkColumn(
                "region profile", display_text=PROFILE_LINK_PATTERN,
                help="The partner's NUTS 2 region (or its most precise region)"),
            "budget_eur": st.column_config.NumberColumn("budget (EUR)", format="%.0f"),
            "grp": "innovation group", "geo_name": "NUTS region",
        })
    st.caption(f"{detail.n_illustrative} of {len(detail.partners)} partners are illustrative. "
               + (f"{detail.n_no_nuts} partner(s) are outside the NUTS area and have no NUTS "
                  "code. " if detail.n_no_nuts else ""))
    if detail.map is not None:
        st.plotly_chart(detail.map, config=MAP_CONFIG, key=f"pj_map_{project_id}",
                        width="stretch")

    st.markdown("#### Partner regions: gender inclusion and sustainability")
    if not model.indicator_options:
        st.info("No indicator values in the warehouse yet (run `regiodash demo` or "
                "`regiodash build`).")
    else:
        if st.session_state.get("pj_indicator") not in model.indicator_options:
            # not drawn while no project was chosen: Streamlit dropped its value
            st.session_state["pj_indicator"] = st.session_state["pj_kept"]["pj_indicator"]
        indicator = st.selectbox(
            "Regional indicator", model.indicator_options, key="pj_indicator",
            format_func=lambda i: INDICATOR_TITLES.get(i, i.replace("_", " ")))
        picked["pj_indicator"] = indicator
        table, demo = partner_indicators(version, project_id, indicator)
        missing = [INDICATOR_TITLES[i] for i in queries.REGION_INDICATORS
                   if i not in model.indicator_ids]
        if missing:
            st.caption(f"Not in the warehouse yet: {', '.join(missing)}.")
        if table is None:
            st.write("No values for the partner regions.")
        else:
            st.dataframe(table, hide_index=True,
                         column_config={"region": st.column_config.LinkColumn(
                             "region", display_text=PROFILE_LINK_PATTERN)})
            if demo:
                st.caption("Some of these values come from the synthetic demo panel.")

    if os.environ.get(UPLOAD_ENV) == "1":
        render_upload()
    return picked


def render_upload() -> None:
    """KPI values upload (only with REGIODASH_ALLOW_KPI_UPLOAD=1): checked, then confirmed."""
    st.markdown("#### Upload KPI values")
    who = st.text_input("Your name (recorded in the import log)", value=current_user(),
                        key="pj_upload_user")
    upload = st.file_uploader("kpi_values CSV or XLSX", type=["csv", "xlsx"], key="pj_upload")
    if upload is None:
        return
    settings = load_settings()
    try:
        prepared = prepare_kpi_values_upload(upload.getvalue(), upload.name, settings, who)
    except RegiodashError as exc:
        st.error(escape_markdown(exc), icon=":material/error:")
        return
    st.dataframe(pd.concat([t.frame for t in prepared.tables]), hide_index=True)
    result = prepared.results[0]
    st.caption(f"{result.new_rows} new and {result.replaced_rows} replaced "
               "rows (upsert by project, KPI and date).")
    if prepared.will_write and st.button("Confirm import", type="primary",
                                         key="pj_upload_confirm"):
        commit_import(prepared, settings)
        pdata.clear_caches()
        st.success(f"Imported {result.rows} KPI value(s); recorded in the manifest.")
    elif not prepared.will_write:
        st.info("These values are already in the warehouse: nothing to do.")


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
