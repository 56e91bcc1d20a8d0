"""Tests for indicators.funding: hand-computed totals, dedupe of multi-region rows, partial
flags, per-inhabitant values and their provenance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators import funding
from indicators.frames import OUTPUT_COLUMNS
from indicators.registry import SPECS_BY_ID


def _rows() -> pd.DataFrame:
    cols = ["country_code", "geo_code", "nuts_level", "nuts_version", "region_partial",
            "beneficiary_name", "total_budget_eur", "eu_contribution_eur", "projects",
            "is_cluster"]
    return pd.DataFrame([
        ("XX", "XX011", 3, "2021", False, "A", 100.0, 80.0, 1, False),
        ("XX", "XX011", 3, "2021", False, "Agency", 50.0, 40.0, 2, False),
        ("XX", "XX012", 3, "2021", True, "Agency", 50.0, 40.0, 2, False),   # same row twice
        ("XX", "XX012", 3, "2021", True, "Klaster", 10.0, np.nan, 1, True),
        ("XX", "XX021", 3, "2021", False, "B", 30.0, 20.0, 1, False),
        ("XX", None, None, None, False, "Lost", 7.0, 5.0, 1, False),      # unmatched
    ], columns=cols).astype({"nuts_level": "Int8"})


def _value(out: pd.DataFrame, indicator: str, geo: str) -> pd.Series:
    row = out[(out["indicator_id"] == indicator) & (out["geo_code"] == geo)]
    assert len(row) == 1, (indicator, geo)
    out = row.iloc[0].copy()
    out["flag"] = None if pd.isna(out["flag"]) else out["flag"]  # a str column holds NaN
    return out


def test_totals_hand_computed() -> None:
    out = funding.compute_totals(_rows())
    assert list(out.columns) == list(OUTPUT_COLUMNS)
    assert set(out["source"]) == {"kohesio"} and set(out["year"]) == {2020}
    # NUTS 3: as exported
    assert _value(out, funding.EU_ID, "XX011")["value"] == 120.0
    assert _value(out, funding.EU_ID, "XX011")["flag"] is None
    eu12 = _value(out, funding.EU_ID, "XX012")
    assert (eu12["value"], eu12["flag"]) == (40.0, "t")  # page cap and a missing amount
    # NUTS 2: the Agency row counted once; unmatched rows of the country make it partial
    eu01 = _value(out, funding.EU_ID, "XX01")
    assert (eu01["value"], eu01["flag"], eu01["nuts_level"]) == (120.0, "t", 2)
    assert _value(out, funding.BENEFICIARIES_ID, "XX01")["value"] == 3.0
    assert _value(out, funding.PROJECTS_ID, "XX01")["value"] == 4.0
    assert _value(out, funding.CLUSTERS_ID, "XX01")["value"] == 1.0
    # country: every row, unmatched included, Agency once
    country = _value(out, funding.EU_ID, "XX")
    assert (country["value"], country["nuts_level"]) == (145.0, 0)
    assert _value(out, funding.BUDGET_ID, "XX")["value"] == 197.0
    assert _value(out, funding.BENEFICIARIES_ID, "XX")["value"] == 5.0


def test_all_missing_amount_gives_no_row() -> None:
    rows = _rows()
    rows["eu_contribution_eur"] = np.nan
    out = funding.compute_totals(rows)
    assert funding.EU_ID not in set(out["indicator_id"])
    assert funding.BUDGET_ID in set(out["indicator_id"])


def test_per_inhabitant_population_year_flags_and_demo_source() -> None:
    totals = funding.compute_totals(_rows())
    pop = pd.DataFrame({
        "indicator_id": "population_persons", "geo_code": ["XX011", "XX012", "XX", "XX011"],
        "nuts_level": [3, 3, 0, 3], "nuts_version": "2021", "year": [2020, 2020, 2020, 2019],
        "sex": "T", "value": [1000.0, 500.0, 10_000.0, 1.0], "flag": [None, "p", None, None],
        "source": ["eurostat", "eurostat", "demo", "eurostat"]})
    out = funding.compute(pd.concat([totals, pop], ignore_index=True))
    assert list(out.columns) == list(OUTPUT_COLUMNS)
    v = _value(out, funding.EU_PER_HEAD_ID, "XX011")
    assert (v["value"], v["flag"], v["source"]) == (0.12, None, "derived")
    v = _value(out, funding.EU_PER_HEAD_ID, "XX012")
    assert (v["value"], v["flag"]) == (pytest.approx(0.08), "pt")
    v = _value(out, funding.EU_PER_HEAD_ID, "XX")
    assert (v["value"], v["source"], v["flag"]) == (0.0145, "demo", "t")
    # no 2020 population for XX021 or XX01: no value (never imputed from 2019)
    assert not set(out["geo_code"]) & {"XX021", "XX01"}


def test_specs_are_registered() -> None:
    for spec in funding.DERIVED_SPECS:
        assert SPECS_BY_ID[spec.indicator_id] is spec
        assert "CC BY 4.0" in spec.sources[0].licence
