"""Import project tables (projects, partners, kpis, kpi_values) from CSV or XLSX files.

Which table a file holds is read from its name (`projects.csv`, `partners.csv`, `kpis.csv`,
`kpi_values.csv`, or an XLSX sheet with one of those names) or, failing that, from its header.
Column names are case-insensitive; CSV delimiters comma, semicolon or tab are detected from the
header; a decimal comma is accepted only in semicolon-separated files. Text must be UTF-8.

The rules are those of the indicator importers:
- every problem is one `InputFileError` naming the file, the physical line (header = line 1;
  Excel row numbers for XLSX) and the column: missing or unknown columns, empty required cells,
  bad dates (YYYY-MM-DD), bad numbers, negative budgets, EU co-financing above the total budget,
  NUTS codes unknown to data/reference/nuts_regions.parquet, duplicate keys, references to
  projects or KPIs that exist neither in the import nor in the warehouse;
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

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from regiodash.config import Settings
from regiodash.errors import InputFileError
from regiodash.ingest.readers import NUMBER_PATTERN, decode_text, open_workbook, read_csv_rows
from regiodash.nuts import load_known_codes, nuts_level_of
from regiodash.projects.model import (
    COLUMNS,
    DIRECTIONS,
    KPI_VALUES,
    PROJECT_ID_PATTERN,
    ROLES,
    SOURCES,
    TABLE_ORDER,
    TABLES,
    Portfolio,
    ProjectPaths,
    TableSpec,
    derive_cofinancing_rate,
    empty_frame,
    from_arrow,
    to_arrow,
)
from regiodash.storage.files import atomic_paths, sha256_file
from regiodash.storage.warehouse import (
    USER_LICENCE,
    WarehousePaths,
    append_manifest,
    current_user,
    new_manifest_record,
)

DELIMITERS = (",", ";", "\t")
_NUMBER = re.compile(f"^{NUMBER_PATTERN}$")
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
# Country codes that differ between ISO 3166 and NUTS.
_ISO_TO_NUTS = {"GR": "EL", "GB": "UK"}
RATE_TOLERANCE = 0.0005
SHARE_TOLERANCE = 1e-6
_ZIP_MAGIC = b"PK\x03\x04"


# --------------------------------------------------------------------------- parsing ---


@lru_cache(maxsize=4)
def _cached_known_codes(path: str, mtime_ns: int) -> dict[str, set[str]]:
    return load_known_codes(path)


def known_nuts_codes(reference_dir: str | Path) -> dict[str, set[str]]:
    """{nuts_version: codes} of the reference data (cached while the file is unchanged)."""
    path = Path(reference_dir) / "nuts_regions.parquet"
    if not path.exists():
        return load_known_codes(reference_dir)  # raises the reference-data error
    return _cached_known_codes(str(reference_dir), path.stat().st_mtime_ns)


@dataclass
class ParsedTable:
    """One table read from one file (or one XLSX sheet), validated row by row.

    `frame` has the table's columns (derived ones computed); `lines[i]` is the physical line
    (or Excel row) of `frame` row i; `shown` maps a column to its header as written.
    """

    spec: TableSpec
    frame: pd.DataFrame
    lines: list[int]
    path: str
    location: str
    sha256: str
    format: str
    shown: dict[str, str] = field(default_factory=dict)

    def fail(self, i: int, column: str, message: str) -> InputFileError:
        return InputFileError(self.path, message, line=self.lines[i],
                              column=self.shown.get(column, column))


def _name(cell: object) -> str:
    return "" if cell is None else str(cell).strip().lower()


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    return str(cell).strip()


def detect_table(names: Iterable[str], hint: str | None) -> TableSpec | None:
    """The table a file holds: from its (file or sheet) name, else from its header names."""
    if hint:
        stem = hint.strip().lower().replace("-", "_").replace(" ", "_")
        if stem in TABLES:
            return TABLES[stem]
    present = set(names)
    matches = [TABLES[t] for t in TABLE_ORDER if set(TABLES[t].required) <= present]
    return matches[0] if len(matches) == 1 else None


def _detect_delimiter(header_line: str) -> str:
    def known(delimiter: str) -> int:
        cells = next(csv.reader([header_line], delimiter=delimiter), [])
        return sum(_name(c) in COLUMNS for c in cells)

    return max(DELIMITERS, key=known)


def _table_hint(path: str | Path) -> str:
    return Path(str(path)).name.split(".")[0]


def _read_csv(data: bytes, path: str) -> tuple[list[object], list[list[object]], list[int], str]:
    text = decode_text(data, path)
    first = text.split("\n", 1)[0].rstrip("\r")
    delimiter = _detect_delimiter(first)
    header, rows, lines = read_csv_rows(text, path, delimiter)
    return header, rows, lines, delimiter


def _read_xlsx(data: bytes, path: str) -> list[tuple[str, list[object], list[list[object]],
                                                     list[int]]]:
    """(sheet title, header, rows, Excel row numbers) for every non-empty sheet."""
    workbook = open_workbook(data, path)
    sheets = []
    try:
        for sheet in workbook.worksheets:
            header: list[object] | None = None
            rows: list[list[object]] = []
            lines: list[int] = []
            for row_no, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = list(row)
                if not any(c is not None and str(c).strip() for c in cells):
                    continue
                if header is None:
                    header = cells
                    continue
                rows.append((cells + [None] * len(header))[: len(header)])
                lines.append(row_no)
            if header is not None:
                sheets.append((sheet.title, header, rows, lines))
    finally:
        workbook.close()
    if not sheets:
        raise InputFileError(path, "the workbook has only empty sheets", line=1)
    return sheets


def read_table_bytes(data: bytes, name: str, location: str | None = None,
                     sha256: str | None = None, known: dict[str, set[str]] | None = None
                     ) -> list[ParsedTable]:
    """Parse the bytes of one CSV or XLSX file into validated tables (XLSX: one per sheet).

    `name` is what error messages call the file; `known` maps NUTS version -> codes.
    """
    import hashlib

    digest = sha256 or hashlib.sha256(data).hexdigest()
    location = location or name
    if data.startswith(_ZIP_MAGIC) or name.lower().endswith(".xlsx"):
        sheets = _read_xlsx(data, name)
        out = []
        for title, header, rows, lines in sheets:
            shown_path = name if len(sheets) == 1 else f"{name} [sheet {title!r}]"
            hint = title if title.strip().lower() in TABLES else _table_hint(name)
            out.append(_build(shown_path, location, digest, "projects-xlsx", header, rows,
                              lines, hint, known, decimal_comma=False))
        return out
    header, rows, lines, delimiter = _read_csv(data, name)
    return [_build(name, location, digest, "projects-csv", header, rows, lines,
                   _table_hint(name), known, decimal_comma=delimiter == ";")]


def read_table_file(path: str | Path, known: dict[str, set[str]] | None = None
                    ) -> list[ParsedTable]:
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "no such file")
    return read_table_bytes(path.read_bytes(), str(path), str(path.resolve()),
                            sha256_file(path), known)


def _build(path: str, location: str, digest: str, fmt: str, header: Sequence[object],
           rows: list[list[object]], lines: list[int], hint: str | None,
           known: dict[str, set[str]] | None, *, decimal_comma: bool) -> ParsedTable:
    names = [_name(c) for c in header]
    spec = detect_table(names, hint)
    if spec is None:
        raise InputFileError(
            path,
            "cannot tell which project table this is: name the file projects.csv, "
            "partners.csv, kpis.csv or kpi_values.csv (or the XLSX sheet projects, partners, "
            "kpis or kpi_values), or give the required columns of one of them",
            line=1,
        )
    shown = {n: _text(c) for n, c in zip(names, header, strict=True)}
    for position, column in enumerate(names, start=1):
        if not column:
            if any(_text(r[position - 1]) for r in rows):
                raise InputFileError(path, "a column with data has no header", line=1,
                                     column=position)
            continue
        if column not in spec.columns:
            raise InputFileError(
                path,
                f"unknown column {shown[column]!r} for the {spec.name} table; expected "
                f"{', '.join(spec.input_columns)}",
                line=1, column=shown[column])
        if names.count(column) > 1:
            raise InputFileError(path, f"column {column!r} appears twice", line=1,
                                 column=shown[column])
    missing = [c for c in spec.required if c not in names]
    if missing:
        raise InputFileError(
            path, f"missing column(s) {', '.join(missing)} for the {spec.name} table",
            line=1, column=missing[0])
    if not rows:
        raise InputFileError(path, "the file has a header but no data rows", line=2)
    pos = {n: i for i, n in enumerate(names) if n}
    table = ParsedTable(spec, empty_frame(spec), lines, path, location, digest, fmt, shown)
    records = [
        _parse_row(table, i, {c: row[pos[c]] for c in pos}, decimal_comma)
        for i, row in enumerate(rows)
    ]
    # object dtype keeps None as None (not NaN) until the table is cast to its Arrow schema
    frame = pd.DataFrame.from_records(records, columns=list(spec.columns)).astype(object)
    frame = frame.where(frame.notna(), None)
    table.frame = frame
    _check_rows(table, known)
    _check_duplicates(table)
    return table


def _parse_cell(table: ParsedTable, i: int, column: str, cell: object,
                decimal_comma: bool) -> Any:
    kind = str(COLUMNS[column][0])
    if isinstance(cell, str):
        cell = cell.strip()
    if cell is None or cell == "":
        return None
    if kind == "date32[day]":
        if isinstance(cell, dt.datetime):
            return cell.date()
        if isinstance(cell, dt.date):
            return cell
        text = _text(cell)
        match = _DATE.match(text)
        try:
            if not match:
                raise ValueError
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise table.fail(i, column, f"{column} {text!r} is not a date (YYYY-MM-DD)"
                             ) from None
    if kind == "double" or kind == "int8":
        if isinstance(cell, bool):
            raise table.fail(i, column, f"{column} {cell!r} is not a number")
        if isinstance(cell, int | float):
            value = float(cell)
        else:
            text = _text(cell)
            if decimal_comma:
                text = text.replace(",", ".", 1)
            if not _NUMBER.match(text):
                hint = ("" if decimal_comma or "," not in text else
                        " (write 1234.5: no thousands separators; a decimal comma is only "
                        "accepted in semicolon-separated files)")
                raise table.fail(i, column, f"{column} {_text(cell)!r} is not a number{hint}")
            value = float(text)
        if not math.isfinite(value):
            raise table.fail(i, column, f"{column} {_text(cell)!r} is not a finite number")
        return value
    if kind == "bool":
        if isinstance(cell, bool):
            return cell
        text = _text(cell).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise table.fail(i, column, f"{column} {_text(cell)!r} must be true or false")
    return _text(cell)


def _parse_row(table: ParsedTable, i: int, cells: dict[str, object],
               decimal_comma: bool) -> dict[str, Any]:
    spec = table.spec
    row: dict[str, Any] = {}
    for column in spec.columns:
        if column in spec.derived:
            continue
        row[column] = _parse_cell(table, i, column, cells.get(column), decimal_comma)
    for column in spec.required:
        if row.get(column) is None:
            raise table.fail(i, column, f"empty {column} (required)")
    for column, default in spec.defaults.items():
        if row.get(column) is None:
            row[column] = default
    if "source" in spec.columns and row.get("source") is None:
        row["source"] = "user"
    # Derived columns: a file may carry them; they must then agree with the derivation.
    if spec.name == "projects":
        rate = derive_cofinancing_rate(row["total_budget_eur"], row["eu_cofinancing_eur"])
        given = _parse_cell(table, i, "cofinancing_rate", cells.get("cofinancing_rate"),
                            decimal_comma)
        if given is not None and (rate is None or abs(float(given) - rate) > RATE_TOLERANCE):
            raise table.fail(i, "cofinancing_rate",
                             f"cofinancing_rate {given} does not equal eu_cofinancing_eur / "
                             f"total_budget_eur ({'unknown' if rate is None else f'{rate:.4f}'})"
                             "; leave the column empty, it is derived")
        row["cofinancing_rate"] = rate
    if spec.name == "partners":
        code = row.get("nuts_code")
        row["nuts_level"] = nuts_level_of(str(code)) if code else None
    return row


def _check_rows(table: ParsedTable, known: dict[str, set[str]] | None) -> None:
    """Row rules that need no other table: ids, vocabularies, ranges, dates, NUTS codes."""
    spec = table.spec
    for i, row in enumerate(table.frame.to_dict("records")):
        for column in ("project_id", "kpi_id"):
            if column in spec.columns and not PROJECT_ID_PATTERN.match(str(row[column])):
                raise table.fail(i, column, f"{column} {row[column]!r} must be snake_case "
                                 "(lower-case letters, digits and _, starting with a letter)")
        if "source" in spec.columns and row["source"] not in SOURCES:
            raise table.fail(i, "source", f"source {row['source']!r} must be one of "
                             f"{', '.join(SOURCES)}")
        if spec.name == "projects":
            for column in ("total_budget_eur", "eu_cofinancing_eur"):
                if row[column] is not None and not pd.isna(row[column]) and row[column] < 0:
                    raise table.fail(i, column, f"{column} {row[column]:g} is negative")
            total, eu = row["total_budget_eur"], row["eu_cofinancing_eur"]
            if _known(total) and _known(eu) and eu > total:
                raise table.fail(i, "eu_cofinancing_eur",
                                 f"eu_cofinancing_eur {eu:,.2f} is more than total_budget_eur "
                                 f"{total:,.2f}")
            if row["end_date"] < row["start_date"]:
                raise table.fail(i, "end_date", f"end_date {row['end_date']} is before "
                                 f"start_date {row['start_date']}")
        elif spec.name == "partners":
            _check_partner(table, i, row, known)
        elif spec.name == "kpis":
            if row["direction"] not in DIRECTIONS:
                raise table.fail(i, "direction", f"direction {row['direction']!r} must be "
                                 "higher or lower")
            b, t = row["baseline"], row["target"]
            if row["direction"] == "higher" and not t > b:
                raise table.fail(i, "target", f"target {t:g} must be above baseline {b:g} "
                                 "when higher is better")
            if row["direction"] == "lower" and not t < b:
                raise table.fail(i, "target", f"target {t:g} must be below baseline {b:g} "
                                 "when lower is better")


def _known(value: Any) -> bool:
    return value is not None and not pd.isna(value)


def _check_partner(table: ParsedTable, i: int, row: dict, known: dict[str, set[str]] | None
                   ) -> None:
    role = str(row["role"]).lower()
    if role not in ROLES:
        raise table.fail(i, "role", f"role {row['role']!r} must be lead, partner or associated")
    table.frame.at[i, "role"] = role
    country = str(row["country_code"]).upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise table.fail(i, "country_code",
                         f"country_code {row['country_code']!r} must be two letters (ISO 3166)")
    table.frame.at[i, "country_code"] = country
    share = row["budget_share"]
    if _known(share) and not 0 <= share <= 1:
        raise table.fail(i, "budget_share", f"budget_share {share:g} must be between 0 and 1")
    code = row["nuts_code"]
    if not _known(code):
        return
    code = str(code).upper()
    table.frame.at[i, "nuts_code"] = code
    version = str(row["nuts_version"])
    if known is not None:
        if version not in known:
            raise table.fail(i, "nuts_version", f"nuts_version {version!r} is not one of "
                             f"{', '.join(sorted(known))}")
        if code not in known[version]:
            other = [v for v in sorted(known) if code in known[v]]
            hint = f" (it is a NUTS {other[0]} code)" if other else ""
            raise table.fail(i, "nuts_code", f"unknown NUTS {version} code {code!r}{hint}; see "
                             "data/reference/nuts_regions.parquet")
    level = nuts_level_of(code)
    if level is None or level < 0:
        raise table.fail(i, "nuts_code", f"{code!r} is not a NUTS region code")
    table.frame.at[i, "nuts_level"] = level
    if _ISO_TO_NUTS.get(country, country) != code[:2]:
        raise table.fail(i, "nuts_code", f"nuts_code {code} is not in country {country}")


def _check_duplicates(table: ParsedTable) -> None:
    key = list(table.spec.key)
    dup = table.frame.duplicated(subset=key, keep=False).to_numpy()
    if not dup.any():
        return
    first = int(dup.nonzero()[0][0])
    value = tuple(table.frame.iloc[first][k] for k in key)
    same = [i for i in range(len(table.frame))
            if tuple(table.frame.iloc[i][k] for k in key) == value]
    described = ", ".join(f"{k}={v}" for k, v in zip(key, value, strict=True))
    raise InputFileError(
        table.path,
        f"duplicate {table.spec.name} key ({described}) on lines {table.lines[same[0]]} and "
        f"{table.lines[same[1]]}",
        line=table.lines[same[1]], column=table.shown.get(key[-1], key[-1]))


# ------------------------------------------------------------------------ the warehouse ---


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


def group_tables(tables: list[ParsedTable]) -> dict[str, list[ParsedTable]]:
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


def _base_portfolio(settings: Settings, by_name: dict[str, list[ParsedTable]],
                    reference_dir: Path) -> Portfolio:
    stored = read_stored_portfolio(settings)
    if stored is not None:
        return stored
    new_ids = {pid for t in by_name["projects"] for pid in t.frame["project_id"]}
    referenced = {pid for name in TABLE_ORDER[1:] for t in by_name[name]
                  for pid in t.frame["project_id"]}
    if referenced - new_ids:
        from regiodash.projects.sample import load_sample

        sample = load_sample(reference_dir)
        if (referenced - new_ids) & set(sample.project_ids()):
            return sample
    return _empty_portfolio()


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


# ------------------------------------------------------------------------ templates ---

TEMPLATE_ROWS: dict[str, dict[str, object]] = {
    "projects": {
        "project_id": "my_cluster_project", "acronym": "MYCLUSTER",
        "title": "Example: creative industry cluster network", "programme": "Interreg Europe",
        "funding_period": "2021-2027", "start_date": "2024-01-01", "end_date": "2027-12-31",
        "total_budget_eur": "1500000", "eu_cofinancing_eur": "1200000",
        "lead_partner": "Example Regional Development Agency",
        "thematic_tags": "creative industries;clusters", "url": "https://example.org",
        "source": "user", "source_note": "our application form", "illustrative_fields": "",
    },
    "partners": {
        "project_id": "my_cluster_project", "partner_name": "Example Regional Development Agency",
        "role": "lead", "city": "Rostock", "country_code": "DE", "nuts_code": "DE803",
        "nuts_version": "2021", "budget_share": "0.4", "source": "user", "note": "",
    },
    "kpis": {
        "project_id": "my_cluster_project", "kpi_id": "smes_supported", "name": "SMEs supported",
        "unit": "SMEs", "baseline": "0", "target": "120", "target_date": "2027-12-31",
        "cumulative": "true", "direction": "higher", "source": "user", "note": "",
    },
    "kpi_values": {
        "project_id": "my_cluster_project", "kpi_id": "smes_supported", "date": "2025-06-30",
        "value": "35", "note": "first reporting period", "source": "user",
    },
}


def template_text(name: str) -> str:
    """A CSV template (header + one example row) for one project table."""
    spec = TABLES[name]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(spec.input_columns)
    writer.writerow([TEMPLATE_ROWS[name].get(c, "") for c in spec.input_columns])
    return out.getvalue()


def _write_text(tmp: Path, text: str) -> None:
    tmp.write_text(text, encoding="utf-8")


def write_templates(out_dir: str | Path) -> list[Path]:
    """Write projects.csv, partners.csv, kpis.csv and kpi_values.csv templates to `out_dir`."""
    from regiodash.storage.files import write_with

    out = Path(out_dir)
    written = []
    for name in TABLE_ORDER:
        target = out / f"{name}.csv"
        write_with(target, partial(_write_text, text=template_text(name)))
        written.append(target)
    return written
