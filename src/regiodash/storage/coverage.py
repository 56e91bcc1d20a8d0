"""How many observations a raw table gives each catalog indicator, and why it gives none.

Grain: one count per (catalog indicator, raw table). A row counts when it matches every filter
of the indicator (`CatalogIndicator.filters`, codes compared exactly), its period is a year
(`YYYY`: the build reads annual periods only), its sex is F, M or T when the indicator has a
sex breakdown (`sex_dim`), and its value is a number: a missing value (":" or empty, flagged or
not) is kept by the build but is no observation here. This is the selection
`storage.observations` makes, written over a pandas frame so that the import can run it before
anything is written and `regiodash check` on a raw file afterwards.

Pure functions, no I/O.
"""

from __future__ import annotations

import pandas as pd

from indicators.catalog import CATALOG
from indicators.spec import CatalogIndicator

CATALOG_DATASETS = frozenset(entry.dataset for entry in CATALOG)
"""Dataset codes the indicator catalog reads."""

SEXES = ("F", "M", "T")
_YEAR = r"[0-9]{4}"
_SHOWN = 5


def catalog_indicators(dataset: str) -> tuple[CatalogIndicator, ...]:
    """The catalog entries read from `dataset`, in catalog order (empty when none)."""
    return tuple(entry for entry in CATALOG if entry.dataset == dataset)


def show_values(values: object, limit: int = _SHOWN) -> str:
    """Up to `limit` distinct values, sorted and quoted, plus how many more there are."""
    distinct = sorted({str(v) for v in pd.Series(values, dtype=object).dropna()})
    shown = ", ".join(repr(v) for v in distinct[:limit])
    more = len(distinct) - limit
    return shown + (f" and {more} more" if more > 0 else "") if distinct else "no values"


def _filter_mask(frame: pd.DataFrame, indicator: CatalogIndicator) -> pd.Series | None:
    """Rows matching the filters, annual period and F/M/T sex; None when a column is missing."""
    needed = [dim for dim, _ in indicator.filters] + [indicator.sex_dim or "time_period"]
    if any(column not in frame.columns for column in [*needed, "time_period"]):
        return None
    mask = frame["time_period"].astype(str).str.fullmatch(_YEAR)
    for dim, code in indicator.filters:
        mask &= frame[dim].astype(str) == code
    if indicator.sex_dim:
        mask &= frame[indicator.sex_dim].astype(str).isin(SEXES)
    return mask


def count_observations(frame: pd.DataFrame, indicator: CatalogIndicator) -> int:
    """Rows of `frame` (a RawTable frame) that become observations with a value."""
    mask = _filter_mask(frame, indicator)
    if mask is None:
        return 0
    return int((mask & frame["value"].notna()).sum())


def explain_empty(frame: pd.DataFrame, indicator: CatalogIndicator) -> tuple[str, str | None]:
    """(why `frame` gives `indicator` no observation, the column to blame or None).

    Names the first filter whose code the column does not hold, with the values it does hold
    ("isced11 has 'ED0-2' but the catalog wants TOTAL"); then a period or sex column with no
    usable value; then filters that each match but never together; then matching rows that
    all lack a value.
    """
    for dim, code in indicator.filters:
        if dim not in frame.columns:
            return f"the file has no {dim!r} column (the catalog wants {dim} = {code})", None
        values = frame[dim].astype(str)
        if not (values == code).any():
            return f"{dim} has {show_values(values.unique())} but the catalog wants {code}", dim
    if indicator.sex_dim:
        if indicator.sex_dim not in frame.columns:
            return f"the file has no {indicator.sex_dim!r} column (sex F, M, T)", None
        sexes = frame[indicator.sex_dim].astype(str)
        if not sexes.isin(SEXES).any():
            return (f"{indicator.sex_dim} has {show_values(sexes.unique())} but the catalog "
                    "wants F, M or T", indicator.sex_dim)
    periods = frame["time_period"].astype(str)
    if not periods.str.fullmatch(_YEAR).any():
        return (f"time_period has {show_values(periods.unique())} but the catalog reads "
                "annual periods (YYYY)", "time_period")
    mask = _filter_mask(frame, indicator)
    wanted = ", ".join(f"{dim} = {code}" for dim, code in indicator.filters)
    if mask is None or not mask.any():
        return f"no annual row combines {wanted}", None
    return (f"the {int(mask.sum()):,} annual rows with {wanted} all lack a value "
            "(':' or empty)", "value")
