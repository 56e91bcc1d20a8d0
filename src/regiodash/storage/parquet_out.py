"""How the build writes its Parquet files: sort orders, row groups, statistics, footer stamp.

pyarrow writes the files from the dictionary arrays directly (see arrow_codes), with correct
min/max statistics per row group (DuckDB's ENUM writer stores the whole dictionary's min/max,
defeating row-group pruning).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from regiodash.storage.arrow_codes import (
    dict_codes,
    positions,
    smallest_index_type,
    sort_order,
)

ROW_GROUP_SIZE = 122_880
"""Rows per Parquet row group of the files the build writes (more in a very large warehouse:
see MAX_ROW_GROUPS)."""
MAX_ROW_GROUPS = 256
"""Most row groups in one value file: DuckDB does some work for every row group of a file a
query reads, also those whose statistics rule them out (about 12-25 us each here), so a
100-million-row file in 845 groups costs a one-region query ~15 ms before it reads anything."""
REGION_ROW_GROUPS = 64
"""Target number of row groups in indicator_values_by_region.parquet (see region_row_group)."""
MIN_REGION_ROW_GROUP = 16_384
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
    """Row-group size of the by-region file: about REGION_ROW_GROUPS groups, between
    MIN_REGION_ROW_GROUP and `value_row_group(rows)` rows.

    A region profile decodes the one or two row groups holding the region. In a small
    warehouse a full-size row group holds a large share of all rows, so smaller groups make
    profiles faster; in a large one, many small groups make the footer itself the cost, hence
    a bounded number of groups.
    """
    wanted = -(-rows // REGION_ROW_GROUPS)  # ceiling
    wanted = -(-wanted // 2048) * 2048  # a multiple of 2,048 rows
    return max(MIN_REGION_ROW_GROUP, min(value_row_group(rows), wanted))


def value_row_group(rows: int) -> int:
    """Row-group size of indicator_values.parquet: ROW_GROUP_SIZE rows, or as many more as
    keep the file within MAX_ROW_GROUPS groups (a multiple of 2,048 rows)."""
    wanted = -(-rows // MAX_ROW_GROUPS)
    return max(ROW_GROUP_SIZE, -(-wanted // 2048) * 2048)


def parquet_options(table: pa.Table) -> dict:
    """pq.ParquetWriter options for a build file with the columns of `table`."""
    # store_schema=False: the Arrow schema would record the dictionary encoding and make
    # readers return categoricals; without it the file's types are those of the schemas in
    # storage.schema (strings, int8 level, int16 year). Only text is dictionary-encoded:
    # values are mostly distinct, and plain + zstd is both faster and smaller for them.
    # Min/max statistics only where queries filter (they cost ~10 % of the write).
    names = table.column_names
    return {
        "compression": "zstd",
        "use_dictionary": [n for n in names if pa.types.is_dictionary(table.column(n).type)],
        "write_statistics": [n for n in names if n in STATISTICS_COLUMNS],
        "store_schema": False,
    }


def write_parquet(table: pa.Table, path: Path, metadata: dict[str, str] | None = None,
                  row_group_size: int = ROW_GROUP_SIZE) -> None:
    """`table` as it is, in row groups of `row_group_size`, `metadata` in the footer."""
    with pq.ParquetWriter(path, table.schema, **parquet_options(table)) as writer:
        writer.write_table(table, row_group_size=row_group_size)
        if metadata:
            writer.add_key_value_metadata(metadata)


def values_fingerprint(values: pa.Table) -> str:
    """A short deterministic digest of the indicator values (row count, value and year sums,
    value count): equal for equal content in any row order, different after almost any
    change. Cheap: a few column sums."""
    value_sum = pc.sum(values.column("value")).as_py() or 0.0
    year_sum = pc.sum(pc.cast(values.column("year"), pa.int64())).as_py() or 0
    text = (f"{values.num_rows}:{round(value_sum, 6)!r}:"
            f"{pc.count(values.column('value')).as_py()}:{year_sum}")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_in_order(table: pa.Table, order: np.ndarray, path: Path,
                   row_group_size: int = ROW_GROUP_SIZE,
                   metadata: dict[str, str] | None = None) -> None:
    """Write the rows of `table` in `order`, gathering a few row groups at a time.

    Same file as `write_parquet(reorder(table, order), path)`, without holding a reordered
    copy of the whole table: on the machine this was tuned on, touching fresh memory costs
    about as much as the gather itself.
    """
    columns, fields = [], []
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_dictionary(column.type):
            dictionary = column.chunks[0].dictionary if column.num_chunks else pa.array(
                [], pa.string())
            index_type = smallest_index_type(len(dictionary))
            columns.append((dict_codes(column).astype(index_type, copy=False), None,
                            dictionary))
            fields.append(pa.field(name, pa.dictionary(pa.from_numpy_dtype(index_type),
                                                       pa.string())))
        else:
            nulls = column.is_null().to_numpy() if column.null_count else None
            columns.append((column.to_numpy(), nulls, column.type))
            fields.append(pa.field(name, column.type))
    batch = row_group_size * 8
    with pq.ParquetWriter(path, pa.schema(fields), **parquet_options(table)) as writer:
        for start in range(0, len(order), batch):
            rows = order[start:start + batch]
            arrays = []
            for data, nulls, kind in columns:
                if isinstance(kind, pa.Array):  # text: codes into the shared dictionary
                    codes = data[rows]
                    missing = codes < 0
                    indices = pa.array(codes, mask=missing if missing.any() else None)
                    arrays.append(pa.DictionaryArray.from_arrays(indices, kind))
                else:
                    arrays.append(pa.array(data[rows], type=kind,
                                           mask=None if nulls is None else nulls[rows]))
            writer.write_table(pa.table(arrays, names=table.column_names),
                               row_group_size=row_group_size)
        if metadata:
            writer.add_key_value_metadata(metadata)


def region_order(values: pa.Table, value_order: np.ndarray) -> np.ndarray:
    """Row positions sorting `values` in REGION_ORDER, given its positions in VALUE_ORDER.

    VALUE_ORDER is (indicator_id, nuts_level, year, geo_code, sex); a stable sort of that
    order by geo_code alone (a linear radix sort of small integers) gives (geo_code,
    indicator_id, nuts_level, year, sex), which is REGION_ORDER whenever every geo_code has
    one nuts_level, as the build makes it. Otherwise the full sort.
    """
    geo = dict_codes(values.column("geo_code"))
    level = values.column("nuts_level").to_numpy()
    level_of = np.zeros(int(geo.max()) + 2 if len(geo) else 1, dtype=level.dtype)
    level_of[geo] = level  # one of the levels of each code (code -1, null, lands last)
    if not np.array_equal(level_of[geo], level):
        return sort_order(values, REGION_ORDER)
    return value_order[positions(np.argsort(geo[value_order], kind="stable"))]
