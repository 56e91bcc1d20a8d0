"""The build's Parquet writers: writing in an order without copying the table gives the very
file a sorted copy gives; the by-region order is the full sort."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from regiodash.storage import row_order
from regiodash.storage.arrow_codes import concat_tables
from regiodash.storage.parquet_out import (
    REGION_ORDER,
    VALUE_ORDER,
    region_order,
    write_in_order,
    write_parquet,
)
from regiodash.storage.row_order import sort_order, take_rows


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(row_order, "BLOCK_ROWS", 64)


def value_table(n: int, seed: int) -> pa.Table:
    """Indicator values in two chunks (as the build holds them: catalog rows, then derived
    ones), with null and NaN values, flags that are mostly null, an all-null column."""
    rng = np.random.default_rng(seed)
    geo = rng.integers(0, 30, n)

    def text(codes: np.ndarray, values: list[str], nulls: np.ndarray | None = None):
        return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int8), mask=nulls),
                                              pa.array(values))

    value = rng.normal(size=n)
    value[rng.random(n) < 0.1] = np.nan
    table = pa.table({
        "indicator_id": text(rng.integers(0, 4, n), ["a", "b", "c", "d"]),
        "geo_code": text(geo, [f"R{i:02d}" for i in range(30)]),
        "nuts_level": pa.array(geo % 3 + 1, pa.int8()),  # one level per region
        "nuts_version": text(np.zeros(n, np.int8), ["2021"]),
        "year": pa.array(rng.integers(2000, 2020, n), pa.int16()),
        "sex": text(rng.integers(0, 3, n), ["F", "M", "T"]),
        "value": pa.array(value, mask=rng.random(n) < 0.1),
        "flag": text(rng.integers(0, 2, n), ["e", "p"], rng.random(n) < 0.9),
        "source": text(rng.integers(0, 2, n), ["demo", "eurostat"]),
        "converted_from": pa.nulls(n, pa.string()).dictionary_encode(),
    })
    half = n * 2 // 3
    return concat_tables([table.slice(0, half), table.slice(half)])


@pytest.mark.parametrize("n", [1, 5, 700])
def test_write_in_order_writes_the_file_of_a_sorted_copy(tmp_path, n):
    table = value_table(n, seed=n)
    order = np.random.default_rng(1).permutation(n).astype(np.int32)
    stamp = {"k": "v"}
    write_in_order(table, order, tmp_path / "gathered.parquet", 64, stamp)
    write_parquet(take_rows(table, order), tmp_path / "copied.parquet", stamp, 64)
    assert ((tmp_path / "gathered.parquet").read_bytes()
            == (tmp_path / "copied.parquet").read_bytes())


def test_region_order_is_the_full_sort_from_positions_or_runs():
    table = value_table(900, seed=7)
    value_order = sort_order(table, VALUE_ORDER)
    expected = sort_order(table, REGION_ORDER)
    np.testing.assert_array_equal(region_order(table, value_order), expected)
    runs = row_order.order_runs(value_order)
    if runs is not None:
        np.testing.assert_array_equal(region_order(table, runs), expected)
