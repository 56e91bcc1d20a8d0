"""Read any supported publisher or user file into a `RawTable`: sniff the format, dispatch.

Supported formats (see `FORMATS`), recognised by content, not by file name:
- "jsonstat": JSON-stat 2.0 dataset (Eurostat statistics API, `format=JSON`);
- "sdmx-csv": SDMX-CSV 1.0/2.0, codes or labels (first header cell DATAFLOW or STRUCTURE);
- "eurostat-tsv": Eurostat bulk TSV (first header cell like `unit,geo\\time`);
- "tidy": the user's own CSV/XLSX with columns geo_code, year, value.
Gzip-compressed input is decompressed transparently. Text must be UTF-8 (a BOM is fine;
UTF-16 with a BOM is accepted too).

This module also holds the small primitives every parser shares (decoding, dataset codes,
number parsing, the unique-key check); parsers import them from here, and `read_file` imports
the parsers lazily so that the dependency runs one way at import time.

Every problem is raised as one `InputFileError` naming the file, the physical line (header =
line 1) and the column.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from regiodash.errors import InputFileError
from regiodash.ingest.model import RawTable

FORMATS = ("eurostat-tsv", "sdmx-csv", "jsonstat", "tidy")

DATASET_CODE = re.compile(r"[a-z0-9_]{2,64}")

EXPECTED_FORMATS = (
    "a Eurostat TSV (first cell like 'freq,unit,geo\\TIME_PERIOD'), "
    "SDMX-CSV (first cell DATAFLOW or STRUCTURE), "
    'JSON-stat 2.0 (an object with "class": "dataset"), '
    "or a tidy CSV/XLSX (columns geo_code, year, value)"
)

MISSING_TOKENS = ("", ":")
"""Cell contents that mean "no value" in every format."""

NUMBER_PATTERN = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_KNOWN_SUFFIXES = {".tsv", ".csv", ".json", ".txt", ".tab", ".xlsx", ".sdmx"}


# ---------------------------------------------------------------- bytes and text ---


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes, gunzipped when the content is gzip (whatever the file name says)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputFileError(path, "file not found") from exc
    except IsADirectoryError as exc:
        raise InputFileError(path, "is a directory, not a file") from exc
    except OSError as exc:
        raise InputFileError(path, f"cannot read file: {exc.strerror or exc}") from exc
    if data.startswith(_GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputFileError(
                path, f"gzip-compressed file is truncated or corrupt ({exc})"
            ) from exc
    return data


def decode_text(data: bytes, path: str | Path) -> str:
    """Decode UTF-8 (with or without BOM; UTF-16 with BOM); reject other encodings.

    The error names the line and the 1-based byte position of the first undecodable byte.
    Raises for an empty (or whitespace-only) file.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputFileError(path, f"invalid UTF-16 text ({exc.reason})") from exc
    else:
        bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        try:
            text = data[bom:].decode("utf-8")
        except UnicodeDecodeError as exc:
            offset = bom + exc.start
            line_start = data.rfind(b"\n", 0, offset) + 1
            raise InputFileError(
                path,
                f"byte 0x{data[offset]:02x} is not valid UTF-8; the file was probably saved in "
                "another encoding (e.g. Windows-1252 or Latin-1): save it as UTF-8",
                line=data.count(b"\n", 0, offset) + 1,
                column=offset - line_start + 1,
            ) from exc
    if not text.strip():
        raise InputFileError(path, "file is empty", line=1)
    return text


def read_csv_rows(text: str, path: str | Path, delimiter: str
                  ) -> tuple[list[str], list[list[object]], list[int]]:
    """(header, data rows, physical line numbers) of delimited text; blank lines skipped.

    A row with more or fewer fields than the header, or text the csv module cannot read, is
    an InputFileError naming the file, the line and (for a short row) the first missing
    column.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, [])
        rows: list[list[object]] = []
        lines: list[int] = []
        for row in reader:
            if not any(c.strip() for c in row):
                continue  # blank line
            if len(row) != len(header):
                short = len(row) < len(header)
                raise InputFileError(
                    path,
                    f"line has {len(row)} fields separated by {delimiter!r}, the header has "
                    f"{len(header)}" + (" (truncated line?)" if short else ""),
                    line=reader.line_num,
                    column=header[len(row)].strip() if short else len(header) + 1,
                )
            rows.append(list(row))
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise InputFileError(path, f"malformed CSV ({exc})", line=reader.line_num) from exc
    return list(header), rows, lines


def open_workbook(data: bytes, path: str | Path):  # noqa: ANN201 - openpyxl types
    """An .xlsx workbook opened read-only (values, not formulas), or an InputFileError."""
    from openpyxl import load_workbook

    try:
        # read_only copes with workbooks whose drawing relations are broken.
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputFileError(path, f"not a readable .xlsx workbook ({exc})") from exc


def split_lines(text: str) -> list[str]:
    """Physical lines without their terminators (LF or CRLF); no entry after a final newline.

    `lines[i]` is line i + 1 of the file.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


