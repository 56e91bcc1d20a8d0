"""The printed project report: one project's facts, partners, KPIs and budget, as PDF bytes.

`project_report_pdf(settings, wh, project_id)` is what the Projects page offers as "Download
profile (PDF)" and what `regiodash report project` writes. Read with the Projects page's
queries (projects.queries: portfolio, partner budgets, KPI summary and progress, budget by
region; projects.region_data: the partner regions' innovation groups) and drawn with its
builders (ui.projects_charts: the partner map, one KPI chart per KPI against its straight
line to the target, partners by region). A budget that is not known is printed "unknown",
never zero; illustrative values are named as such.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from regiodash.config import Settings
from regiodash.projects import queries, region_data
from regiodash.projects.model import split_list
from regiodash.projects.status import AT_RISK_FROM, ON_TRACK_FROM
from regiodash.report.common import (
    BOUNDARIES_ATTRIBUTION,
    ReportError,
    dashboard_link,
    data_version,
    esc,
    fmt,
    records,
    table_html,
)
from regiodash.report.figures import figure_html
from regiodash.report.pdf import html_document, render_pdf
from regiodash.report.region_data import country_geojson
from regiodash.storage.connection import Warehouse
from regiodash.ui.figures import FrozenFigure
from regiodash.ui.projects_charts import (
    build_kpi_chart,
    build_partner_map,
    build_region_chart,
    format_eur,
    format_share,
    status_label,
)
from regiodash.ui.text import text_or

STATUS_RULE = (
    f"Status of a KPI's latest value: on track when the target is reached or at least "
    f"{ON_TRACK_FROM:.0%} of the progress expected by its date on the straight line from the "
    f"baseline at the project's start to the target on its date; at risk from "
    f"{AT_RISK_FROM:.0%}; off track below; before the start nothing is expected (not started).")


@dataclass(frozen=True)
class ProjectData:
    project: Mapping[str, Any]
    kpis: tuple[tuple[Mapping[str, Any], FrozenFigure], ...]  # (kpi_summary row, chart)
    partners: pd.DataFrame  # partner budgets with regions and groups
    by_region: pd.DataFrame  # budget_by_region at NUTS 2
    map: FrozenFigure | None
    region_chart: FrozenFigure | None
    has_groups: bool


def partner_map(wh: Warehouse, partners: pd.DataFrame, has_groups: bool) -> FrozenFigure | None:
    """build_partner_map of the partners' NUTS 2 regions over their countries' regions."""
    frame = queries.region_map_frame(partners)
    if frame.empty:
        return None
    features: list[dict] = []
    for country in sorted(set(partners["nuts0_code"].dropna())):
        features += country_geojson(wh, 2, str(country))["features"]
    geojson = {"type": "FeatureCollection", "features": features}
    codes = {f["id"] for f in features}
    return build_partner_map(geojson, frame, "group" if has_groups else "partners",
                             background=codes, height=420, ids=codes)


def load_project_data(settings: Settings, wh: Warehouse, project_id: str) -> ProjectData:
    """Everything the printed report of `project_id` shows; a ReportError when the project
    is not in the portfolio (the warehouse's project tables, else the sample)."""
    portfolio = queries.load_portfolio(settings)
    projects = portfolio.projects.set_index("project_id")
    if project_id not in projects.index:
        known = ", ".join(sorted(projects.index)[:10])
        raise ReportError(f"unknown project {project_id!r}: the portfolio's project ids are "
                          f"{known}" + (" ..." if len(projects) > 10 else ""))
    project = {"project_id": project_id,
               **{str(k): v for k, v in projects.loc[project_id].to_dict().items()}}
    summary = queries.kpi_summary(portfolio, project_id)
    progress = queries.kpi_progress(portfolio, project_id)
    rows = [{str(key): v for key, v in k.items()} for k in summary.to_dict("records")]
    kpis = tuple((k, build_kpi_chart(k, progress[progress["kpi_id"] == k["kpi_id"]],
                                     project["start_date"], show_title=False)) for k in rows)
    groups = region_data.load_innovation_groups(wh)
    located = queries.load_partner_budgets(portfolio,
                                           queries.load_place_names(settings.reference_dir))
    partners = queries.attach_groups(located[located["project_id"] == project_id], groups)
    by_region = queries.budget_by_region(partners, 2)
    return ProjectData(
        project=project, kpis=kpis, partners=partners.reset_index(drop=True),
        by_region=by_region, map=partner_map(wh, partners, groups is not None),
        region_chart=None if by_region.empty else build_region_chart(by_region, 2),
        has_groups=groups is not None)


def _facts(d: ProjectData) -> str:
    p = d.project
    illustrative = split_list(p.get("illustrative_fields"))
    rows = [["Programme", esc(p["programme"])],
            ["Funding period", esc(text_or(p["funding_period"], "not given"))],
            ["Period", f"{esc(p['start_date'])} to {esc(p['end_date'])}"],
            ["Total budget", esc(format_eur(p["total_budget_eur"]))],
            ["EU co-financing", f"{esc(format_eur(p['eu_cofinancing_eur']))} "
                                f"({esc(format_share(p['cofinancing_rate']))})"],
            ["Lead partner", esc(text_or(p["lead_partner"], "not given"))],
            ["Themes", esc(text_or(p["thematic_tags"], "none given"))],
            ["Record source", esc(p["source"])],
            ["Sources", esc(text_or(p["source_note"], "not given"))],
            ["Web page", esc(text_or(p["url"], "none"))]]
    notice = ("" if not illustrative else
              '<p class="notice">Illustrative values (not from the project\'s sources): '
              f"{esc(', '.join(f.replace('_', ' ') for f in illustrative))}.</p>")
    return (f"<h1>{esc(p['acronym'])}: {esc(p['title'])}</h1>"
            f'<p class="meta">Project report · {esc(p["programme"])}</p>{notice}'
            "<h2>Project facts</h2>" + table_html(["Fact", "Value"], rows))


def _partners(d: ProjectData) -> str:
    rows = [[esc(r.partner_name), esc(r.role), esc(text_or(r.city, "")),
             esc(text_or(r.nuts_code, "outside NUTS")), esc(text_or(r.nuts2_name, "")),
             esc(text_or(r.grp, "none")), esc(format_eur(r.budget_eur)), esc(r.budget_basis),
             esc(r.source)] for r in records(d.partners)]
    colour = ("innovation group of the region (latest year in the warehouse)" if d.has_groups
              else "number of partners (no innovation groups in the warehouse)")
    out = ["<h2>Partners</h2>", table_html(
        ["Partner", "Role", "City", "NUTS", "NUTS 2 region", "Group", "Budget", "Basis",
         "Source"], rows, numeric=frozenset({6}))]
    if d.map is not None:
        out.append(figure_html(d.map, "Map of the partners' NUTS 2 regions by innovation group",
                               f"Partner regions (NUTS 2) coloured by {colour}; the other "
                               f"regions of their countries in grey. {BOUNDARIES_ATTRIBUTION}",
                               width=460, height=380))
    return "".join(out)


def _kpis(d: ProjectData) -> str:
    out = ["<h2>KPIs against their straight-line trajectory</h2>", f"<p>{esc(STATUS_RULE)}</p>"]
    if not d.kpis:
        out.append("<p>This project has no KPIs yet.</p>")
    for k, chart in d.kpis:
        direction = "higher" if k["direction"] == "higher" else "lower"
        latest = ("no value yet" if k["latest_value"] is None or pd.isna(k["latest_value"])
                  else f"latest {fmt(k['latest_value'])} on {esc(k['latest_date'])} (expected "
                       f"{fmt(k['expected'])})")
        out.append(
            f"<h3>{esc(k['name'])} ({esc(k['unit'])})</h3>"
            f"<p><strong>Status: {esc(status_label(k['status'], k['ratio']))}</strong>; "
            f"{latest}; baseline {fmt(k['baseline'])}, target {fmt(k['target'])} by "
            f"{esc(k['target_date'])}, {direction} is better"
            f"{'; contains illustrative values' if k['illustrative'] else ''}.</p>"
            + figure_html(chart, f"Line chart of {k['name']} against its expected trajectory",
                          f"Unit: {esc(k['unit'])}. Dashed: expected straight line; star: "
                          f"target; dots: measured values (open: illustrative). "
                          f"{esc(text_or(k['note'], ''))}", height=230))
    return "".join(out)


def _budget(d: ProjectData) -> str:
    if d.by_region.empty:
        return "<h2>Budget by region</h2><p>No partner with a NUTS 2 region.</p>"
    rows = [[esc(r.geo_code), esc(text_or(r.geo_name, r.geo_code)), str(int(r.partners)),
             esc(format_eur(r.budget_eur))] for r in records(d.by_region)]
    unlocated = queries.unlocated_partners(d.partners, 2)
    note = (f"{len(unlocated)} partner(s) have no NUTS 2 region and are not counted here. "
            if len(unlocated) else "")
    return ("<h2>Budget by region</h2>"
            + table_html(["NUTS 2", "Region", "Partners", "Budget"], rows,
                         f"A partner's budget is the project budget times its share, or an "
                         f"equal split of what known shares leave; unknown when the project "
                         f"budget is unknown. {note}", numeric=frozenset({2, 3}))
            + (figure_html(d.region_chart, "Bar chart of partners by NUTS 2 region",
                           "Partners per NUTS 2 region; bar length: number of partners, "
                           "labels: partners and budget.")
               if d.region_chart is not None else ""))


def project_html(d: ProjectData, version: str, base_url: str | None = None) -> str:
    p = d.project
    link = dashboard_link("projects", base_url, project=str(p["project_id"]))
    footer = (f"regiodash · data version {esc(version)} · generated "
              f"{dt.date.today().isoformat()} · the same view in the dashboard: "
              f'<a href="{esc(link)}">{esc(link)}</a>')
    body = _facts(d) + _kpis(d) + _partners(d) + _budget(d)
    return html_document(f"Project report: {p['acronym']} ({p['programme']})", body, footer,
                         description=f"KPIs, partners and budget of {p['acronym']}")


def project_report_pdf(settings: Settings, wh: Warehouse, project_id: str,
                       base_url: str | None = None) -> bytes:
    """The PDF of the printed report of project `project_id`. Raises ReportError for an
    unknown project. `base_url`: the dashboard the footer links to."""
    data = load_project_data(settings, wh, project_id)
    return render_pdf(project_html(data, data_version(wh), base_url))
