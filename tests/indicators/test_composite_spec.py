"""Tests for indicators.composite_spec: the TOML format, its line-numbered errors and the
round trip the Rankings page relies on (spec -> TOML text -> spec)."""

from __future__ import annotations

import pytest

from indicators.composite_spec import (
    DEFAULT_MIN_COVERAGE,
    CompositeSpec,
    SpecError,
    SpecIndicator,
    builtin_spec,
    check_indicators,
    parse_spec,
    reweighted_spec,
    spec_to_toml,
)
from indicators.innovation import specs as innovation_specs

GOOD = """\
id = "smart_index"
title = "Smart index"

[options]
normalised = true
reference = "DE"
base_year = 2016
min_coverage = 0.75
missing = "carry_forward"
levels = [2, 1]
years = [2014, 2023]

[[indicators]]
id = "gerd_business_pct_gdp"
weight = 2.0

[[indicators]]  # a comment after the header
id = "my_survey_score"
direction = "lower"
"""


def _error(text: str) -> SpecError:
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "spec.toml")
    return caught.value


def test_parse_every_field():
    spec = parse_spec(GOOD, "spec.toml")
    assert spec.id == "smart_index" and spec.title == "Smart index"
    assert spec.normalised and spec.reference == "DE" and spec.base_year == 2016
    assert spec.min_coverage == 0.75 and spec.missing == "carry_forward"
    assert spec.levels == (1, 2) and spec.years == (2014, 2023)
    assert spec.indicators == (
        SpecIndicator("gerd_business_pct_gdp", None, 2.0),
        SpecIndicator("my_survey_score", "lower", 1.0),
    )
    assert [i.line for i in spec.indicators] == [14, 18]


def test_defaults_are_the_scoreboard_s():
    spec = parse_spec('id = "x"\ntitle = "X"\n[[indicators]]\nid = "a"\n')
    assert spec.min_coverage == DEFAULT_MIN_COVERAGE == 2 / 3
    assert spec.reference == "EU" and spec.base_year is None and not spec.normalised
    assert spec.levels == (0, 1, 2, 3) and spec.years is None and spec.missing == "skip"


@pytest.mark.parametrize(
    ("replace", "by", "line", "words"),
    [
        ("weight = 2.0", "weight = -2.0", 15, "negative"),
        ("weight = 2.0", 'weight = "two"', 15, "must be a number"),
        ('direction = "lower"', 'direction = "down"', 19, "'higher' or 'lower'"),
        ("min_coverage = 0.75", "min_coverage = 1.5", 8, "in (0, 1]"),
        ("base_year = 2016", 'base_year = "2016"', 7, "base_year"),
        ('reference = "DE"', 'reference = "Germany"', 6, "reference"),
        ("levels = [2, 1]", "levels = [4]", 10, "levels"),
        ("years = [2014, 2023]", "years = [2023, 2014]", 11, "first <= last"),
        ('missing = "carry_forward"', 'missing = "zero"', 9, "missing must be one of"),
        ("normalised = true", "normalized = true", 5, "unknown option 'normalized'"),
        ('id = "my_survey_score"', 'id = "gerd_business_pct_gdp"', 18, "listed twice"),
        ('id = "my_survey_score"', 'indicator = "x"', 18, "unknown key 'indicator'"),
    ],
)
def test_bad_values_name_the_line(replace, by, line, words):
    assert replace in GOOD
    err = _error(GOOD.replace(replace, by))
    assert err.line == line and f"spec.toml, line {line}:" in str(err)
    assert words in str(err)


def test_empty_list_and_all_zero_weights_are_refused():
    assert "lists no indicators" in str(_error('id = "x"\ntitle = "X"\nindicators = []\n'))
    assert _error('id = "x"\ntitle = "X"\n').line == 2  # no list at all: its end
    err = _error('id = "x"\ntitle = "X"\n[[indicators]]\nid = "a"\nweight = 0.0\n')
    assert "weight 0" in str(err)


def test_toml_syntax_error_names_the_line():
    err = _error('id = "x"\ntitle = "X"\n[[indicators]]\nid = "a\n')
    assert err.line == 4 and "not valid TOML" in str(err)


def test_bad_id_and_missing_title():
    assert "snake_case" in str(_error('id = "Smart Index"\ntitle = "X"\n'))
    assert "title" in str(_error('id = "x"\n[[indicators]]\nid = "a"\n'))


def test_check_indicators_unknown_id_and_missing_direction():
    spec = parse_spec(GOOD, "spec.toml")
    with pytest.raises(SpecError, match=r"line 18: unknown indicator 'my_survey_score'"):
        check_indicators(spec, {"gerd_business_pct_gdp": "higher"})
    no_direction = parse_spec(GOOD.replace('direction = "lower"\n', ""), "spec.toml")
    with pytest.raises(SpecError, match=r"line 18: .*declares no direction"):
        check_indicators(no_direction, {"gerd_business_pct_gdp": "higher",
                                        "my_survey_score": None})
    assert check_indicators(spec, {"gerd_business_pct_gdp": "higher",
                                   "my_survey_score": None}) == {
        "gerd_business_pct_gdp": "higher", "my_survey_score": "lower"}


def test_round_trip_through_toml_text():
    spec = parse_spec(GOOD, "spec.toml")
    assert parse_spec(spec_to_toml(spec)) == spec
    odd = CompositeSpec("odd", 'Quote " and back\\slash', (SpecIndicator("a", None, 1 / 3),),
                        description="two\nlines")
    assert parse_spec(spec_to_toml(odd)) == odd  # weights and text survive exactly


def test_the_builtin_index_is_a_shipped_spec():
    spec = builtin_spec()
    assert spec.id == innovation_specs.INDEX_ID
    assert tuple(i.id for i in spec.indicators) == innovation_specs.COMPONENT_IDS
    assert dict(innovation_specs.DEFAULT_WEIGHTS) == spec.weights
    assert spec.min_coverage == 2 / 3 and spec.reference == "EU" and spec.base_year is None


def test_reweighted_spec_is_what_the_rankings_page_saves():
    base = builtin_spec()
    first = base.indicators[0].id
    saved = reweighted_spec(base, {first: 3.0}, id="my_reweighting", title="Mine")
    assert saved.weights[first] == 3.0 and saved.id == "my_reweighting"
    assert parse_spec(spec_to_toml(saved)) == saved
    with pytest.raises(SpecError, match="does not contain"):
        reweighted_spec(base, {"nope": 1.0}, id="x", title="X")
