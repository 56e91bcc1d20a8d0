"""Arrow tables with dictionary-encoded text handled as NumPy integer codes (for the build).

Every dictionary is kept sorted, so a row's code orders it like its text: sorting, lookups and
precedence are NumPy operations on small integers, and no string is materialised per row.
Columns are either plain or dictionary arrays of strings with one dictionary for all chunks;
code -1 stands for null. Sort orders and reorderings: storage.row_order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

_COUNT_BLOCK = 1 << 22  # codes counted at once (np.bincount copies them as int64)


# --------------------------------------------------------------------------- codes

def dict_codes(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Dictionary codes of a dictionary column (one dictionary for all chunks), null -1.

    Without nulls, the codes keep their (small) integer type and are not copied.
    """
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    parts = []
    for chunk in chunks:
        indices = chunk.indices
        if indices.null_count:
            values, bits, offset = buffer_view(indices)
            codes = values.astype(values.dtype if values.dtype.kind == "i"
                                  else np.promote_types(values.dtype, np.int8))
            codes[~valid_rows(bits, offset, len(codes))] = -1
            parts.append(codes)
        else:
            parts.append(indices.to_numpy())
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int8)


def buffer_view(array: pa.Array) -> tuple[np.ndarray, np.ndarray | None, int]:
    """(values, validity bitmap or None, bit offset) of a fixed-width array as NumPy views
    of its buffers; the bitmap's bit `offset + i` tells whether value i is valid."""
    dtype = np.dtype(array.type.to_pandas_dtype())
    validity, data = array.buffers()[:2]
    if data is None or not len(array):
        return np.zeros(0, dtype=dtype), None, 0
    values = np.frombuffer(data, dtype=dtype, count=array.offset + len(array))[array.offset:]
    bits = np.frombuffer(validity, dtype=np.uint8) if array.null_count else None
    return values, bits, array.offset


def valid_at(bits: np.ndarray, offset: int, rows: np.ndarray) -> np.ndarray:
    """Whether each of `rows` is valid (not null), from a validity bitmap (buffer_view);
    rows past the bitmap's end read its last byte (callers overwrite them)."""
    at = rows.astype(np.int64) + offset
    return ((bits.take(at >> 3, mode="clip") >> (at & 7)) & 1).astype(bool)


def valid_rows(bits: np.ndarray, offset: int, n: int) -> np.ndarray:
    """Whether each of the `n` values of an array is valid, from its bitmap (buffer_view)."""
    return np.unpackbits(bits, count=offset + n, bitorder="little")[offset:].view(bool)


def dictionary_values(column: pa.ChunkedArray) -> list:
    """The (shared) dictionary of a dictionary column as a list ([] without chunks)."""
    return column.chunks[0].dictionary.to_pylist() if column.num_chunks else []


def smallest_index_type(size: int) -> type[np.signedinteger]:
    """The smallest signed integer type for codes into a dictionary of `size` values."""
    return np.int8 if size < 2**7 else np.int16 if size < 2**15 else np.int32


def dictionary_array(codes: np.ndarray, values: Sequence[str]) -> pa.DictionaryArray:
    """A dictionary array from codes (-1 = null) and its dictionary, smallest index type."""
    nulls = codes < 0
    indices = pa.array(codes.astype(smallest_index_type(len(values)), copy=False),
                       mask=nulls if nulls.any() else None)
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(values), pa.string()))


def remap_codes(column: pa.ChunkedArray, values: list[str]) -> np.ndarray:
    """Codes of a dictionary column in the sorted dictionary `values` (a superset of its
    dictionary; null stays -1). The map is increasing, so the order of codes is kept."""
    dictionary = dictionary_values(column)
    position = {v: i for i, v in enumerate(values)}
    codes = dict_codes(column)
    if dictionary == values:
        return codes
    lut = np.array([position[v] for v in dictionary] + [-1],
                   dtype=smallest_index_type(len(values)))
    return lut[codes]


def lookup_codes(column: pa.ChunkedArray, table: Mapping[str, int], default: int
                 ) -> np.ndarray:
    """`table[text]` per row of a dictionary column (`default` for other text and null)."""
    lut = np.array([table.get(v, default) for v in dictionary_values(column)] + [default],
                   dtype=np.int8)
    return lut[dict_codes(column)]


