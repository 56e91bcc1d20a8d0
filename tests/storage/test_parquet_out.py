"""The build's Parquet writers: writing in an order without copying the table gives the very
file a sorted copy gives; the by-region order is the full sort."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from regiodash.storage import row_order
from regiodash.storage.arrow_codes import concat_tables
from regiodash.storage.parquet_out import (
    REGION_ORDER,
    VALUE_ORDER,
    region_order,
    region_row_groups,
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


def assert_same_rows(got: pa.Table, expected: pa.Table) -> None:
    """The same rows in the same order (a NaN equals a NaN, and null stays apart from it)."""
    assert got.schema.equals(expected.schema)
    for mine, theirs in zip(got.columns, expected.columns, strict=True):
        assert mine.is_null().to_pylist() == theirs.is_null().to_pylist()
        if pa.types.is_floating(mine.type):
            np.testing.assert_array_equal(mine.fill_null(0).to_numpy(),
                                          theirs.fill_null(0).to_numpy())
        else:
            assert mine.to_pylist() == theirs.to_pylist()


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


def test_by_region_row_groups_hold_whole_regions_up_to_the_largest_size():
    # regions of 5, 3, 9, 2 and 2 rows; at most 8 rows a group unless one region is larger
    geo = np.repeat([0, 1, 2, 3, 4], [5, 3, 9, 2, 2])
    table = pa.table({"geo_code": pa.DictionaryArray.from_arrays(
        pa.array(geo.astype(np.int8)), pa.array(["A", "B", "C", "D", "E"]))})
    assert region_row_groups(table, largest=8) == [8, 9, 4]
    assert region_row_groups(table, largest=100) == [21]
    assert region_row_groups(table.slice(0, 0), largest=8) == []


def test_row_groups_cut_at_regions_keep_the_rows_of_the_file(tmp_path):
    table = value_table(900, seed=3)
    order = sort_order(table, REGION_ORDER)
    sizes = region_row_groups(table, largest=64)
    assert sum(sizes) == 900 and max(sizes) <= 64
    write_in_order(table, order, tmp_path / "regions.parquet", sizes)
    write_parquet(take_rows(table, order), tmp_path / "fixed.parquet", None, 64)
    by_region = pq.ParquetFile(tmp_path / "regions.parquet")
    assert [by_region.metadata.row_group(i).num_rows
            for i in range(by_region.metadata.num_row_groups)] == sizes
    assert_same_rows(by_region.read(), pq.read_table(tmp_path / "fixed.parquet"))
    groups = [set(by_region.read_row_group(i, columns=["geo_code"]).column(0).to_pylist())
              for i in range(by_region.metadata.num_row_groups)]
    assert sum(len(g) for g in groups) == len(set().union(*groups))  # no region in two
