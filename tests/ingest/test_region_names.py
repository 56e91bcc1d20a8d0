"""Tests for regiodash.ingest.region_names: normalisation, choice rules, the override table,
and every region name of the real Kohesio export."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from regiodash.config import REPO_ROOT
from regiodash.errors import InputFileError
from regiodash.ingest.kohesio import COUNTRY_CODES
from regiodash.ingest.region_names import (
    OVERRIDES_PATH,
    Override,
    build_name_index,
    load_overrides,
    load_reference_names,
    match_region_name,
    match_region_names,
    normalise_region_name,
    transliterate_cyrillic,
)

REAL = Path("/work/shared/data/real/kohesio/kohesio-data-export.tsv")
REFERENCE = REPO_ROOT / "data" / "reference"
needs_real = pytest.mark.skipif(not REAL.exists(), reason="shared real data not available")


@pytest.fixture(scope="module")
def index():
    return build_name_index(load_reference_names(REFERENCE))


@pytest.mark.parametrize(("raw", "key"), [
    ("Blagoevgrad Province", "blagoevgrad"),
    ("Plovdiv region", "plovdiv"),
    ("Split-Dalmatia County", "split dalmatia"),
    ("Bucureşti - Ilfov", "bucuresti ilfov"),   # s-cedilla
    ("București-Ilfov", "bucuresti ilfov"),     # s-comma
    ("Kraj Vysočina", "vysocina"),
    ("Vysočina Region", "vysocina"),
    ("Łódź Voivodeship", "lodz"),
    ("Pest megye", "pest"),
    ("województwo śląskie", "slaskie"),
    ("Zadarska županija", "zadarska"),
    ("Бургас", "burgas"),
    ("София (столица)", "sofiya stolitsa"),
    ("Благоевград област", "blagoevgrad"),
    ("Bruxelles/Brussel", "bruxelles brussel"),
    ("Province", ""),
])
def test_normalise_region_name(raw: str, key: str) -> None:
    assert normalise_region_name(raw) == key


def test_transliteration_follows_the_bulgarian_streamlined_system() -> None:
    assert transliterate_cyrillic("Щастливеца Жечев Юлия") == "Shtastlivetsa Zhechev Yuliya"
    assert transliterate_cyrillic("Plzeň") == "Plzeň"  # Latin text untouched


def _reference(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["geo_code", "geo_name", "geo_name_native", "nuts_level",
                                       "country_code", "nuts_version"])


def test_choice_rules_on_inline_reference() -> None:
    index = build_name_index(_reference([
        ("XX1", "Alpha", "Алфа", 2, "XX", "2016"),
        ("XX11", "Alpha", "Алфа", 3, "XX", "2016"),      # deeper level wins
        ("XX12", "Beta", None, 3, "XX", "2016"),
        ("XX19", "Beta", None, 3, "XX", "2021"),         # 2021 first
        ("XX13", "Gamma", None, 3, "XX", "2021"),
        ("XX14", "Gamma", None, 3, "XX", "2021"),        # two codes: ambiguous
        ("YY11", "Delta", None, 3, "YY", "2021"),        # other country
    ]))
    assert match_region_name("XX", "Alpha Province", index, {}).geo_code == "XX11"
    assert match_region_name("XX", "Алфа", index, {}).nuts_version == "2016"
    beta = match_region_name("XX", "Beta", index, {})
    assert (beta.geo_code, beta.nuts_version, beta.status) == ("XX19", "2021", "matched")
    gamma = match_region_name("XX", "Gamma", index, {})
    assert gamma.status == "ambiguous" and gamma.geo_code is None
    assert gamma.candidates == ("XX13 (NUTS 2021)", "XX14 (NUTS 2021)")
    assert match_region_name("XX", "Delta", index, {}).status == "unmatched"
    override = {("XX", "Gamma"): Override("Gamma", "XX", "XX14", "2021", "checked")}
    chosen = match_region_name("XX", "Gamma", index, override)
    assert (chosen.status, chosen.geo_code, chosen.reason) == ("override", "XX14", "checked")


def test_override_table_is_valid_and_needed(index) -> None:
    overrides = load_overrides(OVERRIDES_PATH, index)
    assert len(overrides) == 36
    for (country, name), item in overrides.items():
        assert item.nuts_code.startswith(country), name
        # Reviewed: every override is for a name the normalised match cannot resolve.
        assert match_region_name(country, name, index, {}).status != "matched", name


def test_override_table_errors_name_line_and_column(tmp_path: Path, index) -> None:
    bad = tmp_path / "o.csv"
    bad.write_text("name,country,nuts_code,nuts_version,reason\n"
                   "Prague,CZ,CZ010,2021,ok\nNowhere,CZ,CZ999,2021,typo\n", encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        load_overrides(bad, index)
    assert err.value.line == 3 and err.value.column == "nuts_code"
    bad.write_text("name,country,nuts_code,nuts_version,reason\nPrague,CZ,,2021,x\n",
                   encoding="utf-8")
    with pytest.raises(InputFileError, match="empty cell"):
        load_overrides(bad, index)


@needs_real
def test_every_region_of_the_real_export_is_matched(index) -> None:
    with REAL.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    pairs = sorted({(COUNTRY_CODES[r[0]], r[1]) for r in rows})
    assert len(pairs) == 149
    matches = match_region_names(pairs, index, load_overrides(OVERRIDES_PATH, index))
    assert all(m.is_matched for m in matches.values())
    assert sum(m.status == "override" for m in matches.values()) == 36
    codes = {name: m.geo_code for (_, name), m in matches.items()}
    assert codes["Бургас"] == "BG341"
    assert codes["София (столица)"] == "BG411"
    assert codes["Sofia Province"] == "BG412"
    assert codes["Plovdiv region"] == "BG421"
    assert codes["Budapest"] == "HU110"
    assert codes["Csongrád"] == "HU333"
    assert codes["Vysočina Region"] == "CZ063"
    assert codes["Bucureşti - Ilfov"] == "RO32"
    assert codes["Riga"] == "LV006"
    assert codes["Warszawski stołeczny"] == "PL91"
    assert codes["Kirde-Eesti"] == "EE00A"
    # one code per name: no two names share a region
    assert len(set(codes.values())) == len(codes)
