"""One region's stored rows, read from the by-region copy with pyarrow instead of DuckDB.

A region profile reads every value of one region: about 50,000 rows of a 100-million-row
file at the 1000x panel. The file is sorted by region and its row groups end between
regions, so those rows sit in one row group, which the geo_code statistics of the footer
name. Measured on 361,000-row groups at 1000x, DuckDB spent about 20 ms on that read (it
turns six text columns into strings row by row); pyarrow decoded the same row group,
keeping the text columns dictionary-encoded, in about 8 ms, and the region's rows are then
a slice of it.

Only for a local warehouse whose by-region copy DuckDB would read (connection.Warehouse
checks its fingerprint first); the file is the pinned one, so a rebuild that moves new files
in does not change what an open Warehouse reads. A remote warehouse and a file without
geo_code statistics keep the SQL query (sql/region_values.sql).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

VALUE_COLUMNS = ("indicator_id", "year", "sex", "value", "flag", "source", "nuts_version",
                 "converted_from")
"""The columns of one region's rows, as sql/region_values.sql returns them."""
_TYPES = {"indicator_id": pa.string(), "year": pa.int16(), "sex": pa.string(),
          "value": pa.float64(), "flag": pa.string(), "source": pa.string(),
          "nuts_version": pa.string(), "converted_from": pa.string()}
_TEXT = ("geo_code", "indicator_id", "sex", "flag", "source", "nuts_version", "converted_from")


@dataclass(frozen=True)
class RegionFile:
    """The by-region copy's footer, read once, and the geo_code range of each row group."""

    location: str
    metadata: pq.FileMetaData
    ranges: tuple[tuple[str, str], ...]  # (min, max) geo_code of each row group
    columns: tuple[str, ...]  # VALUE_COLUMNS the file has (converted_from may be absent)

    @classmethod
    def open(cls, location: str) -> RegionFile | None:
        """The file at `location`, or None when it cannot serve point reads (no geo_code
        column, a row group without geo_code statistics, or an unreadable footer: DuckDB
        reads it then, or falls back to indicator_values)."""
        try:
            metadata = pq.read_metadata(location)
        except (OSError, pa.ArrowException):
            return None
        names = [metadata.schema.column(i).name for i in range(metadata.num_columns)]
        if "geo_code" not in names or any(c not in names for c in VALUE_COLUMNS[:-1]):
            return None
        at = names.index("geo_code")
        ranges = []
        for group in range(metadata.num_row_groups):
            stats = metadata.row_group(group).column(at).statistics
            if (stats is None or not stats.has_min_max
                    or not isinstance(stats.min, str) or not isinstance(stats.max, str)):
                return None  # e.g. codes stored as bytes: not comparable with a code
            ranges.append((stats.min, stats.max))
        return cls(location=location, metadata=metadata, ranges=tuple(ranges),
                   columns=tuple(c for c in VALUE_COLUMNS if c in names))

    def read(self, geo_code: str) -> pa.Table:
        """The rows of `geo_code` (VALUE_COLUMNS, in the file's order, text columns
        dictionary-encoded; no rows when absent)."""
        groups = [i for i, (low, high) in enumerate(self.ranges) if low <= geo_code <= high]
        if not groups:
            return _empty()
        # A ParquetFile per read (cheap with the footer given): reads may run in parallel.
        reader = pq.ParquetFile(self.location, metadata=self.metadata,
                                read_dictionary=[c for c in _TEXT if c in (*self.columns,
                                                                           "geo_code")])
        table = reader.read_row_groups(groups, columns=[*self.columns, "geo_code"])
        rows = _rows_of(table.column("geo_code"), geo_code)
        if rows is None:
            return _empty()
        table = table.slice(*rows) if isinstance(rows, tuple) else table.take(rows)
        return pa.table({name: _column(table, name) for name in VALUE_COLUMNS})


def _rows_of(geo: pa.ChunkedArray, code: str) -> tuple[int, int] | pa.Array | None:
    """Where `code` is in the dictionary-encoded column: (offset, length) when its rows are
    consecutive (always, in a file sorted by region), else their positions; None if absent."""
    found, start = [], 0
    for chunk in geo.chunks:
        entry = pc.index(chunk.dictionary, code).as_py()
        if entry >= 0:
            found.append(np.flatnonzero(chunk.indices.to_numpy(zero_copy_only=False) == entry)
                         + start)
        start += len(chunk)
    positions = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
    if positions.size == 0:
        return None
    first, last = int(positions[0]), int(positions[-1])
    if last - first + 1 == positions.size:
        return first, positions.size
    return pa.array(positions)


def _column(table: pa.Table, name: str) -> pa.ChunkedArray:
    """A column of the region's rows: text stays dictionary-encoded (region_rows.join_catalog
    sorts by its codes and decodes it last), other types as sql/region_values.sql gives them."""
    if name not in table.column_names:  # a file from a build before converted_from
        return pa.chunked_array([pa.nulls(table.num_rows, _TYPES[name])])
    column = table.column(name)
    if pa.types.is_dictionary(column.type):
        return column if column.type.value_type == _TYPES[name] else column.cast(_TYPES[name])
    return column.cast(_TYPES[name]) if column.type != _TYPES[name] else column


def _empty() -> pa.Table:
    return pa.table({name: pa.array([], _TYPES[name]) for name in VALUE_COLUMNS})
