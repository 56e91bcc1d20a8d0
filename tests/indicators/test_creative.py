"""Cultural employment location quotients: hand-computed cases, the EU reference, flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators import creative
from indicators.creative import EU27, LQ_ID, compute, eu_reference
from indicators.frames import OUTPUT_COLUMNS


def rows(data: list[tuple], source: str = "eurostat") -> pd.DataFrame:
    """(geo_code, year, value, flag) rows of cultural_employment_pct, sex T."""
    frame = pd.DataFrame(data, columns=["geo_code", "year", "value", "flag"])
    level = frame["geo_code"].map(lambda c: -1 if c.startswith("EU") else len(c) - 2)
    return frame.assign(indicator_id=creative.INPUT_ID, nuts_level=level,
                        nuts_version="2021", sex="T", source=source)


def lq(frame: pd.DataFrame) -> dict[tuple[str, int], tuple[float, object]]:
    out = compute(frame)
    return {(r.geo_code, r.year): (round(r.value, 6), r.flag) for r in out.itertuples()}


def test_quotient_against_the_published_eu_share():
    got = lq(rows([("EU27_2020", 2020, 4.0, None), ("NL32", 2020, 8.0, "p"),
                   ("PL82", 2020, 2.0, None), ("NL", 2020, 5.0, None)]))
    assert got[("NL32", 2020)] == (2.0, "p")
    assert got[("PL82", 2020)] == (0.5, None)
    assert got[("NL", 2020)] == (1.25, None)
    assert ("EU27_2020", 2020) not in got  # the reference gets no quotient of its own


def test_without_the_eu_aggregate_the_member_mean_is_used_and_flagged():
    members = sorted(EU27)[:20]
    data = [(c, 2021, 4.0 if i % 2 else 2.0, None) for i, c in enumerate(members)]
    got = lq(rows([*data, ("DE21", 2021, 6.0, None)]))
    assert got[("DE21", 2021)] == (2.0, "e")  # mean of 20 member shares is 3.0


def test_too_few_countries_give_no_reference_and_no_quotient():
    data = [(c, 2021, 3.0, None) for c in sorted(EU27)[:19]] + [("DE21", 2021, 6.0, None)]
    assert compute(rows(data)).empty
    assert eu_reference(rows(data).assign(mask=0)).empty


def test_missing_shares_stay_missing_and_demo_inputs_say_so():
    frame = rows([("EU27_2020", 2020, 4.0, None), ("AT13", 2020, np.nan, None),
                  ("AT34", 2020, 6.0, None)], source="demo")
    out = compute(frame)
    assert list(out["geo_code"]) == ["AT34"]
    assert (out["source"] == "demo").all()
    assert list(out.columns) == list(OUTPUT_COLUMNS)
    assert (out["indicator_id"] == LQ_ID).all()


def test_duplicated_rows_are_refused():
    frame = rows([("AT34", 2020, 6.0, None), ("AT34", 2020, 5.0, None)])
    with pytest.raises(ValueError, match="duplicated"):
        compute(frame)
