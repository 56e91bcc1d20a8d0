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
stay missing: nothing is imputed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

OUTLIER_SD = 2.0
SKEW_THRESHOLD = 1.0


def skewness(values: pd.Series) -> float:
    """Bias-corrected sample skewness (as pandas/Excel SKEW); NaN for fewer than 3 values."""
    return float(values.dropna().skew())


def cap_outliers(values: pd.Series) -> pd.Series:
    """Replace values beyond mean +/- 2 sd by the most extreme non-outlier values."""
    x = values.dropna()
    if len(x) < 3:
        return values.copy()
    mean, sd = x.mean(), x.std()
    if not np.isfinite(sd) or sd == 0:
        return values.copy()
    hi_lim, lo_lim = mean + OUTLIER_SD * sd, mean - OUTLIER_SD * sd
    inside = x[(x <= hi_lim) & (x >= lo_lim)]
    if inside.empty:
        return values.copy()
    return values.clip(lower=inside.min(), upper=inside.max())


def normalise_series(values: pd.Series, lower_is_better: bool = False) -> pd.Series:
    """Cap outliers, square-root transform when skewed, min-max to [0, 1] (see module doc)."""
    # Infinite values are not measurements: treat them as missing.
    capped = cap_outliers(values.astype("float64").replace([np.inf, -np.inf], np.nan))
    sk = skewness(capped)
    if np.isfinite(sk) and sk > SKEW_THRESHOLD and (capped.dropna() >= 0).all():
        capped = np.sqrt(capped)
    lo, hi = capped.min(), capped.max()
    if not np.isfinite(lo) or not np.isfinite(hi):
        return capped
    if hi == lo:
        out = capped.where(capped.isna(), 0.5)
    else:
        out = (capped - lo) / (hi - lo)
    if lower_is_better:
        out = 1.0 - out
    return out.clip(0.0, 1.0)


def normalise_components(
    values: pd.DataFrame,
    directions: dict[str, str],
    group_cols: tuple[str, ...] = ("indicator_id", "nuts_level", "sex"),
) -> pd.DataFrame:
    """Add `norm` (0..1, higher = better) to rows of `values` per component group.

    `values` has at least indicator_id, nuts_level, sex, year, geo_code, value. The window is
    whatever years `values` contains: pass the reference window only. `directions` maps
    indicator_id -> "higher" | "lower" (others treated as higher).
    """
    # Positional indices: label-based assignment would mix groups when the index has
    # duplicate labels (e.g. after a concat).
    out = values.reset_index(drop=True)
    norm = np.full(len(out), np.nan)
    value = out["value"].astype("float64")
    for key, positions in out.groupby(list(group_cols), sort=False).indices.items():
        indicator_id = key[0] if isinstance(key, tuple) else key
        lower = directions.get(indicator_id) == "lower"
        norm[positions] = normalise_series(value.iloc[positions], lower).to_numpy()
    return out.assign(norm=norm)
