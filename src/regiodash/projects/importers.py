"""Import project tables into the warehouse: validate every file, then write all or nothing.

Files are read and checked row by row by projects.reading and across tables by
projects.validation. The rules of the import itself are those of the indicator importers:
- every file of one import is parsed and validated before anything is written
  (`prepare_import`); `commit_import` then writes every changed table to a temporary file
  and moves them into place only once all of them are written, so a failure while writing
  (disk full, a type error) leaves the stored tables exactly as they were, as a set;
- rows are upserted by key: a row replaces the stored row with the same key, other stored rows
  stay (nothing is deleted by an import); re-importing the same file changes nothing;
- each file that changed something gets one record in the warehouse manifest, with the user's
  name (`imported_by`, also in `note` as "imported by <name>") and the time.

When the warehouse holds no projects yet and the import adds to a project of the sample
portfolio (e.g. KPI values for SPECTRA), the sample is first copied into the warehouse, so the
addition has something to attach to; the copy keeps its 'seeds'/'illustrative' labels.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from regiodash.config import Settings
from regiodash.errors import InputFileError
from regiodash.projects.model import (
    KPI_VALUES,
    TABLE_ORDER,
    TABLES,
    Portfolio,
    ProjectPaths,
    TableSpec,
    empty_frame,
    from_arrow,
    to_arrow,
)
from regiodash.projects.reading import (
    ParsedTable,
    known_nuts_codes,
    read_table_bytes,
    read_table_file,
)
from regiodash.projects.sample import load_sample
from regiodash.projects.validation import check_references, group_tables
from regiodash.storage.files import atomic_paths
from regiodash.storage.layout import (
    USER_LICENCE,
    WarehousePaths,
    append_manifest,
    current_user,
    new_manifest_record,
)


def read_stored_portfolio(settings: Settings) -> Portfolio | None:
    """The project tables stored in the warehouse, or None when there are none."""
    paths = ProjectPaths(settings.data_dir)
    if not paths.has_projects():
        return None
    frames = {}
    for name in TABLE_ORDER:
        spec = TABLES[name]
        path = paths.table(name)
        frames[name] = (from_arrow(spec, pq.read_table(path)) if path.exists()
                        else empty_frame(spec))
    return Portfolio(**frames, origin="warehouse")


def _empty_portfolio() -> Portfolio:
    return Portfolio(**{n: empty_frame(TABLES[n]) for n in TABLE_ORDER}, origin="empty")


def _canonical(spec: TableSpec, frame: pd.DataFrame):  # noqa: ANN202 - pyarrow Table
    return to_arrow(spec, frame)


def _upsert(spec: TableSpec, base: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    key = list(spec.key)
    if base.empty:
        return new.copy()
    new_keys = set(map(tuple, new[key].astype(str).to_numpy()))
    keep = [tuple(r) not in new_keys for r in base[key].astype(str).to_numpy()]
    return pd.concat([base[keep], new], ignore_index=True)


@dataclass
class FileResult:
    """What one parsed table (file or sheet) did: 'imported' or 'unchanged'."""

    path: str
    table: str
    rows: int
    status: str
    new_rows: int = 0
    replaced_rows: int = 0


@dataclass
class PreparedImport:
    """A validated import: the merged tables and what each file would change."""

    tables: list[ParsedTable]
    merged: dict[str, pd.DataFrame]
    changed: list[str]
    base_origin: str
    results: list[FileResult]
    user: str

    @property
    def will_write(self) -> bool:
        return bool(self.changed)


def _base_portfolio(settings: Settings, by_name: dict[str, list[ParsedTable]],
                    reference_dir: Path) -> Portfolio:
    stored = read_stored_portfolio(settings)
    if stored is not None:
        return stored
    new_ids = {pid for t in by_name["projects"] for pid in t.frame["project_id"]}
    referenced = {pid for name in TABLE_ORDER[1:] for t in by_name[name]
                  for pid in t.frame["project_id"]}
    if referenced - new_ids:
        sample = load_sample(reference_dir)
        if (referenced - new_ids) & set(sample.project_ids()):
            return sample
    return _empty_portfolio()


def prepare_import(tables: list[ParsedTable], settings: Settings, user: str | None = None
                   ) -> PreparedImport:
    """Validate parsed tables against each other and the warehouse; compute the merged tables.

    Nothing is written. Raises InputFileError (file, line, column) on the first problem.
    """
    by_name = group_tables(tables)
    base = _base_portfolio(settings, by_name, settings.reference_dir)
    merged: dict[str, pd.DataFrame] = {}
    for name in TABLE_ORDER:
        new = [t.frame for t in by_name[name]]
        frame = base.table(name)
        if new:
            frame = _upsert(TABLES[name], frame, pd.concat(new, ignore_index=True))
        merged[name] = frame.reset_index(drop=True)
    check_references(by_name, merged)
    if base.origin == "sample":
        changed = list(TABLE_ORDER)  # the sample is copied into the warehouse as a whole
    else:
        changed = [
            name for name in TABLE_ORDER
            if by_name[name] and not _canonical(TABLES[name], merged[name]).equals(
                _canonical(TABLES[name], base.table(name)))
        ]
    results = []
    for t in tables:
        stored = base.table(t.spec.name)
        key = list(t.spec.key)
        stored_rows = {tuple(r): i for i, r in enumerate(stored[key].astype(str).to_numpy())}
        new_rows = replaced = 0
        for i, k in enumerate(t.frame[key].astype(str).to_numpy()):
            j = stored_rows.get(tuple(k))
            if j is None:
                new_rows += 1
            elif not _same_row(t.spec, t.frame.iloc[[i]], stored.iloc[[j]]):
                replaced += 1
        status = "imported" if (new_rows or replaced or base.origin == "sample") else "unchanged"
        results.append(FileResult(t.path, t.spec.name, len(t.frame), status, new_rows, replaced))
    return PreparedImport(tables, merged, changed, base.origin, results, current_user(user))


def _same_row(spec: TableSpec, a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return _canonical(spec, a).equals(_canonical(spec, b))


def commit_import(prepared: PreparedImport, settings: Settings) -> list[FileResult]:
    """Write the changed tables atomically and record the import in the manifest."""
    if not prepared.will_write:
        return prepared.results
    paths = ProjectPaths(settings.data_dir)
    names = list(prepared.changed)
    # Every table is written before any is moved into place: one failed write moves none.
    with atomic_paths([paths.table(name) for name in names]) as temps:
        for name, tmp in zip(names, temps, strict=True):
            pq.write_table(to_arrow(TABLES[name], prepared.merged[name]), tmp,
                           compression="zstd")
    records = []
    if prepared.base_origin == "sample":
        records.append(new_manifest_record(
            dataset="projects_sample", source="seeds", format="projects-csv",
            location="regiodash.projects:sample_data", rows=len(prepared.merged["projects"]),
            nuts_version="2021", licence="public project descriptions (seeds) and "
            "illustrative values, see docs/projects.md",
            imported_by=prepared.user,
            note=f"imported by {prepared.user}; sample portfolio copied into the warehouse "
                 "before adding to it"))
    for t, result in zip(prepared.tables, prepared.results, strict=True):
        if result.status != "imported":
            continue
        records.append(new_manifest_record(
            dataset=f"projects_{t.spec.name}", source="user", format=t.format,
            location=t.location, sha256=t.sha256, rows=len(t.frame),
            nuts_version="2021" if t.spec.name == "partners" else None, licence=USER_LICENCE,
            imported_by=prepared.user,
            note=(f"imported by {prepared.user}; {result.new_rows} new and "
                  f"{result.replaced_rows} replaced rows; upsert by "
                  f"({', '.join(t.spec.key)}); {t.spec.name} now "
                  f"{len(prepared.merged[t.spec.name])} rows")))
    if records:
        append_manifest(WarehousePaths(settings.data_dir), records)
    return prepared.results


def import_project_files(files: Iterable[str | Path], settings: Settings,
                         user: str | None = None) -> list[FileResult]:
    """Parse and validate every file, then write (all or nothing on a validation error)."""
    known = known_nuts_codes(settings.reference_dir)
    tables = [t for f in files for t in read_table_file(f, known)]
    return commit_import(prepare_import(tables, settings, user), settings)


def prepare_kpi_values_upload(data: bytes, name: str, settings: Settings,
                              user: str | None = None) -> PreparedImport:
    """Validate an uploaded kpi_values file (page upload); nothing is written."""
    known = known_nuts_codes(settings.reference_dir)
    tables = read_table_bytes(data, name, f"upload:{name}", known=known)
    for t in tables:
        if t.spec is not KPI_VALUES:
            raise InputFileError(t.path, f"expected a kpi_values table (columns "
                                 f"{', '.join(KPI_VALUES.input_columns)}), got "
                                 f"{t.spec.name}", line=1)
    return prepare_import(tables, settings, user)
