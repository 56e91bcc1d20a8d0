"""Rules across the project tables of one import (and the tables they are merged with).

One key per row across all files of a table; partners, KPIs and KPI values refer to known
projects and KPIs; KPI target dates fall after the project's start; budget shares of a project
add up to at most 1; one lead partner per project. Each failure is one InputFileError naming
the file, line and column of the offending row.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from regiodash.projects.model import TABLE_ORDER, TABLES
from regiodash.projects.reading import ParsedTable

SHARE_TOLERANCE = 1e-6


def group_tables(tables: list[ParsedTable]) -> dict[str, list[ParsedTable]]:
    """The parsed tables by table name; a key that appears in two files fails."""
    by_name: dict[str, list[ParsedTable]] = {n: [] for n in TABLE_ORDER}
    for t in tables:
        by_name[t.spec.name].append(t)
    for name, group in by_name.items():
        seen: dict[tuple, str] = {}
        key = list(TABLES[name].key)
        for t in group:
            for i, values in enumerate(t.frame[key].astype(str).itertuples(index=False)):
                k = tuple(values)
                if k in seen:
                    raise t.fail(i, key[-1], f"duplicate {name} key {k} (also in {seen[k]})")
                seen[k] = f"{t.path}, line {t.lines[i]}"
    return by_name



def check_references(by_name: dict[str, list[ParsedTable]], merged: dict[str, pd.DataFrame]
                     ) -> None:
    """Rules across tables: known projects and KPIs, dates, budget shares, one lead."""
    projects = merged["projects"].set_index("project_id")
    where = "in this import or in the warehouse"
    for name in ("partners", "kpis", "kpi_values"):
        for t in by_name[name]:
            for i, pid in enumerate(t.frame["project_id"]):
                if pid not in projects.index:
                    raise t.fail(i, "project_id", f"unknown project {pid!r} (not {where})")
    for t in by_name["kpis"]:
        for i, row in enumerate(t.frame.itertuples(index=False)):
            start: Any = projects.at[row.project_id, "start_date"]
            if row.target_date <= start:
                raise t.fail(i, "target_date", f"target_date {row.target_date} must be after "
                             f"the project's start_date {start}")
    # A re-imported project must not move its start past the target dates of stored KPIs.
    kpis = merged["kpis"]
    for t in by_name["projects"]:
        for i, row in enumerate(t.frame.itertuples(index=False)):
            due = kpis.loc[kpis["project_id"] == row.project_id, "target_date"]
            if len(due) and min(due) <= row.start_date:
                raise t.fail(i, "start_date", f"start_date {row.start_date} is not before the "
                             f"target_date {min(due)} of a KPI of {row.project_id}")
    kpi_keys = set(zip(kpis["project_id"], kpis["kpi_id"], strict=True))
    for t in by_name["kpi_values"]:
        for i, row in enumerate(t.frame.itertuples(index=False)):
            if (row.project_id, row.kpi_id) not in kpi_keys:
                raise t.fail(i, "kpi_id", f"kpi_values for unknown KPI {row.kpi_id!r} of "
                             f"project {row.project_id!r} (not {where})")
    partners = merged["partners"]
    for t in by_name["partners"]:
        for i, row in enumerate(t.frame.itertuples(index=False)):
            mine = partners[partners["project_id"] == row.project_id]
            shares = mine["budget_share"].dropna()
            if len(shares) and shares.sum() > 1 + SHARE_TOLERANCE:
                raise t.fail(i, "budget_share", f"budget shares of project {row.project_id} "
                             f"add up to {shares.sum():.3f}, more than 1")
            if row.role == "lead" and (mine["role"] == "lead").sum() > 1:
                raise t.fail(i, "role", f"project {row.project_id} has more than one lead "
                             "partner")
