"""Map the English labels Eurostat writes in `label=label_only` files back to codes.

Every dimension the indicator catalog filters on (age, category, deg_urb, freq, indic_is,
isced11, nace_r2, prof_pos, sectperf, sex, training, unit, wst_oper, wstatus) and `geo` has a
map: Eurostat's own code lists in `codelists/<dimension>.dic` (copied byte for byte, provenance
in codelists/README.md), overlaid with the short hand-written lists below (older or newer
spellings seen in real files; a country name always wins over a region name). A label naming
two codes in one code list is not used. NUTS region names can also come from a names table
(`build_region_name_map`), consulted last.

Labels are compared after normalisation (case-folded, en/em dashes read as "-", runs of
whitespace collapsed), because Eurostat's own spelling varies ("Euro area – 20 countries (from
2023)" uses an en dash, "Euro area - 19 countries  (2015-2022)" a double space). A label with
no known code, in any dimension (also one without a code list), is returned as unmapped; the
parser keeps it as text and reports it in `RawTable.unmapped_labels`, and the import refuses
it for a catalog dataset (`ingest.catalog_coverage`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

# English labels as Eurostat writes them (GEO code list) -> code. Greece is EL and the United
# Kingdom UK, as everywhere in Eurostat.
GEO_LABELS: dict[str, str] = {
    # EU member states
    "Austria": "AT",
    "Belgium": "BE",
    "Bulgaria": "BG",
    "Croatia": "HR",
    "Cyprus": "CY",
    "Czechia": "CZ",
    "Czech Republic": "CZ",
    "Denmark": "DK",
    "Estonia": "EE",
    "Finland": "FI",
    "France": "FR",
    "Germany": "DE",
    "Germany (until 1990 former territory of the FRG)": "DE",
    "Greece": "EL",
    "Hungary": "HU",
    "Ireland": "IE",
    "Italy": "IT",
    "Latvia": "LV",
    "Lithuania": "LT",
    "Luxembourg": "LU",
    "Malta": "MT",
    "Netherlands": "NL",
    "Poland": "PL",
    "Portugal": "PT",
    "Romania": "RO",
    "Slovakia": "SK",
    "Slovenia": "SI",
    "Spain": "ES",
    "Sweden": "SE",
    # Germany in its current borders back to before 1990 is a separate Eurostat code.
    "Germany including former GDR": "DE_TOT",
    "Germany (including former GDR)": "DE_TOT",
    # EFTA and the United Kingdom
    "Iceland": "IS",
    "Liechtenstein": "LI",
    "Norway": "NO",
    "Switzerland": "CH",
    "United Kingdom": "UK",
    # candidate and potential candidate countries, neighbours
    "Albania": "AL",
    "Bosnia and Herzegovina": "BA",
    "Georgia": "GE",
    "Kosovo*": "XK",
    "Kosovo (under United Nations Security Council Resolution 1244/99)": "XK",
    "Moldova": "MD",
    "Montenegro": "ME",
    "North Macedonia": "MK",
    "Former Yugoslav Republic of Macedonia, the": "MK",
    "Serbia": "RS",
    "Türkiye": "TR",
    "Turkey": "TR",
    "Ukraine": "UA",
    "Armenia": "AM",
    "Azerbaijan": "AZ",
    "Belarus": "BY",
    "Russia": "RU",
    # supranational aggregates
    "European Union - 27 countries (from 2020)": "EU27_2020",
    "European Union - 28 countries (2013-2020)": "EU28",
    "European Union - 27 countries (2007-2013)": "EU27_2007",
    "European Union - 25 countries (2004-2006)": "EU25",
    "European Union - 15 countries (1995-2004)": "EU15",
    "European Union (EU6-1958, EU9-1973, EU10-1981, EU12-1986, EU15-1995, EU25-2004, "
    "EU27-2007, EU28-2013, EU27-2020)": "EU",
    "Euro area – 20 countries (from 2023)": "EA20",
    "Euro area - 19 countries  (2015-2022)": "EA19",
    "Euro area - 18 countries (2014)": "EA18",
    "Euro area - 17 countries (2011-2013)": "EA17",
    "Euro area - 12 countries (2001-2006)": "EA12",
    "Euro area (EA11-1999, EA12-2001, EA13-2007, EA15-2008, EA16-2009, EA17-2011, EA18-2014, "
    "EA19-2015, EA20-2023)": "EA",
    "European Free Trade Association": "EFTA",
}

SEX_LABELS: dict[str, str] = {"Females": "F", "Males": "M", "Total": "T", "Unknown": "UNK"}

FREQ_LABELS: dict[str, str] = {
    "Annual": "A",
    "Semi-annual": "S",
    "Quarterly": "Q",
    "Monthly": "M",
    "Weekly": "W",
    "Daily": "D",
}

# Spellings of unit labels as the real label-only files and Eurostat's API write them, some of
# them older or newer than the code list (PC_ACT was "Percentage of active population").
UNIT_LABELS: dict[str, str] = {
    "Percentage": "PC",
    "Number": "NR",
    "Thousand persons": "THS_PER",
    "Persons per square kilometre": "PER_KM2",
    "Percentage of gross domestic product (GDP)": "PC_GDP",
    "Euro per inhabitant": "EUR_HAB",
    "Million euro": "MIO_EUR",
    "Year": "YR",
    "Kilograms per capita": "KG_HAB",
    "Percentage of households": "PC_HH",
    "Percentage of individuals": "PC_IND",
    "Percentage of active population": "PC_ACT",
    "Percentage of total employment": "PC_EMP",
}
DEG_URB_LABELS: dict[str, str] = {
    "Cities": "DEG1",
    "Towns and suburbs": "DEG2",
    "Rural areas": "DEG3",
    "Total": "TOTAL",
}
AGE_LABELS: dict[str, str] = {"Total": "TOTAL"}
_AGE_RANGE = re.compile(r"^from (\d+) to (\d+) years$")
_AGE_UNDER = re.compile(r"^less than (\d+) years?$")
_AGE_OVER = re.compile(r"^(\d+) years or over$")

CODELIST_DIR = Path(__file__).resolve().parent / "codelists"
CODELIST_DIMENSIONS = (
    "age", "category", "deg_urb", "freq", "geo", "indic_is", "indic_sb", "indic_sbs", "isced11",
    "nace_r2", "prof_pos", "sectperf", "sex", "training", "unit", "wst_oper", "wstatus",
)  # fmt: skip
"""Dimensions with a Eurostat code list in CODELIST_DIR (`<dimension>.dic`)."""

LABEL_MAPS: dict[str, dict[str, str]] = {
    "geo": GEO_LABELS,
    "sex": SEX_LABELS,
    "freq": FREQ_LABELS,
    "unit": UNIT_LABELS,
    "deg_urb": DEG_URB_LABELS,
    "age": AGE_LABELS,
}
"""Hand-written labels, laid over the code lists (they win where both name a label)."""

_DASHES = re.compile("[\u2010-\u2015\u2212]")
_SPACES = re.compile(r"\s+")


def normalize_label(label: str) -> str:
    """Comparison key for a label: case-folded, dashes unified, whitespace collapsed."""
    return _SPACES.sub(" ", _DASHES.sub("-", label)).strip().casefold()


@functools.cache
def read_codelist(dimension: str) -> dict[str, str]:
    """{code: English label} of one Eurostat code list in CODELIST_DIR; {} when there is none.

    The `.dic` layout: one `CODE<TAB>label` line per code, no header, LF or CRLF.
    """
    if dimension not in CODELIST_DIMENSIONS:
        return {}
    text = (CODELIST_DIR / f"{dimension}.dic").read_text(encoding="utf-8")
    codes: dict[str, str] = {}
    for line in text.splitlines():
        code, tab, label = line.partition("\t")
        if tab and code.strip():
            codes[code.strip()] = label.strip()
    return codes


@functools.cache
def _lookup(dimension: str) -> dict[str, str]:
    """{normalised label: code} of one dimension: code list, then the hand-written labels."""
    by_label: dict[str, set[str]] = {}
    for code, label in read_codelist(dimension).items():
        by_label.setdefault(normalize_label(label), set()).add(code)
    lookup = {key: codes.pop() for key, codes in by_label.items() if len(codes) == 1}
    lookup.update(
        {normalize_label(label): code for label, code in LABEL_MAPS.get(dimension, {}).items()}
    )
    return lookup


def has_label_map(dimension: str) -> bool:
    """True when labels of `dimension` can be mapped back to codes."""
    return bool(_lookup(dimension))


def label_of(dimension: str, code: str) -> str | None:
    """Eurostat's English label of a code (from the code list), or None."""
    return read_codelist(dimension).get(code)


