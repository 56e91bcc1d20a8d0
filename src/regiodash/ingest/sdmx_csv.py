"""SDMX-CSV as served by Eurostat's dissemination API: one line per observation.

Header (SDMX-CSV 1.0): `DATAFLOW,LAST UPDATE,freq,<dims...>,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG
[,CONF_STATUS]`; SDMX-CSV 2.0 (`STRUCTURE,STRUCTURE_ID[,ACTION],...`) is read the same way.
Dimensions are the columns before TIME_PERIOD other than the structure/update columns; columns
after OBS_VALUE are observation attributes, not dimensions.

Cells hold codes (`label=code`, "DE21"), English labels (`label=label_only`, "Austria") or
both (`label=both`, "AT: Austria"). Each dimension column is classified on its own: codes are
kept; "CODE: Label" cells keep the code; label columns of `geo`, `sex` and `freq` are mapped
back to codes (see `labels`), other label columns keep the label text. Unmapped labels are
listed in `RawTable.unmapped_labels`.

Values: empty OBS_VALUE (or ":") is NaN; the flag is OBS_FLAG (OBS_STATUS in older files),
normalised; CONF_STATUS "C" (confidential) with no flag gives flag "c".
Grain: one row per line of the file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from pathlib import Path

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
    value_pos = upper.index("OBS_VALUE")
    dim_positions = [i for i in range(time_pos) if upper[i] not in _STRUCTURE_COLUMNS]
    dims = [header[i].lower() for i in dim_positions]
    if not dims or len(set(dims)) != len(dims) or set(dims) & set(VALUE_COLUMNS):
        raise InputFileError(path, f"bad dimension columns {header[:time_pos]}", line=1)
    flag_pos = next((upper.index(c) for c in ("OBS_FLAG", "OBS_STATUS") if c in upper), None)
    conf_pos = upper.index("CONF_STATUS") if "CONF_STATUS" in upper else None
    flow_pos = next((upper.index(c) for c in ("DATAFLOW", "STRUCTURE_ID") if c in upper), None)

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
    columns = list(zip(*rows, strict=True))
    line_array = np.array(lines)

    content_code = None
    if flow_pos is not None:
        flows = columns[flow_pos]
        if len(set(flows)) > 1:
            other = next(i for i, f in enumerate(flows) if f != flows[0])
            raise InputFileError(
                path,
                f"the file mixes dataflows {flows[0]!r} and {flows[other]!r}",
                line=lines[other],
                column=header[flow_pos],
            )
        content_code = dataset_from_dataflow(flows[0])
    code = resolve_dataset(path, dataset, content_code, dataset_from_filename(path))

    dim_values: dict[str, object] = {}
    labels_mapped: dict[str, int] = {}
    unmapped_labels: dict[str, list[str]] = {}
    for name, pos in zip(dims, dim_positions, strict=True):
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
        dim_values[name] = [mapping.get(c, c) for c in cells]

    values, bad = parse_numbers(columns[value_pos])
    if bad is not None:
        raise InputFileError(
            path,
            f"value {columns[value_pos][bad]!r} is not a number",
            line=lines[bad],
            column=header[value_pos],
        )
    if flag_pos is not None:
        flags = [normalize_flag(f.split(":", 1)[0]) for f in columns[flag_pos]]
    else:
        flags = [None] * len(rows)
    if conf_pos is not None:
        # CONF_STATUS is an observation attribute; "C" marks a confidential cell. Only carry it
        # into the flag when the publisher gave no other flag.
        for i, status in enumerate(columns[conf_pos]):
            if flags[i] is None and status.split(":", 1)[0].strip().upper() == "C":
                flags[i] = "c"

    frame = finish_frame(dim_values, [t.strip() for t in columns[time_pos]], values, flags)
    raise_on_duplicate_keys(frame, [*dims, "time_period"], line_array, path, "TIME_PERIOD")
    return RawTable(
        dataset=code,
        format=FORMAT,
        frame=frame,
        source_path=path,
        dimensions=dims,
        labels_mapped=labels_mapped,
        unmapped_labels=unmapped_labels,
    )
