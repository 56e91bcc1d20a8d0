"""How the build writes its Parquet files: sort orders, row groups, statistics, footer stamp.

pyarrow writes the files from the dictionary arrays directly (see arrow_codes), with correct
min/max statistics per row group (DuckDB's ENUM writer stores the whole dictionary's min/max,
defeating row-group pruning).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from regiodash.storage.arrow_codes import buffer_view, smallest_index_type, valid_at
from regiodash.storage.row_order import BLOCK_ROWS, Runs, SortKey, regroup_order, sort_order

ROW_GROUP_SIZE = 122_880
"""Rows per Parquet row group of the files the build writes (more in a very large warehouse:
see MAX_ROW_GROUPS)."""
MAX_ROW_GROUPS = 256
"""Most row groups in one value file: DuckDB does some work for every row group of a file a
query reads, also those whose statistics rule them out (about 12-25 us each here), so a
100-million-row file in 845 groups costs a one-region query ~15 ms before it reads anything."""
REGION_ROW_GROUPS = 64
"""Target number of row groups in indicator_values_by_region.parquet up to about 8 million
rows; past that its groups stay at ROW_GROUP_SIZE rows at most (see region_row_group)."""
MIN_REGION_ROW_GROUP = 16_384
VALUE_COMPRESSION = "lz4"
"""Codec of the two value files, which every page query decodes: LZ4 (written as LZ4_RAW)
decodes faster than zstd. Measured at the 1000x panel, alternating calls in one process:
map values NUTS 3 21.4 -> 17.8 ms, peer search about 55 -> 35 ms; the files are about 30 %
larger. Other build files stay zstd (smaller, rarely read whole)."""
BUILD_WRITERS = 2
"""Parquet files written at the same time (the machine this was tuned on has two cores)."""
OBSERVATION_ORDER = ["indicator_id", "nuts_level", "year", "geo_code", "sex", "source",
                     "nuts_version", "dataset"]
"""Sort order of observations.parquet (the last two only make the order total)."""
VALUE_ORDER = ["indicator_id", "nuts_level", "year", "geo_code", "sex"]
"""Sort order of indicator_values.parquet (unique key: nuts_level follows from geo_code)."""
REGION_ORDER = ["geo_code", "indicator_id", "year", "sex", "nuts_level"]
"""Sort order of indicator_values_by_region.parquet (for region profiles and time series)."""
STATISTICS_COLUMNS = frozenset({"indicator_id", "dataset", "geo_code", "nuts_level", "year",
                                "sex", "value", "source"})
"""Columns with min/max statistics per row group (not flag, unit, nuts_version: unfiltered)."""


def region_row_group(rows: int) -> int:
    """Largest row group of the by-region file (region_row_groups): about REGION_ROW_GROUPS
    groups, between MIN_REGION_ROW_GROUP and ROW_GROUP_SIZE rows.

    A region profile decodes the row group holding the region (storage.region_read, with
    the footer read once per Warehouse), so the smaller the group, the faster the profile:
    a 361,000-row group took 8.7 ms to decode at the 1000x panel, a 103,000-row one 3 ms.
    In a small warehouse a full-size group holds a large share of all rows, hence about
    REGION_ROW_GROUPS groups there. A warehouse read over HTTP still reads this file with
    DuckDB, which pays per row group: at 1000x (about 1,000 groups) that read took 44 ms
    against 20 ms with 288 groups.
    """
    wanted = -(-rows // REGION_ROW_GROUPS)  # ceiling
    wanted = -(-wanted // 2048) * 2048  # a multiple of 2,048 rows
    return max(MIN_REGION_ROW_GROUP, min(ROW_GROUP_SIZE, wanted))


def region_row_groups(values: pa.Table, largest: int | None = None) -> list[int]:
    """Rows per row group of the by-region file (values in REGION_ORDER): whole regions only,
    as many consecutive ones as fit in `largest` rows (region_row_group by default), a region
    larger than that alone. So no region lies in two row groups, and a region profile reads
    one (its geo_code statistics rule out all the others)."""
    largest = largest or region_row_group(values.num_rows)
    counts = SortKey(values.column("geo_code")).counts()  # rows per region, in REGION_ORDER
    sizes, size = [], 0
    for count in counts[counts > 0].tolist():
        if size and size + count > largest:
            sizes.append(size)
            size = 0
        size += count
    return [*sizes, size] if size else sizes


def value_row_group(rows: int) -> int:
    """Row-group size of indicator_values.parquet: ROW_GROUP_SIZE rows, or as many more as
    keep the file within MAX_ROW_GROUPS groups (a multiple of 2,048 rows)."""
    wanted = -(-rows // MAX_ROW_GROUPS)
    return max(ROW_GROUP_SIZE, -(-wanted // 2048) * 2048)


def parquet_options(table: pa.Table, compression: str = "zstd") -> dict:
    """pq.ParquetWriter options for a build file with the columns of `table`."""
    # store_schema=False: the Arrow schema would record the dictionary encoding and make
    # readers return categoricals; without it the file's types are those of the schemas in
    # storage.schema (strings, int8 level, int16 year). Only text is dictionary-encoded:
    # values are mostly distinct, and plain + zstd is both faster and smaller for them.
    # Min/max statistics only where queries filter (they cost ~10 % of the write).
    names = table.column_names
    return {
        "compression": compression,
        "use_dictionary": [n for n in names if pa.types.is_dictionary(table.column(n).type)],
        "write_statistics": [n for n in names if n in STATISTICS_COLUMNS],
        "store_schema": False,
    }


def write_parquet(table: pa.Table, path: Path, metadata: dict[str, str] | None = None,
                  row_group_size: int = ROW_GROUP_SIZE, compression: str = "zstd") -> None:
    """`table` as it is, in row groups of `row_group_size`, `metadata` in the footer."""
    with pq.ParquetWriter(path, table.schema,
                          **parquet_options(table, compression)) as writer:
        writer.write_table(table, row_group_size=row_group_size)
        if metadata:
            writer.add_key_value_metadata(metadata)


def values_fingerprint(values: pa.Table) -> str:
    """A short deterministic digest of the indicator values (row count, value and year sums,
    value count): equal for equal content in any row order, different after almost any
    change. Cheap: a few column sums."""
    value_sum = pc.sum(values.column("value")).as_py() or 0.0
    year_sum = pc.sum(values.column("year")).as_py() or 0  # summed as int64 (no int64 copy)
    text = (f"{values.num_rows}:{round(value_sum, 6)!r}:"
            f"{pc.count(values.column('value')).as_py()}:{year_sum}")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_in_order(table: pa.Table, order: np.ndarray, path: Path,
                   row_groups: int | Sequence[int] = ROW_GROUP_SIZE,
                   metadata: dict[str, str] | None = None,
                   compression: str = "zstd") -> None:
    """Write the rows of `table` in `order`, gathered one row group at a time: row groups of
    `row_groups` rows, or of each of the sizes `row_groups` lists (they add up to all rows).

    Same file as `write_parquet(reorder(table, order), path, row_group_size=row_groups)`,
    without a reordered copy of the whole table, nor a NumPy copy of its columns: rows are
    gathered from views of the Arrow buffers themselves (_ColumnView), so such a writer
    costs little more than a row group.
    """
    if isinstance(row_groups, int):
        row_groups = [row_groups] * (-(-len(order) // row_groups))
    views = [_ColumnView(table.column(name)) for name in table.column_names]
    fields = [pa.field(name, view.arrow_type) for name, view in zip(
        table.column_names, views, strict=True)]
    with pq.ParquetWriter(path, pa.schema(fields),
                          **parquet_options(table, compression)) as writer:
        start = 0
        for size in row_groups:
            rows = order[start:start + size]
            start += size
            plans: dict[tuple[int, ...], _Plan] = {}  # columns of one chunk layout share one
            arrays = []
            for view in views:
                if view.layout not in plans:
                    plans[view.layout] = view.plan(rows)
                arrays.append(view.gather(plans[view.layout]))
            writer.write_table(pa.table(arrays, names=table.column_names),
                               row_group_size=max(1, len(rows)))
        if metadata:
            writer.add_key_value_metadata(metadata)


_Plan = tuple[int, np.ndarray, list[tuple[int, np.ndarray, np.ndarray]]]
"""How to gather rows of a column (_ColumnView.plan)."""


class _ColumnView:
    """A column of a build table (plain, or dictionary text with one dictionary for all
    chunks) as NumPy views of its chunks' data buffers and validity bitmaps: no copy."""

    def __init__(self, column: pa.ChunkedArray) -> None:
        chunks = [c for c in column.chunks if len(c)] or [pa.array([], (
            column.type.index_type if pa.types.is_dictionary(column.type) else column.type))]
        self.layout = tuple(len(c) for c in chunks)
        self.starts = np.cumsum((0, *self.layout[:-1]))
        self.dictionary = None
        self.arrow_type = column.type
        if pa.types.is_dictionary(column.type):
            self.dictionary = next((c.dictionary for c in column.chunks),
                                   pa.array([], pa.string()))
            index_type = pa.from_numpy_dtype(smallest_index_type(len(self.dictionary)))
            self.arrow_type = pa.dictionary(index_type, pa.string())
            chunks = [c.indices if pa.types.is_dictionary(c.type) else c for c in chunks]
        self.dtype = np.dtype(self.arrow_type.index_type.to_pandas_dtype()
                              if self.dictionary is not None
                              else self.arrow_type.to_pandas_dtype())
        self.parts = [buffer_view(c) for c in chunks]

    def plan(self, rows: np.ndarray) -> _Plan:
        """(the largest chunk, `rows` as positions in it, then (chunk, places in `rows`,
        positions in the chunk) for the rows of each other chunk): rows are taken from the
        largest chunk (out-of-range positions clipped), then those of the others put in."""
        big = int(np.argmax(self.layout))
        local = rows - self.starts[big] if big else rows
        others = []
        for i, (start, size) in enumerate(zip(self.starts, self.layout, strict=True)):
            if i != big:
                places = np.flatnonzero((rows >= start) & (rows < start + size))
                if len(places):
                    others.append((i, places, rows[places] - start))
        return big, local, others

    def gather(self, plan: _Plan) -> pa.Array:
        big, local, others = plan
        values, bits, offset = self.parts[big]
        data = np.take(values, local, mode="clip").astype(self.dtype, copy=False)
        nullable = any(part[1] is not None for part in self.parts)
        valid = None
        if nullable:
            valid = valid_at(bits, offset, local) if bits is not None else np.ones(
                len(local), dtype=bool)
        for i, places, positions in others:
            values, bits, offset = self.parts[i]
            data[places] = values[positions]
            if valid is not None:
                valid[places] = True if bits is None else valid_at(bits, offset, positions)
        mask = None
        if valid is not None and not valid.all():
            mask = ~valid
            data[mask] = 0  # what lies under a null is not defined: make it so
        if self.dictionary is None:
            return pa.array(data, type=self.arrow_type, mask=mask)
        return pa.DictionaryArray.from_arrays(pa.array(data, mask=mask), self.dictionary)


def region_order(values: pa.Table, value_order: np.ndarray | Runs) -> np.ndarray:
    """Row positions sorting `values` in REGION_ORDER, given its order in VALUE_ORDER
    (positions or runs of rows).

    VALUE_ORDER is (indicator_id, nuts_level, year, geo_code, sex); a stable sort of that
    order by geo_code alone (a linear counting sort of small integers) gives (geo_code,
    indicator_id, nuts_level, year, sex), which is REGION_ORDER whenever every geo_code has
    one nuts_level, as the build makes it. Otherwise the full sort.
    """
    geo = SortKey(values.column("geo_code"))  # null first, as in sort_order
    level = SortKey(values.column("nuts_level"))
    level_of = np.zeros(geo.top + 1, dtype=np.int64)
    blocks = [slice(start, start + BLOCK_ROWS) for start in range(0, len(geo), BLOCK_ROWS)]
    for rows in blocks:
        level_of[geo[rows]] = level[rows]  # one of the levels of each code
    if not all(np.array_equal(level_of[geo[rows]], level[rows]) for rows in blocks):
        return sort_order(values, REGION_ORDER)
    return regroup_order(geo, value_order)
