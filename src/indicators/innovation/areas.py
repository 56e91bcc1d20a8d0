"""User-defined areas: one pseudo-region aggregated from member regions of one NUTS level.

The area's rows (geo_code = its name, e.g. 'AREA:SPECTRA') can be appended to the input of
`index.compute`, which scores them on the regions' scale without changing any region.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.catalog import CATALOG
from indicators.frames import INPUT_COLUMNS, REGION_LEVELS
from indicators.innovation.rows import (
    finish_rows,
    flag_letters,
    is_nuts_code,
    mode_version,
    refuse_duplicates,
    require_columns,
    tidy_rows,
)
from indicators.innovation.specs import AREA_PREFIX, EU_CODE, POPULATION_ID


@dataclass(frozen=True)
class AreaAggregate:
    """An area built by `aggregate_area`.

    values: rows in OUTPUT_COLUMNS for the area (geo_code = the area's name), ready to be
        concatenated to the input of `compute`.
    weighting: one row per indicator_id, year, sex: weighting ('population_weighted_mean',
        'unweighted_mean' or 'sum'), n_members.
    """

    values: pd.DataFrame
    weighting: pd.DataFrame


def _is_count(indicator_id: pd.Series) -> np.ndarray:
    counts = {e.indicator_id for e in CATALOG if e.unit == "persons"}
    return indicator_id.isin(counts).to_numpy(bool)


def _member_rows(values: pd.DataFrame, members: list[str], name: str) -> tuple[pd.DataFrame, int]:
    """(the members' rows with a finite value and has_e/has_p/is_demo, their NUTS level);
    ValueError for no members, a NUTS-like name, absent members, mixed levels, duplicates."""
    require_columns(values, INPUT_COLUMNS, "values")
    if not members:
        raise ValueError("codes is empty")
    if bool(is_nuts_code(pd.Series([name]))[0]) or name == EU_CODE:
        raise ValueError(
            f"area name {name!r} looks like a NUTS or EU code; use e.g. {AREA_PREFIX + name!r}"
        )
    rows = values.loc[values["geo_code"].isin(members).to_numpy(bool), list(INPUT_COLUMNS)]
    absent = sorted(set(members) - set(rows["geo_code"]))
    if absent:
        raise ValueError(f"no rows for area members {absent}")
    levels = rows["nuts_level"].unique()
    if len(levels) != 1 or int(levels[0]) not in REGION_LEVELS:
        raise ValueError(f"area members must share one NUTS level 0-3, found {sorted(levels)}")
    rows = rows.assign(
        year=rows["year"].astype("int64"),
        value=pd.to_numeric(rows["value"], errors="coerce").astype("float64"),
    )
    refuse_duplicates(rows, ["indicator_id", "geo_code", "year", "sex"], "area members")
    rows = rows.loc[np.isfinite(rows["value"].to_numpy())].reset_index(drop=True)
    has_e, has_p = flag_letters(rows["flag"])
    rows = rows.assign(has_e=has_e, has_p=has_p, is_demo=(rows["source"] == "demo").to_numpy())
    return rows, int(levels[0])


def aggregate_area(values: pd.DataFrame, codes: Iterable[str], name: str) -> AreaAggregate:
    """One pseudo-region `name` from the regions `codes` (all at one NUTS level).

    Grain: one row per indicator_id, year, sex for which every member has a value (no
    member's missing value is ever filled in: a partial group gives no row). Counts (catalog
    unit 'persons', e.g. population_persons) are summed; every other indicator is averaged,
    weighted by the members' population_persons (sex T, same year) when all members have one
    that year, else unweighted. The weights are the total population even for F/M rows and for
    ratios with other denominators (an approximation; say so when showing an area). Flags: e/p
    letters of the member rows (and of the population rows when used as weights); source
    'demo' if any of those rows is demo, else 'derived'; nuts_version the most common among
    the members' rows. `name` must not look like a NUTS code (e.g. 'AREA:SPECTRA').
    """
    members = list(dict.fromkeys(codes))
    rows, level = _member_rows(values, members, name)

    pop = rows.loc[
        (rows["indicator_id"] == POPULATION_ID) & (rows["sex"] == "T") & (rows["value"] > 0)
    ]
    pop = pop[["geo_code", "year", "value", "has_e", "has_p", "is_demo"]].rename(
        columns={"value": "pop", "has_e": "p_e", "has_p": "p_p", "is_demo": "p_d"}
    )
    pop_years = pop.groupby("year")["geo_code"].nunique()
    complete_years = set(pop_years.index[pop_years == len(members)])
    rows = rows.merge(pop, on=["geo_code", "year"], how="left")
    count = _is_count(rows["indicator_id"])
    weighted = rows["year"].isin(complete_years).to_numpy(bool) & ~count
    rows = rows.assign(
        w=np.where(weighted, rows["pop"], 1.0),
        has_e=rows["has_e"] | (weighted & rows["p_e"].fillna(False).astype(bool)),
        has_p=rows["has_p"] | (weighted & rows["p_p"].fillna(False).astype(bool)),
        is_demo=rows["is_demo"] | (weighted & rows["p_d"].fillna(False).astype(bool)),
        count=count,
        weighted=weighted,
    )
    rows = rows.assign(wv=rows["w"] * rows["value"])
    keys = ["indicator_id", "year", "sex"]
    agg = (
        rows.groupby(keys, sort=False)
        .agg(
            n_members=("geo_code", "size"),
            total=("value", "sum"),
            wv=("wv", "sum"),
            w=("w", "sum"),
            has_e=("has_e", "any"),
            has_p=("has_p", "any"),
            is_demo=("is_demo", "any"),
            count=("count", "first"),
            weighted=("weighted", "first"),
        )
        .reset_index()
    )
    agg = agg.loc[agg["n_members"] == len(members)]
    agg = agg.assign(
        value=np.where(agg["count"], agg["total"], agg["wv"] / agg["w"]),
        weighting=np.select(
            [agg["count"].to_numpy(bool), agg["weighted"].to_numpy(bool)],
            ["sum", "population_weighted_mean"],
            default="unweighted_mean",
        ),
    )
    agg = agg.merge(mode_version(rows, keys), on=keys, how="left")
    out = tidy_rows(
        agg["indicator_id"].to_numpy(dtype=object),
        agg.assign(geo_code=name, nuts_level=level).reset_index(drop=True),
    )
    weighting = agg[[*keys, "weighting", "n_members"]].sort_values(keys).reset_index(drop=True)
    return AreaAggregate(finish_rows([out]), weighting)
