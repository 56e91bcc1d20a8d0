"""The user's own tidy table, CSV or XLSX: one row per region, year (and sex, unit).

Columns (names case-insensitive, surrounding spaces ignored, order free):
- required: `geo_code` (NUTS code, upper-cased), `year` (four digits), `value` (number; empty or
  ":" = no value);
- optional: `sex` (F/M/T, also Female(s)/Male(s)/Total; empty or missing column = T), `flag`
  (Eurostat-style flag, normalised), `unit` (free text, becomes a dimension).
Other columns are ignored. CSV delimiter: comma, semicolon or tab, detected from the header.
A decimal comma ("12,5") is accepted only in semicolon-separated files, where it cannot be
confused with a field separator or a thousands separator. XLSX: the first sheet whose first
non-empty row has the required headers.

Grain of the result: one row per data row; dimensions geo, sex (and unit when present);
time_period is the year as text. The key must be unique.

A CSV whose last line lacks its line break is read when that line parses completely (all the
header's fields, no quote left open), because hand-made and tool-exported files often end so;
the import summary then says so (`RawTable.notes`). An open quote there is an error. Publisher
formats are stricter (see `text.refuse_cut_file`).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from regiodash.errors import InputFileError
from regiodash.flags import normalize_flag
from regiodash.ingest.cells import (
    finish_frame,
    parse_numbers,
    raise_on_duplicate_keys,
    resolve_dataset,
    user_dataset_from_filename,
)
from regiodash.ingest.model import RawTable
from regiodash.ingest.text import (
    EXPECTED_FORMATS,
    check_last_record,
    open_workbook,
    read_csv_rows,
)

FORMAT = "tidy"
REQUIRED_COLUMNS = ("geo_code", "year", "value")
OPTIONAL_COLUMNS = ("sex", "flag", "unit")
DELIMITERS = (";", ",", "\t")

_SEX = {
    "F": "F", "FEMALE": "F", "FEMALES": "F",
    "M": "M", "MALE": "M", "MALES": "M",
    "T": "T", "TOTAL": "T",
}  # fmt: skip
_YEAR = re.compile(r"[0-9]{4}(?:\.0*)?")


def _normalize_name(cell: object) -> str:
    return "" if cell is None else str(cell).strip().lower()


def _split_header(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:  # e.g. a stray carriage return: not a header we can read
        return []


def detect_delimiter(header_line: str) -> str | None:
    """The delimiter (";", "," or tab) under which the header has the required columns."""
    for delimiter in DELIMITERS:
        names = {_normalize_name(c) for c in _split_header(header_line, delimiter)}
        if set(REQUIRED_COLUMNS) <= names:
            return delimiter
    return None


def has_tidy_header(header_line: str) -> bool:
    """True when the line is a tidy header (geo_code, year, value under some delimiter)."""
    return detect_delimiter(header_line) is not None


def parse_tidy_csv(text: str, path: str | Path = "<text>", dataset: str | None = None) -> RawTable:
    """Parse the text of a tidy CSV. Dataset code: `dataset`, else "user_<file stem>"."""
    first_line = text.split("\n", 1)[0].rstrip("\r")
    delimiter = detect_delimiter(first_line)
    if delimiter is None:
        raise InputFileError(
            path,
            f"unknown header {first_line[:80]!r}; a tidy file needs the columns "
            f"{', '.join(REQUIRED_COLUMNS)} (expected {EXPECTED_FORMATS})",
            line=1,
        )
    header, rows, lines = read_csv_rows(text, path, delimiter)
    table = _build(path, header, rows, lines, dataset, decimal_comma=delimiter == ";")
    note = check_last_record(text, path, delimiter, lines[-1])
    if note:
        table.notes.append(note)
    return table


def _xlsx_table(
    data: bytes, path: str | Path
) -> tuple[list[object], list[list[object]], list[int]]:
    """(header, data rows, Excel row numbers) of the first sheet with a tidy header."""
    workbook = open_workbook(data, path)
    try:
        seen: list[str] = []
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
                    names = {_normalize_name(c) for c in cells}
                    if not set(REQUIRED_COLUMNS) <= names:
                        seen.append(f"{sheet.title!r}: {[c for c in cells if c is not None]}")
                        break
                    continue
                rows.append(cells)
                lines.append(row_no)
            else:
                if header is not None:
                    return header, rows, lines
        raise InputFileError(
            path,
            f"no sheet has the columns {', '.join(REQUIRED_COLUMNS)} in its first row "
            f"(found {'; '.join(seen) or 'only empty sheets'}); expected {EXPECTED_FORMATS}",
            line=1,
        )
    finally:
        workbook.close()


def read_xlsx_header(data: bytes, path: str | Path) -> list[str]:
    """Header names of the tidy sheet; InputFileError when no sheet has a tidy header."""
    header, _, _ = _xlsx_table(data, path)
    return [_normalize_name(c) for c in header]


def parse_tidy_xlsx(
    data: bytes, path: str | Path = "<bytes>", dataset: str | None = None
) -> RawTable:
    """Parse a tidy XLSX workbook; line numbers in errors are Excel row numbers."""
    header, rows, lines = _xlsx_table(data, path)
    width = len(header)
    rows = [(r + [None] * width)[:width] for r in rows]
    return _build(path, header, rows, lines, dataset, decimal_comma=False)


def _cell_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _build(
    path: str | Path,
    header: Sequence[object],
    rows: list[list[object]],
    lines: list[int],
    dataset: str | None,
    *,
    decimal_comma: bool,
) -> RawTable:
    names = [_normalize_name(c) for c in header]
    shown = {n: _cell_text(c) for n, c in zip(names, header, strict=True)}
    wanted = [n for n in names if n in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if len(set(wanted)) != len(wanted):
        twice = next(n for n in wanted if wanted.count(n) > 1)
        raise InputFileError(path, f"column {twice!r} appears twice", line=1, column=shown[twice])
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise InputFileError(path, f"missing column(s) {', '.join(missing)}", line=1)
    if not rows:
        raise InputFileError(path, "the file has a header but no data rows", line=2)
    pos = {n: names.index(n) for n in wanted}

    def fail(i: int, name: str, message: str) -> InputFileError:
        return InputFileError(path, message, line=lines[i], column=shown[name])

    geo: list[str] = []
    years: list[str] = []
    for i, row in enumerate(rows):
        code = _cell_text(row[pos["geo_code"]]).upper()
        if not code:
            raise fail(i, "geo_code", "empty geo_code")
        geo.append(code)
        year = _cell_text(row[pos["year"]])
        if not _YEAR.fullmatch(year):
            raise fail(i, "year", f"year {year!r} is not a four-digit year")
        years.append(year[:4])

    values = _values([row[pos["value"]] for row in rows], fail, decimal_comma=decimal_comma)
    dims: dict[str, object] = {"geo": geo}
    if "sex" in pos:
        sexes = []
        for i, row in enumerate(rows):
            raw = _cell_text(row[pos["sex"]]).upper()
            if raw and raw not in _SEX:
                raise fail(i, "sex", f"sex {raw!r} must be F, M or T")
            sexes.append(_SEX.get(raw, "T"))
        dims["sex"] = sexes
    else:
        dims["sex"] = ["T"] * len(rows)
    if "unit" in pos:
        dims["unit"] = [_cell_text(row[pos["unit"]]) for row in rows]
    flags = (
        [normalize_flag(_cell_text(row[pos["flag"]])) for row in rows]
        if "flag" in pos
        else [None] * len(rows)
    )

    frame = finish_frame(dims, years, values, flags)
    dimensions = list(dims)
    raise_on_duplicate_keys(frame, [*dimensions, "time_period"], np.array(lines), path)
    code = resolve_dataset(path, dataset, None, user_dataset_from_filename(path))
    return RawTable(
        dataset=code, format=FORMAT, frame=frame, source_path=path, dimensions=dimensions
    )


def _values(
    value_cells: list[object],
    fail: Callable[[int, str, str], InputFileError],
    *,
    decimal_comma: bool,
) -> np.ndarray:
    """The value column as float64: numbers (XLSX) as they are, text parsed strictly.

    `fail(row index, column, message)` builds the error for a cell that is not a number.
    """
    values = np.full(len(value_cells), math.nan)
    text_positions = []
    for i, cell in enumerate(value_cells):
        if isinstance(cell, bool):
            raise fail(i, "value", f"value {cell!r} is not a number")
        if isinstance(cell, int | float):
            values[i] = float(cell)
        else:
            text_positions.append(i)
    texts = [_cell_text(value_cells[i]) for i in text_positions]
    parsed, bad = parse_numbers(texts, decimal_comma=decimal_comma)
    if bad is not None:
        cell = texts[bad]
        hint = ""
        if "," in cell and not decimal_comma:
            hint = " (a decimal comma is only accepted in semicolon-separated CSV files)"
        raise fail(text_positions[bad], "value", f"value {cell!r} is not a number{hint}")
    values[text_positions] = parsed
    return values
