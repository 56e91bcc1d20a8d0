"""Row orders of the build's Arrow tables (storage.arrow_codes): sort orders, reorderings.

Sized for a hundred million rows: orders are int32 positions where they fit (half of NumPy's
int64), computed a block of BLOCK_ROWS rows at a time, and a table's columns are read where
they lie (SortKey) rather than copied; an order made of a few runs of consecutive rows
(Runs) reorders a table by zero-copy slices.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pyarrow as pa

from indicators.ordering import stable_order
from regiodash.storage.arrow_codes import (
    dict_codes,
    dictionary_array,
    dictionary_values,
    key_part,
)

MAX_SLICES = 10_000  # a reordering with more runs than this is done with a take
BLOCK_ROWS = 1 << 22
"""Rows handled at once where a temporary the size of a whole table would cost too much
memory."""


class SortKey:
    """A column's sort key (key_part) read from its chunks where they lie: `key[rows]`, for a
    slice or positions, gives non-negative integers that order rows like the column (nulls
    first), without a copy of the whole column (which key_part makes of a column of several
    chunks)."""

    def __init__(self, column: pa.ChunkedArray) -> None:
        if pa.types.is_dictionary(column.type):
            self.parts = [dict_codes(chunk) for chunk in column.chunks]  # null -1
            self.low = -1 if column.null_count else 0
        else:
            self.parts = [chunk.to_numpy() for chunk in column.chunks]
            self.low = min((int(p.min()) for p in self.parts if len(p)), default=0)
        self.ends = np.cumsum([len(p) for p in self.parts], dtype=np.int64)
        self.top = max((int(p.max()) - self.low for p in self.parts if len(p)), default=0)
        """The largest key."""

    def __len__(self) -> int:
        return int(self.ends[-1]) if len(self.ends) else 0

    def __getitem__(self, rows: slice | np.ndarray) -> np.ndarray:
        got = self.stored(rows)
        return got - self.low if self.low else got

    def stored(self, rows: slice | np.ndarray) -> np.ndarray:
        """The codes or values themselves at `rows` (key + self.low)."""
        if len(self.parts) == 1:
            return self.parts[0][rows]
        if isinstance(rows, slice):
            start, stop, _ = rows.indices(len(self))
            return np.concatenate([np.zeros(0, dtype=self.parts[0].dtype)] + [
                part[max(0, start - end + len(part)):max(0, stop - end + len(part))]
                for part, end in zip(self.parts, self.ends, strict=True)])
        # from the largest chunk (positions outside it clipped), then the others' rows
        big = int(np.argmax([len(p) for p in self.parts]))
        starts = self.ends - [len(p) for p in self.parts]
        got = np.take(self.parts[big], rows - starts[big], mode="clip").astype(
            np.result_type(*self.parts), copy=False)
        for i, (part, start) in enumerate(zip(self.parts, starts, strict=True)):
            if i != big:
                places = np.flatnonzero((rows >= start) & (rows < start + len(part)))
                got[places] = part[rows[places] - start]
        return got

    def counts(self) -> np.ndarray:
        """Rows per key (np.bincount), a block at a time."""
        counts = np.zeros(self.top + 1, dtype=np.int64)
        for start in range(0, len(self), BLOCK_ROWS):
            counts += np.bincount(self[start:start + BLOCK_ROWS], minlength=self.top + 1)
        return counts


def sort_order(table: pa.Table, columns: list[str]) -> np.ndarray:
    """Row positions (int32 when they fit) sorting `table` by `columns` (first most
    significant), ties kept in order: np.lexsort over each column's sort key (key_part).

    Memory matters here (a hundred million rows at the largest). When the keys and a row
    position fit in 63 bits together, each row is one int64 `key << row_bits | row` (all
    distinct, so any sort of them is the stable one), made a block at a time. When the
    table's largest chunk holds most rows and is in order already (the build's tables: one
    big sorted part, then smaller ones), the other rows alone are sorted and merged into it,
    so the only array the size of the table is the result. Otherwise the packed rows are
    sorted whole; past 63 bits, indicators.ordering.stable_order.
    """
    n = table.num_rows
    if n < 2 or not columns:
        return np.arange(n, dtype=_position_type(n))
    keys = [SortKey(table.column(c)) for c in columns]
    widths = [key.top.bit_length() for key in keys]
    row_bits = max(1, (n - 1).bit_length())
    if sum(widths) + row_bits > 63:
        parts = [key_part(table.column(c)) for c in columns]
        if keys_in_order(parts):
            return np.arange(n, dtype=_position_type(n))
        return positions(stable_order(parts))
    packer = _Packer(keys, widths, row_bits)
    sizes = [len(part) for part in keys[0].parts]
    first = sum(sizes[:int(np.argmax(sizes))])
    last = first + max(sizes)
    if 2 * (last - first) >= n:  # most rows in one chunk: are they in order already?
        order = packer.merge_into_run(n, first, last)
        if order is not None:
            return order
    packed = np.empty(n, dtype=np.int64)
    for start in range(0, n, BLOCK_ROWS):
        packed[start:start + BLOCK_ROWS] = packer.pack(slice(start, start + BLOCK_ROWS))
    packed.sort(kind="stable")  # timsort: finds the runs of rows already in order
    return packer.rows_of(packed, n)


class _Packer:
    """Rows of integer sort keys packed into int64s `key << row_bits | row` (sort_order)."""

    def __init__(self, keys: list[SortKey], widths: list[int], row_bits: int) -> None:
        self.keys, self.widths, self.row_bits = keys, widths, row_bits

    def pack(self, rows: slice | np.ndarray) -> np.ndarray:
        """The packed rows at `rows` (a slice or positions)."""
        if isinstance(rows, slice):
            stop = min(len(self.keys[0]), rows.stop)
            rows = slice(rows.start, stop)
            number = np.arange(rows.start, stop, dtype=np.int64)
        else:
            number = rows.astype(np.int64)
        # Sum of key << shift, computed as (key + low) << shift less low << shift: the
        # stored codes and values are added in place, without a shifted copy of each.
        packed = np.zeros(len(number), dtype=np.int64)
        low = 0
        for key, width in zip(self.keys, self.widths, strict=True):
            np.left_shift(packed, width, out=packed)
            np.add(packed, key.stored(rows), out=packed, casting="unsafe")
            low = (low << width) + key.low
        np.left_shift(packed, self.row_bits, out=packed)
        np.add(packed, number, out=packed)
        if low:
            np.subtract(packed, low << self.row_bits, out=packed)
        return packed

    def rows_of(self, packed: np.ndarray, n: int) -> np.ndarray:
        """The row positions of packed rows, as int32 when they fit."""
        out = np.empty(len(packed), dtype=_position_type(n))
        mask = (1 << self.row_bits) - 1
        for start in range(0, len(packed), BLOCK_ROWS):
            stop = start + BLOCK_ROWS
            np.bitwise_and(packed[start:stop], mask, out=out[start:stop], casting="unsafe")
        return out

    def merge_into_run(self, n: int, first: int, last: int) -> np.ndarray | None:
        """The sort order when rows first..last - 1 are in order (None when they are not): the
        other rows, sorted, are merged into that run, packed a block at a time."""
        others = np.concatenate([self.pack(slice(0, first)), self.pack(slice(last, n))])
        others.sort(kind="stable")
        before = np.empty(len(others), dtype=np.int64)  # rows of the run before each other
        done, previous = 0, -1
        for start in range(first, last, BLOCK_ROWS):
            run = self.pack(slice(start, min(last, start + BLOCK_ROWS)))
            if run[0] < previous or (run[1:] < run[:-1]).any():
                return None
            previous = run[-1]
            upto = done + int(np.searchsorted(others[done:], run[-1]))
            before[done:upto] = start - first + np.searchsorted(run, others[done:upto])
            done = upto
        if not len(others):
            return np.arange(n, dtype=_position_type(n))
        before[done:] = last - first
        place = before + np.arange(len(others))  # increasing: where the other rows go
        order = np.empty(n, dtype=_position_type(n))
        order[place] = self.rows_of(others, n)
        placed = first
        for start in range(0, n, BLOCK_ROWS):  # the run's rows, in order, fill the other places
            stop = min(n, start + BLOCK_ROWS)
            free = np.ones(stop - start, dtype=bool)
            free[place[np.searchsorted(place, start):np.searchsorted(place, stop)] - start] = (
                False)
            count = int(free.sum())
            order[start:stop][free] = np.arange(placed, placed + count)
            placed += count
        return order


def keys_in_order(keys: Sequence[np.ndarray]) -> bool:
    """Whether the rows are already sorted by `keys` (first most significant), looking at
    consecutive rows a block at a time (and stopping at the first block out of order)."""
    n = len(keys[0]) if keys else 0
    for start in range(0, n - 1, BLOCK_ROWS):
        stop = min(n, start + BLOCK_ROWS + 1)
        ordered = None  # row i <= row i + 1 on the keys seen so far, least significant first
        for key in reversed(keys):
            before, after = key[start:stop - 1], key[start + 1:stop]
            ordered = (before <= after) if ordered is None else (
                (before < after) | ((before == after) & ordered))
        if not ordered.all():
            return False
    return True


def regroup_order(key: SortKey, order: np.ndarray | Runs) -> np.ndarray:
    """`order` (positions or Runs, holding every row once) stably re-sorted by `key` (small
    integers): the rows of the smallest key first, each key's rows in their order in `order`.

    A counting sort a block at a time into one int32 array (when the rows fit): no int64
    argsort of the whole table (NumPy's argsort gives int64 positions, twice the memory).
    """
    size = key.top + 1
    start_of = np.zeros(size + 1, dtype=np.int64)
    start_of[1:] = np.cumsum(key.counts())
    out = np.empty(len(key), dtype=_position_type(len(key)))
    for rows in _order_blocks(order, out.dtype):
        block = key[rows]
        moved = rows[np.argsort(block, kind="stable")]  # a radix sort of small integers
        counts = np.bincount(block, minlength=size)
        present = np.flatnonzero(counts)
        ends = np.cumsum(counts)[present].tolist()
        # each key's rows of the block are one run of `moved`, copied to one run of `out`
        for put, count, end in zip(start_of[present].tolist(), counts[present].tolist(), ends,
                                   strict=True):
            out[put:put + count] = moved[end - count:end]
        start_of[:-1] += counts
    return out


def _order_blocks(order: np.ndarray | Runs, dtype: np.dtype) -> Iterator[np.ndarray]:
    """The positions of `order`, BLOCK_ROWS at a time."""
    if isinstance(order, np.ndarray):
        yield from (order[start:start + BLOCK_ROWS] for start in range(0, len(order),
                                                                      BLOCK_ROWS))
        return
    pieces, size = [], 0
    for first, stop in order:
        while first < stop:
            take = min(stop - first, BLOCK_ROWS - size)
            pieces.append(np.arange(first, first + take, dtype=dtype))
            first, size = first + take, size + take
            if size == BLOCK_ROWS:
                yield np.concatenate(pieces)
                pieces, size = [], 0
    if pieces:
        yield np.concatenate(pieces)


def _position_type(n: int) -> type[np.signedinteger]:
    return np.int32 if n < 2**31 else np.int64


def positions(order: np.ndarray) -> np.ndarray:
    """Row positions as int32 when they fit (half the memory of NumPy's int64 results)."""
    return order.astype(np.int32) if len(order) < 2**31 else order


def reorder(table: pa.Table, order: np.ndarray) -> pa.Table:
    """The rows of `table` in `order`: zero-copy slices when `order` is made of a few runs of
    consecutive rows (e.g. two sorted parts interleaved by indicator), else a take."""
    sliced = slices_in_order(table, order)
    return sliced if sliced is not None else take_rows(table, order)


def slices_in_order(table: pa.Table, order: np.ndarray) -> pa.Table | None:
    """The rows of `table` in `order` as zero-copy slices, or None when `order` has more than
    MAX_SLICES runs of consecutive rows."""
    runs = order_runs(order)
    return None if runs is None else in_runs(table, runs)


Runs = list[tuple[int, int]]
"""A row order made of runs of consecutive rows: [(first row, last row + 1), ...]."""


def order_runs(order: np.ndarray) -> Runs | None:
    """`order` as Runs, or None when it has more than MAX_SLICES runs (found a block at a
    time, stopping early)."""
    found, count = [], 0
    for start in range(0, len(order), BLOCK_ROWS):
        part = order[start:start + BLOCK_ROWS + 1]
        found.append(np.flatnonzero(np.diff(part) != 1) + start + 1)
        count += len(found[-1])
        if count > MAX_SLICES:
            return None
    if not len(order):
        return []
    breaks = np.concatenate(found).tolist()
    return [(int(order[s]), int(order[s]) + e - s)
            for s, e in zip([0, *breaks], [*breaks, len(order)], strict=True)]


def in_runs(table: pa.Table, runs: Runs) -> pa.Table:
    """The rows of `table` in the order of `runs`, as zero-copy slices."""
    if not runs or runs == [(0, table.num_rows)]:
        return table
    return pa.concat_tables([table.slice(first, stop - first) for first, stop in runs])


def take_rows(table: pa.Table, order: np.ndarray) -> pa.Table:
    """table.take(order) done on the NumPy codes and values (faster than Arrow's take on
    multi-chunk columns; nulls kept through the validity mask, NaN stays NaN)."""
    columns = []
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_dictionary(column.type):
            columns.append(dictionary_array(dict_codes(column)[order],
                                            dictionary_values(column)))
        elif column.null_count:
            data = column.to_numpy()
            nulls = column.is_null().to_numpy()
            columns.append(pa.array(data[order], type=column.type, mask=nulls[order]))
        else:
            columns.append(pa.array(column.to_numpy()[order], type=column.type))
    return pa.table(columns, names=table.column_names)


def sorted_by(table: pa.Table, columns: list[str]) -> pa.Table:
    return reorder(table, sort_order(table, columns))
