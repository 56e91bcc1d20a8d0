"""Eurostat bulk TSV: one line per series, one column per time period.

Both layouts are read:
- current (SDMX 2.1 API / bulk since 2023): first header cell `freq,unit,geo\\TIME_PERIOD`;
- old bulk download: first header cell `unit,sex,geo\\time`.
The first cell of every data line holds the series key (comma-separated dimension codes);
each other cell holds a value and optional flag: "5400 p", "12.3 e", "0.5 bep", ": " (missing),
": c" (missing, flagged confidential). Period headers lose their trailing spaces ("2019 ").

Grain of the result: one row per series and period, every cell of the file, including missing
ones (value NaN, flag None or the flag given). Extra-regio codes (..Z, ..ZZ, ..ZZZ) and
aggregates are kept: the raw layer keeps everything. Dimension names are lower-cased.

The old layout has no `freq` dimension: the frequency is written in the period ("2015",
"2015Q1", "2015M01"). Its `freq` column is derived from the period (A, S, Q, M, W, D, as the
new layout writes it), so the catalog's `freq = A` filter reads old files too; when a period
matches none of these forms no `freq` column is added.

A file whose last line does not end with a line break is refused (`text.refuse_cut_file`):
every Eurostat TSV ends with one, and a cut inside the last cell leaves a shorter number
("88 p" cut to "8") that no check of the cell can tell from a real value.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from regiodash.errors import InputFileError
from regiodash.ingest.cells import (
    NUMBER_PATTERN,
    dataset_from_filename,
    finish_frame,
    resolve_dataset,
)
from regiodash.ingest.model import VALUE_COLUMNS, RawTable
from regiodash.ingest.text import refuse_cut_file, split_lines

FORMAT = "eurostat-tsv"

# value (a number or ":"), spaces, optional flag letters. `_split_cells` also rejects letters
# without a value ("abc") and letters glued to a number ("3x", "1e"): Eurostat always writes a
# space between a number and its flag.
_CELL = rf"^\s*(?P<v>:|{NUMBER_PATTERN})?(?P<sep>\s*)(?P<f>[A-Za-z]*)\s*$"
_TIME_NAMES = ("time", "time_period")
_FREQ_OF_PERIOD = (
    ("A", re.compile(r"[0-9]{4}")),
    ("S", re.compile(r"[0-9]{4}-?S[12]")),
    ("Q", re.compile(r"[0-9]{4}-?Q[1-4]")),
    ("M", re.compile(r"[0-9]{4}(?:-?M[0-9]{2}|-[0-9]{2})")),
    ("W", re.compile(r"[0-9]{4}-?W[0-9]{2}")),
    ("D", re.compile(r"[0-9]{4}(?:-[0-9]{2}-[0-9]{2}|D[0-9]{3})")),
)


def parse_eurostat_tsv(
    text: str, path: str | Path = "<text>", dataset: str | None = None
) -> RawTable:
    """Parse the text of a Eurostat bulk TSV file.

    The dataset code is `dataset` when given, else derived from the file name
    ("estat_nama_10r_3gdp.tsv" -> "nama_10r_3gdp").
    """
    lines = split_lines(text)
    header = lines[0].split("\t")
    first = header[0]
    dims, periods = _read_header(header, path)
    key_rows, key_lines, cells = _read_series(lines, path, first, dims, periods)
    n_series = len(key_rows)
    n_periods = len(periods)
    if n_series == 0:
        raise InputFileError(path, "the file has a header but no data lines", line=2)
    refuse_cut_file(text, path, key_lines[-1], periods[-1])

    values, flags = _split_cells(cells, path, key_lines, periods)
    # Build each column once per series (or period) and expand with positional takes: far
    # cheaper than converting n_series * n_periods Python strings.
    series_pos = np.repeat(np.arange(n_series), n_periods)
    period_pos = np.tile(np.arange(n_periods), n_series)
    key_columns = list(zip(*key_rows, strict=True))
    columns = {
        dim: pd.array(key_columns[j], dtype="str").take(series_pos) for j, dim in enumerate(dims)
    }
    freqs = None if "freq" in dims else freq_of_periods(periods)
    if freqs is not None:
        columns = {"freq": pd.array(freqs, dtype="str").take(period_pos), **columns}
    frame = finish_frame(columns, pd.array(periods, dtype="str").take(period_pos), values, flags)
    code = resolve_dataset(path, dataset, None, dataset_from_filename(path))
    return RawTable(
        dataset=code, format=FORMAT, frame=frame, source_path=path, dimensions=list(columns)
    )


def freq_of_periods(periods: list[str]) -> list[str] | None:
    """The SDMX frequency code of each period ("2015" -> A, "2015Q1" -> Q), or None when one
    period has none of the forms Eurostat writes."""
    freqs = []
    for period in periods:
        freq = next((f for f, pattern in _FREQ_OF_PERIOD if pattern.fullmatch(period)), None)
        if freq is None:
            return None
        freqs.append(freq)
    return freqs


def _read_header(header: list[str], path: str | Path) -> tuple[list[str], list[str]]:
    """(dimension names, period headers) of the header line, split at tabs; checked."""
    first = header[0]
    if "\\" not in first:
        raise InputFileError(
            path,
            f"first header cell {first[:60]!r} should look like 'freq,unit,geo\\TIME_PERIOD'",
            line=1,
            column=1,
        )
    if len(header) == 1:
        found = next((d for d in (";", ",") if d in first.partition("\\")[2]), None)
        hint = f"separated by {found!r}" if found else "without any tab"
        raise InputFileError(
            path,
            f"the header is {hint}: Eurostat TSV files are tab-separated "
            "(was the file re-saved from a spreadsheet?)",
            line=1,
        )
    dims_part, _, time_part = first.partition("\\")
    dims = [d.strip().lower() for d in dims_part.split(",")]
    if time_part.strip().lower() not in _TIME_NAMES:
        raise InputFileError(
            path,
            f"periods must run across the columns ('...\\time' or '...\\TIME_PERIOD'), "
            f"found '\\{time_part.strip()}'",
            line=1,
            column=first,
        )
    if any(not d for d in dims) or len(set(dims)) != len(dims):
        raise InputFileError(path, f"bad dimension list {dims_part!r}", line=1, column=first)
    clash = set(dims) & set(VALUE_COLUMNS)
    if clash:
        raise InputFileError(
            path, f"dimension name {sorted(clash)[0]!r} is reserved", line=1, column=first
        )
    periods = [h.strip() for h in header[1:]]
    seen: dict[str, int] = {}
    for position, period in enumerate(periods, start=2):
        if not period:
            raise InputFileError(path, "empty period header", line=1, column=position)
        if period in seen:
            raise InputFileError(
                path,
                f"period {period!r} appears twice in the header (columns {seen[period]} and "
                f"{position})",
                line=1,
                column=position,
            )
        seen[period] = position
    return dims, periods


def _read_series(
    lines: list[str], path: str | Path, first: str, dims: list[str], periods: list[str]
) -> tuple[list[list[str]], list[int], list[str]]:
    """(series keys, their physical line numbers, the value cells row by row) of the data lines.

    `first` is the header's first cell, the column named in errors about a series key.
    """
    n_fields = len(periods) + 1
    n_dims = len(dims)
    key_rows: list[list[str]] = []
    key_lines: list[int] = []
    cells: list[str] = []
    first_line_of_key: dict[tuple[str, ...], int] = {}
    for line_no, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue  # blank lines carry no series
        parts = line.split("\t")
        if len(parts) != n_fields:
            short = len(parts) < n_fields
            raise InputFileError(
                path,
                f"line has {len(parts)} tab-separated fields, the header has {n_fields}"
                + (" (truncated line or wrong delimiter)" if short else ""),
                line=line_no,
                # the first period with no cell, or the position of the first surplus cell
                column=periods[len(parts) - 1] if short else n_fields + 1,
            )
        key = tuple(k.strip() for k in parts[0].split(","))
        if len(key) != n_dims or not all(key):
            raise InputFileError(
                path,
                f"series key {parts[0]!r} should have {n_dims} comma-separated codes "
                f"({', '.join(dims)})",
                line=line_no,
                column=first,
            )
        earlier = first_line_of_key.setdefault(key, line_no)
        if earlier != line_no:
            raise InputFileError(
                path,
                f"duplicate series {parts[0]!r} on lines {earlier} and {line_no}",
                line=line_no,
                column=first,
            )
        key_rows.append(list(key))
        key_lines.append(line_no)
        cells.extend(parts[1:])
    return key_rows, key_lines, cells


def _split_cells(
    cells: list[str], path: str | Path, key_lines: list[int], periods: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised split of "12.3 e" cells into float values and flags (None when empty)."""
    parts = pc.extract_regex(pa.array(cells, type=pa.string()), _CELL)
    raw_values = pc.struct_field(parts, "v")
    raw_flags = pc.struct_field(parts, "f")
    has_flag = pc.not_equal(raw_flags, "")
    orphan_flag = pc.and_(has_flag, pc.equal(raw_values, ""))
    glued_flag = pc.and_(
        pc.and_(has_flag, pc.equal(pc.struct_field(parts, "sep"), "")),
        pc.not_equal(raw_values, ":"),
    )
    bad_cell = pc.or_(orphan_flag, glued_flag)
    valid = pc.and_(pc.is_valid(parts), pc.invert(pc.fill_null(bad_cell, False)))
    valid = pc.fill_null(valid, False).to_numpy(zero_copy_only=False)
    if not valid.all():
        bad = int(np.flatnonzero(~valid)[0])
        row, col = divmod(bad, len(periods))
        raise InputFileError(
            path,
            f"value {cells[bad]!r} is not a number with an optional flag "
            "(expected e.g. '12.3', '12.3 e', ': ' or ': c')",
            line=key_lines[row],
            column=periods[col],
        )
    no_value = pc.or_(pc.equal(raw_values, ":"), pc.equal(raw_values, ""))
    numbers = pc.if_else(no_value, pa.scalar(None, pa.string()), raw_values)
    values = pc.cast(numbers, pa.float64()).to_numpy(zero_copy_only=False)
    flags = pc.utf8_lower(raw_flags)
    flags = pc.if_else(pc.equal(flags, ""), pa.scalar(None, pa.string()), flags)
    return values, flags.to_numpy(zero_copy_only=False)
