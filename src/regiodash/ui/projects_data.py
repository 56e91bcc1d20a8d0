"""Cached access, the page model and URL state for the Projects & KPIs page.

`st.cache_data` holds query results keyed by `projects_version()`, which changes whenever a
project table, innovation_groups.parquet or indicator_values.parquet changes, so an import or
a rebuild shows up without a restart. `ProjectsModel` (the portfolio with its widget options)
is built from them once per projects version and shared by both tabs.

`ProjectsView` owns the page's URL keys: `project` (a project id), `programme` (a programme
name), `indicator` (the regional indicator shown for partner regions), `tab` (the open tab:
portfolio, detail or funding; by default the detail tab when a project is chosen, else the
portfolio) and `region` (the country or region whose Kohesio beneficiaries the funding tab
lists). Only non-default values are written; unknown values fall back to the default with a
visible note.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd
import pyarrow.parquet as pq
import streamlit as st

from regiodash.config import load_settings
from regiodash.geometry import STATIC_GEO_URL, build_geojson, reference_tag
from regiodash.ingest.wdi_countries import world_countries_outside_nuts, world_countries_path
from regiodash.projects import queries, region_data
from regiodash.projects.model import Portfolio, ProjectPaths
from regiodash.storage.layout import WarehousePaths
from regiodash.ui import auth, data  # auth: sign-in, private projects
from regiodash.ui.data import VERSIONS_KEPT, current_settings
from regiodash.ui.missing import innovation_index_gap

MAX_PARAM_LENGTH = 200
URL_KEYS = ("project", "programme", "indicator", "tab", "region")
TAB_IDS = ("portfolio", "detail", "funding")
REGION_PATTERN = re.compile(r"[A-Z]{2}[A-Z0-9]{0,3}")


def projects_version() -> str:
    settings = current_settings()
    # data.data_version() too: a URL warehouse changes without any local file changing.
    parts = [str(settings.data_dir), ProjectPaths(settings.data_dir).version(),
             data.data_version()]
    paths = WarehousePaths(settings.data_dir)
    for path in (paths.innovation_groups, paths.indicator_values):
        if path.exists():
            stat = path.stat()
            parts.append(f"{path.name}:{stat.st_mtime_ns}-{stat.st_size}")
    parts.append(auth.access_key())  # sign-in: the private projects this visitor may not see
    return "|".join(parts)


def clear_caches() -> None:
    for fn in (portfolio, partner_budgets, overview, innovation_groups, region_indicators,
               indicator_ids, groups_are_demo):
        fn.clear()


@st.cache_data(show_spinner=False, max_entries=64)
def portfolio(version: str) -> Portfolio:
    return auth.visible_portfolio(queries.load_portfolio(load_settings()))  # sign-in


@st.cache_data(show_spinner=False, max_entries=64)
def partner_budgets(version: str) -> pd.DataFrame:
    """Partners with regions (or, outside the NUTS area, their country), budgets and
    innovation groups (see projects.queries)."""
    settings = load_settings()
    regions = queries.load_place_names(settings.reference_dir)
    frame = queries.load_partner_budgets(portfolio(version), regions)
    return queries.attach_groups(frame, innovation_groups(version))


@st.cache_data(show_spinner=False, max_entries=64)
def overview(version: str, programme: str | None) -> pd.DataFrame:
    """One row per project of the programme (None = all), with KPI status counts."""
    return queries.portfolio_overview(queries.filter_portfolio(portfolio(version), programme))


# The warehouse reads go through the app's Warehouse (ui.data.warehouse(): local or at a URL);
# projects_version() contains the data version it is opened for.

@st.cache_data(show_spinner=False, max_entries=64)
def innovation_groups(version: str) -> pd.DataFrame | None:
    return region_data.load_innovation_groups(data.warehouse())


@st.cache_data(show_spinner=False, max_entries=64)
def groups_are_demo(version: str) -> bool:
    return region_data.innovation_groups_are_demo(data.warehouse())


@st.cache_data(show_spinner=False, max_entries=64)
def indicator_ids(version: str) -> list[str]:
    return region_data.available_indicator_ids(data.warehouse())


@st.cache_data(show_spinner=False, max_entries=64)
def region_indicators(version: str, geo_codes: tuple[str, ...],
                      ids: tuple[str, ...]) -> pd.DataFrame:
    return region_data.load_region_indicator_values(data.warehouse(), geo_codes, ids)


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
    groups_missing: str  # why there are no innovation groups ("" when there are)


@data.rerun_cache(VERSIONS_KEPT)
def projects_model(version: str) -> ProjectsModel:
    stored = portfolio(version)
    groups = innovation_groups(version)
    ids = tuple(indicator_ids(version))
    projects = stored.projects.set_index("project_id")
    labels = dict(sorted(((str(pid), f"{r.acronym} – {r.title}")
                          for pid, r in projects.iterrows()),
                         key=lambda item: item[1].lower()))
    options = tuple([i for i in region_data.REGION_INDICATORS if i in ids]
                    + [i for i in ids if i not in region_data.REGION_INDICATORS])
    return ProjectsModel(
        groups_missing="" if groups is not None else _groups_missing(ids),
        portfolio=stored, located=partner_budgets(version),
        has_groups=groups is not None,
        groups_demo=groups is not None and groups_are_demo(version),
        indicator_ids=ids, projects=projects, labels=MappingProxyType(labels),
        programmes=tuple(sorted(projects["programme"].unique())),
        indicator_options=options, default_indicator=options[0] if options else None)


def _groups_missing(ids: tuple[str, ...]) -> str:
    """Why the warehouse has no innovation groups, in terms a user can act on."""
    if not ids:
        return ("no indicator values in this warehouse yet: run `regiodash demo`, or import "
                "data and run `regiodash build`")
    version = data.data_version()
    titles = {i: str(r["title"]) for i, r in data.indicator_choices(version).rows.items()}
    gap = innovation_index_gap(frozenset(ids), titles)
    if gap is None:  # the index is there but the groups file is not (an older build)
        return "the innovation index has values but no groups: run `regiodash build` again"
    return gap.removesuffix(".")


@data.rerun_cache(VERSIONS_KEPT)
def geometry(data_version: str) -> tuple[str | dict, frozenset[str]]:
    """URL of the NUTS 2 geometry file (served statically, fetched once by the browser; the
    shapes themselves without the static file) and its region codes (ui.data.data_version)."""
    geo = data.geojson_dict(data_version, 2, data.nuts_version(data_version))
    return (data.geojson(data_version, 2, data.nuts_version(data_version)),
            frozenset(f["id"] for f in geo["features"]))


@data.rerun_cache(VERSIONS_KEPT)
def world_geometry(data_version: str) -> tuple[str | dict, frozenset[str]] | None:
    """The shapes of the countries outside NUTS the maps draw (Natural Earth, committed by
    scripts/build_world.py): the URL of their static GeoJSON when the install ships it for
    the reference file in use, else the FeatureCollection; and their codes, less those the
    data version's NUTS version draws itself. None without the reference file."""
    path = world_countries_path(load_settings().reference_dir)
    if not path.is_file():
        return None
    codes = frozenset(world_countries_outside_nuts(path.parent, data.nuts_version(data_version))
                      ["geo_code"])
    name = f"world_{reference_tag(path)}.json"
    if (data.STATIC_GEO / name).is_file():
        return f"{STATIC_GEO_URL}/{name}", codes
    shapes = pq.read_table(path, columns=["geo_code", "geometry"]).to_pandas()
    return build_geojson(shapes[shapes["geo_code"].isin(codes)]), codes


