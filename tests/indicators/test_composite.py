"""Tests for indicators.composite and composite_table: the scoreboard method on any spec, by
hand on a few inline rows (the base panel of tests/indicators/innovation/panel.py and small
variations), its options and the refusals that name the spec line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators.composite import OutputIds, compute_composite, resolve_method
from indicators.composite_spec import SpecError, parse_spec
from indicators.composite_table import TABLE_COLUMNS, composite_table, run_spec
from indicators.innovation import index as ix
from indicators.innovation import specs
from tests.indicators.innovation.panel import (
    BASE,
    EU_VALUES,
    W3,
    A,
    B,
    C,
    base_rows,
    frame,
    row,
)

DIRECTIONS = {A: "higher", B: "higher", C: "lower", "survey_score": None,
              specs.POPULATION_ID: None}


def spec_text(options: str = "", indicators: tuple[str, ...] = (A, B, C),
              extra: str = "") -> str:
    body = "".join(f'\n[[indicators]]\nid = "{i}"\n' for i in indicators)
    return f'id = "test_index"\ntitle = "Test"\n\n[options]\n{options}\n{extra}{body}'


def run(rows, options: str = "", indicators=(A, B, C)):
    spec = parse_spec(spec_text(options, indicators), "test.toml")
    return spec, run_spec(frame(rows), spec, DIRECTIONS)


def index_of(result, spec) -> dict[tuple[str, int], float]:
    out = result.values[result.values["indicator_id"] == spec.id]
    return {(g, int(y)): v for g, y, v in zip(out["geo_code"], out["year"], out["value"],
                                                strict=True)}


def test_default_spec_is_the_builtin_method_hand_computed():
    # base panel: scores 5/9, 4/9, 3/9, 6/9; EU 0.5 -> 111.1, 88.9, 66.7, 133.3
    spec, result = run(base_rows())
    got = index_of(result, spec)
    assert got == pytest.approx({("AT11", 2020): 1000 / 9, ("AT12", 2020): 800 / 9,
                                 ("BE21", 2020): 600 / 9, ("BE22", 2020): 1200 / 9})
    assert result.reference["method"].tolist() == ["eu27_2020"]


def test_same_code_as_the_builtin_index():
    rows = frame(base_rows())
    spec = parse_spec(spec_text(), "t.toml")
    method = resolve_method(spec, {A: "higher", B: "higher", C: "lower"},
                            eu_code=specs.EU_CODE, eu_members=specs.EU27_COUNTRY_CODES)
    ours = compute_composite(rows, method, ix.OUTPUT_IDS, population_id=specs.POPULATION_ID)
    builtin = ix.compute_innovation_index(rows, W3)
    pd.testing.assert_frame_equal(ours.values, builtin.values, check_exact=True)
    pd.testing.assert_frame_equal(ours.coverage, builtin.coverage)


def test_index_only_path_gives_the_same_index_rows():
    rows = frame(base_rows())
    full = ix.compute(rows, W3)
    only = ix.compute_index_rows(rows, W3, level=2)
    pd.testing.assert_frame_equal(
        only, full[full["indicator_id"] == specs.INDEX_ID].reset_index(drop=True),
        check_exact=True)


def test_normalised_input_is_not_capped_again():
    # 12 values 1 and one 100: capping would set 100 to 1 (mean + 2 sd = 56); already
    # normalised input is only min-max rescaled: 100 -> 1, the others -> 0.
    rows = [row("survey_score", f"AT{i:02d}", 1.0) for i in range(11, 23)]
    rows += [row("survey_score", "AT23", 100.0), row("survey_score", "EU27_2020", 34.0,
                                                     level=-1)]
    text = spec_text("normalised = true", ("survey_score",)).replace(
        'id = "survey_score"', 'id = "survey_score"\ndirection = "higher"')
    spec = parse_spec(text, "t.toml")
    result = run_spec(frame(rows), spec, DIRECTIONS)
    comp = result.values[result.values["indicator_id"] == "test_index_component_survey_score"]
    assert dict(zip(comp["geo_code"], comp["value"], strict=True))["AT23"] == 1.0
    assert index_of(result, spec)[("AT23", 2020)] == pytest.approx(100 / (33 / 99))
    capped = run_spec(frame(rows), parse_spec(text.replace("normalised = true", ""), "t"),
                      DIRECTIONS)
    # capped: 100 -> 1 like the rest, so every region scores 0.5 (no spread) and equals the EU
    assert set(index_of(capped, spec).values()) == {100.0}


def test_base_year_index_against_the_reference_in_that_year():
    rows = base_rows()
    later = [dict(r, year=2021, value=r["value"] * (1.1 if r["indicator_id"] == A else 1.0))
             for r in rows]
    spec, result = run(rows + later, "base_year = 2020")
    _, same = run(rows + later)
    ref = result.reference.set_index("year")["eu_score"]
    scored = result.scored.set_index(["geo_code", "year"])["score"]
    for (geo, year), value in index_of(result, spec).items():
        assert value == pytest.approx(scored[(geo, year)] / ref[2020] * 100)
    assert index_of(result, spec)[("AT11", 2020)] == index_of(same, spec)[("AT11", 2020)]
    with pytest.raises(SpecError, match=r"test.toml, line 5: no reference score in base year"):
        run(rows, "base_year = 2019")


def test_reference_unit_a_country():
    # AT (level 0) as the reference for level-2 regions: its values equal AT11's, so AT11
    # scores exactly 100
    rows = [r for r in base_rows() if r["geo_code"] != "EU27_2020"]
    rows += [row(i, "AT", v, level=0) for i, v in zip((A, B, C), BASE["AT11"], strict=True)]
    spec, result = run(rows, 'reference = "AT"\nlevels = [2]')
    assert index_of(result, spec)[("AT11", 2020)] == pytest.approx(100.0)
    assert result.reference["method"].tolist() == ["reference_unit"]
    assert ("AT", 2020) not in index_of(result, spec)  # the reference's level is not scored
    with pytest.raises(SpecError, match=r"line 5: no reference score: reference 'DK'"):
        run(rows, 'reference = "DK"\nlevels = [2]')


def test_carry_forward_fills_later_years_and_flags_them():
    rows = base_rows()
    later = [dict(r, year=2021) for r in rows if not (r["geo_code"] == "AT11" and
                                                      r["indicator_id"] == A)]
    spec, result = run(rows + later, 'missing = "carry_forward"\nmin_coverage = 1.0')
    out = result.values[result.values["indicator_id"] == spec.id].set_index(
        ["geo_code", "year"])
    assert out.loc[("AT11", 2021), "flag"] == "e"  # the carried 2020 value stands in
    assert out.loc[("AT12", 2021), "flag"] is None
    skip_spec, skipped = run(rows + later, "min_coverage = 1.0")
    assert ("AT11", 2021) not in index_of(skipped, skip_spec)  # missing stays missing


def test_missing_values_are_never_zero():
    rows = base_rows()
    rows = [dict(r, value=np.nan) if (r["geo_code"], r["indicator_id"]) == ("AT11", A) else r
            for r in rows]
    spec, result = run(rows)
    cov = result.coverage.set_index("geo_code")
    assert cov.loc["AT11", "n_present"] == 2 and cov.loc["AT11", "missing"] == [A]
    table = composite_table(result, spec).set_index("geo_code")
    assert table.loc["AT11", "coverage"] == pytest.approx(2 / 3)


def test_coverage_rule_no_unit_meets_names_the_line():
    rows = [r for r in base_rows() if r["indicator_id"] != C]
    with pytest.raises(SpecError, match=r"test.toml, line 5: no unit-year meets the coverage "
                                        r"rule: min_coverage 1 of 3 indicators needs 3, the "
                                        r"best unit-year has 2"):
        run(rows, "min_coverage = 1.0")


def test_unknown_indicator_names_its_line():
    with pytest.raises(SpecError, match=r"line 14: unknown indicator 'nope'"):
        run(base_rows(), "", (A, B, "nope"))


def test_table_columns_groups_and_coverage():
    spec, result = run(base_rows())
    table = composite_table(result, spec)
    assert list(table.columns) == TABLE_COLUMNS
    groups = dict(zip(table["geo_code"], table["group"], strict=True))
    assert groups == {"AT11": "Strong", "AT12": "Moderate", "BE21": "Emerging",
                      "BE22": "Leader"}
    assert (table["coverage"] == 1.0).all()


def test_output_ids_of_a_user_composite():
    spec, result = run(base_rows())
    ids = OutputIds.for_spec(spec)
    assert set(result.values["indicator_id"]) == {
        ids.index, ids.score, *(ids.component_prefix + i for i in (A, B, C))}
    assert EU_VALUES  # the EU row is the reference, never a unit of the output
    assert "EU27_2020" not in set(result.values["geo_code"])
