"""A region's values joined to the catalog and sorted, outside DuckDB.

The region profile reads every value of one region: about 50,000 rows in a warehouse of 100
million values. Joining the catalog's text columns and sorting by domain inside the query cost
more than the scan itself (the sort compares strings row by row), and converting five repeated
text columns to pandas as many times again. Here the query returns the region's rows as they
are stored, the catalog lookup is done once per distinct indicator (a few hundred), the order
is an integer sort key, and the catalog columns are gathered by position.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

CATALOG_COLUMNS = ("title", "domain", "unit", "direction", "source_dataset")
"""The catalog's columns joined to each value (by indicator_id)."""
REGION_VALUE_COLUMNS = ["indicator_id", "title", "domain", "unit", "direction", "year", "sex",
                        "value", "flag", "source", "nuts_version", "converted_from",
                        "source_dataset"]
"""Columns of `queries.load_region_values`, in order."""


@dataclass(frozen=True)
class CatalogLookup:
    """The catalog columns of each indicator, by position, and the positions by id."""

    index: pd.Index  # indicator_id -> position
    columns: pa.Table  # CATALOG_COLUMNS, one row per indicator
    domains: tuple[str | None, ...]  # the domain column, by position

    @classmethod
    def from_frame(cls, catalog: pd.DataFrame) -> CatalogLookup:
        """From the rows of `indicator_catalog` (the first row of an id wins; a missing
        catalog field stays null, as the SQL join gave it)."""
        unique = catalog.drop_duplicates("indicator_id")
        schema = pa.schema([(name, pa.string()) for name in CATALOG_COLUMNS])
        table = pa.Table.from_pandas(unique[list(CATALOG_COLUMNS)], schema=schema,
                                     preserve_index=False)
        return cls(index=pd.Index(unique["indicator_id"].astype(str)), columns=table,
                   domains=tuple(table.column("domain").to_pylist()))


def _entry_ranks(entries: list[str | None], domains: list[str | None] | None = None
                 ) -> np.ndarray:
    """The rank of each entry in the order (domain, then entry; nulls last in both), as
    DuckDB sorts."""
    doms = domains if domains is not None else [""] * len(entries)
    order = sorted(range(len(entries)), key=lambda i: (
        doms[i] is None, doms[i] or "", entries[i] is None, entries[i] or ""))
    ranks = np.empty(len(entries), dtype=np.int64)
    ranks[order] = np.arange(len(entries))
    return ranks


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, list[str | None]]:
    """Integer codes of a text column and the entries they stand for (a null is an entry).
    A dictionary-encoded column of one chunk without nulls is used as it is."""
    if pa.types.is_dictionary(column.type) and (column.num_chunks > 1 or column.null_count):
        column = column.cast(column.type.value_type)
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column, null_encoding="encode")
    encoded = column.combine_chunks()
    return (encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
            encoded.dictionary.to_pylist())


def join_catalog(values: pa.Table, catalog: CatalogLookup) -> pa.Table:
    """`values` (indicator_id, year, sex, value, flag, source, nuts_version, converted_from;
    one region, any order; text columns plain or dictionary-encoded) with the catalog
    columns, in REGION_VALUE_COLUMNS, sorted by domain (indicators outside the catalog
    last), indicator_id, year and sex.

    Same rows and order as a left join to the catalog ordered by those columns.
    """
    if values.num_rows == 0:
        empty = {name: pa.array([], pa.string()) for name in CATALOG_COLUMNS}
        return pa.table({name: (empty[name] if name in empty else values.column(name))
                         for name in REGION_VALUE_COLUMNS})
    ids, id_entries = _codes(values.column("indicator_id"))
    sexes, sex_entries = _codes(values.column("sex"))
    found = catalog.index.get_indexer(pd.Index(id_entries, dtype=object))
    domains = [catalog.domains[p] if p >= 0 else None for p in found]
    years = values.column("year").to_numpy().astype(np.int64)
    first_year = int(years.min())
    span = int(years.max()) - first_year + 1
    key = ((_entry_ranks(id_entries, domains)[ids] * span + (years - first_year))
           * len(sex_entries) + _entry_ranks(sex_entries)[sexes])
    order = np.argsort(key, kind="stable")
    rows = values.take(pa.array(order))
    positions = found[ids[order]]
    meta = catalog.columns.take(pa.array(positions, mask=positions < 0))
    return pa.table({name: (meta.column(name) if name in CATALOG_COLUMNS
                            else _decoded(rows.column(name)))
                     for name in REGION_VALUE_COLUMNS})


def _decoded(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A dictionary-encoded column as plain values (the frame has text columns, not
    categoricals)."""
    if pa.types.is_dictionary(column.type):
        return column.cast(column.type.value_type)
    return column
