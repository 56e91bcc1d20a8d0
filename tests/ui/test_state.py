"""ViewState: hand-written cases and hypothesis fuzzing of the URL parser."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from regiodash.ui.state import (
    MAX_COMPARE,
    MAX_WEIGHT,
    PROFILE_TABS,
    ViewContext,
    ViewState,
    parse_view_state,
)

CTX = ViewContext(
    indicators=frozenset({"gdp_per_capita_pps", "employment_rate_pct"}),
    regions=frozenset({"DE", "DE2", "DE21", "FR10", "PL91", "ITC4", "ES51", "AT13", "BE10"}),
    countries=frozenset({"DE", "FR", "PL"}),
    year_range=(2000, 2030),
    weight_ids=frozenset({"gerd_business_pct_gdp", "lifelong_learning_pct"}),
)
DEFAULTS = ViewState(indicator="gdp_per_capita_pps", level=2)


def test_round_trip_of_every_key():
    view = ViewState(indicator="employment_rate_pct", level=1, year=2015, year_to=2020,
                     sex="gap", country="PL", regions=("DE21", "FR10"),
                     compare=("PL91", "ITC4"), weights=(("gerd_business_pct_gdp", 2.0),),
                     tab="peers")
    query = view.to_query(DEFAULTS)
    assert query == {"indicator": "employment_rate_pct", "level": "1", "year": "2015..2020",
                     "sex": "gap", "country": "PL", "region": "DE21~FR10",
                     "compare": "PL91~ITC4", "weights": "gerd_business_pct_gdp:2",
                     "tab": "peers"}
    back = parse_view_state(query, DEFAULTS, CTX)
    assert back == view and not back.notes


def test_defaults_are_not_written():
    assert DEFAULTS.to_query(DEFAULTS) == {}


def test_old_keys_are_migrated():
    view = parse_view_state({"ind": "employment_rate_pct", "nuts": "1", "geo": "DE21"},
                            DEFAULTS, CTX)
    assert (view.indicator, view.level, view.regions) == ("employment_rate_pct", 1, ("DE21",))
    assert not view.notes


def test_an_unknown_tab_falls_back_with_a_note():
    view = parse_view_state({"tab": "Peer regions<script>"}, DEFAULTS, CTX)
    assert view.tab == "" and "tab must be one of" in view.notes[0]
    assert parse_view_state({"tab": "values"}, DEFAULTS, CTX).tab == "values"


def test_too_many_codes_are_cut_with_a_note():
    view = parse_view_state({"compare": "~".join(["DE21", "FR10"] * 3000)}, DEFAULTS, CTX)
    assert len(view.compare) <= MAX_COMPARE and view.notes


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(
    st.sampled_from(["indicator", "level", "year", "sex", "country", "region", "compare",
                     "weights", "tab", "ind", "nuts", "geo", "other"]),
    st.one_of(st.text(max_size=600), st.lists(st.text(max_size=50), max_size=3),
              st.sampled_from(["<script>alert(1)</script>", "'; DROP TABLE x; --",
                               "2015..2010", "DE21~" * 100, "9999", "-1", "1e309",
                               "gerd_business_pct_gdp:999999"]))))
def test_any_parameters_give_a_valid_state(params):
    view = parse_view_state(params, DEFAULTS, CTX)
    assert view.indicator in CTX.indicators
    assert view.level in (0, 1, 2, 3)
    assert view.year is None or 2000 <= view.year <= 2030
    assert view.sex in ("T", "F", "M", "gap")
    assert view.country is None or view.country in CTX.countries
    assert set(view.regions) <= CTX.regions and set(view.compare) <= CTX.regions
    assert len(view.compare) <= MAX_COMPARE
    assert all(k in CTX.weight_ids and 0 <= w <= MAX_WEIGHT for k, w in view.weights)
    assert view.tab in ("", *PROFILE_TABS)
    # and the state writes back to a URL that parses to itself
    assert parse_view_state(view.to_query(DEFAULTS), DEFAULTS, CTX) == view


def test_a_reversed_year_range_is_read_in_order_with_a_note():
    view = parse_view_state({"year": "2023..2012"}, DEFAULTS, CTX)
    assert (view.year, view.year_to) == (2012, 2023)
    assert view.notes == ("Year range 2023..2012 read as 2012..2023 (earlier year first).",)
    assert view.to_query(DEFAULTS)["year"] == "2012..2023"


def test_year_messages_say_what_is_wrong():
    assert "years go from 2000 to 2030" in parse_view_state({"year": "1999"}, DEFAULTS,
                                                             CTX).notes[0]
    assert "a range like 2000..2030" in parse_view_state({"year": "20155"}, DEFAULTS,
                                                         CTX).notes[0]


def test_a_note_quotes_the_url_value_escaped():
    """The value reaches Markdown as text: every markup character backslash-escaped."""
    view = parse_view_state({"country": "[Data moved](https://evil.example/x)"}, DEFAULTS, CTX)
    note = view.notes[0]
    assert note.startswith("Ignored URL parameter country=")
    assert r"\[Data moved\]\(https" + "\u2060" + r"\:\/\/evil\.example\/x\)" in note
    assert "](" not in note.replace("\\]\\(", "")
