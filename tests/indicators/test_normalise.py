"""RIS-style normalisation: hand-computed cases and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from indicators.normalise import cap_outliers, normalise_components, normalise_series


def test_min_max_and_inversion_by_hand():
    s = pd.Series([1.0, 2.0, 3.0, np.nan])
    assert normalise_series(s).tolist()[:3] == [0.0, 0.5, 1.0]
    assert math.isnan(normalise_series(s).iloc[3])  # missing stays missing
    assert normalise_series(s, lower_is_better=True).tolist()[:3] == [1.0, 0.5, 0.0]


def test_outliers_are_capped_to_the_most_extreme_non_outlier():
    s = pd.Series([1.0] * 10 + [2.0] * 10 + [100.0])
    capped = cap_outliers(s)
    assert capped.max() == 2.0  # 100 > mean + 2 sd, replaced by the largest non-outlier


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
