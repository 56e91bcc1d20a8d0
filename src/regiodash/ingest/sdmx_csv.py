"""SDMX-CSV as served by Eurostat's dissemination API: one line per observation.

Header (SDMX-CSV 1.0): `DATAFLOW,LAST UPDATE,freq,<dims...>,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG
[,CONF_STATUS]`; SDMX-CSV 2.0 (`STRUCTURE,STRUCTURE_ID[,ACTION],...`) is read the same way.
Dimensions are the columns before TIME_PERIOD other than the structure/update columns; columns
after OBS_VALUE are observation attributes, not dimensions.

Cells hold codes (`label=code`, "DE21"), English labels (`label=label_only`, "Austria") or
both (`label=both`, "AT: Austria"). Each dimension column is classified on its own: codes are
kept; "CODE: Label" cells keep the code; label columns are mapped back to codes with Eurostat's
code lists (see `labels`: every dimension the catalog filters on, and geo). A label with no
known code keeps its text and is listed in `RawTable.unmapped_labels` (with the first line
holding one in `RawTable.unmapped_lines`); the import refuses it for a catalog dataset.

A file whose last line does not end with a line break is refused (`text.refuse_cut_file`):
every file Eurostat serves ends with one, and a cut inside the last field can leave a line
with all its fields and a shorter number. A last line missing fields is reported as such.

Values: empty OBS_VALUE (or ":") is NaN; the flag is OBS_FLAG (OBS_STATUS in older files),
normalised; CONF_STATUS "C" (confidential) with no flag gives flag "c".
Grain: one row per line of the file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from regiodash.errors import InputFileError
from regiodash.flags import normalize_flag
from regiodash.ingest.cells import (
    dataset_from_filename,
    finish_frame,
    parse_numbers,
    raise_on_duplicate_keys,
    resolve_dataset,
)
from regiodash.ingest.labels import map_labels
from regiodash.ingest.model import VALUE_COLUMNS, RawTable
from regiodash.ingest.text import refuse_cut_file

if TYPE_CHECKING:
    from _csv import Reader

FORMAT = "sdmx-csv"

_STRUCTURE_COLUMNS = {
    "DATAFLOW",
    "LAST UPDATE",
    "STRUCTURE",
    "STRUCTURE_ID",
    "STRUCTURE_NAME",
    "ACTION",
}
_CODE = re.compile(r"[A-Z0-9_.\-]+")
_CODE_AND_LABEL = re.compile(r"([A-Z0-9_.\-]+)\s*:\s*\S.*")
_DATAFLOW = re.compile(r"(?:[A-Za-z0-9_.\-]+:)?([A-Za-z0-9_]+)(?:\([^)]*\))?")


def dataset_from_dataflow(dataflow: str) -> str | None:
    """ "ESTAT:DEMO_R_D3DENS(1.0)" -> "demo_r_d3dens"; None when it does not look like one."""
    match = _DATAFLOW.fullmatch(dataflow.strip())
    return match.group(1).lower() if match else None


def _header_name(cell: str) -> str:
    # label=both headers may read "freq: Time frequency"
    return cell.split(":", 1)[0].strip() if ":" in cell else cell.strip()


@dataclass(frozen=True)
class _Layout:
    """Where things are in the header: positions are 0-based column indexes."""

    header: list[str]
    dims: list[str]
    dim_positions: list[int]
    time_pos: int
    value_pos: int
    flag_pos: int | None
    conf_pos: int | None
    flow_pos: int | None


def parse_sdmx_csv(
    text: str,
    path: str | Path = "<text>",
    dataset: str | None = None,
    region_names: Mapping[str, str] | None = None,
) -> RawTable:
    """Parse the text of an SDMX-CSV file (codes, labels or both).

    `region_names` (from `labels.build_region_name_map`) lets label files name NUTS regions.
    The dataset code is `dataset` when given, else the DATAFLOW / STRUCTURE_ID code, else the
    file name's.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    layout = _read_header(reader, path)
    header = layout.header
    rows, lines = _read_rows(reader, path, header)
    refuse_cut_file(text, path, lines[-1], header[-1])
    columns = list(zip(*rows, strict=True))
    code = resolve_dataset(
        path, dataset, _content_code(columns, lines, layout, path), dataset_from_filename(path)
    )
    dim_values, labels_mapped, unmapped_labels, unmapped_lines = _dimension_codes(
        layout, columns, lines, region_names
    )

    values, bad = parse_numbers(columns[layout.value_pos])
    if bad is not None:
        raise InputFileError(
            path,
            f"value {columns[layout.value_pos][bad]!r} is not a number",
            line=lines[bad],
            column=header[layout.value_pos],
        )
    flags = _flags(columns, layout, len(rows))
    frame = finish_frame(dim_values, [t.strip() for t in columns[layout.time_pos]], values, flags)
    raise_on_duplicate_keys(
        frame, [*layout.dims, "time_period"], np.array(lines), path, "TIME_PERIOD"
    )
    return RawTable(
        dataset=code,
        format=FORMAT,
        frame=frame,
        source_path=path,
        dimensions=layout.dims,
        labels_mapped=labels_mapped,
        unmapped_labels=unmapped_labels,
        unmapped_lines=unmapped_lines,
    )


