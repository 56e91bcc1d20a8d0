"""Portfolio queries: budgets and projects by programme and region, innovation-group shares,
KPI progress. DuckDB over the project tables; values always bound as parameters.

The project tables come from the warehouse (`<data dir>/projects/*.parquet`) or, when it holds
none, from the sample portfolio. They are small (tens to thousands of rows), so each query runs
on a private in-memory DuckDB connection with the tables registered as relations; nothing here
writes. The SQL is in projects/sql/ (named files, loaded by storage.queries.load_sql); region
names come from the reference file. What the warehouse says about partner regions (innovation
groups, indicator values) is read by projects.region_data.

Budget per partner region. A partner's budget is the project's total budget x its
`budget_share` when the share is known; partners without a share split what the known shares
leave (1 - their sum) equally; so with no shares at all the budget is split equally among all
partners. A project without a known total budget contributes no budget (null, never zero) but
still counts as a project and its partners as partners.

Regions. A partner located at NUTS 3 counts for its NUTS 2 parent (first four characters) and
its country (first two). A partner known only at NUTS 1 or 0 counts for its country but for no
NUTS 2 region; a partner outside the NUTS area (nuts_code null, e.g. Egypt) is located by its
country (`location_country` = its country_code; its city is kept as given) and counts for that
country, never for a NUTS 2 region. Both are reported, never silently dropped.

Innovation groups. A partner's group is the latest-year group of its NUTS 2 region, or, when
there is none, of the most precise region above it that has one (NUTS 1, then the country).
The shares in Moderate and Emerging Innovator regions are taken over the partners (and their
budget) that have a group; how many partners that is, and how many are outside the Regional
Innovation Scoreboard's coverage (outside the NUTS area, or in a region without a group), is
reported with the shares.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from regiodash.config import Settings
from regiodash.ingest.wdi_countries import world_countries_outside_nuts, world_countries_path
from regiodash.projects.importers import read_stored_portfolio
from regiodash.projects.model import Portfolio
from regiodash.projects.sample import load_sample
from regiodash.projects.status import kpi_status
from regiodash.storage.queries import load_sql

SQL_PACKAGE = "regiodash.projects"
GROUP_ORDER = ("Leader", "Strong", "Moderate", "Emerging")
TARGET_GROUPS = ("Moderate", "Emerging")
NO_GROUP = "No group data"
GROUPS_MISSING = "innovation groups not available yet"


def load_portfolio(settings: Settings) -> Portfolio:
    """The warehouse's project tables, or the sample portfolio when it has none."""
    return read_stored_portfolio(settings) or load_sample(settings.reference_dir)


def _run(name: str, params: dict[str, object] | None = None, **frames: pd.DataFrame
         ) -> pd.DataFrame:
    """Named SQL (projects/sql/<name>.sql) on a private in-memory connection over `frames`."""
    con = duckdb.connect(":memory:")
    try:
        for table, frame in frames.items():
            con.register(table, frame)
        return con.execute(load_sql(name, SQL_PACKAGE), params or {}).df()
    finally:
        con.close()


def load_region_names(reference_dir: Path, nuts_version: str = "2021") -> pd.DataFrame:
    """geo_code, geo_name, nuts_level, country_code of one NUTS version (reference data)."""
    return _run("region_names", {"path": str(Path(reference_dir) / "nuts_regions.parquet"),
                                 "nuts_version": nuts_version})


def load_place_names(reference_dir: Path, nuts_version: str = "2021") -> pd.DataFrame:
    """`load_region_names` plus the countries outside the NUTS area whose shapes the map
    draws (data/reference/world_countries.parquet: geo_code, Natural Earth name, level 0), so
    partners there get their country's name; only NUTS names without that file."""
    names = load_region_names(reference_dir, nuts_version)
    if not world_countries_path(reference_dir).is_file():
        return names
    world = world_countries_outside_nuts(reference_dir, nuts_version)
    world = world[~world["geo_code"].isin(set(names["geo_code"]))]
    extra = pd.DataFrame({"geo_code": world["geo_code"], "geo_name": world["geo_name"],
                          "nuts_level": 0, "country_code": world["geo_code"]})
    return pd.concat([names, extra.astype(names.dtypes.to_dict())], ignore_index=True)


# ------------------------------------------------------------------ partners and budgets ---

