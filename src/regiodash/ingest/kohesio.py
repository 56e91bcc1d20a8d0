"""Read a Kohesio beneficiary export (cohesion-policy beneficiaries aggregated by region).

Layout (Kohesio's "export beneficiaries" TSV, UTF-8): a header
`Country, Region, Beneficiary Name, Total Budget, EU Contribution, Number of Projects,
Transliterated Name` and a trailing tab on every line (an empty eighth cell). Countries and
regions are English names, no NUTS codes; amounts are EUR written as plain or scientific
decimals ("2.618457732E7"); an empty amount is missing (kept as missing, never zero). Names are
written as published, quotes included: the exporter does not CSV-quote them (a name such as
`"Zora-ES" EOOD` or `SIA "Tenisa centrs "Lielupe""` is the literal name), so lines are split
on tabs only - a quote-aware CSV reader would join lines.

Grain of `KohesioExport.frame`: one row per line of the file, i.e. per beneficiary and region
as exported (a beneficiary working in several regions is listed in each, with its whole
budget: see `mark_multi_region`).

Every problem raises one InputFileError naming the file, line and column: a line with the
wrong number of cells, an amount that is not a non-negative number, a project count that is
not a positive whole number, a country that is no EU member state, an empty region or name,
and rows repeated exactly (the exporter's paging repeats rows; the import refuses them unless
asked to drop the repeats, and then lists every dropped line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from regiodash.errors import InputFileError
from regiodash.ingest.region_names import strip_accents, transliterate_cyrillic
from regiodash.ingest.text import split_lines

HEADER = ("Country", "Region", "Beneficiary Name", "Total Budget", "EU Contribution",
          "Number of Projects", "Transliterated Name")
COUNTRY_CODES: dict[str, str] = {
    "Austria": "AT", "Belgium": "BE", "Bulgaria": "BG", "Croatia": "HR", "Cyprus": "CY",
    "Czechia": "CZ", "Czech Republic": "CZ", "Denmark": "DK", "Estonia": "EE",
    "Finland": "FI", "France": "FR", "Germany": "DE", "Greece": "EL", "Hungary": "HU",
    "Ireland": "IE", "Italy": "IT", "Latvia": "LV", "Lithuania": "LT", "Luxembourg": "LU",
    "Malta": "MT", "Netherlands": "NL", "Poland": "PL", "Portugal": "PT", "Romania": "RO",
    "Slovakia": "SK", "Slovenia": "SI", "Spain": "ES", "Sweden": "SE",
}
"""The EU member states Kohesio covers, by the English name its exports use."""
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_COUNT = re.compile(r"\d+")

CLUSTER_PATTERN = re.compile(r"\b(?:cluster|klaster|klastr|klaszter)\w*")
"""A word starting with cluster / klaster (bg, hr, lt 'klasteris', lv, sl) / klastr (cs)
/ klaszter (hu), matched in the lower-cased Latin name *with* its diacritics, so that the
Czech and Slovak 'klášter' / 'kláštor' (monastery, also in place names such as Klášterec nad
Ohří) and the Polish 'klasztor' do not count."""


@dataclass
class KohesioExport:
    """A parsed export: `frame` (module doc) and the exactly repeated lines dropped."""

    frame: pd.DataFrame
    source_path: str | Path
    dropped_duplicates: list[tuple[int, int]] = field(default_factory=list)
    """(dropped line, line it repeats) for every exact repeat, when asked to drop them."""


def latin_name(name: str, transliterated: object) -> str:
    """The name in Latin script: the export's transliteration when given, else the name
    itself with any Cyrillic transliterated (Bulgarian streamlined system)."""
    if isinstance(transliterated, str) and transliterated.strip():
        return transliterate_cyrillic(transliterated)  # the export leaves some Ь in place
    return transliterate_cyrillic(name)


def is_cluster_name(name: str, transliterated: str | None = None) -> bool:
    """True when the beneficiary's Latin name marks it as a cluster or cluster organisation
    (CLUSTER_PATTERN)."""
    return CLUSTER_PATTERN.search(latin_name(name, transliterated).lower()) is not None


def _amount(cell: str, path: str | Path, line: int, column: str) -> float:
    text = cell.strip()
    if not text:
        return np.nan
    if not _NUMBER.fullmatch(text):
        raise InputFileError(path, f"{column} {text!r} is not a number", line=line,
                             column=column)
    value = float(text)
    if value < 0:
        raise InputFileError(path, f"{column} {text} is negative", line=line, column=column)
    return value


def _cells(line_text: str, path: str | Path, line: int) -> list[str]:
    cells = line_text.split("\t")
    if len(cells) == len(HEADER) + 1 and not cells[-1].strip():
        cells = cells[:-1]  # the exporter's trailing tab
    if len(cells) != len(HEADER):
        raise InputFileError(path, f"expected {len(HEADER)} tab-separated cells (and an "
                             f"optional trailing tab), found {len(cells)}", line=line)
    return cells


def _parse_row(cells: list[str], path: str | Path, line: int) -> tuple:
    country, region, name, budget, eu, projects, translit = (c.strip() for c in cells)
    if country not in COUNTRY_CODES:
        raise InputFileError(path, f"country {country!r} is not an EU member state of the "
                             "Kohesio exports", line=line, column="Country")
    if not region:
        raise InputFileError(path, "empty region", line=line, column="Region")
    if not name:
        raise InputFileError(path, "empty beneficiary name", line=line,
                             column="Beneficiary Name")
    if not _COUNT.fullmatch(projects) or int(projects) < 1:
        raise InputFileError(path, f"Number of Projects {projects!r} is not a whole number "
                             "of at least 1", line=line, column="Number of Projects")
    return (line, country, COUNTRY_CODES[country], region, name, translit or None,
            _amount(budget, path, line, "Total Budget"),
            _amount(eu, path, line, "EU Contribution"), int(projects))


def _repeats(rows: list[tuple]) -> list[tuple[int, int]]:
    """(line, first line) of every row equal in all cells to an earlier row."""
    first: dict[tuple, int] = {}
    out = []
    for row in rows:
        key = tuple("nan" if isinstance(v, float) and np.isnan(v) else v for v in row[1:])
        if key in first:
            out.append((row[0], first[key]))
        else:
            first[key] = row[0]
    return out


def parse_kohesio_export(text: str, path: str | Path,
                         drop_duplicates: bool = False) -> KohesioExport:
    """Parse the export's text (module doc). Columns of the frame: line (physical line of
    the file), country, country_code, region, beneficiary_name, transliterated_name (None
    when the export gives none), total_budget_eur, eu_contribution_eur (float, NaN when
    empty), projects (int)."""
    lines = split_lines(text)
    if not lines:
        raise InputFileError(path, "empty file", line=1)
    header = tuple(c.strip().lstrip("\ufeff") for c in _cells(lines[0], path, 1))
    if header != HEADER:
        raise InputFileError(path, f"header is not the Kohesio beneficiary export's "
                             f"({', '.join(HEADER)})", line=1)
    rows = [_parse_row(_cells(t, path, n), path, n)
            for n, t in enumerate(lines[1:], start=2) if t.strip()]
    if not rows:
        raise InputFileError(path, "no beneficiary rows after the header", line=2)
    repeats = _repeats(rows)
    if repeats and not drop_duplicates:
        shown = ", ".join(f"line {a} repeats line {b}" for a, b in repeats[:10])
        more = f" and {len(repeats) - 10} more" if len(repeats) > 10 else ""
        raise InputFileError(
            path, f"{len(repeats)} beneficiary rows repeat an earlier row exactly: {shown}"
            f"{more}. Nothing was written. Re-export the data, or import with "
            "--drop-duplicates to keep the first of each (every dropped line is listed)",
            line=repeats[0][0])
    dropped = {a for a, _ in repeats}
    frame = pd.DataFrame(
        [r for r in rows if r[0] not in dropped],
        columns=["line", "country", "country_code", "region", "beneficiary_name",
                 "transliterated_name", "total_budget_eur", "eu_contribution_eur",
                 "projects"])
    return KohesioExport(frame, path, repeats)


def mark_multi_region(frame: pd.DataFrame) -> pd.Series:
    """True for rows whose beneficiary, budget, EU contribution and project count occur
    identically in another region of the same country: Kohesio lists a beneficiary of a
    multi-region operation (a national agency, a road company) under every region with its
    whole amount, so such rows must be counted once when regions are added up."""
    key = ["country_code", "beneficiary_name", "total_budget_eur", "eu_contribution_eur",
           "projects"]
    regions = frame.groupby(key, dropna=False)["region"].transform("nunique")
    return (regions > 1).rename("multi_region")


def add_name_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` plus name_latin (latin_name) and is_cluster (is_cluster_name)."""
    latin = [latin_name(n, t) for n, t in zip(frame["beneficiary_name"],
                                              frame["transliterated_name"], strict=True)]
    out = frame.assign(name_latin=latin)
    out["is_cluster"] = [CLUSTER_PATTERN.search(n.lower()) is not None for n in latin]
    out["name_search"] = [strip_accents(n).lower() for n in latin]
    return out
