"""JSON-stat 2.0 datasets, as returned by Eurostat's statistics API (`?format=JSON`).

The cube: `id` lists the dimensions in order, `size` their lengths; `dimension[d].category.index`
gives each category code its position (an object {code: position} or a list of codes; a
dimension with one category may give only `category.label`). Observations are stored in
row-major order over `id` (the last dimension varies fastest): `value` is either a dense list
(null = no value) or, as Eurostat sends it, a sparse object {"flat index": number}; `status` the
same (or one string for all). Eurostat names the dataset in `extension.id` ("NAMA_10R_2GDP").

Grain of the result: one row per observation present in the file: every cell of a dense `value`
list; for a sparse `value`, every position that has a value or a status. Dimension names are
lower-cased and `time` becomes `time_period`.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from regiodash.errors import InputFileError
from regiodash.flags import normalize_flag
from regiodash.ingest.cells import dataset_from_filename, finish_frame, resolve_dataset
from regiodash.ingest.model import VALUE_COLUMNS, RawTable

FORMAT = "jsonstat"

_HREF_CODE = re.compile(r"/data/([A-Za-z0-9_]+)")


class _Problem(Exception):
    """A structural problem at a JSON path ("dimension.geo.category.index", "value[12]")."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(message)
        self.message = message
        self.where = where


def _locate(text: str, where: str) -> int | None:
    """Best-effort physical line of a JSON path: find each key in turn after the previous one."""
    position = 0
    for key in re.findall(r"[^.\[\]]+", where):
        found = text.find(f'"{key}"', position)
        if found < 0:
            return None
        position = found
    return text.count("\n", 0, position) + 1


def _categories(name: str, dim: object, size: int) -> list[str]:
    """Category codes of one dimension, in position order."""
    where = f"dimension.{name}.category"
    if not isinstance(dim, dict) or not isinstance(dim.get("category"), dict):
        raise _Problem("dimension has no category object", where)
    category = dim["category"]
    index = category.get("index")
    if index is None:
        labels = category.get("label")
        if isinstance(labels, dict) and len(labels) == 1:
            index = list(labels)
        else:
            raise _Problem("category has no index", where)
    if isinstance(index, list):
        codes = [str(c) for c in index]
    elif isinstance(index, dict):
        positions = sorted(index.items(), key=lambda item: item[1])
        if [p for _, p in positions] != list(range(len(positions))):
            raise _Problem("category index positions are not 0..n-1", where + ".index")
        codes = [str(c) for c, _ in positions]
    else:
        raise _Problem("category index must be an object or a list", where + ".index")
    if len(codes) != size:
        raise _Problem(f"{len(codes)} categories but size says {size}", where + ".index")
    if len(set(codes)) != len(codes):
        raise _Problem("duplicate category codes", where + ".index")
    return codes


def _sparse(raw: object, total: int, where: str) -> dict[int, object]:
    """{flat position: entry} from a dense list, a sparse object, or None."""
    if raw is None:
        return {}
    if isinstance(raw, list):
        if len(raw) != total:
            raise _Problem(f"has {len(raw)} entries, the cube has {total} cells", where)
        return dict(enumerate(raw))
    if isinstance(raw, dict):
        out: dict[int, object] = {}
        for key, entry in raw.items():
            try:
                position = int(key)
            except ValueError:
                raise _Problem(f"key {key!r} is not a cell position", where) from None
            if not 0 <= position < total:
                raise _Problem(f"position {position} is outside the cube (0..{total - 1})", where)
            out[position] = entry
        return out
    raise _Problem("must be a list or an object", where)


def _to_float(entry: object, where: str) -> float:
    if entry is None:
        return math.nan
    if isinstance(entry, bool):
        raise _Problem(f"value {entry!r} is not a number", where)
    if isinstance(entry, int | float):
        return float(entry)
    if isinstance(entry, str):
        text = entry.strip()
        if text in ("", ":"):
            return math.nan
        try:
            return float(text)
        except ValueError:
            pass
    raise _Problem(f"value {entry!r} is not a number", where)


def _status_flag(entry: object) -> str | None:
    flag = normalize_flag(entry)
    return None if flag in (None, ":") else flag


