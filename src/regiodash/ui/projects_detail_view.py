"""The Projects page's Project detail tab: one project's facts, KPI progress, partners (on a
map that opens a region's profile on a click; partners outside the NUTS area drawn by their
country), the partner regions' indicator values, and the project report as a PDF (built only
when asked for: "Prepare PDF", then "Download report (PDF)").

What it shows depends only on the projects version and the view (project; regional
indicator), so it is built once per view (tables, maps and charts, frozen) and shared by every
rerun and session (data.rerun_cache: read-only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, cast

import pandas as pd
import pyarrow as pa
import streamlit as st

from regiodash.projects import queries, region_data
from regiodash.projects.model import SOURCES, split_list
from regiodash.report.project import project_report_pdf
from regiodash.ui import data
from regiodash.ui import projects_data as pdata
from regiodash.ui.figures import FrozenFigure
from regiodash.ui.maps import MAP_CONFIG
from regiodash.ui.pdf_download import render_pdf_download
from regiodash.ui.projects_charts import (
    OUTSIDE_RIS,
    PROFILE_LINK_PATTERN,
    STATUS_BADGES,
    CountryLayer,
    build_kpi_chart,
    build_partner_map,
    format_eur,
    format_number,
    format_share,
    profile_link,
    status_label,
)
from regiodash.ui.projects_data import ProjectsModel, geometry, projects_model, world_geometry
from regiodash.ui.projects_import_view import render_upload
from regiodash.ui.text import escape_markdown, text_or
from regiodash.ui.widgets import arrow_table

INDICATOR_TITLES = {"gender_inclusion_index": "Gender inclusion index",
                    "sustainability_index": "Sustainability index"}


@dataclass(frozen=True)
class KpiCard:
    kpi: Mapping[str, Any]  # one row of kpi_summary
    chart: FrozenFigure


@dataclass(frozen=True)
class ProjectDetail:
    """The project detail tab for one project (read-only). `partners`: one row per partner
    with its location (region or, outside NUTS, country: name and code) and profile link;
    `map`: None when no partner can be drawn."""

    project: Mapping[str, Any]
    illustrative_fields: tuple[str, ...]
    kpis: tuple[KpiCard, ...]
    partners: pa.Table | pd.DataFrame  # ui.widgets.arrow_table
    n_illustrative: int
    n_no_nuts: int
    outside_countries: tuple[str, ...]
    map: FrozenFigure | None
    codes: tuple[str, ...]  # the partners' NUTS 2 regions (else their most precise region)


def outside_layer(partners: pd.DataFrame) -> CountryLayer | None:
    """The partner countries outside NUTS with their shapes (None when there are none or the
    world shapes are not installed)."""
    countries = queries.country_map_frame(partners)
    world = world_geometry(data.data_version())
    if countries.empty or world is None:
        return None
    return CountryLayer(countries, world[0], world[1])


def partners_table(mine: pd.DataFrame) -> pd.DataFrame:
    """One row per partner: where it is (name and code; outside NUTS: the country), the
    profile link of its NUTS 2 region (else its most precise region or its country), its
    budget as text ("unknown" when the project budget is) and its region's group."""
    outside = mine["outside_nuts"].astype(bool)
    location = [f"{text_or(c, cc)} ({cc}), outside NUTS" if out else
                f"{text_or(n, code)} ({code})"
                for n, code, c, cc, out in zip(mine["geo_name"], mine["nuts_code"],
                                               mine["country_name"], mine["country_code"],
                                               outside, strict=True)]
    link_code = mine["nuts2_code"].fillna(mine["nuts_code"]).fillna(mine["location_country"])
    return pd.DataFrame({
        "partner": mine["partner_name"], "role": mine["role"],
        "city": mine["city"].fillna("not given"),
        "location": location, "region": link_code.map(profile_link),
        "NUTS 2 region": mine["nuts2_name"].fillna(""),
        "budget": mine["budget_eur"].map(format_eur), "budget basis": mine["budget_basis"],
        "innovation group": mine["grp"].where(mine["grp"].notna(), outside.map(
            {True: OUTSIDE_RIS, False: "no group data"})),
        "source": mine["source"], "note": mine["note"]})


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
    project_regions = queries.region_map_frame(mine)
    layer = outside_layer(mine)
    fig = None
    if len(project_regions) or layer is not None:
        countries = set(mine["nuts0_code"].dropna())
        geo, codes = geometry(data.data_version())
        background = {c for c in codes if c[:2] in countries}
        fig = build_partner_map(geo, project_regions,
                                "group" if model.has_groups else "partners",
                                background, height=420, ids=codes, outside=layer)
    outside = mine["outside_nuts"].astype(bool)
    return ProjectDetail(
        project=MappingProxyType(p),
        illustrative_fields=tuple(split_list(p["illustrative_fields"])), kpis=kpis,
        partners=arrow_table(partners_table(mine)),
        n_illustrative=int((mine["source"] == "illustrative").sum()),
        n_no_nuts=int(outside.sum()),
        outside_countries=tuple(sorted(set(mine.loc[outside, "location_country"]))), map=fig,
        codes=tuple(sorted(set(mine["nuts2_code"].dropna()) | set(
            mine.loc[mine["nuts2_code"].isna(), "nuts_code"].dropna()))))


