"""Reader for the European Innovation Scoreboard 2023 table (`EIS_Data_transformed.xlsx`).

The file (see ../shared/data/real/PROVENANCE.md) is wide: one row per year (2016-2023),
country and `Level` (0 and 1, the same numbers twice), columns Year, Country, CountryName,
Perf, Level, Zone, then `0 Summary Innovation Index`, the 12 dimensions (`1.1 Human
resources`) and the 32 indicators (`1.1.1 New doctorate graduates`). Every score is relative to
the EU in 2016 (= 100) and stored as text with float artefacts ('37.960999999999999', read
as 37.961: values are rounded to 9 decimals, the EIS publishes 3); 'n/a' is a missing value.
The workbook's drawing relation is broken, so it is opened read-only.

`read_eis` gives tidy rows (INPUT_COLUMNS): one per indicator id, country and year, sex 'T',
nuts_level 0 (the row 'EU Average' becomes EU27_2020 at level -1), nuts_version None (a
country table: the codes are the EIS's, which include non-NUTS countries such as BA and UA),
flag None, source 'eis'. Ids: `eis_1_1_1` for indicator 1.1.1, `eis_1_1` for dimension 1.1,
`eis_summary_innovation_index` for the published index. 'n/a' rows are absent (missing is
missing, never zero); a '0' is a real score of 0. Text that is not a number is refused with
the sheet cell named.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd

from indicators.composite_spec import builtin_spec
from indicators.composite_table import composite_table, run_spec
from regiodash.errors import RegiodashError

SII_ID = "eis_summary_innovation_index"
EU_ROW = "EU Average"
EU_CODE = "EU27_2020"
SOURCE = "eis"
FIXED_COLUMNS = ("Year", "Country", "CountryName", "Perf", "Level", "Zone")
_CODE = re.compile(r"^(\d+(?:\.\d+)*)\s+(.+)$")
_MISSING = {"n/a", ""}
ARTEFACT_DECIMALS = 9


class EisFormatError(RegiodashError):
    """The workbook is not the EIS table this reader knows; the message names the cell."""


@dataclass(frozen=True)
class EisTable:
    """values: tidy rows (see the module doc); indicators: one row per column read, with
    indicator_id, code ('1.1.1'), title, kind ('index', 'dimension', 'indicator');
    groups: one row per country and year with the published performance group (Perf)."""

    values: pd.DataFrame
    indicators: pd.DataFrame
    groups: pd.DataFrame

    @property
    def indicator_ids(self) -> list[str]:
        """The 32 indicator ids (kind 'indicator'), in the file's order."""
        ind = self.indicators
        return ind.loc[ind["kind"] == "indicator", "indicator_id"].tolist()


def _column_id(code: str) -> tuple[str, str]:
    if code == "0":
        return SII_ID, "index"
    kind = {1: "dimension", 2: "indicator"}.get(code.count("."), "")
    return "eis_" + code.replace(".", "_"), kind


def _cell_name(row: int, col: int) -> str:
    return f"{openpyxl.utils.get_column_letter(col + 1)}{row}"


def _number(text: object, path: Path, row: int, col: int) -> float | None:
    if text is None or (isinstance(text, str) and text.strip() in _MISSING):
        return None
    try:
        value = float(str(text).strip()) if not isinstance(text, int | float) else float(text)
    except ValueError:
        raise EisFormatError(f"{path}, sheet cell {_cell_name(row, col)}: {text!r} is not a "
                             "number or 'n/a'") from None
    if not math.isfinite(value):
        raise EisFormatError(f"{path}, sheet cell {_cell_name(row, col)}: {text!r} is not finite")
    # '123.59800000000001' is 123.598 printed with 17 digits by the pivot: the EIS publishes 3
    # decimals, so rounding to 9 removes the artefact and never touches a published digit
    return round(value, ARTEFACT_DECIMALS)


