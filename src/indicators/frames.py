"""Frame helpers shared by the indicator modules: the common column sets, input checks, grouping
and the output schema of the gender-inclusion and sustainability modules (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from indicators.ordering import stable_order
from indicators.provenance import DEMO_BIT, decode_flags

# Input rows and derived rows of every indicator module have these columns, in this order.
OUTPUT_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "geo_code",
    "nuts_level",
    "nuts_version",
    "year",
    "sex",
    "value",
    "flag",
    "source",
)
INPUT_COLUMNS = OUTPUT_COLUMNS
REGION_LEVELS: tuple[int, ...] = (0, 1, 2, 3)
GROUP_KEYS = ["geo_code", "nuts_level", "year"]


def check_columns(values: pd.DataFrame) -> None:
    missing = [c for c in INPUT_COLUMNS if c not in values.columns]
    if missing:
        raise ValueError(f"values is missing column(s) {', '.join(missing)}")


def take_rows(values: pd.DataFrame, keep: pd.Series, columns: Iterable[str]) -> pd.DataFrame:
    """`values.loc[keep, columns]` with a fresh RangeIndex, without copying rows when every
    row is kept (the build hands each module only the rows it reads)."""
    keep_rows = np.asarray(keep, dtype=bool)
    if keep_rows.all():
        return values[list(columns)].reset_index(drop=True)
    return values.loc[keep_rows, list(columns)].reset_index(drop=True)


def check_unique(frame: pd.DataFrame, keys: list[str]) -> None:
    """Refuse duplicate observations: a derived value must come from one value per key.

    Cheapest on categorical keys: callers check after converting text keys to categories."""
    dup = frame.duplicated(keys, keep=False)
    if dup.any():
        first = frame.loc[dup, keys].iloc[0].to_dict()
        raise ValueError(
            f"values holds {int(dup.sum())} duplicated rows for key {keys}, e.g. {first}"
        )


def latest_version_by_group(
    group_ids: np.ndarray, versions: pd.Series, n_groups: int
) -> pd.Categorical:
    """Most recent nuts_version per group (string order: '2016' < '2021'); NaN if none."""
    versions = as_category(versions)
    top = pd.Series(versions.cat.codes.to_numpy()).groupby(group_ids).max()
    codes = top.reindex(range(n_groups), fill_value=-1).to_numpy(dtype=np.int64)
    return pd.Categorical.from_codes(codes, categories=versions.cat.categories)


def group_heads(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, int, pd.DataFrame]:
    """Group id per row (0..n-1), the number of groups and the key values of each group."""
    gid = frame.groupby(keys, sort=False, observed=True).ngroup().to_numpy()
    _, first = np.unique(gid, return_index=True)  # first row of each group, by group id
    heads = frame[keys].iloc[first].reset_index(drop=True)
    return gid, len(first), heads


def group_rows(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(group number per row, position of each group's first row).

    Groups are numbered in sorted key order (independent of row order); sums over a group with
    np.bincount then run in row order. Much cheaper than groupby().agg() on both tiny and
    large frames. A missing key value is a group value of its own.
    """
    combined = np.zeros(len(frame), dtype="int64")
    for key in keys:
        codes, uniques = pd.factorize(frame[key], sort=True)
        combined = combined * (len(uniques) + 1) + (codes + 1)
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    return inverse.reshape(-1), first


def as_category(series: pd.Series) -> pd.Series:
    """Categorical with lexically sorted categories (codes order = string order)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series
    return series.astype("category")


def finish(frame: pd.DataFrame) -> pd.DataFrame:
    """Output schema: exact columns, value float64, no missing values, sorted, clean index.

    `frame` has the output columns except flag and source, plus `mask` (provenance bits)."""
    if frame.empty:
        out = pd.DataFrame({c: pd.Series(dtype="str") for c in OUTPUT_COLUMNS})
        out["nuts_level"] = out["nuts_level"].astype("int64")
        out["year"] = out["year"].astype("int64")
        out["value"] = out["value"].astype("float64")
        out["flag"] = out["flag"].astype(object)
        return out
    frame = frame[np.isfinite(frame["value"].to_numpy(dtype=float))]
    ids = as_category(frame["indicator_id"])
    geos = as_category(frame["geo_code"])
    versions = as_category(frame["nuts_version"])
    level = frame["nuts_level"].to_numpy(dtype=np.int64)
    year = frame["year"].to_numpy(dtype=np.int64)
    id_codes, geo_codes = ids.cat.codes.to_numpy(), geos.cat.codes.to_numpy()
    order = stable_order([id_codes, level, year, geo_codes])
    mask = frame["mask"].to_numpy()[order]
    source_codes = ((mask & DEMO_BIT) > 0).astype(np.int8)  # 0 derived, 1 demo
    out = pd.DataFrame(
        {
            "indicator_id": _labels(ids, id_codes[order]),
            "geo_code": _labels(geos, geo_codes[order]),
            "nuts_level": level[order],
            "nuts_version": _labels(versions, versions.cat.codes.to_numpy()[order]),
            "year": year[order],
            "sex": _take(["T"], np.zeros(len(order), dtype=np.int8)),
            "value": frame["value"].to_numpy(dtype=float)[order],
            "flag": decode_flags(mask),
            "source": _take(["derived", "demo"], source_codes),
        }
    )
    return out[list(OUTPUT_COLUMNS)]


def _labels(categorical: pd.Series, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """String labels for `codes` of a categorical column, missing (-1) as NaN, vectorised."""
    return _take(categorical.cat.categories, codes)


def _take(labels: Iterable[str] | pd.Index, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """labels[codes] as a string array without a per-row Python pass; code -1 gives NaN."""
    index = pd.Index(labels).astype("str")
    return index.take(codes, allow_fill=True, fill_value=np.nan).array