def _read_header(reader: Reader, path: str | Path) -> _Layout:
    """The checked header line: dimensions, period, value, flag and dataflow columns."""
    try:
        header = [_header_name(c) for c in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise InputFileError(path, f"unreadable header ({exc})", line=1) from exc
    if len(header) == 1:
        found = next((d for d in (";", "\t") if d in header[0]), None)
        raise InputFileError(
            path,
            f"the header is separated by {found!r}: SDMX-CSV files are comma-separated"
            if found
            else "the header has a single column: SDMX-CSV files are comma-separated",
            line=1,
        )
    upper = [h.upper() for h in header]
    for required in ("TIME_PERIOD", "OBS_VALUE"):
        if required not in upper:
            raise InputFileError(path, f"missing column {required}", line=1)
    time_pos = upper.index("TIME_PERIOD")
    dim_positions = [i for i in range(time_pos) if upper[i] not in _STRUCTURE_COLUMNS]
    dims = [header[i].lower() for i in dim_positions]
    if not dims or len(set(dims)) != len(dims) or set(dims) & set(VALUE_COLUMNS):
        raise InputFileError(path, f"bad dimension columns {header[:time_pos]}", line=1)
    return _Layout(
        header=header,
        dims=dims,
        dim_positions=dim_positions,
        time_pos=time_pos,
        value_pos=upper.index("OBS_VALUE"),
        flag_pos=next((upper.index(c) for c in ("OBS_FLAG", "OBS_STATUS") if c in upper), None),
        conf_pos=upper.index("CONF_STATUS") if "CONF_STATUS" in upper else None,
        flow_pos=next((upper.index(c) for c in ("DATAFLOW", "STRUCTURE_ID") if c in upper), None),
    )


def _read_rows(
    reader: Reader, path: str | Path, header: list[str]
) -> tuple[list[list[str]], list[int]]:
    """(data rows, their physical line numbers); blank lines skipped, field counts checked."""
    n_fields = len(header)
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if len(row) != n_fields:
                column: str | int = header[len(row)] if len(row) < n_fields else n_fields + 1
                raise InputFileError(
                    path,
                    f"line has {len(row)} comma-separated fields, the header has {n_fields}"
                    + (" (truncated line?)" if len(row) < n_fields else ""),
                    line=reader.line_num,
                    column=column,
                )
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise InputFileError(path, f"malformed CSV ({exc})", line=reader.line_num) from exc
    if not rows:
        raise InputFileError(path, "the file has a header but no data lines", line=2)
    return rows, lines


def _content_code(
    columns: list[tuple[str, ...]], lines: list[int], layout: _Layout, path: str | Path
) -> str | None:
    """The dataset code the DATAFLOW / STRUCTURE_ID column names (one for the whole file)."""
    if layout.flow_pos is None:
        return None
    flows = columns[layout.flow_pos]
    if len(set(flows)) > 1:
        other = next(i for i, f in enumerate(flows) if f != flows[0])
        raise InputFileError(
            path,
            f"the file mixes dataflows {flows[0]!r} and {flows[other]!r}",
            line=lines[other],
            column=layout.header[layout.flow_pos],
        )
    return dataset_from_dataflow(flows[0])


def _dimension_codes(
    layout: _Layout,
    columns: list[tuple[str, ...]],
    lines: list[int],
    region_names: Mapping[str, str] | None,
) -> tuple[dict[str, object], dict[str, int], dict[str, list[str]], dict[str, int]]:
    """(codes per dimension, labels mapped per dimension, unmapped labels per dimension, the
    first line holding an unmapped label per dimension)."""
    dim_values: dict[str, object] = {}
    labels_mapped: dict[str, int] = {}
    unmapped_labels: dict[str, list[str]] = {}
    unmapped_lines: dict[str, int] = {}
    for name, pos in zip(layout.dims, layout.dim_positions, strict=True):
        cells = [c.strip() for c in columns[pos]]
        distinct = set(cells)
        if all(_CODE.fullmatch(c) for c in distinct):
            dim_values[name] = cells
            continue
        both = {c: _CODE_AND_LABEL.fullmatch(c) for c in distinct}
        if all(both.values()):
            codes = {c: m.group(1) for c, m in both.items() if m}
            dim_values[name] = [codes[c] for c in cells]
            continue
        mapping, unmapped = map_labels(name, sorted(distinct), region_names)
        if mapping:
            labels_mapped[name] = len(mapping)
        if unmapped:
            unmapped_labels[name] = unmapped
            first = next(i for i, c in enumerate(cells) if c not in mapping)
            unmapped_lines[name] = lines[first]
        dim_values[name] = [mapping.get(c, c) for c in cells]
    return dim_values, labels_mapped, unmapped_labels, unmapped_lines


def _flags(columns: list[tuple[str, ...]], layout: _Layout, n_rows: int) -> list[str | None]:
    """OBS_FLAG (or OBS_STATUS), normalised; "c" for a confidential cell without a flag."""
    if layout.flag_pos is not None:
        flags = [normalize_flag(f.split(":", 1)[0]) for f in columns[layout.flag_pos]]
    else:
        flags = [None] * n_rows
    if layout.conf_pos is not None:
        # CONF_STATUS is an observation attribute; "C" marks a confidential cell. Only carry it
        # into the flag when the publisher gave no other flag.
        for i, status in enumerate(columns[layout.conf_pos]):
            if flags[i] is None and status.split(":", 1)[0].strip().upper() == "C":
                flags[i] = "c"
    return flags