# ------------------------------------------------------------------------------ URL ---

@dataclass(frozen=True)
class ProjectsView:
    project: str | None = None  # None = no project chosen yet
    programme: str | None = None  # None = all programmes
    indicator: str | None = None  # None = the page's default indicator
    tab: str | None = None  # None = the default tab (detail with a project, else portfolio)
    region: str | None = None  # the funding tab's beneficiaries region (None = its default)
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def open_tab(self) -> str:
        return self.tab or ("detail" if self.project else "portfolio")

    def to_query(self, default_indicator: str | None = None) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.project:
            out["project"] = self.project
        if self.programme:
            out["programme"] = self.programme
        if self.indicator and self.indicator != default_indicator:
            out["indicator"] = self.indicator
        if self.tab and self.tab != ("detail" if self.project else "portfolio"):
            out["tab"] = self.tab
        if self.region:
            out["region"] = self.region
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
    chosen: dict[str, str | None] = dict.fromkeys(URL_KEYS)
    known = {"project": projects, "programme": programmes, "indicator": indicators,
             "tab": set(TAB_IDS)}
    what = {"project": "unknown project id", "programme": "unknown programme",
            "indicator": "unknown indicator", "tab": f"tabs are {', '.join(TAB_IDS)}",
            "region": "not a NUTS or country code"}
    for key, value in raw.items():
        ok = (REGION_PATTERN.fullmatch(value) is not None if key == "region"
              else value in known[key])
        if len(value) <= MAX_PARAM_LENGTH and ok:
            chosen[key] = value
        else:
            shown = value if len(value) <= 40 else value[:40] + "..."
            notes.append(f"Ignored URL parameter {key}={shown!r}: {what[key]}.")
    return ProjectsView(**chosen, notes=tuple(notes))
