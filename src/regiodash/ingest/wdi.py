"""World Bank World Development Indicators (WDI): the bulk CSV layout, read as published.

The World Bank's download of one indicator is a zip of three CSVs:
`API_<indicator>_DS2_<lang>_csv_v2_<n>.csv` (the values) with its companions
`Metadata_Country_API_...csv` and `Metadata_Indicator_API_...csv`. The data file starts with a
UTF-8 BOM and four preamble lines (`"Data Source","World Development Indicators",`, a blank
line, `"Last Updated Date","YYYY-MM-DD",`, a blank line); line 5 is the header
`"Country Name","Country Code","Indicator Name","Indicator Code","1960",...,"<last year>",`.
Every value is quoted, every line ends with a comma (an empty, unnamed last column), a missing
value is `""`, and line ends are CRLF as served (LF after some git round trips). The metadata
companions hold quoted fields with line breaks inside, so everything here goes through the csv
module, never through a split on lines.

Grain of the resulting RawTable: one row per indicator, economy and year that has a value; an
empty cell is missing and gives no row (never a zero). Dimension columns: `indicator` (the
published code, e.g. SL.TLF.CACT.FE.ZS), `series` (the code without its sex segment,
SL.TLF.CACT.ZS), `sex` (F for a `.FE` segment, M for `.MA`, T otherwise) and `geo` (the
two-letter code of `wdi_countries`: EL, UK, MA, PS ...). `flag` is always None: WDI has no
observation flags. Units are the indicator's own (its name says them, e.g. "% of population").

Rows that are no economy are skipped and counted in the import summary: the World Bank's
aggregates (regions such as "Arab World", income groups, EUU) and INX "Not classified". A
country code that is neither in the committed code table nor marked as an aggregate by the
file's Metadata_Country companion fails the whole file, naming the codes and their lines;
so does any other problem (unknown layout, a short line, a value that is no number, a second
indicator in one file), and nothing is written.

Each WDI series becomes its own dataset, `wdi_<series code, lower case, dots as underscores>`
(e.g. wdi_sl_tlf_cact_zs), so the female and male files of one series land in one raw file
and the catalog (indicators.catalog) reads a series by its dataset code.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from indicators.catalog import CATALOG
from regiodash.errors import InputFileError
from regiodash.ingest.model import RawTable
from regiodash.ingest.text import CUT_FILE_MESSAGE, ends_with_line_break
from regiodash.ingest.wdi_countries import WDI_COUNTRIES_FILE, load_wdi_countries

FORMAT = "wdi"
SOURCE = "worldbank"
DIMENSIONS = ["indicator", "series", "sex", "geo"]
HEADER_START = ["Country Name", "Country Code", "Indicator Name", "Indicator Code"]
_YEAR = re.compile(r"[12][0-9]{3}")
_SEX_SEGMENTS = {"FE": "F", "MA": "M"}
_PREAMBLE_LINES = 10
"""The header must come within this many lines (it is line 5 in every published file)."""


def wdi_layout(first_line: str) -> str | None:
    """"data" for a WDI bulk data file, "metadata" for one of its companions, else None."""
    cells = next(csv.reader([first_line]), [])
    cells = [c.strip().lstrip("\ufeff") for c in cells]
    if cells[:2] == ["Data Source", "World Development Indicators"]:
        return "data"
    if cells[:2] == ["Country Code", "Region"] or cells[:2] == ["INDICATOR_CODE",
                                                                "INDICATOR_NAME"]:
        return "metadata"
    return None


def series_and_sex(indicator: str) -> tuple[str, str]:
    """(series, sex) of a WDI indicator code: the WDI codes of one measure by sex differ by
    one segment, FE or MA ("SL.TLF.CACT.FE.ZS", "SE.TER.ENRR.MA"); ratios such as
    SL.TLF.CACT.FM.ZS keep sex T."""
    parts = indicator.split(".")
    for i, part in enumerate(parts):
        if part in _SEX_SEGMENTS and i > 0:
            return ".".join(parts[:i] + parts[i + 1:]), _SEX_SEGMENTS[part]
    return indicator, "T"


def dataset_for_series(series: str) -> str:
    """The dataset code a WDI series is stored and read under: "wdi_sl_tlf_cact_zs"."""
    return "wdi_" + re.sub(r"[^a-z0-9]+", "_", series.lower()).strip("_")


def companion_path(path: Path, kind: str) -> Path:
    """Metadata_<kind>_<data file name> beside the data file ("Country" or "Indicator")."""
    return path.with_name(f"Metadata_{kind}_{path.name}")


def _records(text: str, path: Path) -> Iterator[tuple[int, list[str]]]:
    """(physical line of the record's last line, cells) of every CSV record."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise InputFileError(path, f"malformed CSV ({exc})", line=reader.line_num) from exc


def _read_header(records: Iterator[tuple[int, list[str]]], path: Path
                 ) -> tuple[list[str], int, str | None]:
    """(header cells, its line, the Last Updated Date) after the four preamble lines."""
    updated = None
    for line, row in records:
        cells = [c.strip() for c in row]
        if line == 1 and cells[:2] != ["Data Source", "World Development Indicators"]:
            raise InputFileError(path, "not a WDI bulk file: line 1 should read "
                                 '"Data Source","World Development Indicators"', line=1)
        if cells[:1] == ["Country Name"]:
            return cells, line, updated
        if cells[:1] == ["Last Updated Date"] and len(cells) > 1:
            updated = cells[1]
        elif line > 1 and any(cells):
            raise InputFileError(path, f"WDI header should start with {HEADER_START}, found "
                                 f"{cells[:4]}", line=line, column=1)
        if line >= _PREAMBLE_LINES:
            break
    raise InputFileError(path, "no WDI header (\"Country Name\",\"Country Code\",...) in the "
                         f"first {_PREAMBLE_LINES} lines", line=_PREAMBLE_LINES)


def _year_columns(header: list[str], path: Path, line: int) -> list[tuple[int, str]]:
    """(cell index, year) of the year columns; the trailing empty column is allowed."""
    if header[:4] != HEADER_START:
        raise InputFileError(path, f"WDI header should start with {HEADER_START}, found "
                             f"{header[:4]}", line=line, column=1)
    cells = header[:-1] if header and header[-1] == "" else header
    years = []
    for index, cell in enumerate(cells[4:], start=4):
        if not _YEAR.fullmatch(cell):
            raise InputFileError(path, f"WDI header cell {cell!r} is not a year", line=line,
                                 column=index + 1)
        years.append((index, cell))
    if not years:
        raise InputFileError(path, "WDI header has no year columns", line=line)
    return years


def read_country_metadata(path: Path) -> dict[str, str]:
    """ISO3 -> Region of a Metadata_Country companion ("" for aggregates); {} when absent."""
    if not path.is_file():
        return {}
    text = path.read_bytes().decode("utf-8-sig", errors="strict")
    regions: dict[str, str] = {}
    header: list[str] = []
    for line, row in _records(text, path):
        if not header:
            header = [c.strip() for c in row]
            if header[:2] != ["Country Code", "Region"]:
                raise InputFileError(path, "Metadata_Country header should start with "
                                     '"Country Code","Region"', line=line, column=1)
            continue
        if any(c.strip() for c in row):
            regions[row[0].strip()] = row[1].strip() if len(row) > 1 else ""
    return regions


def read_indicator_metadata(path: Path) -> dict[str, dict[str, str]]:
    """INDICATOR_CODE -> its row of a Metadata_Indicator companion; {} when absent."""
    if not path.is_file():
        return {}
    text = path.read_bytes().decode("utf-8-sig", errors="strict")
    rows = csv.DictReader(io.StringIO(text, newline=""))
    return {row["INDICATOR_CODE"].strip(): row for row in rows
            if row.get("INDICATOR_CODE")}


def parse_wdi_csv(text: str, path: str | Path, dataset: str | None = None) -> RawTable:
    """Read a WDI bulk data file (see the module docstring) into a RawTable.

    `dataset` overrides the dataset code derived from the series. The file's
    Metadata_Country companion, when it lies beside the file, marks aggregates the committed
    code table does not know; the Metadata_Indicator companion names the indicator in the
    summary.
    """
    path = Path(path)
    records = _records(text, path)
    header, header_line, updated = _read_header(records, path)
    years = _year_columns(header, path, header_line)
    regions = read_country_metadata(companion_path(path, "Country"))
    table = load_wdi_countries()
    data: dict[str, list] = {c: [] for c in ("geo", "time_period", "value")}
    indicator = name = None
    seen: dict[str, int] = {}
    skipped: dict[str, list[str]] = {"aggregate": [], "not_classified": []}
    unknown: list[tuple[str, int]] = []
    last_line = header_line
    for line, row in records:
        last_line = line
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            short = " (truncated line?)" if len(row) < len(header) else ""
            raise InputFileError(path, f"line has {len(row)} fields, the WDI header has "
                                 f"{len(header)}{short}", line=line)
        code, this_indicator = row[1].strip(), row[3].strip()
        if indicator is None:
            indicator, name = this_indicator, row[2].strip()
        elif this_indicator != indicator:
            raise InputFileError(path, f"a second indicator {this_indicator!r} after "
                                 f"{indicator!r}: a WDI bulk file holds one indicator",
                                 line=line, column="Indicator Code")
        country = table.get(code)
        if country is None and regions.get(code, None) == "":
            skipped["aggregate"].append(code)  # an aggregate only the companion knows
            continue
        if country is None:
            unknown.append((code, line))
            continue
        if country.kind != "economy":
            skipped[country.kind].append(code)
            continue
        if code in seen:
            raise InputFileError(path, f"country {code} appears twice (first on line "
                                 f"{seen[code]})", line=line, column="Country Code")
        seen[code] = line
        for index, year in years:
            cell = row[index].strip()
            if not cell:
                continue  # missing is missing: no row
            try:
                value = float(cell)
            except ValueError:
                raise InputFileError(path, f"value {cell!r} for {code} is not a number",
                                     line=line, column=year) from None
            data["geo"].append(country.geo_code)
            data["time_period"].append(year)
            data["value"].append(value)
    if unknown:
        named = ", ".join(f"{c} (line {n})" for c, n in unknown[:20])
        raise InputFileError(
            path, f"{len(unknown)} country code(s) not in the World Bank code table "
            f"({WDI_COUNTRIES_FILE.name}) nor marked as aggregates by a Metadata_Country "
            f"companion: {named}; nothing was imported", line=unknown[0][1],
            column="Country Code")
    if indicator is None:
        raise InputFileError(path, "WDI file has a header but no country rows",
                             line=header_line + 1)
    if not ends_with_line_break(text):
        raise InputFileError(path, f"{CUT_FILE_MESSAGE} (every WDI file ends with one)",
                             line=last_line)
    meta = read_indicator_metadata(companion_path(path, "Indicator")).get(indicator, {})
    return build_table(pd.DataFrame(data), indicator, meta.get("INDICATOR_NAME") or name or "",
                       updated, len(seen), skipped, path, dataset)


def build_table(values: pd.DataFrame, indicator: str, name: str, updated: str | None,
                economies: int, skipped: dict[str, list[str]], path: str | Path,
                dataset: str | None = None) -> RawTable:
    """The RawTable of one WDI indicator from its rows (columns geo, time_period, value; one
    row per economy and year with a value), with the import summary as its first note.
    Shared by the bulk CSV reader and the World Bank API fetch."""
    series, sex = series_and_sex(indicator)
    frame = values[["geo", "time_period", "value"]].copy()
    frame.insert(0, "indicator", indicator)
    frame.insert(1, "series", series)
    frame.insert(2, "sex", sex)
    frame["value"] = frame["value"].astype("float64")
    frame["flag"] = pd.Series([None] * len(frame), dtype=object, index=frame.index)
    notes = [_summary(indicator, name, updated, len(frame), economies, skipped)]
    code = dataset or dataset_for_series(series)
    if not any(entry.dataset == code for entry in CATALOG):
        notes.append(f"WDI series {series} is not in the indicator catalog: kept in the raw "
                     "layer (source worldbank), no indicator reads it")
    return RawTable(dataset=code, format=FORMAT, frame=frame.reset_index(drop=True),
                    source_path=path, dimensions=list(DIMENSIONS), notes=notes)


def sex_variants(series: str) -> list[str]:
    """The WDI codes of a series by sex: total, female, male ("SL.TLF.CACT.ZS" ->
    SL.TLF.CACT.ZS, SL.TLF.CACT.FE.ZS, SL.TLF.CACT.MA.ZS; "SE.TER.ENRR" -> SE.TER.ENRR,
    SE.TER.ENRR.FE, SE.TER.ENRR.MA)."""
    parts = series.split(".")
    cut = len(parts) - 1 if parts[-1] == "ZS" else len(parts)
    return [series] + [".".join([*parts[:cut], s, *parts[cut:]]) for s in ("FE", "MA")]


def _summary(indicator: str, name: str, updated: str | None, values: int, economies: int,
             skipped: dict[str, list[str]]) -> str:
    aggregates = skipped["aggregate"]
    shown = ", ".join(aggregates[:5]) + (" ..." if len(aggregates) > 5 else "")
    return (f"World Bank WDI {indicator} ({name}; last updated {updated or 'not stated'}; "
            f"CC BY 4.0): {values:,} values for {economies} economies; skipped "
            f"{len(aggregates)} aggregate rows ({shown or 'none'}) and "
            f"{len(skipped['not_classified'])} 'Not classified' row(s)")
