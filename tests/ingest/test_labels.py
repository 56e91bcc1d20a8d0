"""The label maps against Eurostat's code lists (ingest/codelists) and the catalog's filters."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from indicators.catalog import EUROSTAT_CATALOG as CATALOG  # WDI series have no labels
from regiodash.ingest.labels import (
    CODELIST_DIMENSIONS,
    CODELIST_DIR,
    LABEL_MAPS,
    has_label_map,
    label_of,
    map_labels,
    normalize_label,
    read_codelist,
)

FILTERED = sorted({dim for entry in CATALOG for dim, _ in entry.filters}
                  | {entry.sex_dim for entry in CATALOG if entry.sex_dim})


def test_every_catalog_filter_dimension_has_a_code_list() -> None:
    assert "isced11" in FILTERED
    for dim in FILTERED:
        assert dim in CODELIST_DIMENSIONS, dim
        assert has_label_map(dim), dim


@pytest.mark.parametrize(("dim", "code"), sorted({f for e in CATALOG for f in e.filters}))
def test_every_catalog_filter_code_has_a_label_that_maps_back(dim: str, code: str) -> None:
    label = label_of(dim, code)
    assert label, f"{dim}={code} has no label in codelists/{dim}.dic"
    assert map_labels(dim, [label]) == ({label: code}, [])


@pytest.mark.parametrize(
    ("dim", "label", "code"),
    [  # the labels the README's table quotes, as the code lists give them
        ("isced11", "All ISCED 2011 levels", "TOTAL"),
        ("isced11", "Tertiary education (levels 5-8)", "ED5-8"),
        ("isced11", "Less than primary, primary and lower secondary education (levels 0-2)",
         "ED0-2"),
        ("sectperf", "Business enterprise sector", "BES"),
        ("prof_pos", "Researchers", "RSE"),
        ("category", "Scientists and engineers", "SE"),
        ("nace_r2", "Total knowledge-intensive services", "KIS"),
        ("training", "Neither formal nor non-formal education or training", "NO_FE_NO_NFE"),
        ("wstatus", "Not employed persons", "NEMP"),
        ("wst_oper", "Waste generated", "GEN"),
        ("indic_is", "Frequency of internet access: once a week (including every day)",
         "I_IUSE"),
        ("unit", "Purchasing power standard (PPS, EU27 from 2020), per inhabitant in "
                 "percentage of the EU27 (from 2020) average", "PPS_HAB_EU27_2020"),
        ("unit", "Percentage of active population", "PC_ACT"),  # older spelling, hand-written
        ("unit", "Percentage of population in the labour force", "PC_ACT"),  # code list's
        ("age", "From 15 to 74 years", "Y15-74"),
        ("age", "Less than 1 year", "Y_LT1"),
        ("geo", "Oberbayern", "DE21"),  # a region name from the GEO code list
        ("geo", "Greece", "EL"),
    ],
)
def test_labels_map_to_codes(dim: str, label: str, code: str) -> None:
    assert map_labels(dim, [label]) == ({label: code}, [])


def test_ambiguous_code_list_labels_are_not_used() -> None:
    # unit.dic gives "Index, 2015=100" to both I15 and I2015; geo.dic "Wien" to AT13 and AT130
    assert map_labels("unit", ["Index, 2015=100"]) == ({}, ["Index, 2015=100"])
    assert map_labels("geo", ["Wien", "Extra-Regio NUTS 2"]) == (
        {}, ["Extra-Regio NUTS 2", "Wien"])


def test_hand_written_labels_agree_with_the_code_lists() -> None:
    for dim, labels in LABEL_MAPS.items():
        by_label: dict[str, set[str]] = {}
        for code, label in read_codelist(dim).items():
            by_label.setdefault(normalize_label(label), set()).add(code)
        for label, code in labels.items():
            listed = by_label.get(normalize_label(label))
            if listed and len(listed) == 1 and dim != "geo":
                assert listed == {code}, (dim, label, listed, code)


def test_code_lists_are_the_copies_the_readme_names() -> None:
    readme = (CODELIST_DIR / "README.md").read_text(encoding="utf-8")
    for dim in CODELIST_DIMENSIONS:
        path = CODELIST_DIR / f"{dim}.dic"
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        row = re.search(rf"^\| {re.escape(dim)}\.dic \|.*\| ([0-9a-f]{{16}}) \|$", readme, re.M)
        assert row, f"{dim}.dic missing from codelists/README.md"
        assert row.group(1) == digest, f"{dim}.dic differs from the copy the README describes"
        size = int(re.sub(r"\D", "", row.group(0).split("|")[4]))
        assert size == path.stat().st_size


def test_code_list_layout() -> None:
    isced = read_codelist("isced11")
    assert isced["TOTAL"] == "All ISCED 2011 levels"  # trailing space in the file, stripped
    assert read_codelist("sex") == {"T": "Total", "M": "Males", "F": "Females",
                                    "DIFF": "Absolute difference between males and females",
                                    "NAP": "Not applicable", "NRP": "No response",
                                    "UNK": "Unknown"}  # a CRLF file
    assert read_codelist("indic_em") == {} and not has_label_map("indic_em")


def test_codelists_ship_with_the_package() -> None:
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert '"ingest/codelists/*.dic"' in pyproject
