"""Dictionary codes of the build's Arrow tables: null is -1 whatever the index type."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from regiodash.storage.arrow_codes import count_codes, dict_codes


@pytest.mark.parametrize("index_type", [pa.int8(), pa.uint8(), pa.int32()])
def test_dict_codes_are_minus_one_at_nulls_whatever_the_index_type(index_type):
    indices = pa.array([1, None, 0, 2, None], index_type)
    column = pa.DictionaryArray.from_arrays(indices, pa.array(["x", "y", "z"]))
    chunked = pa.chunked_array([column.slice(1), column])
    np.testing.assert_array_equal(dict_codes(chunked), [-1, 0, 2, -1, 1, -1, 0, 2, -1])
    assert count_codes(chunked) == 3 and count_codes(chunked, "x") == 2
    assert count_codes(chunked, "absent") == 0
