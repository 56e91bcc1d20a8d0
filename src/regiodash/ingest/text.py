"""Bytes to text to rows: the reading primitives every file parser shares.

Gzip-compressed input is decompressed transparently (by content, not file name). Text must be
UTF-8 (a BOM is fine; UTF-16 with a BOM is accepted too). Lines are physical lines (header =
line 1), and every problem is one `InputFileError` naming the file, the line and the column.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zipfile
import zlib
from pathlib import Path

from regiodash.errors import InputFileError

EXPECTED_FORMATS = (
    "a Eurostat TSV (first cell like 'freq,unit,geo\\TIME_PERIOD'), "
    "SDMX-CSV (first cell DATAFLOW or STRUCTURE), "
    'JSON-stat 2.0 (an object with "class": "dataset"), '
    "or a tidy CSV/XLSX (columns geo_code, year, value)"
)
"""What a readable file looks like, for the messages that reject one."""

_GZIP_MAGIC = b"\x1f\x8b"


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
    from openpyxl import load_workbook  # third-party, imported on first use (slow to import)

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



CUT_FILE_MESSAGE = "the file ends without a line break: it may be cut; re-download it"


def ends_with_line_break(text: str) -> bool:
    """True when the last line that holds anything ends with a line break.

    Trailing spaces and tabs after the last line break carry no data and are ignored.
    """
    return text.rstrip(" \t").endswith("\n")


def refuse_cut_file(text: str, path: str | Path, line: int, column: str | int | None) -> None:
    """Raise when a publisher file (Eurostat TSV, SDMX-CSV) lacks its final line break.

    Every file Eurostat serves ends with a line break. Without one the file may have been cut
    inside its last cell, and a cut number is still a number ("88 p" cut to "8"), so no check
    of the last line can prove it complete: such a file is refused, naming its last line.
    """
    if not ends_with_line_break(text):
        raise InputFileError(
            path,
            f"{CUT_FILE_MESSAGE} (every file Eurostat publishes ends with one)",
            line=line,
            column=column,
        )


def check_last_record(text: str, path: str | Path, delimiter: str, line: int) -> str | None:
    """For a user's delimited file: a note when it lacks its final line break, or an error.

    Hand-made and tool-exported tidy files often end without a line break, so such a file is
    read when its last line parses completely: no quote left open (the header's field count is
    checked by `read_csv_rows`). The note asks the user to check the last value, which a cut
    could have shortened. A last line with an open quote raises InputFileError.
    """
    if ends_with_line_break(text):
        return None
    last = text.rstrip(" \t").rsplit("\n", 1)[-1]
    try:
        list(csv.reader([last], delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise InputFileError(
            path, f"{CUT_FILE_MESSAGE} (its last line is incomplete: {exc})", line=line
        ) from exc
    return (
        f"the file ends without a line break; its last line (line {line}) was read as "
        "complete: check its value"
    )
