"""Match region names (as publishers write them) to NUTS codes and versions.

The reference is data/reference/nuts_regions.parquet: one row per NUTS code and version with
`geo_name` (Latin script) and `geo_name_native`. A name is compared after normalisation
(`normalise_region_name`): Bulgarian Cyrillic transliterated to Latin (the official
streamlined system), accents and diacritics removed, lower case, hyphens, slashes, dots,
commas and brackets read as spaces, and administrative words such as "Province", "Region",
"County", "District", "Oblast", "megye", "województwo", "Voivodeship", "kraj", "županija"
dropped wherever they stand. So "Blagoevgrad Province", "Бургас", "Kraj Vysočina" /
"Vysočina Region" and "Bucureşti - Ilfov" find BG413, BG341, CZ063 and RO32.

What normalisation cannot find (English exonyms such as "Central Bohemian Region" or
"Vilnius County") is listed, with the code and a reason, in the committed override table
ingest/codelists/kohesio_region_overrides.csv; an override wins over the name match.

Choosing among candidates, within the region's country only:
1. the first NUTS version in PREFERRED_VERSIONS where the name occurs (2021 first: the
   version of the default map, and of the 2014-2020 programme period's last revision);
2. within it, the deepest NUTS level (publishers name the smallest unit: "Budapest" is
   HU110 rather than HU11);
3. one code left: matched; several: ambiguous (no code, every candidate listed); none:
   unmatched. Nothing is guessed.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from regiodash.errors import InputFileError

OVERRIDES_PATH = Path(__file__).parent / "codelists" / "kohesio_region_overrides.csv"
OVERRIDE_COLUMNS = ("name", "country", "nuts_code", "nuts_version", "reason")
PREFERRED_VERSIONS = ("2021", "2024", "2016", "2013")

# Bulgarian streamlined transliteration (Transliteration Act 2009), lower case; upper-case
# letters map to the capitalised form. The Kohesio export's own transliterated names use it.
_BG_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "sht", "ъ": "a", "ь": "y", "ю": "yu", "я": "ya",
    # letters of other Cyrillic alphabets, so that no Cyrillic survives
    "ё": "yo", "ы": "y", "э": "e", "є": "ye", "і": "i", "ї": "yi", "ґ": "g", "ј": "j",
    "љ": "lj", "њ": "nj", "ћ": "c", "ђ": "dj", "џ": "dz", "ѓ": "gj", "ќ": "kj", "ѕ": "dz",
}
_TRANSLIT = {ord(k): v for k, v in _BG_LATIN.items()}
_TRANSLIT.update({ord(k.upper()): v.capitalize() for k, v in _BG_LATIN.items()})
# Latin letters that Unicode does not decompose into base letter + mark.
_UNDECOMPOSED = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O",
                               "ß": "ss", "ı": "i", "ŀ": "l", "æ": "ae", "œ": "oe"})
ADMINISTRATIVE_WORDS = frozenset({
    "province", "provinces", "region", "county", "district", "oblast", "megye", "wojewodztwo",
    "voivodeship", "kraj", "zupanija", "judet", "judetul", "regija",
})
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015/\\.,;:()\[\]'\"`´’‘“”„«»]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def transliterate_cyrillic(text: str) -> str:
    """Cyrillic letters to Latin (Bulgarian streamlined system); other text unchanged."""
    return text.translate(_TRANSLIT) if _CYRILLIC.search(text) else text


def strip_accents(text: str) -> str:
    """Latin text without diacritics: 'Plzeň' -> 'Plzen', 'Łódź' -> 'Lodz', 'ş'/'ș' -> 's'."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_region_name(name: str) -> str:
    """The comparison key of a region name (module doc); '' for a name of only
    administrative words."""
    text = strip_accents(transliterate_cyrillic(str(name))).lower()
    words = [w for w in _SEPARATORS.split(text) if w and w not in ADMINISTRATIVE_WORDS]
    return " ".join(words)


@dataclass(frozen=True)
class RegionMatch:
    """How one (country, region name) pair was matched.

    status: "matched" (by normalised name), "override" (from the override table),
    "ambiguous" (several codes, none chosen: see `candidates`) or "unmatched"."""

    country: str
    name: str
    status: str
    geo_code: str | None = None
    nuts_version: str | None = None
    nuts_level: int | None = None
    candidates: tuple[str, ...] = ()
    reason: str = ""

    @property
    def is_matched(self) -> bool:
        return self.geo_code is not None


@dataclass(frozen=True)
class Override:
    name: str
    country: str
    nuts_code: str
    nuts_version: str
    reason: str