# ---------------------------------------------------------------- dataset codes ---


def dataset_from_filename(path: str | Path) -> str | None:
    """Dataset code implied by a Eurostat bulk file name, or None.

    "estat_nama_10r_3gdp.tsv", "nama_10r_3gdp.tsv.gz" -> "nama_10r_3gdp".
    """
    name = Path(path).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    stem, dot, suffix = name.rpartition(".")
    if dot and f".{suffix}" in _KNOWN_SUFFIXES:
        name = stem
    name = name.removeprefix("estat_")
    return name if DATASET_CODE.fullmatch(name) else None


def user_dataset_from_filename(path: str | Path) -> str:
    """Dataset code for the user's own tidy file: "user_" + the cleaned file stem."""
    name = Path(path).name.lower()
    for suffix in (".gz", ".csv", ".xlsx", ".txt", ".tsv"):
        name = name.removesuffix(suffix)
    stem = re.sub(r"[^a-z0-9]+", "_", name).strip("_") or "file"
    return f"user_{stem}"[:64]


def resolve_dataset(
    path: str | Path, explicit: str | None, from_content: str | None, from_name: str | None
) -> str:
    """Pick the dataset code: explicit argument, else the file's own, else the file name's.

    Raises when none is available or the chosen code is not ^[a-z0-9_]{2,64}$.
    """
    if explicit is not None:
        code = explicit.strip()
        origin = "the dataset argument"
    elif from_content:
        code = from_content.strip().lower()
        origin = "the file content"
    elif from_name:
        code = from_name
        origin = "the file name"
    else:
        raise InputFileError(
            path,
            "cannot tell the dataset code from the file content or its name; "
            "pass it explicitly (e.g. --dataset nama_10r_3gdp)",
        )
    if not DATASET_CODE.fullmatch(code):
        raise InputFileError(
            path,
            f"dataset code {code!r} (from {origin}) must be 2-64 characters of a-z, 0-9 and _",
        )
    return code


# ---------------------------------------------------------------- values ---


def parse_numbers(
    cells: Sequence[str] | np.ndarray, *, decimal_comma: bool = False
) -> tuple[np.ndarray, int | None]:
    """Parse number strings to float64; "" and ":" (after stripping) give NaN.

    Returns (values, index of the first cell that is not a number or None). Strict: no
    thousands separators, no "nan"/"inf"; with `decimal_comma` a single "," is the decimal
    mark instead of ".".
    """
    arr = pc.utf8_trim_whitespace(pa.array(list(cells), type=pa.string()))
    if decimal_comma:
        arr = pc.replace_substring(arr, ",", ".", max_replacements=1)
    missing = pc.is_in(arr, value_set=pa.array(MISSING_TOKENS))
    ok = pc.or_(missing, pc.match_substring_regex(arr, f"^{NUMBER_PATTERN}$"))
    ok = pc.fill_null(ok, True).to_numpy(zero_copy_only=False)
    if not ok.all():
        return np.empty(0), int(np.flatnonzero(~ok)[0])
    numbers = pc.if_else(missing, pa.scalar(None, pa.string()), arr)
    values = pc.cast(numbers, pa.float64()).to_numpy(zero_copy_only=False).astype("float64")
    # Digits that overflow a double (1e309) parse as infinity: not a measurement.
    infinite = np.isinf(values)
    if infinite.any():
        return np.empty(0), int(np.flatnonzero(infinite)[0])
    return values, None


