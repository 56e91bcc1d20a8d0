"""Creative and cultural industries: how specialised a region is in cultural employment.

The location quotient (LQ) of a region in year Y is its cultural employment share (% of total
employment, Eurostat cult_emp_reg) over the EU27 share of the same year: 1 means the EU's
share, 2 twice it. The EU27 share is Eurostat's own aggregate (`EU27_2020`) when the data holds
it; otherwise the unweighted mean of the EU member states' shares of that year, which
approximates it (every such LQ is flagged 'e': estimated), and only when at least 20 of the
27 member states have a value (else no EU reference and no LQ for that year).

Input: a DataFrame `values` with the columns indicator_id, geo_code, nuts_level, nuts_version,
year, sex, value (float, NaN = missing), flag and source. Only rows of `cultural_employment_pct`
(sex T, NUTS levels -1 to 2) are read.

Output grain: one row per region (NUTS 0-2) and year with both a share and an EU reference,
indicator `cultural_employment_lq`, sex T; columns indicator_id, geo_code, nuts_level,
nuts_version, year, sex, value, flag, source. Flags: 'e' / 'p' carried from the region's and
the EU value's flags (plus 'e' for an estimated EU reference); source 'demo' when an input is
demo, else 'derived'. Missing stays missing: a region without a share has no LQ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.catalog import CATALOG_BY_ID
from indicators.frames import INPUT_COLUMNS, OUTPUT_COLUMNS, check_columns, check_unique, finish
from indicators.provenance import E_BIT, encode_provenance
from indicators.spec import Direction, Domain, IndicatorSpec

INPUT_ID = "cultural_employment_pct"
LQ_ID = "cultural_employment_lq"
EU_CODE = "EU27_2020"
EU27 = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})
MIN_COUNTRIES = 20
INPUT_IDS = frozenset({INPUT_ID})

_INPUT = CATALOG_BY_ID[INPUT_ID]
DERIVED_SPECS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        indicator_id=LQ_ID,
        title="Cultural employment specialisation (location quotient)",
        description=(
            "The region's share of cultural employment in total employment over the EU27 "
            "share of the same year: above 1, the region is more specialised in cultural and "
            "creative work than the EU; below 1, less."
        ),
        unit="ratio to the EU27 share",
        direction=Direction.NEUTRAL,
        domain=Domain.CREATIVE,
        sources=_INPUT.sources,
        decimals=2,
        nuts_levels=(0, 1, 2),
        formula=(
            f"LQ = share(region, Y) / share(EU27, Y), share = {INPUT_ID}; the EU27 share is "
            f"Eurostat's {EU_CODE} value, else the mean of the member states' shares (flag e, "
            f"at least {MIN_COUNTRIES} of 27 countries)."
        ),
        caveats=_INPUT.caveats,
    ),
)


def _select(values: pd.DataFrame) -> pd.DataFrame:
    keep = ((values["indicator_id"] == INPUT_ID) & (values["sex"] == "T")
            & values["nuts_level"].between(-1, 2)
            & np.isfinite(values["value"].to_numpy(dtype=float)))
    obs = values.loc[keep.to_numpy(dtype=bool), list(INPUT_COLUMNS)].reset_index(drop=True)
    obs["year"] = obs["year"].astype(np.int64)
    check_unique(obs, ["geo_code", "year"])
    obs["mask"] = encode_provenance(obs["flag"], obs["source"])
    return obs


def eu_reference(obs: pd.DataFrame) -> pd.DataFrame:
    """One row per year: the EU27 share (value) and its provenance mask."""
    published = obs[obs["geo_code"] == EU_CODE][["year", "value", "mask"]]
    members = obs[(obs["nuts_level"] == 0) & obs["geo_code"].isin(EU27)]
    by_year = members.groupby("year").agg(value=("value", "mean"), n=("value", "size"),
                                          mask=("mask", lambda m: np.bitwise_or.reduce(
                                              m.to_numpy(dtype=np.int64))))
    estimated = by_year[(by_year["n"] >= MIN_COUNTRIES)
                        & ~by_year.index.isin(published["year"])].reset_index()
    estimated["mask"] = estimated["mask"].astype(np.int64) | E_BIT
    return pd.concat([published, estimated[["year", "value", "mask"]]], ignore_index=True)


def compute(values: pd.DataFrame) -> pd.DataFrame:
    """Location quotients of every region-year with a share and an EU reference."""
    check_columns(values)
    obs = _select(values)
    regions = obs[obs["nuts_level"].between(0, 2)]
    if regions.empty:
        return finish(pd.DataFrame())
    eu = eu_reference(obs)
    joined = regions.merge(eu, on="year", suffixes=("", "_eu"))
    joined = joined[joined["value_eu"] > 0]
    out = pd.DataFrame({
        "indicator_id": LQ_ID,
        "geo_code": joined["geo_code"],
        "nuts_level": joined["nuts_level"].astype(np.int64),
        "nuts_version": joined["nuts_version"],
        "year": joined["year"],
        "value": joined["value"] / joined["value_eu"],
        "mask": (joined["mask"].astype(np.int64) | joined["mask_eu"].astype(np.int64)).astype(
            np.int8),
    })
    return finish(out)


__all__ = ["DERIVED_SPECS", "EU27", "INPUT_IDS", "LQ_ID", "OUTPUT_COLUMNS", "compute",
           "eu_reference"]