def read_eis(path: str | Path) -> EisTable:
    """The EIS table at `path` as tidy rows (see the module doc). EisFormatError when the
    header is not the EIS layout, a score is not a number, or the Level 0 and Level 1 copies
    of a country-year disagree."""
    path = Path(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError) as exc:  # zipfile/openpyxl errors on a bad file
        raise EisFormatError(f"{path}: not a readable .xlsx workbook ({exc})") from exc
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # the file's stored dimension says A1: read every row
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        raise EisFormatError(f"{path}: the first sheet is empty")
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    if tuple(header[: len(FIXED_COLUMNS)]) != FIXED_COLUMNS:
        raise EisFormatError(f"{path}, row 1: expected columns {', '.join(FIXED_COLUMNS)} "
                             f"first, found {header[: len(FIXED_COLUMNS)]}")
    columns = []
    for col, name in enumerate(header[len(FIXED_COLUMNS):], start=len(FIXED_COLUMNS)):
        m = _CODE.match(name)
        if not m:
            raise EisFormatError(f"{path}, cell {_cell_name(1, col)}: column {name!r} does not "
                                 "start with an EIS code such as '1.1.1'")
        ident, kind = _column_id(m.group(1))
        columns.append((col, ident, m.group(1), m.group(2), kind))
    records: dict[tuple[str, int, str], tuple[float, int]] = {}
    groups = {}
    for number, row in enumerate(rows[1:], start=2):
        if all(v is None for v in row):
            continue
        country, year = str(row[1]).strip(), int(str(row[0]).strip())
        geo = EU_CODE if country == EU_ROW else country
        groups[(geo, year)] = row[3]
        for col, ident, *_ in columns:
            value = _number(row[col] if col < len(row) else None, path, number, col)
            if value is None:
                continue
            key = (geo, year, ident)
            if key in records and records[key][0] != value:
                raise EisFormatError(
                    f"{path}, sheet cell {_cell_name(number, col)}: {value!r} differs from "
                    f"{records[key][0]!r} on row {records[key][1]} (the two Level rows of "
                    f"{country} {year} must agree)")
            records.setdefault(key, (value, number))
    return _table(records, columns, groups)


def _table(records: dict, columns: list, groups: dict) -> EisTable:
    keys = sorted(records)
    values = pd.DataFrame({
        "indicator_id": [k[2] for k in keys],
        "geo_code": [k[0] for k in keys],
        "nuts_level": [-1 if k[0] == EU_CODE else 0 for k in keys],
        "nuts_version": pd.Series([None] * len(keys), dtype=object),
        "year": [k[1] for k in keys],
        "sex": "T",
        "value": [records[k][0] for k in keys],
        "flag": pd.Series([None] * len(keys), dtype=object),
        "source": SOURCE,
    })
    values = values.astype({"nuts_level": "int64", "year": "int64", "value": "float64"})
    indicators = pd.DataFrame(
        [(ident, code, title, kind) for _, ident, code, title, kind in columns],
        columns=["indicator_id", "code", "title", "kind"])
    group_frame = pd.DataFrame(
        [(g, y, p) for (g, y), p in sorted(groups.items())], columns=["geo_code", "year", "perf"])
    return EisTable(values, indicators, group_frame)


# --- the reproduction of the published index -------------------------------------------------

EIS_SPEC = "eis_summary_innovation_index"
"""The shipped spec (indicators/specs/eis_summary_innovation_index.toml) rebuilding the SII."""


def rebuild_summary_index(table: EisTable) -> pd.DataFrame:
    """The Summary Innovation Index rebuilt from the 32 indicator scores with the shipped
    spec, next to the published one. Grain: one row per country (and EU27_2020) and year of
    the published index: geo_code, year, published, rebuilt (NaN where the composite has no
    value), diff (rebuilt - published). The EU's own rebuilt value is its reference score of
    the year over that of 2016, x 100."""
    spec = builtin_spec(EIS_SPEC)
    result = run_spec(table.values, spec, dict.fromkeys(table.indicator_ids))
    rebuilt = composite_table(result, spec)[["geo_code", "year", "value"]]
    ref = result.reference.loc[result.reference["nuts_level"] == 0].set_index("year")["eu_score"]
    if spec.base_year in ref.index:
        eu = (ref / ref[spec.base_year] * 100.0).rename("value").reset_index()
        rebuilt = pd.concat([rebuilt, eu.assign(geo_code=EU_CODE)], ignore_index=True)
    published = table.values.loc[table.values["indicator_id"] == SII_ID,
                                 ["geo_code", "year", "value"]]
    out = published.rename(columns={"value": "published"}).merge(
        rebuilt.rename(columns={"value": "rebuilt"}), on=["geo_code", "year"], how="left")
    out["diff"] = out["rebuilt"] - out["published"]
    return out.sort_values(["geo_code", "year"]).reset_index(drop=True)


def summarise_differences(rebuilt: pd.DataFrame) -> pd.DataFrame:
    """One row per country: years compared, max and mean absolute difference (index points),
    sorted by max difference."""
    d = rebuilt.assign(abs_diff=rebuilt["diff"].abs())
    out = d.groupby("geo_code").agg(years=("year", "count"), max_abs_diff=("abs_diff", "max"),
                                    mean_abs_diff=("abs_diff", "mean"))
    return out.reset_index().sort_values(["max_abs_diff", "geo_code"]).reset_index(drop=True)
