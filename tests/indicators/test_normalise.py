"""RIS-style normalisation: hand-computed cases and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from indicators.normalise import (
    apply_normalisation,
    fit_normalisation,
    normalise_components,
    normalise_series,
)


def test_min_max_and_inversion_by_hand():
    s = pd.Series([1.0, 2.0, 3.0, np.nan])
    assert normalise_series(s).tolist()[:3] == [0.0, 0.5, 1.0]
    assert math.isnan(normalise_series(s).iloc[3])  # missing stays missing
    assert normalise_series(s, lower_is_better=True).tolist()[:3] == [1.0, 0.5, 0.0]


def test_outliers_are_capped_to_the_most_extreme_non_outlier():
    s = pd.DataFrame({"indicator_id": "x", "nuts_level": 2, "sex": "T",
                      "value": [1.0] * 10 + [2.0] * 10 + [100.0]})
    params = fit_normalisation(s, {})
    # 100 > mean + 2 sd, replaced by the largest non-outlier
    assert params["cap_hi"].tolist() == [2.0] and params["raw_max"].tolist() == [100.0]
    assert normalise_components(s, {})["norm"].tolist() == [0.0] * 10 + [1.0] * 11


def test_skewed_component_is_square_root_transformed():
    s = pd.Series([0.0, 1.0, 1.0, 1.0, 1.0, 4.0, 4.0, 9.0, 16.0, 16.0])
    assert s.skew() > 1
    out = normalise_series(s)
    # sqrt gives 0,1,1,1,1,2,2,3,4,4 (no outliers after capping) -> /4
    assert out.tolist() == [0.0, 0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.75, 1.0, 1.0]


def test_duplicate_index_labels_do_not_mix_components():
    a = pd.DataFrame({"indicator_id": "x", "nuts_level": 2, "sex": "T",
                      "value": [0.0, 10.0]})
    b = pd.DataFrame({"indicator_id": "y", "nuts_level": 2, "sex": "T",
                      "value": [100.0, 300.0]})
    out = normalise_components(pd.concat([a, b]), {})  # index labels 0, 1, 0, 1
    assert out["norm"].tolist() == [0.0, 1.0, 0.0, 1.0]


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False) | st.just(float("inf")),
                min_size=1, max_size=40))
def test_normalised_values_stay_in_unit_interval(values):
    out = normalise_series(pd.Series(values, dtype="float64"))
    finite = out.dropna()
    assert ((finite >= 0) & (finite <= 1)).all()


def _reference_normalise(values: pd.Series, lower: bool) -> pd.Series:
    """The method as the module doc writes it, one component at a time with plain pandas: the
    oracle the vectorised implementation is checked against."""
    x = values.astype("float64").replace([np.inf, -np.inf], np.nan)
    v = x.dropna()
    if len(v) >= 3 and np.isfinite(v.std()) and v.std() > 0:
        mean, sd = v.mean(), v.std()
        inside = v[(v <= mean + 2 * sd) & (v >= mean - 2 * sd)]
        if not inside.empty:
            x = x.clip(lower=inside.min(), upper=inside.max())
    skew = x.dropna().skew()
    if np.isfinite(skew) and skew > 1 and (x.dropna() >= 0).all():
        x = np.sqrt(x)
    lo, hi = x.min(), x.max()
    if not np.isfinite(lo):
        return x
    out = x.where(x.isna(), 0.5) if hi == lo else (x - lo) / (hi - lo)
    return (1.0 - out if lower else out).clip(0.0, 1.0)


component_values = st.lists(
    st.floats(0.0, 10.0, allow_subnormal=False) | st.floats(0.0, 1000.0, allow_subnormal=False)
    | st.just(float("nan")),
    min_size=1,
    max_size=30,
)


@given(st.lists(component_values, min_size=1, max_size=3), st.booleans())
def test_vectorised_fit_and_apply_match_the_written_method(groups, lower):
    """Drift guard for the one implementation: every component of a frame, fitted and applied
    at once, equals the method applied to each component on its own (and applying the fitted
    parameters to other rows of the same component maps them on the same scale)."""
    frame = pd.concat(
        [pd.DataFrame({"indicator_id": f"c{k}", "nuts_level": 2, "sex": "T", "value": g})
         for k, g in enumerate(groups)],
        ignore_index=True,
    )
    directions = {"c0": "lower" if lower else "higher"}
    got = normalise_components(frame, directions)["norm"].to_numpy()
    expected = np.concatenate([
        _reference_normalise(pd.Series(g, dtype="float64"), lower and k == 0).to_numpy()
        for k, g in enumerate(groups)
    ])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    params = fit_normalisation(frame, directions)
    again = apply_normalisation(frame.iloc[::-1], params)[::-1]
    np.testing.assert_allclose(again, got, rtol=0, atol=0)