def dataset_code_of(doc: dict) -> str | None:
    """Dataset code named inside a JSON-stat document (Eurostat: extension.id), lower case."""
    extension = doc.get("extension")
    if isinstance(extension, dict):
        for key in ("id", "datasetId", "dataset"):
            if isinstance(extension.get(key), str) and extension[key].strip():
                return extension[key].strip().lower()
    href = doc.get("href")
    if isinstance(href, str):
        match = _HREF_CODE.search(href)
        if match:
            return match.group(1).lower()
    return None


def parse_jsonstat(text: str, path: str | Path = "<text>", dataset: str | None = None) -> RawTable:
    """Parse the text of a JSON-stat 2.0 dataset.

    The dataset code is `dataset` when given, else `extension.id`, else the file name's.
    Errors inside the JSON structure name the JSON path as the column and the line where that
    path first appears (best effort).
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(text.rstrip())
        raise InputFileError(
            path,
            ("JSON ends too early (truncated file?): " if truncated else "invalid JSON: ")
            + exc.msg,
            line=exc.lineno,
            column=exc.colno,
        ) from exc
    if not isinstance(doc, dict):
        raise InputFileError(path, "JSON-stat file must hold an object", line=1)
    try:
        frame, dims = _read_cube(doc)
    except _Problem as problem:
        raise InputFileError(
            path, problem.message, line=_locate(text, problem.where), column=problem.where
        ) from None
    code = resolve_dataset(path, dataset, dataset_code_of(doc), dataset_from_filename(path))
    return RawTable(dataset=code, format=FORMAT, frame=frame, source_path=path, dimensions=dims)


def _read_cube(doc: dict) -> tuple[pd.DataFrame, list[str]]:
    """(frame, dimension names) of a decoded JSON-stat dataset."""
    if doc.get("class", "dataset") != "dataset":
        raise _Problem(
            f'JSON-stat class {doc.get("class")!r} is not supported; expected a single "dataset"',
            "class",
        )
    ids, sizes = doc.get("id"), doc.get("size")
    if not isinstance(ids, list) or not isinstance(sizes, list) or len(ids) != len(sizes):
        raise _Problem("needs 'id' and 'size' lists of the same length", "id")
    if not all(isinstance(s, int) and s >= 0 for s in sizes):
        raise _Problem("'size' must list non-negative integers", "size")
    dimension = doc.get("dimension")
    if not isinstance(dimension, dict):
        raise _Problem("missing 'dimension' object", "dimension")
    names = [str(i) for i in ids]
    for name in names:
        if name not in dimension:
            raise _Problem(f"dimension {name!r} listed in 'id' is not described", "dimension")
    codes = [_categories(n, dimension[n], s) for n, s in zip(names, sizes, strict=True)]
    total = math.prod(sizes)

    values = _sparse(doc.get("value"), total, "value")
    status_raw = doc.get("status")
    status: dict[int, object]
    if isinstance(status_raw, str):
        status = dict.fromkeys(range(total), status_raw)
    else:
        status = _sparse(status_raw, total, "status")
    if isinstance(doc.get("value"), list):
        positions = np.arange(total)
    else:
        positions = np.array(sorted(values.keys() | status.keys()), dtype=np.int64)
    if len(positions) == 0:
        raise _Problem("the dataset holds no observations", "value")

    value_array = np.array(
        [_to_float(values.get(int(p)), f"value[{int(p)}]") for p in positions],
        dtype="float64",
    )
    # Each cell position is unique and category codes are unique per dimension, so the key
    # is unique by construction. A status of ":" only repeats that the value is missing.
    flags = [_status_flag(status.get(int(p))) for p in positions]

    columns = ["time_period" if n.lower() == "time" else n.lower() for n in names]
    if "time_period" not in columns:
        raise _Problem("no 'time' dimension", "id")
    if len(set(columns)) != len(columns) or {"value", "flag"} & set(columns):
        raise _Problem(f"bad dimension names {names}", "id")
    coords = np.unravel_index(positions, sizes)
    cells = {
        col: np.asarray(cats, dtype=object)[coord]
        for col, cats, coord in zip(columns, codes, coords, strict=True)
    }
    dims = [c for c in columns if c not in VALUE_COLUMNS]
    frame = finish_frame({d: cells[d] for d in dims}, cells["time_period"], value_array, flags)
    return frame, dims
