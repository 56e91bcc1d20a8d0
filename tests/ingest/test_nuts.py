"""Tests for regiodash.nuts (levels, extra-regio, NUTS version detection)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from regiodash.errors import InputFileError
from regiodash.nuts import (
    country_of,
    detect_nuts_version,
    is_extra_regio,
    load_known_codes,
    nuts_level_of,
)

# A few real differences between versions: HR02/HR05/HR06 are new in 2021 (HR04 was split),
# NL35/NL36 new in 2024 (NL33 split), FRY* exist in all three.
KNOWN = {
    "2016": {"DE2", "DE21", "DE212", "HR04", "HR041", "NL33", "NL332", "FRY1", "FRY10", "UKC1"},
    "2021": {"DE2", "DE21", "DE212", "HR02", "HR05", "HR050", "NL33", "NL332", "FRY1", "FRY10"},
    "2024": {"DE2", "DE21", "DE212", "HR02", "HR05", "HR050", "NL35", "NL36", "FRY1", "FRY10"},
}


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("EU27_2020", -1),
        ("EU28", -1),
        ("EA20", -1),
        ("EA19", -1),
        ("EA", -1),
        ("EU", -1),
        ("EU27_2007", -1),
        ("DE", 0),
        ("EL", 0),
        ("UK", 0),
        ("CZ", 0),
        ("DE2", 1),
        ("DE21", 2),
        ("DE212", 3),
        ("DEZ", 1),
        ("DEZZ", 2),
        ("DEZZZ", 3),
        ("FRY10", 3),
        ("de21", 2),
        ("Austria", None),
        ("DE_TOT", None),
        ("", None),
        ("D", None),
        ("DE2123", None),
    ],
)
def test_nuts_level_of(code: str, level: int | None) -> None:
    assert nuts_level_of(code) == level


@given(st.from_regex(r"[A-DF-Z][A-Z][A-Z0-9]{0,3}", fullmatch=True))
def test_level_is_length_minus_two_for_non_aggregates(code: str) -> None:
    # first letter never E, so no EU/EA/EEA/EFTA aggregates are generated
    assert nuts_level_of(code) == len(code) - 2


@pytest.mark.parametrize(
    ("code", "extra"),
    [
        ("DEZ", True),
        ("DEZZ", True),
        ("DEZZZ", True),
        ("ITZZZ", True),
        ("CZ", False),
        ("CZ0", False),
        ("DE", False),
        ("DE21", False),
        ("DEZ1", False),
        ("EU27_2020", False),
        ("Austria", False),
    ],
)
def test_is_extra_regio(code: str, extra: bool) -> None:
    assert is_extra_regio(code) is extra


def test_country_of() -> None:
    assert country_of("DE212") == "DE"
    assert country_of("EL30") == "EL"
    assert country_of("UK") == "UK"
    assert country_of("EU27_2020") is None
    assert country_of("Germany") is None


def test_detect_picks_the_version_covering_most_codes() -> None:
    codes = ["DE", "DE2", "DE21", "DE212", "HR02", "HR05", "HR050", "NL33", "NL332"]
    version, details = detect_nuts_version(codes, KNOWN)
    assert version == "2021"
    assert details["regional_codes"] == 8
    assert details["versions"]["2021"] == {"matched": 8, "unmatched": 0}
    assert details["versions"]["2016"] == {"matched": 5, "unmatched": 3}
    assert details["versions"]["2024"] == {"matched": 6, "unmatched": 2}
    assert details["unmatched_sample"] == []


def test_detect_ignores_countries_aggregates_and_extra_regio() -> None:
    codes = ["EU27_2020", "EA20", "DE", "DEZ", "DEZZ", "DEZZZ", "NL35", "NL36", "Atlantis"]
    version, details = detect_nuts_version(codes, KNOWN)
    assert version == "2024"
    assert details["regional_codes"] == 2


def test_detect_ties_go_to_the_newest_version() -> None:
    version, _ = detect_nuts_version(["DE21", "FRY10"], KNOWN)
    assert version == "2024"


def test_detect_reports_unknown_codes() -> None:
    version, details = detect_nuts_version(["DE21", "XX99", "DE212", "QQ1"], KNOWN)
    assert version == "2024"
    assert details["unmatched_sample"] == ["QQ1", "XX99"]


def test_detect_without_regional_codes_returns_none() -> None:
    version, details = detect_nuts_version(["DE", "EU27_2020", "XX9"], KNOWN)
    assert version is None
    assert details["unmatched_sample"] == ["XX9"]
    assert detect_nuts_version([], KNOWN)[0] is None
    assert detect_nuts_version(["DE21"], {})[0] is None


def test_load_known_codes(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "geo_code": ["DE21", "DE212", "NL35", "DE21"],
            "nuts_version": ["2021", "2021", "2024", "2024"],
            "geo_name": ["Oberbayern", "München, Kreisfreie Stadt", "Utrecht", "Oberbayern"],
            "nuts_level": [2, 3, 2, 2],
            "country_code": ["DE", "DE", "NL", "DE"],
        }
    )
    frame.to_parquet(tmp_path / "nuts_regions.parquet")
    assert load_known_codes(tmp_path) == {"2021": {"DE21", "DE212"}, "2024": {"NL35", "DE21"}}
    assert load_known_codes(tmp_path / "nuts_regions.parquet")["2024"] == {"NL35", "DE21"}


def test_load_known_codes_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="NUTS reference table not found"):
        load_known_codes(tmp_path)


def test_load_known_codes_missing_columns(tmp_path: Path) -> None:
    pd.DataFrame({"code": ["DE21"]}).to_parquet(tmp_path / "nuts_regions.parquet")
    with pytest.raises(InputFileError, match="geo_code and nuts_version"):
        load_known_codes(tmp_path)
