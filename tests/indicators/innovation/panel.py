"""The small panels the innovation tests share: inline rows, a base panel and a hypothesis
strategy (a helper module, not a test file).

The base panel (NUTS 2, 2020, three components, EU27_2020 at level -1):

    region  A=gerd_business  B=tertiary_25_34  C=early_leavers (lower is better)  population
    AT11    1                40                10                                 1 000 000
    AT12    2                10                5                                  1 000 000
    BE21    3                20                20                                 2 000 000
    BE22    4                30                15                                 1 000 000
    EU      2.5              25                12.5

No outliers, no skew (each column is an evenly spaced set), so min-max only:
A -> 0, 1/3, 2/3, 1; B -> 1, 0, 1/3, 2/3; C -> 1 - (v - 5) / 15 = 2/3, 1, 0, 1/3.
Equal-weight scores: 5/9, 4/9, 3/9, 6/9. EU: every component 0.5, score 0.5.
Index = score / 0.5 x 100: 111.1, 88.9, 66.7, 133.3 (Strong, Moderate, Emerging, Leader).
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from indicators import frames
from indicators.innovation import specs

A = "gerd_business_pct_gdp"
B = "tertiary_attainment_25_34_pct"
C = "early_leavers_pct"  # lower is better
W3 = {A: 1.0, B: 1.0, C: 1.0}
BASE = {
    "AT11": (1.0, 40.0, 10.0),
    "AT12": (2.0, 10.0, 5.0),
    "BE21": (3.0, 20.0, 20.0),
    "BE22": (4.0, 30.0, 15.0),
}
EU_VALUES = (2.5, 25.0, 12.5)
POP = {"AT11": 1e6, "AT12": 1e6, "BE21": 2e6, "BE22": 1e6}
# Each compute call costs tens of milliseconds of pandas overhead even on a few rows, so the
# properties run a handful of examples by default (the file stays under ~15 s); set
# REGIODASH_PROPERTY_EXAMPLES=200 for a thorough run.
PROPS = settings(
    max_examples=int(os.environ.get("REGIODASH_PROPERTY_EXAMPLES", "6")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def row(
    indicator_id,
    geo,
    value,
    *,
    year=2020,
    level=2,
    flag=None,
    source="eurostat",
    sex="T",
    version="2021",
):
    return {
        "indicator_id": indicator_id,
        "geo_code": geo,
        "nuts_level": level,
        "nuts_version": version,
        "year": year,
        "sex": sex,
        "value": value,
        "flag": flag,
        "source": source,
    }


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(frames.OUTPUT_COLUMNS))


def base_rows(*, eu=True, population=True, year=2020):
    rows = [
        row(i, geo, v, year=year)
        for geo, vals in BASE.items()
        for i, v in zip((A, B, C), vals, strict=True)
    ]
    if eu:
        rows += [
            row(i, specs.EU_CODE, v, year=year, level=-1)
            for i, v in zip((A, B, C), EU_VALUES, strict=True)
        ]
    if population:
        rows += [row(specs.POPULATION_ID, geo, p, year=year) for geo, p in POP.items()]
    return rows


def pick(out: pd.DataFrame, indicator_id: str) -> dict[str, float]:
    sub = out.loc[out["indicator_id"] == indicator_id]
    return dict(zip(sub["geo_code"], sub["value"], strict=True))


def flags(out: pd.DataFrame, indicator_id: str) -> dict[str, str | None]:
    sub = out.loc[out["indicator_id"] == indicator_id]
    return {
        g: (None if pd.isna(f) else f) for g, f in zip(sub["geo_code"], sub["flag"], strict=True)
    }


def approx(d: dict[str, float]):
    return pytest.approx(d, rel=1e-12, abs=1e-12)


value_strategy = st.one_of(
    st.floats(0.0, 10.0, allow_subnormal=False), st.floats(0.0, 1000.0, allow_subnormal=False)
)
REGIONS = ["AT11", "AT12", "BE21", "BE22", "DE11", "DE12"]


@st.composite
def panels(draw, components=(A, B, C), with_eu=None, missing=True, min_regions=3):
    n_regions = draw(st.integers(min_regions, len(REGIONS)))
    years = list(range(2019, 2019 + draw(st.integers(1, 2))))
    keys = [(geo, year, i) for geo in REGIONS[:n_regions] for year in years for i in components]
    values = draw(st.lists(value_strategy, min_size=len(keys), max_size=len(keys)))
    present = draw(st.lists(st.integers(0, 9), min_size=len(keys), max_size=len(keys)))
    rows = [
        row(i, geo, value, year=year)
        for (geo, year, i), value, p in zip(keys, values, present, strict=True)
        if not (missing and p == 0)  # about one value in ten missing
    ]
    if draw(st.booleans()) if with_eu is None else with_eu:
        eu_keys = [(year, i) for year in years for i in components]
        eu_values = draw(st.lists(value_strategy, min_size=len(eu_keys), max_size=len(eu_keys)))
        rows += [
            row(i, specs.EU_CODE, value, year=year, level=-1)
            for (year, i), value in zip(eu_keys, eu_values, strict=True)
        ]
    return frame(rows)