@dataclass
class NameIndex:
    """Normalised reference names: (country, key) -> [(version, level, code)], and each
    (version, code)'s level."""

    entries: dict[tuple[str, str], list[tuple[str, int, str]]] = field(default_factory=dict)
    levels: dict[tuple[str, str], int] = field(default_factory=dict)


def load_reference_names(reference_dir: str | Path) -> pd.DataFrame:
    """The reference region names: geo_code, geo_name, geo_name_native, nuts_level,
    country_code, nuts_version (levels 1-3 only; countries are matched by their own names)."""
    frame = pd.read_parquet(
        Path(reference_dir) / "nuts_regions.parquet",
        columns=["geo_code", "geo_name", "geo_name_native", "nuts_level", "country_code",
                 "nuts_version"])
    return frame[frame["nuts_level"] >= 1].reset_index(drop=True)


def build_name_index(reference: pd.DataFrame) -> NameIndex:
    """Index every Latin and native name of `reference` under its normalised key."""
    index = NameIndex()
    for row in reference.itertuples(index=False):
        level = int(row.nuts_level)
        index.levels[(row.nuts_version, row.geo_code)] = level
        for name in {row.geo_name, row.geo_name_native}:
            if not isinstance(name, str) or not name.strip():
                continue
            bucket = index.entries.setdefault((row.country_code, normalise_region_name(name)),
                                              [])
            entry = (row.nuts_version, level, row.geo_code)
            if entry not in bucket:
                bucket.append(entry)
    return index


def load_overrides(path: str | Path = OVERRIDES_PATH,
                   index: NameIndex | None = None) -> dict[tuple[str, str], Override]:
    """The override table, keyed by (country code, name as published).

    InputFileError (file, line, column) for a wrong header, an empty cell, a name listed
    twice, or - when `index` is given - a code the reference does not hold in that version.
    """
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or tuple(rows[0]) != OVERRIDE_COLUMNS:
        raise InputFileError(path, f"header must be {','.join(OVERRIDE_COLUMNS)}", line=1)
    out: dict[tuple[str, str], Override] = {}
    for line, cells in enumerate(rows[1:], start=2):
        if len(cells) != len(OVERRIDE_COLUMNS):
            raise InputFileError(path, f"expected {len(OVERRIDE_COLUMNS)} cells, found "
                                 f"{len(cells)}", line=line)
        for column, cell in zip(OVERRIDE_COLUMNS, cells, strict=True):
            if not cell.strip():
                raise InputFileError(path, "empty cell", line=line, column=column)
        item = Override(*(c.strip() for c in cells))
        key = (item.country, item.name)
        if key in out:
            raise InputFileError(path, f"{item.name!r} ({item.country}) is listed twice",
                                 line=line, column="name")
        if index is not None and (item.nuts_version, item.nuts_code) not in index.levels:
            raise InputFileError(path, f"{item.nuts_code} is no NUTS {item.nuts_version} "
                                 "code of the reference data", line=line, column="nuts_code")
        out[key] = item
    return out


def match_region_name(country: str, name: str, index: NameIndex,
                      overrides: Mapping[tuple[str, str], Override]) -> RegionMatch:
    """Match one region name of `country` (a NUTS country code such as 'BG') (module doc)."""
    override = overrides.get((country, name))
    if override is not None:
        return RegionMatch(country, name, "override", override.nuts_code,
                           override.nuts_version,
                           index.levels.get((override.nuts_version, override.nuts_code)),
                           reason=override.reason)
    found = index.entries.get((country, normalise_region_name(name)), [])
    for version in PREFERRED_VERSIONS:
        in_version = [(level, code) for v, level, code in found if v == version]
        if not in_version:
            continue
        deepest = max(level for level, _ in in_version)
        codes = sorted({code for level, code in in_version if level == deepest})
        if len(codes) == 1:
            return RegionMatch(country, name, "matched", codes[0], version, deepest)
        return RegionMatch(country, name, "ambiguous", candidates=tuple(
            f"{c} (NUTS {version})" for c in codes))
    return RegionMatch(country, name, "unmatched")


def match_region_names(pairs: Iterable[tuple[str, str]], index: NameIndex,
                       overrides: Mapping[tuple[str, str], Override]
                       ) -> dict[tuple[str, str], RegionMatch]:
    """RegionMatch for every distinct (country code, name) pair."""
    return {pair: match_region_name(pair[0], pair[1], index, overrides)
            for pair in dict.fromkeys(pairs)}