def load_partner_budgets(portfolio: Portfolio, regions: pd.DataFrame) -> pd.DataFrame:
    """One row per partner: its regions (NUTS 2 and country), names and budget in EUR.

    `location_country` is the partner's NUTS country, else (outside the NUTS area) its
    country_code; `outside_nuts` marks partners without a NUTS code. `regions`:
    `load_region_names` or `load_place_names` (which also names countries outside NUTS).

    `budget_basis` says how budget_eur was obtained: 'budget share', 'equal split' or
    'unknown' (the project has no known total budget; budget_eur is null).
    """
    return _run("partner_budgets", projects=portfolio.projects, partners=portfolio.partners,
                regions=regions)


def filter_portfolio(portfolio: Portfolio, programme: str | None) -> Portfolio:
    """The portfolio restricted to one programme (None = all)."""
    if programme is None:
        return portfolio
    keep = portfolio.projects["programme"] == programme
    ids = set(portfolio.projects.loc[keep, "project_id"])

    def mine(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["project_id"].isin(ids)].reset_index(drop=True)

    return Portfolio(mine(portfolio.projects), mine(portfolio.partners), mine(portfolio.kpis),
                     mine(portfolio.kpi_values), portfolio.origin)


def budget_by_programme(portfolio: Portfolio) -> pd.DataFrame:
    """One row per programme: projects, projects with a known budget, budget sums (EUR)."""
    return _run("budget_by_programme", projects=portfolio.projects)


def budget_by_region(partner_budgets: pd.DataFrame, level: int) -> pd.DataFrame:
    """One row per partner region at NUTS `level` (2 or 0): projects, partners, budget (EUR).

    Partners that cannot be placed at that level are left out here; see `unlocated_partners`.
    """
    if level not in (0, 2):
        raise ValueError("level must be 2 or 0")
    return _run("budget_by_region", {"level": level}, partner_budgets=partner_budgets)


def unlocated_partners(partner_budgets: pd.DataFrame, level: int) -> pd.DataFrame:
    """Partners with no region at NUTS `level`: at level 2, those outside the NUTS area or
    with too coarse a code; at level 0 (countries), those without any country code."""
    column = "nuts2_code" if level == 2 else "location_country"
    out = partner_budgets[partner_budgets[column].isna()]
    return out[["project_id", "acronym", "partner_name", "country_code", "nuts_code",
                "source"]].reset_index(drop=True)


# ---------------------------------------------------------------------- innovation groups ---

@dataclass(frozen=True)
class GroupShares:
    """Shares of partners and budget in Moderate and Emerging Innovator regions.

    The shares are over the `partners_with_group` partners whose region has a group; the
    other `partners_total - partners_with_group` are outside the Scoreboard's coverage:
    `partners_outside_nuts` outside the NUTS area (in `outside_countries`), the rest in NUTS
    regions without a group (`partners_located` counts partners with a NUTS code)."""

    available: bool
    message: str
    partners_share: float | None = None
    budget_share: float | None = None
    partners_with_group: int = 0
    partners_located: int = 0
    budget_with_group_eur: float | None = None
    year: int | None = None
    partners_total: int = 0
    partners_outside_nuts: int = 0
    outside_countries: tuple[str, ...] = ()

    @property
    def partners_outside_coverage(self) -> int:
        return self.partners_total - self.partners_with_group


def normalise_group(label: object) -> str | None:
    """'Moderate Innovator', 'moderate', 'Moderate' -> 'Moderate'; None for anything else."""
    if not isinstance(label, str):
        return None
    text = label.strip().lower()
    for group in GROUP_ORDER:
        if text.startswith(group.lower()):
            return group
    return None


def attach_groups(partner_budgets: pd.DataFrame, groups: pd.DataFrame | None) -> pd.DataFrame:
    """partner_budgets + `grp` (Leader/Strong/Moderate/Emerging or None) and `group_year`."""
    out = partner_budgets.copy()
    out["grp"] = None
    out["group_year"] = pd.array([None] * len(out), dtype="Int64")
    if groups is None or groups.empty or out.empty:
        return out
    by_code = {
        code: (normalise_group(grp), int(year))
        for code, grp, year in zip(groups["geo_code"], groups["grp"], groups["year"],
                                   strict=True)
    }
    for i, row in out.iterrows():
        for code in (row["nuts2_code"], row["nuts1_code"], row["nuts0_code"]):
            if isinstance(code, str) and code in by_code and by_code[code][0]:
                out.at[i, "grp"] = by_code[code][0]
                out.at[i, "group_year"] = by_code[code][1]
                break
    return out


