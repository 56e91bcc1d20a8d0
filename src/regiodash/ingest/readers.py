"""Read any supported publisher or user file into a `RawTable`: sniff the format, dispatch.

Supported formats (see `FORMATS`), recognised by content, not by file name:
- "jsonstat": JSON-stat 2.0 dataset (Eurostat statistics API, `format=JSON`);
- "sdmx-csv": SDMX-CSV 1.0/2.0, codes or labels (first header cell DATAFLOW or STRUCTURE);
- "eurostat-tsv": Eurostat bulk TSV (first header cell like `unit,geo\\time`);
- "tidy": the user's own CSV/XLSX with columns geo_code, year, value;
- "wdi": World Bank WDI bulk CSV (`API_<indicator>_DS2_...csv`, first cell "Data Source").
Gzip-compressed input is decompressed transparently. Text must be UTF-8 (a BOM is fine;
UTF-16 with a BOM is accepted too).

The parsers share their primitives through `ingest.text` and `ingest.cells`, never through
this module, so imports run one way: dispatcher -> parsers -> primitives.

Every problem is raised as one `InputFileError` naming the file, the physical line (header =
line 1) and the column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from regiodash.errors import InputFileError
from regiodash.ingest import eurostat_tsv, jsonstat, sdmx_csv, tidy, wdi
from regiodash.ingest.model import RawTable
from regiodash.ingest.text import EXPECTED_FORMATS, decode_text, read_bytes, split_lines

FORMATS = ("eurostat-tsv", "sdmx-csv", "jsonstat", "tidy", "wdi")

KOHESIO_HEADER_START = "Country\tRegion\tBeneficiary Name\t"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_JSONSTAT_MARK = re.compile(r'"class"\s*:\s*"dataset"|"version"\s*:\s*"2\.0"')


def _sniff(data: bytes, path: Path) -> tuple[str, str | None]:
    """(format, decoded text or None for xlsx)."""
    if data.startswith(_ZIP_MAGIC):
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
    layout = wdi.wdi_layout(first_line)
    if layout == "data":
        return "wdi", text
    if layout == "metadata":
        raise InputFileError(path, "a WDI metadata companion file: import the API_..._DS2 data "
                             "file beside it (its companions are read from there)", line=1)
    if "\\" in first_line.split("\t", 1)[0]:
        return "eurostat-tsv", text
    first_cell = re.split(r"[,;\t]", first_line, maxsplit=1)[0].strip().strip('"').upper()
    if first_cell in ("DATAFLOW", "STRUCTURE"):
        return "sdmx-csv", text
    if tidy.has_tidy_header(first_line):
        return "tidy", text
    if first_line.lstrip("\ufeff").startswith(KOHESIO_HEADER_START):
        raise InputFileError(path, "a Kohesio beneficiary export: import it with `regiodash "
                             "kohesio FILE` (region names are matched to NUTS codes there)",
                             line=1)
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
    if fmt == "wdi":
        return wdi.parse_wdi_csv(text, path, dataset)
    return tidy.parse_tidy_csv(text, path, dataset)