@data.rerun_cache(256)
def partner_indicators(version: str, project_id: str, indicator: str
                       ) -> tuple[pa.Table | pd.DataFrame | None, bool]:
    """The partner regions' latest values of the headline indices and `indicator`: one row per
    region (code as a profile link, then its name; values as text with the indicator's
    decimals, "no data" when missing; None when there are none) and whether any value is from
    the demo panel."""
    model = projects_model(version)
    wanted = tuple(dict.fromkeys([*[i for i in region_data.REGION_INDICATORS
                                    if i in model.indicator_ids], indicator]))
    values = pdata.region_indicators(version, project_detail(version, project_id).codes, wanted)
    if values.empty:
        return None, False
    rows = data.indicator_choices(data.data_version()).rows
    table = values.pivot(index="geo_code", columns="indicator_id", values="value")
    years = values.pivot(index="geo_code", columns="indicator_id", values="year")
    for column in table.columns:
        decimals = int(rows[column]["decimals"]) if column in rows else 1
        table[column] = table[column].map(lambda v, d=decimals: format_number(v, d))
    table.columns = [INDICATOR_TITLES.get(c, str(rows[c]["title"]) if c in rows else c)
                     for c in table.columns]
    table["latest year"] = years.max(axis=1).astype("Int64")
    table = table.reset_index()
    names = data.region_choices(data.data_version()).names
    table.insert(1, "region", table["geo_code"].map(profile_link))
    table.insert(2, "name", table["geo_code"].map(lambda c: text_or(names.get(c), "")))
    return (arrow_table(table.drop(columns=["geo_code"])),
            bool((values["source"] == "demo").any()))


def follow_map_click(event: object, key: str) -> None:
    """A click on a partner map opens that region's profile (like the main map); a country
    the warehouse has no profile for (outside NUTS, no data) gets a note once per click."""
    points = list(event.get("selection", {}).get("points", [])) if isinstance(event, dict) else []
    code = str(points[0].get("location") or "") if points else ""
    if not code:
        st.session_state.pop(f"{key}_followed", None)
        return
    if code in data.region_choices(data.data_version()).names:
        st.switch_page("app_pages/profile.py", query_params={"region": code})
    if st.session_state.get(f"{key}_followed") != code:
        st.session_state[f"{key}_followed"] = code
        st.toast(f"No region profile for {escape_markdown(code)} in this warehouse (a country "
                 "outside the NUTS area without data).", icon=":material/info:")


def render_project_facts(detail: ProjectDetail) -> None:
    """Title, provenance badges, programme, period, budget and sources of one project."""
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


def render_kpi_cards(detail: ProjectDetail, project_id: str) -> None:
    """One card per KPI: name, status badge, progress chart and note."""
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


def render_partners(detail: ProjectDetail, project_id: str) -> None:
    """The partners table (locations with names and codes, profile links) and their map,
    which opens a region's profile on a click."""
    st.markdown("#### Partners")
    st.caption(f"{detail.n_illustrative} of {len(detail.partners)} partners are illustrative. "
               + (f"{detail.n_no_nuts} partner(s) are outside the NUTS area "
                  f"({', '.join(detail.outside_countries)}): located by their country, "
                  "outside the RIS coverage. " if detail.n_no_nuts else ""))
    st.dataframe(
        detail.partners, hide_index=True,
        column_config={
            "region": st.column_config.LinkColumn(
                "region profile", display_text=PROFILE_LINK_PATTERN,
                help="The partner's NUTS 2 region (or its most precise region, or country)"),
        })
    if detail.map is not None:
        key = f"pj_map_{project_id}"
        event = st.plotly_chart(detail.map, config=MAP_CONFIG, key=key, width="stretch",
                                on_select="rerun", selection_mode="points")
        follow_map_click(event, key)
        st.caption("Partner regions coloured as on the portfolio map; click a region to open "
                   "its profile.")


@data.rerun_cache(8)
def project_pdf(version: str, project_id: str, base_url: str) -> bytes:
    """The project report's PDF (report.project), once per projects version and project."""
    return project_report_pdf(data.current_settings(), data.warehouse(), project_id, base_url)


def render_project_pdf(version: str, project_id: str) -> None:
    """The project report as a PDF, built only when asked for (ui.pdf_download)."""
    render_pdf_download(
        "pj_pdf", (version, project_id),
        lambda base_url: project_pdf(version, project_id, base_url),
        f"{project_id}_report.pdf", "Prepare PDF report", "Download report (PDF)",
        "Builds the printable report: facts, KPIs against their trajectory, partners on a "
        "map, budget by region")


def render_partner_indicators(version: str, model: ProjectsModel, project_id: str
                              ) -> dict[str, str | None]:
    """The partner regions' indicator values; returns the regional indicator picked."""
    picked: dict[str, str | None] = {}
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
        missing = [INDICATOR_TITLES[i] for i in region_data.REGION_INDICATORS
                   if i not in model.indicator_ids]
        # a line between the picker and the table: the table's toolbar, drawn above its top
        # edge on hover, would otherwise cover the picker
        st.caption("Latest value of each indicator per partner region, with the indicator's "
                   "decimals." + (f" Not in the warehouse yet: {', '.join(missing)}."
                                  if missing else ""))
        if table is None:
            st.write("No values for the partner regions.")
        else:
            st.dataframe(table, hide_index=True,
                         column_config={"region": st.column_config.LinkColumn(
                             "region", display_text=PROFILE_LINK_PATTERN)})
            if demo:
                st.caption("Some of these values come from the synthetic demo panel.")
    return picked


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
    render_project_facts(detail)
    render_project_pdf(version, project_id)
    render_kpi_cards(detail, project_id)
    render_partners(detail, project_id)
    picked.update(render_partner_indicators(version, model, project_id))
    render_upload()
    return picked