def coverage_note(shares: GroupShares) -> str:
    """"34 of 40 partners have an innovation group; 6 are outside the RIS coverage (6 outside
    the NUTS area: EG, JO, ...)" (no mention of coverage when every partner has a group)."""
    head = f"{shares.partners_with_group} of {shares.partners_total} partners have an " \
           "innovation group"
    outside = shares.partners_outside_coverage
    if not outside:
        return head
    parts = []
    if shares.partners_outside_nuts:
        parts.append(f"{shares.partners_outside_nuts} outside the NUTS area: "
                     + ", ".join(shares.outside_countries))
    in_nuts = outside - shares.partners_outside_nuts
    if in_nuts:
        parts.append(f"{in_nuts} in NUTS regions without a group")
    verb = "is" if outside == 1 else "are"
    return f"{head}; {outside} {verb} outside the RIS coverage ({'; '.join(parts)})"


def group_shares(partners_with_groups: pd.DataFrame, groups_available: bool) -> GroupShares:
    """Share of partners and of budget in Moderate and Emerging Innovator regions, over the
    partners with a group; the partners outside the coverage are counted (GroupShares)."""
    frame = partners_with_groups
    outside_nuts = frame["nuts_code"].isna()
    counts: dict[str, Any] = {
        "partners_total": len(frame), "partners_outside_nuts": int(outside_nuts.sum()),
        "outside_countries": tuple(sorted(set(frame.loc[outside_nuts, "country_code"]
                                              .dropna().astype(str))))}
    if not groups_available:
        return GroupShares(False, GROUPS_MISSING, **counts)
    located = frame[~outside_nuts]
    have = located[located["grp"].notna()]
    if have.empty:
        return GroupShares(True, "no partner region has an innovation group",
                           partners_located=len(located), **counts)
    target = have["grp"].isin(TARGET_GROUPS)
    budget = have["budget_eur"].astype("float64")
    known = budget.notna()
    budget_total = float(budget[known].sum())
    budget_share = (float(budget[known & target].sum()) / budget_total
                    if budget_total > 0 else None)
    shares = GroupShares(
        True, "", partners_share=float(target.mean()), budget_share=budget_share,
        partners_with_group=len(have), partners_located=len(located),
        budget_with_group_eur=budget_total if known.any() else None,
        year=int(have["group_year"].max()), **counts)
    return replace(shares, message=coverage_note(shares))


def region_map_frame(partners_with_groups: pd.DataFrame) -> pd.DataFrame:
    """One row per NUTS 2 partner region: name, partners, projects, budget, group."""
    have = partners_with_groups[partners_with_groups["nuts2_code"].notna()]
    if have.empty:
        return pd.DataFrame(columns=["geo_code", "geo_name", "partners", "projects",
                                     "budget_eur", "grp", "acronyms"])
    grouped = have.groupby("nuts2_code", sort=True)
    return pd.DataFrame({
        "geo_code": list(grouped.groups),
        "geo_name": grouped["nuts2_name"].first().to_numpy(),
        "partners": grouped.size().to_numpy(),
        "projects": grouped["project_id"].nunique().to_numpy(),
        "budget_eur": grouped["budget_eur"].sum(min_count=1).to_numpy(),
        "grp": grouped["grp"].first().to_numpy(),
        "acronyms": grouped["acronym"].agg(lambda s: ", ".join(sorted(set(s)))).to_numpy(),
    })


def country_map_frame(partners_with_groups: pd.DataFrame) -> pd.DataFrame:
    """One row per country outside the NUTS area with partners there (located by their
    country_code): geo_code, geo_name, partners, projects, budget_eur, grp (always None: no
    Scoreboard group), acronyms, cities (as given, ';'-joined; empty when none is given)."""
    have = partners_with_groups[partners_with_groups["outside_nuts"].fillna(False).astype(bool)]
    if have.empty:
        return pd.DataFrame(columns=["geo_code", "geo_name", "partners", "projects",
                                     "budget_eur", "grp", "acronyms", "cities"])
    grouped = have.groupby("location_country", sort=True)
    return pd.DataFrame({
        "geo_code": list(grouped.groups),
        "geo_name": grouped["country_name"].first().to_numpy(),
        "partners": grouped.size().to_numpy(),
        "projects": grouped["project_id"].nunique().to_numpy(),
        "budget_eur": grouped["budget_eur"].sum(min_count=1).to_numpy(),
        "grp": None,
        "acronyms": grouped["acronym"].agg(lambda s: ", ".join(sorted(set(s)))).to_numpy(),
        "cities": grouped["city"].agg(
            lambda s: "; ".join(sorted({str(c) for c in s.dropna() if str(c).strip()})))
        .to_numpy(),
    })