def count_codes(column: pa.ChunkedArray, value: str | None = None) -> int:
    """Rows equal to `value`, or the number of distinct values used when `value` is None."""
    dictionary = dictionary_values(column)
    counts = np.zeros(len(dictionary) + 1, dtype=np.int64)
    for chunk in column.chunks:  # a block at a time: no int64 copy of all codes
        codes = dict_codes(chunk)
        for start in range(0, len(codes), _COUNT_BLOCK):
            block = codes[start:start + _COUNT_BLOCK].astype(np.int32) + 1  # null 0
            counts += np.bincount(block, minlength=len(dictionary) + 1)
    counts = counts[1:]
    if value is None:
        return int((counts > 0).sum())
    return int(counts[dictionary.index(value)]) if value in dictionary else 0


# --------------------------------------------------------------------------- tables

def empty_table(schema: pa.Schema, columns: list[str]) -> pa.Table:
    """No rows, `columns` of `schema`, text as (empty) dictionary arrays."""
    arrays = [
        pa.DictionaryArray.from_arrays(pa.array([], pa.int8()), pa.array([], pa.string()))
        if schema.field(c).type == pa.string() else pa.array([], schema.field(c).type)
        for c in columns
    ]
    return pa.table(arrays, names=columns)


def normalise_column(column: pa.ChunkedArray) -> pa.Array:
    """The column as one chunk; a dictionary column with its dictionary sorted (so that a
    code orders rows like its text) and the smallest index type."""
    if not pa.types.is_dictionary(column.type):
        return column.combine_chunks()
    column = column.unify_dictionaries()
    values = sorted(dictionary_values(column))
    return dictionary_array(remap_codes(column, values), values)


def normalise_table(table: pa.Table) -> pa.Table:
    """The same rows, every column normalised (normalise_column)."""
    return pa.table([normalise_column(table.column(n)) for n in table.column_names],
                    names=table.column_names)


def _dictionary_from_series(series: pd.Series) -> pa.DictionaryArray:
    codes, uniques = pd.factorize(series, sort=True)  # missing -> -1
    return dictionary_array(np.asarray(codes), [str(u) for u in uniques])


def table_from_frame(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """`frame` as an Arrow table of `schema`, text columns dictionary-encoded (sorted)."""
    arrays = [
        _dictionary_from_series(frame[f.name]) if f.type == pa.string()
        else pa.array(frame[f.name].to_numpy(), from_pandas=True).cast(f.type)
        for f in schema
    ]
    return pa.table(arrays, names=schema.names)


def concat_tables(tables: Sequence[pa.Table]) -> pa.Table:
    """Rows of `tables` one after the other (same columns; each column one chunk with a sorted
    dictionary for text). The result keeps one chunk per table, without copying: text codes
    are only rewritten where a table's dictionary differs from the sorted union of all."""
    first = tables[0]
    if len(tables) == 1:
        return first
    columns = []
    for name in first.column_names:
        parts = [t.column(name) for t in tables]
        if pa.types.is_dictionary(first.column(name).type):
            values = sorted({v for p in parts for c in p.chunks
                             for v in c.dictionary.to_pylist()})
            dictionary = pa.array(values, pa.string())
            index_type = smallest_index_type(len(values))
            chunks = [
                pa.DictionaryArray.from_arrays(_remap_indices(p, values, index_type),
                                               dictionary)
                for p in parts
            ]
            columns.append(pa.chunked_array(chunks))
        else:
            field_type = first.column(name).type
            columns.append(pa.chunked_array(
                [c.cast(field_type) for p in parts for c in p.chunks], field_type))
    return pa.table(columns, names=first.column_names)


def _remap_indices(column: pa.ChunkedArray, values: list[str],
                   index_type: type[np.signedinteger]) -> pa.Array:
    """Indices of a one-chunk dictionary column into the sorted dictionary `values` (which
    contains its own), as `index_type`; the column's own indices when nothing changes."""
    chunk = column.combine_chunks() if column.num_chunks != 1 else column.chunks[0]
    arrow_type = pa.from_numpy_dtype(index_type)
    if chunk.dictionary.to_pylist() == values and chunk.indices.type == arrow_type:
        return chunk.indices
    codes = remap_codes(pa.chunked_array([chunk]), values).astype(index_type, copy=False)
    nulls = codes < 0
    return pa.array(codes, mask=nulls if nulls.any() else None)


# --------------------------------------------------------------------------- ordering

def key_part(column: pa.ChunkedArray) -> np.ndarray:
    """Non-negative integers per row that order rows like the column (nulls first)."""
    if pa.types.is_dictionary(column.type):
        codes = dict_codes(column)  # dictionaries are sorted: code order is text order
        return codes + 1 if column.null_count else codes
    values = column.to_numpy()
    return values - values.min() if len(values) else values
