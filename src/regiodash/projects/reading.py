"""Read one project table from CSV or XLSX bytes and check it row by row.

Which table a file holds is read from its name (`projects.csv`, `partners.csv`, `kpis.csv`,
`kpi_values.csv`, or an XLSX sheet with one of those names) or, failing that, from its header.
Column names are case-insensitive; CSV delimiters comma, semicolon or tab are detected from the
header; a decimal comma is accepted only in semicolon-separated files. Text must be UTF-8.

Every problem is one `InputFileError` naming the file, the physical line (header = line 1;
Excel row numbers for XLSX) and the column: missing or unknown columns, empty required cells,
bad dates (YYYY-MM-DD), bad numbers, negative budgets, EU co-financing above the total budget,
NUTS codes unknown to data/reference/nuts_regions.parquet, duplicate keys within the file.
Rules across tables are in projects.validation.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from regiodash.errors import InputFileError
from regiodash.ingest.cells import NUMBER_PATTERN
from regiodash.ingest.text import decode_text, open_workbook, read_csv_rows
from regiodash.nuts import load_known_codes, nuts_level_of
from regiodash.projects.model import (
    COLUMNS,
    DIRECTIONS,
    PROJECT_ID_PATTERN,
    ROLES,
    SOURCES,
    TABLE_ORDER,
    TABLES,
    TableSpec,
    derive_cofinancing_rate,
    empty_frame,
)
from regiodash.storage.files import sha256_file

DELIMITERS = (",", ";", "\t")
_NUMBER = re.compile(f"^{NUMBER_PATTERN}$")
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
# Country codes that differ between ISO 3166 and NUTS.
_ISO_TO_NUTS = {"GR": "EL", "GB": "UK"}
RATE_TOLERANCE = 0.0005
_ZIP_MAGIC = b"PK\x03\x04"



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