# ----------------------------------------------------------------------------- KPIs ---

def kpi_progress(portfolio: Portfolio, project_id: str) -> pd.DataFrame:
    """One row per KPI value of a project, with expected value, progress ratio and status.

    Columns: kpi_id, name, unit, baseline, target, target_date, direction, cumulative, date,
    value, expected, ratio, status, source, note. KPIs without values have no rows.
    """
    project = portfolio.projects.set_index("project_id").loc[project_id]
    start: Any = project["start_date"]
    kpis = portfolio.kpis[portfolio.kpis["project_id"] == project_id]
    values = portfolio.kpi_values[portfolio.kpi_values["project_id"] == project_id]
    merged = values.merge(kpis.drop(columns=["source", "note"]), on=["project_id", "kpi_id"])
    rows = []
    for r in merged.sort_values(["kpi_id", "date"]).to_dict("records"):
        result = kpi_status(float(r["value"]), r["date"], float(r["baseline"]),
                            float(r["target"]), start, r["target_date"], r["direction"])
        rows.append({**r, "expected": result.expected, "ratio": result.ratio,
                     "status": result.status})
    columns = ["kpi_id", "name", "unit", "baseline", "target", "target_date", "direction",
               "cumulative", "date", "value", "expected", "ratio", "status", "source", "note"]
    return pd.DataFrame(rows, columns=columns)


def kpi_summary(portfolio: Portfolio, project_id: str) -> pd.DataFrame:
    """One row per KPI of a project: definition plus the latest value and its status.

    KPIs without any value get status 'no data'. `illustrative` is true when the KPI or any
    of its values is illustrative.
    """
    kpis = portfolio.kpis[portfolio.kpis["project_id"] == project_id].copy()
    progress = kpi_progress(portfolio, project_id)
    latest = progress.sort_values("date").groupby("kpi_id").tail(1).set_index("kpi_id")
    illustrative_values = set(progress.loc[progress["source"] == "illustrative", "kpi_id"])
    out = []
    for r in kpis.sort_values("kpi_id").itertuples(index=False):
        last = latest.loc[str(r.kpi_id)] if r.kpi_id in latest.index else None
        out.append({
            "kpi_id": r.kpi_id, "name": r.name, "unit": r.unit, "baseline": r.baseline,
            "target": r.target, "target_date": r.target_date, "direction": r.direction,
            "cumulative": r.cumulative, "source": r.source, "note": r.note,
            "latest_date": None if last is None else last["date"],
            "latest_value": None if last is None else last["value"],
            "expected": None if last is None else last["expected"],
            "ratio": None if last is None else last["ratio"],
            "status": "no data" if last is None else last["status"],
            "illustrative": r.source == "illustrative" or r.kpi_id in illustrative_values,
        })
    return pd.DataFrame(out)


def portfolio_overview(portfolio: Portfolio) -> pd.DataFrame:
    """One row per project: programme, dates, budget, partners and KPI status counts."""
    partners = portfolio.partners.groupby("project_id").size()
    rows = []
    for p in portfolio.projects.sort_values("start_date").itertuples(index=False):
        statuses = kpi_summary(portfolio, str(p.project_id))["status"] if p.project_id in set(
            portfolio.kpis["project_id"]) else pd.Series(dtype="str")
        rows.append({
            "project_id": p.project_id, "acronym": p.acronym, "programme": p.programme,
            "start_date": p.start_date, "end_date": p.end_date,
            "total_budget_eur": p.total_budget_eur, "cofinancing_rate": p.cofinancing_rate,
            "partners": int(partners.get(p.project_id, 0)),
            "kpis": len(statuses),
            "on_track": int(statuses.isin(["on track", "not started"]).sum()),
            "at_risk": int((statuses == "at risk").sum()),
            "off_track": int((statuses == "off track").sum()),
            "source": p.source,
            "illustrative_fields": p.illustrative_fields,
        })
    return pd.DataFrame(rows)