def raise_on_duplicate_keys(
    frame: pd.DataFrame,
    keys: list[str],
    lines: np.ndarray,
    path: str | Path,
    column: str | None = None,
) -> None:
    """Raise when two rows share the same key; the message names both physical lines."""
    duplicated = frame.duplicated(subset=keys, keep=False).to_numpy()
    if not duplicated.any():
        return
    first = int(np.flatnonzero(duplicated)[0])
    key = tuple(frame[k].iloc[first] for k in keys)
    same = np.ones(len(frame), dtype=bool)
    for k, value in zip(keys, key, strict=True):
        same &= (frame[k] == value).to_numpy()
    first_line, second_line = (int(x) for x in lines[np.flatnonzero(same)[:2]])
    described = ", ".join(f"{k}={v}" for k, v in zip(keys, key, strict=True))
    raise InputFileError(
        path,
        f"duplicate observation ({described}) on lines {first_line} and {second_line}",
        line=second_line,
        column=column,
    )


def finish_frame(
    dims: dict[str, object],
    time_period: object,
    value: np.ndarray,
    flag: object,
) -> pd.DataFrame:
    """Assemble the RawTable frame: dimension columns, time_period, value (float64), flag.

    `flag` is stored with dtype object and None for "no flag".
    """
    frame = pd.DataFrame({**dims, "time_period": time_period})
    frame["value"] = np.asarray(value, dtype="float64")
    flags = pd.Series(flag, index=frame.index, dtype=object)
    frame["flag"] = flags.where(flags.notna(), None)
    return frame


# ---------------------------------------------------------------- sniffing ---

_JSONSTAT_MARK = re.compile(r'"class"\s*:\s*"dataset"|"version"\s*:\s*"2\.0"')


def _sniff(data: bytes, path: Path) -> tuple[str, str | None]:
    """(format, decoded text or None for xlsx)."""
    if data.startswith(_ZIP_MAGIC):
        from regiodash.ingest import tidy

        tidy.read_xlsx_header(data, path)  # raises "unknown header" when not tidy
        return "tidy", None
    if data.startswith(_OLE_MAGIC):
        raise InputFileError(
            path, "legacy Excel .xls files are not supported: save the sheet as .xlsx or CSV"
        )
    text = decode_text(data, path)
    start = text.lstrip()
    if start.startswith(("{", "[")):
        if _JSONSTAT_MARK.search(text):
            return "jsonstat", text
        raise InputFileError(
            path, f"JSON file is not a JSON-stat 2.0 dataset; expected {EXPECTED_FORMATS}", line=1
        )
    first_line = split_lines(text)[0]
    if "\\" in first_line.split("\t", 1)[0]:
        return "eurostat-tsv", text
    first_cell = re.split(r"[,;\t]", first_line, maxsplit=1)[0].strip().strip('"').upper()
    if first_cell in ("DATAFLOW", "STRUCTURE"):
        return "sdmx-csv", text
    from regiodash.ingest import tidy

    if tidy.has_tidy_header(first_line):
        return "tidy", text
    shown = first_line if len(first_line) <= 80 else first_line[:77] + "..."
    raise InputFileError(
        path, f"unknown header {shown!r}; expected {EXPECTED_FORMATS}", line=1, column=1
    )


def detect_format(path: str | Path) -> str:
    """Which of `FORMATS` the file holds, by content; InputFileError when none fits."""
    path = Path(path)
    return _sniff(read_bytes(path), path)[0]


def read_file(
    path: str | Path,
    dataset: str | None = None,
    region_names: Mapping[str, str] | None = None,
) -> RawTable:
    """Read one file into a RawTable (format sniffed from the content).

    The dataset code comes from `dataset` when given, else from the file (SDMX DATAFLOW,
    JSON-stat extension.id), else from the file name ("estat_<code>.tsv[.gz]"; "user_<stem>"
    for tidy files). `region_names` (see `labels.build_region_name_map`) lets SDMX-CSV label
    files name NUTS regions as well as countries.
    """
    # Parsers import the primitives above from this module; importing them here keeps the
    # import graph acyclic.
    from regiodash.ingest import eurostat_tsv, jsonstat, sdmx_csv, tidy

    path = Path(path)
    data = read_bytes(path)
    fmt, text = _sniff(data, path)
    if fmt == "tidy" and text is None:
        return tidy.parse_tidy_xlsx(data, path, dataset)
    assert text is not None
    if fmt == "eurostat-tsv":
        return eurostat_tsv.parse_eurostat_tsv(text, path, dataset)
    if fmt == "sdmx-csv":
        return sdmx_csv.parse_sdmx_csv(text, path, dataset, region_names)
    if fmt == "jsonstat":
        return jsonstat.parse_jsonstat(text, path, dataset)
    return tidy.parse_tidy_csv(text, path, dataset)
