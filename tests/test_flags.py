"""Tests for regiodash.flags."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from regiodash.flags import (
    FLAG_LETTER_MEANINGS,
    FLAG_MEANINGS,
    describe_flag,
    normalize_flag,
)


def test_code_list_has_42_codes() -> None:
    assert len(FLAG_MEANINGS) == 42
    assert FLAG_MEANINGS["bep"] == "break in time series, estimated, provisional"
    assert FLAG_MEANINGS["m"] == "missing value; data cannot exist"


def test_composite_codes_spell_out_their_letters() -> None:
    # Every composite in the code list is its letters' meanings joined, in order: the letter
    # table and the list cannot drift apart.
    for code, meaning in FLAG_MEANINGS.items():
        assert meaning == ", ".join(FLAG_LETTER_MEANINGS[letter] for letter in code), code


@pytest.mark.parametrize(
    ("letter", "meaning"),
    [
        ("b", "break in time series"),
        ("c", "confidential"),
        ("d", "definition differs (see metadata)"),
        ("e", "estimated"),
        ("f", "forecast"),
        ("n", "not significant"),
        ("p", "provisional"),
        ("r", "revised"),
        ("s", "Eurostat estimate"),
        ("u", "low reliability"),
        ("z", "not applicable"),
    ],
)
def test_single_letters(letter: str, meaning: str) -> None:
    assert describe_flag(letter) == meaning


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" p ", "p"),
        ("BEP", "bep"),
        ("", None),
        ("   ", None),
        (None, None),
        (math.nan, None),
        ("e\t", "e"),
    ],
)
def test_normalize_flag(raw: object, expected: str | None) -> None:
    assert normalize_flag(raw) == expected


def test_describe_flag() -> None:
    assert describe_flag("bep") == "break in time series, estimated, provisional"
    assert describe_flag(" BEP ") == "break in time series, estimated, provisional"
    # not in the code list: spelled out letter by letter
    assert describe_flag("ec") == "estimated, confidential"
    assert describe_flag("px") == "provisional, unknown flag 'x'"
    assert describe_flag(None) == ""
    assert describe_flag("") == ""


@pytest.mark.real_data
def test_code_list_matches_the_published_file(real_data_dir: Path) -> None:
    path = real_data_dir / "eurostat" / "codelists" / "codelist_obs_flag.tsv"
    published = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        code, label = line.split("\t")
        published[code] = label
    assert published == FLAG_MEANINGS
    assert list(published) == list(FLAG_MEANINGS)
