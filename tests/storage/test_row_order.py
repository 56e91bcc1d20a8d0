"""Row orders of the build's Arrow tables: the same results as the plain NumPy operations
they replace (np.lexsort, a stable argsort, a take), block by block and across chunks, with
nulls."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from regiodash.storage import row_order
from regiodash.storage.arrow_codes import key_part
from regiodash.storage.row_order import (
    SortKey,
    in_runs,
    order_runs,
    regroup_order,
    sort_order,
    take_rows,
)

COLUMNS = ["a", "b", "c"]


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    """Blocks of 7 rows, so that every test crosses block edges."""
    monkeypatch.setattr(row_order, "BLOCK_ROWS", 7)


def keys_table(n: int, layout: str, seed: int = 0) -> pa.Table:
    """Three key columns (text with nulls, int16, int8 with negatives) of n rows: random, all
    sorted, or a sorted head of 3/4 of the rows (the build's shape: a big sorted part, then
    another), in chunks of the given layout."""
    rng = np.random.default_rng(seed)
    a, b, c = rng.integers(-1, 3, n), rng.integers(0, 5, n), rng.integers(-2, 3, n)
    sorted_rows = {"random": 0, "sorted": n, "head": n * 3 // 4}[layout]
    order = np.lexsort((c[:sorted_rows], b[:sorted_rows], a[:sorted_rows]))
    for column in (a, b, c):
        column[:sorted_rows] = column[:sorted_rows][order]
    text = pa.DictionaryArray.from_arrays(pa.array(a.astype(np.int8), mask=a < 0),
                                          pa.array(["p", "q", "r"]))
    table = pa.table({"a": text, "b": pa.array(b, pa.int16()), "c": pa.array(c, pa.int8())})
    cut = max(sorted_rows, 1)
    return pa.concat_tables([table.slice(0, cut), table.slice(cut)])  # two chunks


def lexsort(table: pa.Table, columns: list[str]) -> np.ndarray:
    return np.lexsort([key_part(table.column(c).combine_chunks()) for c in columns[::-1]])


@pytest.mark.parametrize("layout", ["random", "sorted", "head"])
@pytest.mark.parametrize("n", [0, 1, 2, 6, 7, 8, 50, 301])
def test_sort_order_is_a_stable_lexsort_in_int32(n, layout):
    table = keys_table(n, layout)
    order = sort_order(table, COLUMNS)
    assert order.dtype == np.int32
    np.testing.assert_array_equal(order, lexsort(table, COLUMNS))


def test_sort_order_past_63_bits_falls_back_to_the_full_sort():
    rng = np.random.default_rng(3)
    wide = pa.table({"x": pa.array(rng.integers(0, 2**40, 60)),
                     "y": pa.array(rng.integers(0, 2**30, 60))})
    np.testing.assert_array_equal(sort_order(wide, ["x", "y"]), lexsort(wide, ["x", "y"]))


def test_a_sort_key_reads_rows_across_chunks_like_key_part():
    table = keys_table(40, "random", seed=5)
    rows = np.random.default_rng(5).permutation(40)
    for name in COLUMNS:
        key, whole = SortKey(table.column(name)), key_part(table.column(name).combine_chunks())
        np.testing.assert_array_equal(key[rows], whole[rows])
        np.testing.assert_array_equal(key[3:33], whole[3:33])
        assert key.top == whole.max()
        np.testing.assert_array_equal(key.counts(), np.bincount(whole))


@pytest.mark.parametrize("n", [0, 1, 9, 120])
def test_regroup_order_is_a_stable_sort_by_one_key_from_positions_or_runs(n):
    table = keys_table(n, "head", seed=n)
    order = sort_order(table, COLUMNS)
    key = SortKey(table.column("b"))
    expected = order[np.argsort(key_part(table.column("b").combine_chunks())[order],
                                kind="stable")]
    np.testing.assert_array_equal(regroup_order(key, order), expected)
    runs = order_runs(order)
    assert runs is not None
    np.testing.assert_array_equal(regroup_order(key, runs), expected)


def test_order_runs_give_the_rows_of_a_take_without_copying():
    table = keys_table(60, "head")
    order = sort_order(table, COLUMNS)
    runs = order_runs(order)
    assert runs is not None and len(runs) < len(order)
    assert in_runs(table, runs).to_pylist() == take_rows(table, order).to_pylist()
    assert order_runs(np.arange(5)) == [(0, 5)]
    assert order_runs(np.zeros(0, dtype=np.int32)) == []


def test_order_runs_give_up_past_max_slices(monkeypatch):
    monkeypatch.setattr(row_order, "MAX_SLICES", 3)
    assert order_runs(np.array([0, 2, 4, 6, 8])) is None
    assert order_runs(np.array([4, 5, 0, 1, 2, 3])) == [(4, 6), (0, 4)]
