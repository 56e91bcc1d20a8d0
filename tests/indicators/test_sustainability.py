"""Tests for src/indicators/sustainability.py.

Hand-computed dimension scores and index from three regions (three values per component: no
outlier can exist and the skewness of evenly spaced values is 0, so normalisation is plain
min-max), coverage rules, the reference window, flags and source, schema and spec contract,
and property tests for bounds and row-order invariance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import sustainability as su
from indicators.catalog import CATALOG
from indicators.spec import Direction, Domain

WASTE = "municipal_waste_kg_per_capita"  # environmental, lower is better
AROPE = "at_risk_of_poverty_or_social_exclusion_pct"  # social, lower is better
LEAVERS = "early_leavers_pct"  # social, lower is better
RURAL = "employment_rate_rural_pct"  # social, higher is better, NUTS 0 only
BROADBAND = "broadband_households_pct"  # digital, higher is better
INTERNET = "internet_regular_users_pct"  # digital, higher is better
ENV, SOC, DIG = (su.score_id(d) for d in ("environmental", "social", "digital"))
COLUMNS = list(su.OUTPUT_COLUMNS)


def row(
    indicator: str,
    geo: str,
    value: float | None,
    flag: str | None = None,
    source: str = "eurostat",
    level: int = 2,
    year: int = 2020,
    sex: str = "T",
    version: str = "2021",
) -> dict:
    return {
        "indicator_id": indicator,
        "geo_code": geo,
        "nuts_level": level,
        "nuts_version": version,
        "year": year,
        "sex": sex,
        "value": np.nan if value is None else float(value),
        "flag": flag,
        "source": source,
    }


# region: waste, AROPE, early leavers, broadband, internet
PANEL = {
    "A": (400, 20, 5, 90, 90),
    "B": (600, 30, 10, 80, 70),
    "C": (500, 25, 15, 70, 80),
}
IDS = (WASTE, AROPE, LEAVERS, BROADBAND, INTERNET)


def panel_rows(year: int = 2020, **flags: str) -> list[dict]:
    """flags: '<geo>_<indicator>' -> flag, e.g. A_early_leavers_pct='e'."""
    return [
        row(ind, geo, v, flag=flags.get(f"{geo}_{ind}"), year=year)
        for geo, vals in PANEL.items()
        for ind, v in zip(IDS, vals, strict=True)
    ]


def value(out: pd.DataFrame, indicator_id: str, geo: str, year: int = 2020) -> float:
    hit = out[
        (out["indicator_id"] == indicator_id) & (out["geo_code"] == geo) & (out["year"] == year)
    ]
    assert len(hit) == 1, f"expected one row for {indicator_id} {geo} {year}, got {len(hit)}"
    return float(hit.iloc[0]["value"])


def pick(out: pd.DataFrame, indicator_id: str, geo: str, year: int = 2020) -> pd.Series:
    return out[
        (out["indicator_id"] == indicator_id) & (out["geo_code"] == geo) & (out["year"] == year)
    ].iloc[0]


def absent(out: pd.DataFrame, indicator_id: str, geo: str, year: int = 2020) -> bool:
    return not (
        (out["indicator_id"] == indicator_id) & (out["geo_code"] == geo) & (out["year"] == year)
    ).any()


def test_dimension_scores_and_index_by_hand() -> None:
    out = su.compute(pd.DataFrame(panel_rows()))
    # waste (lower is better) 400/600/500 -> 1, 0, 0.5
    assert value(out, ENV, "A") == pytest.approx(100.0)
    assert value(out, ENV, "B") == pytest.approx(0.0)
    assert value(out, ENV, "C") == pytest.approx(50.0)
    # AROPE 20/30/25 -> 1, 0, .5; early leavers 5/10/15 -> 1, .5, 0 (both lower is better)
    assert value(out, SOC, "A") == pytest.approx(100.0)
    assert value(out, SOC, "B") == pytest.approx(25.0)
    assert value(out, SOC, "C") == pytest.approx(25.0)
    # broadband 90/80/70 -> 1, .5, 0; internet 90/70/80 -> 1, 0, .5
    assert value(out, DIG, "B") == pytest.approx(25.0)
    assert value(out, DIG, "C") == pytest.approx(25.0)
    # index: mean of the three dimension scores
    assert value(out, su.SUSTAINABILITY_INDEX, "A") == pytest.approx(100.0)
    assert value(out, su.SUSTAINABILITY_INDEX, "B") == pytest.approx((0 + 25 + 25) / 3)
    assert value(out, su.SUSTAINABILITY_INDEX, "C") == pytest.approx((50 + 25 + 25) / 3)


def test_lower_is_better_components_are_inverted() -> None:
    for ind in (WASTE, AROPE, LEAVERS):
        assert su.DIRECTIONS[ind] == "lower"
    out = su.compute(pd.DataFrame([row(WASTE, "LOW", 300), row(WASTE, "HIGH", 700)]))
    assert value(out, ENV, "LOW") == pytest.approx(100.0)
    assert value(out, ENV, "HIGH") == pytest.approx(0.0)


@pytest.mark.parametrize(("n", "need"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 4), (6, 4)])
def test_required_components(n: int, need: int) -> None:
    assert su.required_components(n, 2 / 3) == need


def test_two_component_dimension_needs_both() -> None:
    rows = [
        r
        for r in panel_rows()
        if not (r["geo_code"] == "A" and r["indicator_id"] in (LEAVERS, INTERNET))
    ]
    out = su.compute(pd.DataFrame(rows))
    assert absent(out, SOC, "A") and absent(out, DIG, "A")
    # one dimension left: no index either (two of three needed)
    assert not absent(out, ENV, "A") and absent(out, su.SUSTAINABILITY_INDEX, "A")


def test_index_from_two_dimensions() -> None:
    rows = [r for r in panel_rows() if not (r["geo_code"] == "B" and r["indicator_id"] == WASTE)]
    out = su.compute(pd.DataFrame(rows))
    assert absent(out, ENV, "B")
    assert value(out, su.SUSTAINABILITY_INDEX, "B") == pytest.approx((25 + 25) / 2)


def test_three_component_dimension_needs_two_at_country_level() -> None:
    rows = []
    for geo, (arope, leavers, rural) in {"AT": (20, 5, 80), "BE": (30, 15, 60)}.items():
        rows += [
            row(AROPE, geo, arope, level=0),
            row(LEAVERS, geo, leavers, level=0),
            row(RURAL, geo, rural, level=0),
        ]
    rows += [row(AROPE, "CZ", 25, level=0), row(LEAVERS, "CZ", 10, level=0)]  # 2 of 3
    rows += [row(AROPE, "DK", 25, level=0)]  # 1 of 3
    out = su.compute(pd.DataFrame(rows))
    # CZ: AROPE (20..30) -> 0.5, leavers (5..15) -> 0.5
    assert value(out, SOC, "CZ") == pytest.approx(50.0)
    assert absent(out, SOC, "DK")
    assert value(out, SOC, "AT") == pytest.approx(100.0)


def test_reference_window_limits_years_normalised_and_scored() -> None:
    rows = panel_rows(2020) + [row(WASTE, "A", 100, year=2019), row(WASTE, "B", 900, year=2019)]
    windowed = su.compute(pd.DataFrame(rows), reference_window=(2020, 2020))
    assert set(windowed["year"]) == {2020}
    assert value(windowed, ENV, "C") == pytest.approx(50.0)
    full = su.compute(pd.DataFrame(rows))
    # over 2019-2020 waste spans 100..900: C (500) -> 0.5 still, A (400) -> 0.625
    assert value(full, ENV, "A", 2020) == pytest.approx(62.5)
    assert value(full, ENV, "A", 2019) == pytest.approx(100.0)


def test_flags_and_source_propagate() -> None:
    rows = panel_rows(**{f"A_{AROPE}": "bep", f"A_{INTERNET}": "p", f"B_{WASTE}": "b"})
    rows.append(row(WASTE, "D", 450, source="demo"))
    out = su.compute(pd.DataFrame(rows))
    assert pick(out, SOC, "A")["flag"] == "ep"
    assert pick(out, DIG, "A")["flag"] == "p"
    assert pick(out, su.SUSTAINABILITY_INDEX, "A")["flag"] == "ep"
    assert pick(out, ENV, "B")["flag"] is None  # 'b' alone is not carried
    # the waste pool holds a demo value: every environmental score depends on it
    assert pick(out, ENV, "A")["source"] == "demo"
    assert pick(out, su.SUSTAINABILITY_INDEX, "A")["source"] == "demo"
    assert pick(out, SOC, "A")["source"] == "derived"


def test_missing_values_are_not_imputed() -> None:
    rows = panel_rows()
    for r in rows:
        if r["geo_code"] == "C" and r["indicator_id"] == WASTE:
            r["value"] = np.nan
    out = su.compute(pd.DataFrame(rows))
    assert absent(out, ENV, "C")
    assert value(out, ENV, "A") == pytest.approx(100.0)  # pool is A and B only
    assert out["value"].notna().all()


def test_sex_breakdowns_and_eu_aggregates_are_ignored() -> None:
    rows = panel_rows() + [row(WASTE, "A", 1, sex="F"), row(WASTE, "EU27_2020", 1, level=-1)]
    pd.testing.assert_frame_equal(
        su.compute(pd.DataFrame(rows)), su.compute(pd.DataFrame(panel_rows()))
    )


def test_nuts_version_is_carried() -> None:
    rows = panel_rows()
    for r in rows:
        if r["geo_code"] == "A" and r["indicator_id"] == AROPE:
            r["nuts_version"] = "2016"
    out = su.compute(pd.DataFrame(rows))
    assert pick(out, ENV, "A")["nuts_version"] == "2021"
    assert pick(out, SOC, "A")["nuts_version"] == "2021"  # latest of 2016 and 2021
    assert set(out["nuts_version"]) == {"2021"}


def test_duplicates_and_bad_arguments_are_refused() -> None:
    rows = panel_rows() + [row(WASTE, "A", 1)]
    with pytest.raises(ValueError, match="duplicated"):
        su.compute(pd.DataFrame(rows))
    with pytest.raises(ValueError):
        su.compute(pd.DataFrame(panel_rows()), min_coverage=1.5)


def test_output_schema_and_specs() -> None:
    out = su.compute(pd.DataFrame(panel_rows()))
    assert list(out.columns) == COLUMNS
    assert (out["sex"] == "T").all()
    assert not out.duplicated(["indicator_id", "geo_code", "year"]).any()
    for indicator_id in set(out["indicator_id"]):
        spec = su.DERIVED_SPECS_BY_ID[indicator_id]
        assert spec.description.strip() and spec.formula.strip()
    empty = su.compute(pd.DataFrame([row("gerd_total_pct_gdp", "A", 1)]))
    assert list(empty.columns) == COLUMNS and empty.empty


def test_specs_list_components_and_sources() -> None:
    assert [s.indicator_id for s in su.DERIVED_SPECS] == [ENV, SOC, DIG, su.SUSTAINABILITY_INDEX]
    domains = {Domain.SUSTAINABILITY: ENV, Domain.SOCIAL: SOC, Domain.DIGITAL: DIG}
    for domain, score in domains.items():
        entries = [
            e
            for e in CATALOG
            if e.domain == domain and e.direction in (Direction.HIGHER, Direction.LOWER)
        ]
        spec = su.DERIVED_SPECS_BY_ID[score]
        assert {s.dataset for s in spec.sources} == {e.dataset for e in entries}
        for e in entries:
            assert e.indicator_id in spec.description
        assert spec.direction == Direction.HIGHER and spec.domain == Domain.DERIVED


# --- properties ------------------------------------------------------------------------------
maybe_value = st.one_of(st.none(), st.floats(min_value=0.0, max_value=1000.0))


@st.composite
def panels(draw: st.DrawFn) -> pd.DataFrame:
    rows = []
    for ind in IDS:
        for geo in ("A", "B", "C", "D"):
            for year in (2019, 2020):
                if draw(st.booleans()):
                    flag = draw(st.sampled_from([None, "e", "p", "bep"]))
                    rows.append(row(ind, geo, draw(maybe_value), flag=flag, year=year))
    return pd.DataFrame(rows, columns=COLUMNS)


@settings(max_examples=20, deadline=None)
@given(panels())
def test_scores_stay_within_0_100(values: pd.DataFrame) -> None:
    out = su.compute(values)
    assert ((out["value"] >= -1e-9) & (out["value"] <= 100 + 1e-9)).all()
    assert set(out["flag"]) <= {None, "e", "p", "ep"}


@settings(max_examples=10, deadline=None)
@given(panels(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(values: pd.DataFrame, rnd) -> None:
    order = list(range(len(values)))
    rnd.shuffle(order)
    pd.testing.assert_frame_equal(su.compute(values), su.compute(values.iloc[order]))


def test_methodology_doc_names_every_score_and_component() -> None:
    from pathlib import Path

    doc = (
        Path(__file__).resolve().parents[2] / "docs" / "methodology_gender_sustainability.md"
    ).read_text(encoding="utf-8")
    assert su.SUSTAINABILITY_INDEX in doc and "sustainability_<dimension>_score" in doc
    for entries in su.COMPONENTS.values():
        for entry in entries:
            assert entry.indicator_id in doc
