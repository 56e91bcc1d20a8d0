"""NUTS codes: level, country, extra-regio, and which NUTS version a set of codes belongs to.

Eurostat writes a NUTS code as the two-letter country code (EL for Greece, UK for the United
Kingdom) followed by one character per level: "DE" (level 0), "DE2" (1), "DE21" (2),
"DE212" (3). Codes made only of Z after the country ("DEZ", "DEZZ", "DEZZZ") are extra-regio
territories (embassies, continental shelf ...) that belong to no region. Supranational
aggregates such as "EU27_2020", "EA20" or "EU28" have level -1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from regiodash.errors import InputFileError

AGGREGATE_LEVEL = -1
"""`nuts_level_of` value for supranational aggregates (EU27_2020, EA20, EU28 ...)."""

NUTS_REGIONS_FILE = "nuts_regions.parquet"

_NUTS_CODE = re.compile(r"[A-Z]{2}[A-Z0-9]{0,3}")
# EU, EA, EEA, EFTA alone or followed by a digit/underscore: EU27_2020, EA20, EA19, EU28,
# EU15, EA11-1999 ... Two letters "EU"/"EA" are aggregates, never countries.
_AGGREGATE = re.compile(r"(?:EU|EA|EEA|EFTA)(?:[0-9_][A-Z0-9_\-]*)?")


def nuts_level_of(code: str) -> int | None:
    """NUTS level of a geo code: -1 aggregate, 0 country, 1-3 region; None if not a NUTS code.

    Extra-regio codes get the level their length implies (DEZ 1, DEZZ 2, DEZZZ 3).
    """
    code = code.strip().upper()
    if _AGGREGATE.fullmatch(code):
        return AGGREGATE_LEVEL
    if _NUTS_CODE.fullmatch(code):
        return len(code) - 2
    return None


def is_extra_regio(code: str) -> bool:
    """True for extra-regio codes: a country code followed only by Z (DEZ, DEZZ, DEZZZ).

    "CZ" (Czechia) is a country, not extra-regio.
    """
    code = code.strip().upper()
    level = nuts_level_of(code)
    return level is not None and level >= 1 and set(code[2:]) == {"Z"}


def country_of(code: str) -> str | None:
    """Two-letter country code of a NUTS code ("DE212" -> "DE"); None for aggregates/non-NUTS."""
    level = nuts_level_of(code)
    if level is None or level < 0:
        return None
    return code.strip().upper()[:2]


def _version_sort_key(version: str) -> tuple[int, str]:
    digits = re.sub(r"\D", "", version)
    return (int(digits) if digits else -1, version)


def detect_nuts_version(
    codes: Iterable[str], known: Mapping[str, set[str]]
) -> tuple[str | None, dict]:
    """Pick the NUTS version whose code set covers most of the regional codes in `codes`.

    Only distinct regional codes count (levels 1-3); countries, aggregates, extra-regio codes
    and non-NUTS codes are ignored. Ties go to the newest version. Returns (None, details) when
    no regional code matches any version.

    `details` holds: "regional_codes" (how many distinct codes were compared), "versions"
    ({version: {"matched": n, "unmatched": n}}), "unmatched_sample" (up to 10 codes, sorted, not
    in the chosen version, or in no version when none was chosen).
    """
    regional = set()
    for raw in codes:
        code = str(raw).strip().upper()
        level = nuts_level_of(code)
        if level is not None and level >= 1 and not is_extra_regio(code):
            regional.add(code)
    per_version = {
        version: {
            "matched": len(regional & known[version]),
            "unmatched": len(regional - known[version]),
        }
        for version in sorted(known, key=_version_sort_key)
    }
    best: str | None = None
    best_matched = 0
    for version, counts in per_version.items():  # oldest first, so >= lets the newest win ties
        if counts["matched"] > 0 and counts["matched"] >= best_matched:
            best, best_matched = version, counts["matched"]
    if best is not None:
        unknown = regional - known[best]
    else:
        every = set().union(*known.values()) if known else set()
        unknown = regional - every
    details = {
        "regional_codes": len(regional),
        "versions": per_version,
        "unmatched_sample": sorted(unknown)[:10],
    }
    return best, details


def row_versions(
    codes: Iterable[str], known: Mapping[str, set[str]], table_version: str | None
) -> dict[str, str | None]:
    """The NUTS version to stamp on each distinct code of a table whose version is
    `table_version` (from `detect_nuts_version`).

    A regional code (levels 1-3) known in the table's version gets it; one that only other
    versions know gets the newest of those (Eurostat tables mix a few codes of a neighbouring
    version, e.g. a 2024 table keeping a 2021 series); one known in no version gets None, so
    it is never stamped with a wrong version. Countries, aggregates, extra-regio and non-NUTS
    codes get the table's version.
    """
    by_newest = sorted(known, key=_version_sort_key, reverse=True)
    versions: dict[str, str | None] = {}
    for raw in codes:
        code = str(raw).strip().upper()
        level = nuts_level_of(code)
        if level is None or level < 1 or is_extra_regio(code):
            versions[str(raw)] = table_version
        elif table_version is not None and code in known.get(table_version, ()):
            versions[str(raw)] = table_version
        else:
            versions[str(raw)] = next((v for v in by_newest if code in known[v]), None)
    return versions


def load_known_codes(reference_dir: str | Path) -> dict[str, set[str]]:
    """Read {nuts_version: set of geo codes} from `reference_dir`/nuts_regions.parquet.

    `reference_dir` may also be the parquet file itself. Raises InputFileError when the file is
    missing or lacks the geo_code / nuts_version columns.
    """
    import pandas as pd

    path = Path(reference_dir)
    if path.is_dir() or path.suffix != ".parquet":
        path = path / NUTS_REGIONS_FILE
    if not path.is_file():
        raise InputFileError(
            path,
            "NUTS reference table not found; it is built into data/reference/ "
            "(columns geo_code, nuts_version, ...) before NUTS versions can be detected",
        )
    try:
        frame = pd.read_parquet(path, columns=["geo_code", "nuts_version"])
    except (KeyError, ValueError) as exc:
        raise InputFileError(path, f"cannot read columns geo_code and nuts_version: {exc}") from exc
    known: dict[str, set[str]] = {}
    for version, group in frame.groupby(frame["nuts_version"].astype(str)):
        known[str(version)] = set(group["geo_code"].astype(str).str.strip().str.upper())
    return known
