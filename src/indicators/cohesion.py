"""Cohesion-policy region categories from GDP per inhabitant in PPS (% of the EU27 average).

Regulation (EU) 2021/1060, Art. 108(2), sorts NUTS 2 regions into three categories by their
GDP per inhabitant in purchasing power standards relative to the EU27 average, averaged over
three years: less developed (below 75 %), transition (75 % to 100 %) and more developed (above
100 %). The 2021-2027 categories used the average of 2015-2017 (Annex XXII); this module
computes the same measure for every window the data allows: the value for year Y is the mean
over Y-2, Y-1 and Y (the 2017 value is the 2015-2017 window of the 2021-2027 programmes).

Input: a DataFrame `values` with the columns indicator_id, geo_code, nuts_level, nuts_version,
year, sex, value (float, NaN = missing), flag and source. Only rows of
`gdp_per_capita_pps_pct_eu27` (catalog, Eurostat nama_10r_3gdp, unit PPS_HAB_EU27_2020), sex
T, NUTS level 2 are read.

Output grain: one row per indicator id, NUTS 2 region and year Y (sex T), columns
indicator_id, geo_code, nuts_level, nuts_version, year, sex, value, flag, source:
- `gdp_pps_pct_eu27_3y_avg`: mean of the three values (% of EU27), when all three years have a
  finite value under the same nuts_version; otherwise no row (nothing is imputed);
- `cohesion_category`: 1 less developed (average < 75), 2 transition (75 <= average < 100),
  3 more developed (average >= 100); labels in its spec's `categories`. Boundaries: exactly
  75 counts as transition and exactly 100 as more developed (the regulation says "above
  100 %"; a region at exactly 100.0 is a measure-zero case we place in the upper class). The
  average is rounded to 9 decimals before the comparison, so (74 + 75 + 76) / 3 is 75.

Flags: 'e' / 'p' / 'ep' when any of the three inputs' flags contains e / p (other flags such as
b or d are not carried), else None. Source: 'demo' when any input is demo, else 'derived'.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.catalog import CATALOG_BY_ID
from indicators.frames import INPUT_COLUMNS, OUTPUT_COLUMNS, check_columns, check_unique, finish
from indicators.provenance import encode_provenance, or_by_group, unique_sources
from indicators.spec import Direction, Domain, IndicatorSpec

INPUT_ID = "gdp_per_capita_pps_pct_eu27"
AVERAGE_ID = "gdp_pps_pct_eu27_3y_avg"
CATEGORY_ID = "cohesion_category"
WINDOW = 3
LESS_DEVELOPED_BELOW = 75.0
MORE_DEVELOPED_FROM = 100.0
LESS_DEVELOPED, TRANSITION, MORE_DEVELOPED = 1, 2, 3
CATEGORIES: tuple[tuple[int, str], ...] = (
    (LESS_DEVELOPED, "less developed (< 75 %)"),
    (TRANSITION, "transition (75-100 %)"),
    (MORE_DEVELOPED, "more developed (>= 100 %)"),
)
REGULATION = "Regulation (EU) 2021/1060, Art. 108(2) and Annex XXII"
INPUT_IDS = frozenset({INPUT_ID})

_INPUT = CATALOG_BY_ID[INPUT_ID]
_WINDOWS = (
    "Window for year Y: Y-2, Y-1 and Y (e.g. 2017: 2015-2017, the window of the 2021-2027 "
    "categories; 2022: 2020-2022). All three years must be present."
)
DERIVED_SPECS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        indicator_id=AVERAGE_ID,
        title="GDP per inhabitant in PPS, three-year average, EU27 = 100",
        description=(
            "Mean over three years (Y-2 to Y) of GDP per inhabitant in purchasing power "
            "standards as a percentage of the EU27 average: the measure the cohesion-policy "
            f"region categories use ({REGULATION})."
        ),
        unit="% of EU27 average",
        direction=Direction.NEUTRAL,
        domain=Domain.DERIVED,
        sources=_INPUT.sources,
        decimals=1,
        nuts_levels=(2,),
        formula=f"(v[Y-2] + v[Y-1] + v[Y]) / 3, v = {INPUT_ID}. " + _WINDOWS,
        caveats=(
            "Computed on the data as published now: Eurostat revises regional GDP, so a "
            "region's average can differ from the figures the Commission used in 2019. "
            + _INPUT.caveats
        ),
    ),
    IndicatorSpec(
        indicator_id=CATEGORY_ID,
        title="Cohesion-policy region category",
        description=(
            "Category of the NUTS 2 region by its three-year average GDP per inhabitant in "
            "PPS (% of EU27): 1 less developed (< 75 %), 2 transition (75-100 %), 3 more "
            f"developed (>= 100 %), as in {REGULATION}."
        ),
        unit="category",
        direction=Direction.NEUTRAL,
        domain=Domain.DERIVED,
        sources=unique_sources([_INPUT]),
        decimals=0,
        nuts_levels=(2,),
        formula=(
            f"1 if avg < {LESS_DEVELOPED_BELOW:g}; 2 if {LESS_DEVELOPED_BELOW:g} <= avg < "
            f"{MORE_DEVELOPED_FROM:g}; 3 if avg >= {MORE_DEVELOPED_FROM:g}; avg = "
            f"{AVERAGE_ID} rounded to 9 decimals. " + _WINDOWS
        ),
        caveats=(
            "The regulation says 'above 100 %' for more developed regions; exactly 100 is "
            "counted as more developed here. The 2021-2027 allocation used 2015-2017 (year "
            "2017 here); the official list can differ where Eurostat has revised GDP since."
        ),
        categories=CATEGORIES,
    ),
)


def classify(average: np.ndarray) -> np.ndarray:
    """Category code (1, 2, 3) per three-year average; NaN stays NaN."""
    avg = np.round(np.asarray(average, dtype=float), 9)
    category = np.where(avg < LESS_DEVELOPED_BELOW, LESS_DEVELOPED,
                        np.where(avg < MORE_DEVELOPED_FROM, TRANSITION, MORE_DEVELOPED))
    return np.where(np.isnan(avg), np.nan, category.astype(float))


def _select(values: pd.DataFrame) -> pd.DataFrame:
    keep = ((values["indicator_id"] == INPUT_ID) & (values["sex"] == "T")
            & (values["nuts_level"] == 2)
            & np.isfinite(values["value"].to_numpy(dtype=float))
            & values["geo_code"].notna() & values["year"].notna())
    obs = values.loc[keep.to_numpy(dtype=bool), list(INPUT_COLUMNS)].reset_index(drop=True)
    obs["year"] = obs["year"].astype(np.int64)
    obs["nuts_version"] = obs["nuts_version"].astype(object)
    check_unique(obs, ["geo_code", "year"])
    obs["mask"] = encode_provenance(obs["flag"], obs["source"])
    return obs


def compute(values: pd.DataFrame) -> pd.DataFrame:
    """Three-year averages and categories for every NUTS 2 region-year (module doc)."""
    check_columns(values)
    obs = _select(values)
    if obs.empty:
        return finish(pd.DataFrame())
    # One row per (region, end year Y, lag 0..2): the input of year Y - lag feeds window Y.
    lagged = pd.concat([obs.assign(end=obs["year"] + lag) for lag in range(WINDOW)],
                       ignore_index=True)
    version = lagged["nuts_version"].fillna("")
    keys = pd.MultiIndex.from_arrays([lagged["geo_code"], lagged["end"], version])
    gid, heads = keys.factorize()
    n = len(heads)
    count = np.bincount(gid, minlength=n)
    total = np.bincount(gid, weights=lagged["value"].to_numpy(dtype=float), minlength=n)
    mask = or_by_group(gid, lagged["mask"].to_numpy(dtype=np.int8), n)
    full = count == WINDOW
    average = pd.DataFrame({
        "geo_code": heads.get_level_values(0)[full],
        "nuts_level": 2,
        "nuts_version": pd.Series(heads.get_level_values(2)[full]).replace("", np.nan),
        "year": heads.get_level_values(1)[full].to_numpy(dtype=np.int64),
        "value": total[full] / WINDOW,
        "mask": mask[full],
    })
    category = average.assign(value=classify(average["value"].to_numpy()))
    return finish(pd.concat([average.assign(indicator_id=AVERAGE_ID),
                             category.assign(indicator_id=CATEGORY_ID)], ignore_index=True))


__all__ = ["AVERAGE_ID", "CATEGORIES", "CATEGORY_ID", "DERIVED_SPECS", "INPUT_IDS",
           "OUTPUT_COLUMNS", "classify", "compute"]