def age_code(key: str) -> str | None:
    """Eurostat AGE code for a normalised English age label ("from 25 to 64 years" -> Y25-64)."""
    if m := _AGE_RANGE.match(key):
        return f"Y{m[1]}-{m[2]}"
    if m := _AGE_UNDER.match(key):
        return f"Y_LT{m[1]}"
    if m := _AGE_OVER.match(key):
        return f"Y_GE{m[1]}"
    return None


def map_labels(
    dimension: str,
    labels: Iterable[str],
    region_names: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], list[str]]:
    """Map the distinct `labels` of one dimension to codes.

    Returns ({label: code} for the labels that have a code, sorted list of the others).
    `region_names` (from `build_region_name_map`, keys already normalised) is consulted for
    `geo` after the country/aggregate list and Eurostat's GEO code list. A dimension without a
    label map maps nothing and reports every label as unmapped.
    """
    lookup = _lookup(dimension)
    mapped: dict[str, str] = {}
    unmapped: list[str] = []
    for label in dict.fromkeys(labels):
        key = normalize_label(label)
        code = lookup.get(key)
        if code is None and dimension == "age":
            code = age_code(key)
        if code is None and dimension == "geo" and region_names:
            code = region_names.get(key)
        if code is None:
            unmapped.append(label)
        else:
            mapped[label] = code
    return mapped, sorted(unmapped)


def build_region_name_map(names: pd.DataFrame, nuts_version: str | None = None) -> dict[str, str]:
    """Normalised region name -> NUTS code, from a names table (geo_code, geo_name, nuts_version).

    Keeps only names that identify one code: a name used by two regions in the same version
    ("Luxembourg" is LU0, LU00 and LU000) is dropped, and so is a name that points to different
    codes in different versions. With `nuts_version` only that version's names are used.
    """
    frame = names[["geo_code", "geo_name", "nuts_version"]].dropna()
    if nuts_version is not None:
        frame = frame[frame["nuts_version"].astype(str) == str(nuts_version)]
    result: dict[str, str] = {}
    ambiguous: set[str] = set()
    for _, group in frame.groupby(frame["nuts_version"].astype(str)):
        keys = group["geo_name"].astype(str).map(normalize_label)
        codes = group["geo_code"].astype(str).str.strip().str.upper()
        per_key = pd.DataFrame({"key": keys, "code": codes}).drop_duplicates()
        counts = per_key["key"].value_counts()
        ambiguous.update(counts.index[counts > 1])
        for key, code in zip(per_key["key"], per_key["code"], strict=True):
            if result.setdefault(key, code) != code:
                ambiguous.add(key)
    return {key: code for key, code in result.items() if key not in ambiguous}
