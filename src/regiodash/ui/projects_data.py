"""Cached access and URL state for the Projects & KPIs page.

`st.cache_data` holds query results keyed by `projects_version()`, which changes whenever a
project table, innovation_groups.parquet or indicator_values.parquet changes, so an import or
a rebuild shows up without a restart.

`ProjectsView` owns the page's URL keys: `project` (a project id), `programme` (a programme
name) and `indicator` (the regional indicator shown for partner regions). Only non-default
values are written; unknown values fall back to the default with a visible note.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from regiodash.config import load_settings
from regiodash.projects import queries
from regiodash.projects.model import Portfolio, ProjectPaths
from regiodash.storage.warehouse import WarehousePaths
from regiodash.ui import data
from regiodash.ui.data import current_settings

MAX_PARAM_LENGTH = 200
URL_KEYS = ("project", "programme", "indicator")


def projects_version() -> str:
    settings = current_settings()
    # data.data_version() too: a URL warehouse changes without any local file changing.
    parts = [str(settings.data_dir), ProjectPaths(settings.data_dir).version(),
             data.data_version()]
    for path in (settings.data_dir / queries.GROUPS_FILE,
                 WarehousePaths(settings.data_dir).indicator_values):
        if path.exists():
            stat = path.stat()
            parts.append(f"{path.name}:{stat.st_mtime_ns}-{stat.st_size}")
    return "|".join(parts)


def clear_caches() -> None:
    for fn in (portfolio, partner_budgets, overview, innovation_groups, region_indicators,
               indicator_ids, groups_are_demo):
        fn.clear()


@st.cache_data(show_spinner=False, max_entries=64)
def portfolio(version: str) -> Portfolio:
    return queries.load_portfolio(load_settings())


@st.cache_data(show_spinner=False, max_entries=64)
def partner_budgets(version: str) -> pd.DataFrame:
    """Partners with regions, budgets and innovation groups (see projects.queries)."""
    settings = load_settings()
    regions = queries.load_region_names(settings.reference_dir)
    frame = queries.load_partner_budgets(portfolio(version), regions)
    return queries.attach_groups(frame, innovation_groups(version))


@st.cache_data(show_spinner=False, max_entries=64)
def overview(version: str, programme: str | None) -> pd.DataFrame:
    """One row per project of the programme (None = all), with KPI status counts."""
    return queries.portfolio_overview(queries.filter_portfolio(portfolio(version), programme))


@st.cache_data(show_spinner=False, max_entries=64)
def innovation_groups(version: str) -> pd.DataFrame | None:
    return queries.load_innovation_groups(load_settings().data_dir)


@st.cache_data(show_spinner=False, max_entries=64)
def groups_are_demo(version: str) -> bool:
    return queries.innovation_groups_are_demo(load_settings().data_dir)


@st.cache_data(show_spinner=False, max_entries=64)
def indicator_ids(version: str) -> list[str]:
    return queries.available_indicator_ids(load_settings().data_dir)


@st.cache_data(show_spinner=False, max_entries=64)
def region_indicators(version: str, geo_codes: tuple[str, ...],
                      ids: tuple[str, ...]) -> pd.DataFrame:
    return queries.load_region_indicator_values(load_settings().data_dir, geo_codes, ids)


# ------------------------------------------------------------------------------ URL ---

@dataclass(frozen=True)
class ProjectsView:
    project: str | None = None  # None = no project chosen yet
    programme: str | None = None  # None = all programmes
    indicator: str | None = None  # None = the page's default indicator
    notes: tuple[str, ...] = field(default=(), compare=False)

    def to_query(self, default_indicator: str | None = None) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.project:
            out["project"] = self.project
        if self.programme:
            out["programme"] = self.programme
        if self.indicator and self.indicator != default_indicator:
            out["indicator"] = self.indicator
        return out


def _first(value: object) -> str:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value)[: MAX_PARAM_LENGTH + 1]


def parse_projects_view(params: Mapping[str, object], projects: set[str],
                        programmes: set[str], indicators: set[str]) -> ProjectsView:
    """Validate the URL's query parameters; unknown values are dropped with a note."""
    raw = {k: _first(v) for k, v in params.items() if k in URL_KEYS}
    notes: list[str] = []
    chosen: dict[str, str | None] = {"project": None, "programme": None, "indicator": None}
    known = {"project": projects, "programme": programmes, "indicator": indicators}
    what = {"project": "unknown project id", "programme": "unknown programme",
            "indicator": "unknown indicator"}
    for key, value in raw.items():
        if len(value) <= MAX_PARAM_LENGTH and value in known[key]:
            chosen[key] = value
        else:
            shown = value if len(value) <= 40 else value[:40] + "..."
            notes.append(f"Ignored URL parameter {key}={shown!r}: {what[key]}.")
    return ProjectsView(**chosen, notes=tuple(notes))
