"""Normalisation of component indicators the way the Regional Innovation Scoreboard does it.

For one component (one indicator, NUTS level and sex) over the reference window:
1. Outliers are capped: values above mean + 2 standard deviations (over all regions and all
   years of the window) are set to the highest value that is not an outlier; values below
   mean - 2 sd to the lowest that is not. (RIS/EIS methodology reports: "positive outliers ...
   higher than the mean plus 2 times the standard deviation".)
2. Skewed components are square-root transformed: when the (Fisher-Pearson, bias-corrected)
   skewness of the capped values exceeds 1 and all values are >= 0.
3. Min-max rescaling to [0, 1] with min and max over all regions and all years of the window,
   so scores compare over time. Lower-is-better components are inverted (1 - x).
A component with no spread (max == min) gets 0.5 everywhere it has a value. Missing values
(NaN, and infinite values, which are not measurements) stay missing: nothing is imputed.

One implementation: `fit_normalisation` derives the parameters of every component at once
(vectorised over groups) and `apply_normalisation` maps values with them; `normalise_components`
and `normalise_series` are the two combined. Fitting on regions and applying to other rows is
how the innovation index scores the EU aggregate and user areas on the regions' scale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from indicators.frames import group_rows

OUTLIER_SD = 2.0
SKEW_THRESHOLD = 1.0
# A component: one indicator at one NUTS level for one sex.
COMPONENT_KEYS: tuple[str, ...] = ("indicator_id", "nuts_level", "sex")
PARAM_COLUMNS: tuple[str, ...] = ("raw_min", "raw_max", "cap_lo", "cap_hi", "sqrt", "lower")


def fit_normalisation(
    rows: pd.DataFrame,
    directions: Mapping[str, str],
    keys: Sequence[str] = COMPONENT_KEYS,
) -> pd.DataFrame:
    """The normalisation parameters of each component (group of `keys`) of `rows`.

    Grain: one row per distinct `keys` of `rows` with a finite value (columns: `keys`, value;
    non-finite values and rows with a missing key are ignored). Columns: the keys, raw_min,
    raw_max, cap_lo, cap_hi (the capping bounds: the most extreme non-outliers, or raw min/max
    when nothing can be capped: fewer than 3 values, no spread, or no value inside), sqrt
    (square root applied), lower (inverted: `directions[indicator_id] == "lower"`).
    """
    keys = list(keys)
    value = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype="float64")
    usable = np.isfinite(value) & rows[keys].notna().all(axis=1).to_numpy(bool)
    r = rows.loc[usable, keys]
    if r.empty:
        return pd.DataFrame(columns=[*keys, *PARAM_COLUMNS])
    gid, first = group_rows(r, keys)
    params = r.iloc[first][keys].reset_index(drop=True)
    if "nuts_level" in keys:
        params["nuts_level"] = params["nuts_level"].astype("int64")
    params = params.assign(**fit_groups(value[usable], gid, len(first)))
    # one look-up per component (a handful), not per row
    lower = [directions.get(str(i)) == "lower" for i in params["indicator_id"]]
    params["lower"] = np.array(lower, dtype=bool)
    return params


def fit_groups(v: np.ndarray, gid: np.ndarray, n_groups: int) -> dict[str, np.ndarray]:
    """raw_min, raw_max, cap_lo, cap_hi and sqrt (see `fit_normalisation`) of each group
    0..n_groups-1 of the finite values `v` (group number `gid` per value, every group
    non-empty); values are taken in their order within a group, so the sums are
    reproducible. The arithmetic of `fit_normalisation`, for callers holding arrays."""
    order = np.argsort(gid, kind="stable")
    v, g = v[order], gid[order]
    n = np.bincount(g, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(n)[:-1]])

    def total(x: np.ndarray) -> np.ndarray:
        return np.add.reduceat(x, starts)

    # Sample mean and sd over the window, bounds = most extreme values within mean +/-
    # OUTLIER_SD sd, skewness of the capped values (adjusted Fisher-Pearson G1, as pandas'
    # Series.skew), square root when > SKEW_THRESHOLD.
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total(v) / n
        sd = np.sqrt(total((v - mean[g]) ** 2) / (n - 1))
        inside = (v <= (mean + OUTLIER_SD * sd)[g]) & (v >= (mean - OUTLIER_SD * sd)[g])
    raw_min, raw_max = np.minimum.reduceat(v, starts), np.maximum.reduceat(v, starts)
    in_min = np.minimum.reduceat(np.where(inside, v, np.inf), starts)
    in_max = np.maximum.reduceat(np.where(inside, v, -np.inf), starts)
    can_cap = (n >= 3) & np.isfinite(sd) & (sd > 0) & np.isfinite(in_min)
    cap_lo = np.where(can_cap, in_min, raw_min)
    cap_hi = np.where(can_cap, in_max, raw_max)
    capped = np.clip(v, cap_lo[g], cap_hi[g])
    with np.errstate(invalid="ignore", divide="ignore"):
        dev = capped - (total(capped) / n)[g]
        m2, m3 = total(dev**2), total(dev**3)
        skew = np.where((n >= 3) & (m2 > 0), n * np.sqrt(n - 1) / (n - 2) * m3 / m2**1.5, np.nan)
    return {"raw_min": raw_min, "raw_max": raw_max, "cap_lo": cap_lo, "cap_hi": cap_hi,
            "sqrt": (skew > SKEW_THRESHOLD) & (cap_lo >= 0)}


def apply_normalisation(
    rows: pd.DataFrame, params: pd.DataFrame, keys: Sequence[str] = COMPONENT_KEYS
) -> np.ndarray:
    """Normalised value (0-1, 1 = best) of each row of `rows` (`keys`, value) under `params`
    from `fit_normalisation`, in row order; NaN where no parameters exist or the value is not
    finite. Values outside the fitted range are capped to it."""
    keys = list(keys)
    if rows.empty:
        return np.array([], dtype="float64")
    if params.empty:
        return np.full(len(rows), np.nan)
    m = rows[[*keys, "value"]].reset_index(drop=True).merge(params, on=keys, how="left")
    return apply_params(
        pd.to_numeric(m["value"], errors="coerce").to_numpy(dtype="float64"),
        m["cap_lo"].to_numpy(dtype="float64"), m["cap_hi"].to_numpy(dtype="float64"),
        m["sqrt"].fillna(False).to_numpy(bool), m["lower"].fillna(False).to_numpy(bool))


def apply_params(raw: np.ndarray, lo: np.ndarray, hi: np.ndarray, root: np.ndarray,
                 lower: np.ndarray) -> np.ndarray:
    """Normalised values (0-1, 1 = best) of `raw` with the parameters of each value's
    component given per value (capping bounds, square root, inverted); NaN where a bound is
    missing or the value is not finite. The arithmetic of `apply_normalisation`."""
    v = np.clip(raw, lo, hi)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(root, np.sqrt(np.where(root, v, 0.0)), v)
        g_lo = np.where(root, np.sqrt(np.where(root, lo, 0.0)), lo)
        g_hi = np.where(root, np.sqrt(np.where(root, hi, 0.0)), hi)
        out = np.where(g_hi == g_lo, 0.5, (t - g_lo) / (g_hi - g_lo))
    out = np.where(lower, 1.0 - out, out)
    out = np.clip(out, 0.0, 1.0)
    out[~np.isfinite(raw) | np.isnan(v)] = np.nan
    return out


def normalise_components(
    values: pd.DataFrame,
    directions: Mapping[str, str],
    group_cols: tuple[str, ...] = COMPONENT_KEYS,
) -> pd.DataFrame:
    """Add `norm` (0..1, higher = better) to rows of `values` per component group.

    `values` has at least the `group_cols` and value. The window is whatever years `values`
    contains: pass the reference window only. `directions` maps indicator_id -> "higher" |
    "lower" (others treated as higher). Grain and row order of `values`, with a fresh index.
    """
    out = values.reset_index(drop=True)
    params = fit_normalisation(out, directions, group_cols)
    return out.assign(norm=apply_normalisation(out, params, group_cols))


def normalise_series(values: pd.Series, lower_is_better: bool = False) -> pd.Series:
    """One component's values normalised (see module doc); same index as `values`."""
    frame = pd.DataFrame(
        {"indicator_id": "x", "value": values.to_numpy(dtype="float64")}
    )
    directions = {"x": "lower" if lower_is_better else "higher"}
    norm = normalise_components(frame, directions, ("indicator_id",))["norm"]
    return pd.Series(norm.to_numpy(), index=values.index, name=values.name)
