"""Projects, partners and KPIs: one column dictionary, four tables, their keys and grain.

Tables (Parquet under `<data dir>/projects/`, each written atomically, key unique):

- projects    one row per project (`project_id`).
- partners    one row per project and partner organisation (`project_id`, `partner_name`).
- kpis        one row per project and KPI definition (`project_id`, `kpi_id`).
- kpi_values  one row per project, KPI and measurement date (`project_id`, `kpi_id`, `date`).

Every column is defined once in `COLUMNS` (type and meaning); a table lists the columns it
uses. Derived columns (`cofinancing_rate`, `nuts_level`) are computed on import and never read
from a file. Money is in euro (`_eur`), shares and rates are fractions in 0..1, dates are
calendar dates. Missing values stay null: an unknown budget is null, never zero.

Provenance: `source` says where a row's facts come from: 'seeds' (the public texts the sample
portfolio is built from), 'user' (an imported file) or 'illustrative' (made up to demonstrate
the dashboard; always labelled as such). On projects, `illustrative_fields` names the fields of
an otherwise 'seeds' row that are illustrative, and `source_note` says what comes from where.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from regiodash.errors import WarehouseError

PROJECT_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
SOURCES = ("seeds", "user", "illustrative")
ROLES = ("lead", "partner", "associated")
DIRECTIONS = ("higher", "lower")
NUTS_VERSION = "2021"
PROJECTS_FOLDER = "projects"

# name -> (Arrow type, meaning). Each column is defined here once and only once.
COLUMNS: dict[str, tuple[pa.DataType, str]] = {
    "project_id": (pa.string(), "stable snake_case id of a project, never reused"),
    "acronym": (pa.string(), "short name shown in charts"),
    "title": (pa.string(), "full project title"),
    "programme": (pa.string(), "funding programme, e.g. Interreg Europe"),
    "funding_period": (pa.string(), "programming period, e.g. 2014-2020"),
    "start_date": (pa.date32(), "project start; KPI baselines refer to this date"),
    "end_date": (pa.date32(), "project end (on or after start_date)"),
    "total_budget_eur": (pa.float64(), "total (eligible) budget in EUR; null when unknown"),
    "eu_cofinancing_eur": (pa.float64(), "EU co-financing in EUR, at most the total budget"),
    "cofinancing_rate": (pa.float64(), "derived: eu_cofinancing_eur / total_budget_eur, 0..1"),
    "lead_partner": (pa.string(), "name of the lead partner organisation"),
    "thematic_tags": (pa.string(), "';'-joined themes, e.g. creative industries;clusters"),
    "url": (pa.string(), "project web page"),
    "source": (pa.string(), "'seeds', 'user' or 'illustrative' (made up, labelled in the app)"),
    "source_note": (pa.string(), "where the facts come from; which ones are illustrative"),
    "illustrative_fields": (pa.string(), "';'-joined fields of the row that are illustrative"),
    "partner_name": (pa.string(), "partner organisation's name"),
    "role": (pa.string(), "'lead', 'partner' or 'associated'"),
    "city": (pa.string(), "city of the partner's address"),
    "country_code": (pa.string(), "ISO 3166 alpha-2 (EL for Greece as in NUTS)"),
    "nuts_code": (pa.string(), "partner's NUTS region, as precise as known (level 0-3); "
                  "null outside the NUTS area (e.g. Egypt)"),
    "nuts_level": (pa.int8(), "derived: level of nuts_code (0-3), null without a code"),
    "nuts_version": (pa.string(), "NUTS classification of nuts_code (2021)"),
    "budget_share": (pa.float64(), "partner's share of the project budget, 0..1, optional"),
    "note": (pa.string(), "free text: caveats, how a value was obtained"),
    "kpi_id": (pa.string(), "snake_case id of a KPI within its project"),
    "name": (pa.string(), "KPI name shown in the app"),
    "unit": (pa.string(), "unit of baseline, target and values (e.g. SMEs, events, %)"),
    "baseline": (pa.float64(), "KPI value at the project's start_date"),
    "target": (pa.float64(), "KPI value to reach by target_date"),
    "target_date": (pa.date32(), "date by which the target is due (after start_date)"),
    "cumulative": (pa.bool_(), "true: values are running totals since the start (counts); "
                   "false: each value is a level measured at its date (a share, a rate)"),
    "direction": (pa.string(), "'higher' or 'lower' is better (target above/below baseline)"),
    "date": (pa.date32(), "measurement date of a KPI value"),
    "value": (pa.float64(), "measured KPI value, in the KPI's unit"),
}


@dataclass(frozen=True)
class TableSpec:
    """A project table: its columns (in file order), key, required and derived columns."""

    name: str
    grain: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    required: tuple[str, ...]
    derived: tuple[str, ...] = ()
    defaults: dict[str, object] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return f"{self.name}.parquet"

    @property
    def input_columns(self) -> tuple[str, ...]:
        """Columns a file may contain (derived ones are computed, not read)."""
        return tuple(c for c in self.columns if c not in self.derived)

    def schema(self) -> pa.Schema:
        return pa.schema([(name, COLUMNS[name][0]) for name in self.columns])


PROJECTS = TableSpec(
    name="projects",
    grain="one row per project",
    columns=("project_id", "acronym", "title", "programme", "funding_period", "start_date",
             "end_date", "total_budget_eur", "eu_cofinancing_eur", "cofinancing_rate",
             "lead_partner", "thematic_tags", "url", "source", "source_note",
             "illustrative_fields"),
    key=("project_id",),
    required=("project_id", "acronym", "title", "programme", "start_date", "end_date"),
    derived=("cofinancing_rate",),
)
PARTNERS = TableSpec(
    name="partners",
    grain="one row per project and partner organisation",
    columns=("project_id", "partner_name", "role", "city", "country_code", "nuts_code",
             "nuts_level", "nuts_version", "budget_share", "source", "note"),
    key=("project_id", "partner_name"),
    required=("project_id", "partner_name", "role", "country_code"),
    derived=("nuts_level",),
    defaults={"nuts_version": NUTS_VERSION},
)
KPIS = TableSpec(
    name="kpis",
    grain="one row per project and KPI",
    columns=("project_id", "kpi_id", "name", "unit", "baseline", "target", "target_date",
             "cumulative", "direction", "source", "note"),
    key=("project_id", "kpi_id"),
    required=("project_id", "kpi_id", "name", "unit", "baseline", "target", "target_date",
              "direction"),
    defaults={"cumulative": True},
)
KPI_VALUES = TableSpec(
    name="kpi_values",
    grain="one row per project, KPI and measurement date",
    columns=("project_id", "kpi_id", "date", "value", "note", "source"),
    key=("project_id", "kpi_id", "date"),
    required=("project_id", "kpi_id", "date", "value"),
)
TABLES: dict[str, TableSpec] = {t.name: t for t in (PROJECTS, PARTNERS, KPIS, KPI_VALUES)}
TABLE_ORDER = ("projects", "partners", "kpis", "kpi_values")


@dataclass(frozen=True)
class ProjectPaths:
    """Where the project tables live under the data dir."""

    data_dir: Path

    @property
    def folder(self) -> Path:
        return self.data_dir / PROJECTS_FOLDER

    def table(self, name: str) -> Path:
        return self.folder / TABLES[name].file_name

    def has_projects(self) -> bool:
        return self.table("projects").exists()

    def version(self) -> str:
        """Changes whenever a project table changes (for cache keys)."""
        parts = []
        for name in TABLE_ORDER:
            path = self.table(name)
            if path.exists():
                stat = path.stat()
                parts.append(f"{name}:{stat.st_mtime_ns}-{stat.st_size}")
        return ";".join(parts) or "none"


@dataclass(frozen=True)
class Portfolio:
    """The four project tables as DataFrames; `origin` is 'warehouse' or 'sample'."""

    projects: pd.DataFrame
    partners: pd.DataFrame
    kpis: pd.DataFrame
    kpi_values: pd.DataFrame
    origin: str

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    def project_ids(self) -> list[str]:
        return self.projects["project_id"].tolist()


def derive_cofinancing_rate(total_eur: Any, eu_eur: Any) -> float | None:
    """eu / total, or None when either is unknown or the total is zero."""
    if total_eur is None or eu_eur is None or pd.isna(total_eur) or pd.isna(eu_eur):
        return None
    if total_eur == 0:
        return None
    return float(eu_eur) / float(total_eur)


def split_list(value: object) -> list[str]:
    """A ';'-joined cell (thematic_tags, illustrative_fields) as a list; [] when empty/null."""
    if not isinstance(value, str):
        return []
    return [part.strip() for part in value.split(";") if part.strip()]


def empty_frame(spec: TableSpec) -> pd.DataFrame:
    return spec.schema().empty_table().to_pandas()


def assert_unique_key(spec: TableSpec, frame: pd.DataFrame) -> None:
    """Raise WarehouseError when two rows share the table's key."""
    dup = frame.duplicated(subset=list(spec.key), keep=False)
    if dup.any():
        row = frame[dup].iloc[0]
        key = ", ".join(f"{k}={row[k]}" for k in spec.key)
        raise WarehouseError(f"{spec.name}: key ({key}) is not unique")


def to_arrow(spec: TableSpec, frame: pd.DataFrame) -> pa.Table:
    """The table's columns in order, cast to its schema, sorted by key; key asserted unique."""
    assert_unique_key(spec, frame)
    ordered = frame.reindex(columns=list(spec.columns)).sort_values(list(spec.key))
    ordered = ordered.astype(object).where(ordered.notna(), None)
    return pa.Table.from_pandas(ordered, schema=spec.schema(), preserve_index=False)


def from_arrow(spec: TableSpec, table: pa.Table) -> pd.DataFrame:
    """A frame with the table's columns (missing ones null) and plain Python dates."""
    frame = table.to_pandas(date_as_object=True,
                            types_mapper={pa.int8(): pd.Int8Dtype()}.get)
    for name in spec.columns:
        if name not in frame.columns:
            frame[name] = None
    return frame[list(spec.columns)].reset_index(drop=True)


def typed(spec: TableSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with the table's schema applied (sorted by key; key asserted unique)."""
    return from_arrow(spec, to_arrow(spec, frame))
