"""The packed stable sort equals numpy's lexsort, in every dtype and when keys overflow 63 bits."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from indicators.ordering import stable_order


@given(st.lists(st.tuples(st.integers(-5, 300), st.integers(0, 3), st.integers(1990, 2030)),
                max_size=60),
       st.sampled_from([np.int16, np.int32, np.int64]))
def test_equals_lexsort(rows, dtype):
    keys = [np.array([r[i] for r in rows], dtype=dtype) for i in range(3)]
    assert stable_order(keys).tolist() == np.lexsort(keys[::-1]).tolist()


def test_keys_wider_than_63_bits_fall_back_to_lexsort():
    keys = [np.array([2**40, 0, 2**40]), np.array([2**40, 5, 0])]
    assert stable_order(keys).tolist() == [1, 2, 0]
