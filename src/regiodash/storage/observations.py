"""The build's first step: the raw layer read into observations, one Arrow table.

The catalog slices of the raw files are selected by DuckDB (temp tables, duplicate check per
slice) and leave it as ENUMs, i.e. Arrow dictionary arrays; the demo panel is read with pyarrow
keeping Parquet's dictionaries. No string is materialised per row (DuckDB's cast of ten
million strings to ENUMs, or its VARCHAR Parquet writer, each cost several seconds more).
"""

from __future__ import annotations

import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from indicators.catalog import CATALOG, CATALOG_BY_ID, WDI_SAME_AS
from indicators.spec import CatalogIndicator
from regiodash.errors import WarehouseError
from regiodash.nuts import is_extra_regio, nuts_level_of
from regiodash.storage.arrow_codes import (
    buffer_view,
    concat_tables,
    dict_codes,
    dictionary_array,
    dictionary_values,
    empty_table,
    normalise_table,
    smallest_index_type,
    valid_rows,
)
from regiodash.storage.layout import FROM_DEMO_COLUMN, WarehousePaths, quote_ident
from regiodash.storage.parquet_out import BUILD_WRITERS, OBSERVATION_ORDER
from regiodash.storage.row_order import sorted_by
from regiodash.storage.schema import OBSERVATION_COLUMNS, OBSERVATIONS_SCHEMA

BUILD_MEMORY_LIMIT = "1200MB"
"""DuckDB's memory limit during a build; larger intermediate results spill to a temp folder."""
_RAW_COLUMNS = [c for c in OBSERVATION_COLUMNS if c != "nuts_level"]
_TEXT_COLUMNS = [c for c in _RAW_COLUMNS if OBSERVATIONS_SCHEMA.field(c).type == pa.string()]
_PANEL_READ_ROWS = 1 << 22  # about as many rows of a demo panel column are read at once
_NO_LEVEL = -128  # marks geo codes that are no region (extra-regio, unknown shape): dropped


def _select_indicator(
    ind: CatalogIndicator | None,
    indicator_id: str,
    unit: str,
    source: str,
    dataset: str,
    path: Path,
    columns: set[str],
) -> tuple[str, list] | str:
    """SQL selecting one indicator's rows from one raw file, or a reason why it cannot."""
    where = ["regexp_full_match(time_period, '[0-9]{4}')"]
    params: list = [indicator_id, dataset, unit, source, str(path)]
    scale = 1.0
    sex_expr = "'T'"
    if ind is not None:
        for dim, code in ind.filters:
            if dim == "freq" and code == "A" and dim not in columns:
                # Old bulk files (before 2023) have no freq dimension: every table was
                # annual, and only four-digit time periods are selected anyway.
                continue
            if dim not in columns:
                return f"{indicator_id}: {dataset} has no dimension {dim!r}"
            where.append(f"{quote_ident(dim)} = ?")
            params.append(code)
        if ind.sex_dim:
            if ind.sex_dim not in columns:
                return f"{indicator_id}: {dataset} has no sex dimension {ind.sex_dim!r}"
            sex_expr = quote_ident(ind.sex_dim)
            where.append(f"{sex_expr} IN ('F', 'M', 'T')")
        scale = ind.scale
    elif "sex" in columns:
        sex_expr = '"sex"'
    source_expr = "?::VARCHAR"
    if source == "user" and FROM_DEMO_COLUMN in columns:  # a composite of synthetic inputs
        source_expr = f"CASE WHEN {quote_ident(FROM_DEMO_COLUMN)} THEN 'demo' ELSE ? END"
    sql = (
        "SELECT ?::VARCHAR AS indicator_id, ?::VARCHAR AS dataset, geo AS geo_code, "  # noqa: S608
        "nuts_version, CAST(time_period AS SMALLINT) AS year, "
        f"{sex_expr}::VARCHAR AS sex, value * {float(scale)!r} AS value, flag, "
        f"?::VARCHAR AS unit, {source_expr} AS source "
        f"FROM read_parquet(?) WHERE {' AND '.join(where)}"
    )
    return sql, params


def _connect_for_build(temp_dir: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(config={
        # Nothing relies on DuckDB's row order (every order is made explicitly below), and
        # dropping it lets scans run in parallel without buffering.
        "preserve_insertion_order": False,
        "memory_limit": BUILD_MEMORY_LIMIT,
        "temp_directory": str(temp_dir),
    })


def _typed_select(relation: str) -> str:
    """SELECT of the raw observation columns, typed as in OBSERVATIONS_SCHEMA."""
    types = {"year": "SMALLINT", "value": "DOUBLE"}
    cols = ", ".join(f"{quote_ident(c)}::{types.get(c, 'VARCHAR')} AS {quote_ident(c)}"
                     for c in _RAW_COLUMNS)
    return f"SELECT {cols} FROM {relation}"  # noqa: S608 (identifiers from the schema)


def _targets(source: str, dataset: str, user_defs: list[dict]
             ) -> list[tuple[CatalogIndicator | None, str, str]]:
    """(catalog entry or None, indicator_id, unit) of each indicator one raw file feeds.

    A user file whose dataset is no catalog indicator defines an indicator of its own: its
    definition is appended to `user_defs`.
    """
    if source == "user" and dataset not in CATALOG_BY_ID:
        unit = "value"
        user_defs.append({"indicator_id": dataset, "title": dataset.replace("_", " "),
                          "unit": unit, "dataset": dataset})
        return [(None, dataset, unit)]
    if source == "user":
        entry = CATALOG_BY_ID[dataset]
        return [(None, entry.indicator_id, entry.unit)]
    targets = [(i, i.indicator_id, i.unit) for i in CATALOG if i.dataset == dataset]
    # A WDI series whose definition agrees with a Eurostat indicator feeds that one too
    # (source worldbank, ranked below eurostat by the build, which reports overlaps).
    same = [(i, WDI_SAME_AS[i.indicator_id]) for i in CATALOG
            if i.dataset == dataset and i.indicator_id in WDI_SAME_AS]
    return targets + [(i, other, CATALOG_BY_ID[other].unit) for i, other in same]


def _stage_slices(
    con: duckdb.DuckDBPyConnection, paths: WarehousePaths, skipped: list[str]
) -> tuple[list[str], list[dict]]:
    """Stage every catalog slice of the raw files except the demo panel.

    One temp table per (raw file, indicator) holds the rows the catalog filters select; a
    slice whose filters leave two rows for one region, year and sex is refused (and reported
    in `skipped`) rather than picking a row. Returns (SELECT statements whose UNION ALL is
    the staged observations, the definitions of user indicators that are not in the catalog).
    """
    parts: list[str] = []
    user_defs: list[dict] = []
    for source, dataset, path in paths.raw_files():
        columns = {r[0] for r in con.execute(
            "SELECT name FROM parquet_schema(?)", [str(path)]).fetchall()}
        for ind, indicator_id, unit in _targets(source, dataset, user_defs):
            selected = _select_indicator(ind, indicator_id, unit, source, dataset, path, columns)
            if isinstance(selected, str):
                skipped.append(selected)
                continue
            sql, sql_params = selected
            table = f"slice_{len(parts)}"
            con.execute(f"CREATE TEMP TABLE {table} AS {sql}", sql_params)  # noqa: S608
            dup = con.execute(
                f"SELECT geo_code, year, sex, count(*) AS n FROM {table} "  # noqa: S608
                "GROUP BY ALL HAVING n > 1 ORDER BY ALL LIMIT 1").fetchone()
            if dup:
                # The filters leave a dimension free: refuse rather than pick a row.
                con.execute(f"DROP TABLE {table}")
                skipped.append(
                    f"{indicator_id}: filters on {dataset} leave {dup[3]} rows for "
                    f"{dup[0]} {dup[1]} {dup[2]} (a dimension is not fixed)")
                continue
            parts.append(_typed_select(table))
    return parts, user_defs


def _read_staged(con: duckdb.DuckDBPyConnection, parts: list[str]) -> pa.Table:
    """The staged observations (_RAW_COLUMNS) as an Arrow table, normalised (see
    arrow_codes.normalise_column). Text columns leave DuckDB as ENUMs of their sorted
    distinct values, i.e. as dictionary arrays, without one string per row."""
    union = " UNION ALL ".join(parts)
    lists = con.execute(
        "SELECT " + ", ".join(  # noqa: S608 (identifiers from the schema)
            f"list(DISTINCT {quote_ident(c)} ORDER BY {quote_ident(c)}) "
            f"FILTER (WHERE {quote_ident(c)} IS NOT NULL)" for c in _TEXT_COLUMNS)
        + f" FROM ({union})").fetchone() or [None] * len(_TEXT_COLUMNS)
    for column, values in zip(_TEXT_COLUMNS, lists, strict=True):
        con.execute(f"CREATE TYPE {quote_ident('enum_' + column)} AS ENUM "
                    "(SELECT unnest(?::VARCHAR[]))", [values or []])
    select = ", ".join(
        f"{quote_ident(c)}::{quote_ident('enum_' + c)} AS {quote_ident(c)}"
        if c in _TEXT_COLUMNS else quote_ident(c) for c in _RAW_COLUMNS)
    table = con.execute(f"SELECT {select} FROM ({union})").to_arrow_table()  # noqa: S608
    return normalise_table(table)


def _read_demo_panel(path: Path) -> pa.Table:
    """The demo panel's observations (_RAW_COLUMNS), normalised (see
    arrow_codes.normalise_column).

    Read with pyarrow, keeping Parquet's own dictionary encoding: for a panel of ten million
    rows that is several times cheaper than DuckDB casting every text value to an ENUM. Each
    column is read a few row groups at a time into one NumPy array of its final type, so
    that no column exists twice (a hundred million rows make a column of int32 dictionary
    indices 400 MB, and its float values 800 MB).
    """
    with ThreadPoolExecutor(BUILD_WRITERS) as pool:  # Arrow reads one column on one thread
        columns = list(pool.map(lambda name: _read_panel_column(path, name), _RAW_COLUMNS))
    return pa.table(columns, names=_RAW_COLUMNS)


def _read_panel_column(path: Path, name: str) -> pa.Array:
    """One column of the demo panel (see _read_demo_panel), typed as in OBSERVATIONS_SCHEMA,
    text as a dictionary array with its dictionary sorted."""
    text = name in _TEXT_COLUMNS
    file = pq.ParquetFile(path, read_dictionary=[name] if text else None)
    n = file.metadata.num_rows
    column = _PanelText(n) if text else _PanelValues(n, OBSERVATIONS_SCHEMA.field(name).type)
    groups = file.metadata.num_row_groups
    step = max(1, groups * _PANEL_READ_ROWS // max(n, 1))
    done = 0
    for first in range(0, groups, step):
        part = file.read_row_groups(range(first, min(groups, first + step)), columns=[name])
        for chunk in part.column(name).chunks:
            column.put(done, chunk)
            done += len(chunk)
    return column.array()


class _PanelValues:
    """A plain column filled chunk by chunk into one NumPy array (with a validity mask)."""

    def __init__(self, n: int, arrow_type: pa.DataType) -> None:
        self.type = arrow_type
        self.data = np.empty(n, dtype=arrow_type.to_pandas_dtype())
        self.valid: np.ndarray | None = None

    def put(self, at: int, chunk: pa.Array) -> None:
        values, bits, offset = buffer_view(chunk.cast(self.type))
        self.data[at:at + len(chunk)] = values
        if bits is not None:
            if self.valid is None:
                self.valid = np.ones(len(self.data), dtype=bool)
            self.valid[at:at + len(chunk)] = valid_rows(bits, offset, len(chunk))

    def array(self) -> pa.Array:
        mask = None if self.valid is None else ~self.valid
        if mask is not None:
            self.data[mask] = 0  # what lies under a null is not defined: make it so
        return pa.array(self.data, type=self.type, mask=mask)


class _PanelText:
    """A text column filled chunk by chunk: codes into the values in order of appearance,
    then renumbered into the sorted dictionary (code -1 null), in the smallest index type."""

    def __init__(self, n: int) -> None:
        self.codes = np.empty(n, dtype=np.int8)
        self.seen = pa.array([], pa.string())  # in order of appearance
        self.dictionary: pa.Array | None = None  # the last chunk's, and its codes in `seen`
        self.lut = np.zeros(1, dtype=np.int32)

    def put(self, at: int, chunk: pa.Array) -> None:
        if not pa.types.is_dictionary(chunk.type):
            chunk = pc.dictionary_encode(chunk.cast(pa.string()))
        if self.dictionary is None or not chunk.dictionary.equals(self.dictionary):
            dictionary = chunk.dictionary.cast(pa.string())
            found = pc.index_in(dictionary, value_set=self.seen)
            new = pc.unique(dictionary.filter(pc.is_null(found)))
            self.seen = pa.concat_arrays([self.seen, new])
            found = pc.index_in(dictionary, value_set=self.seen).to_numpy(zero_copy_only=False)
            self.lut = np.append(found.astype(np.int32), -1)  # -1: code of a null
            self.dictionary = chunk.dictionary
            wanted = smallest_index_type(len(self.seen))
            if np.dtype(wanted).itemsize > self.codes.itemsize:
                self.codes = self.codes.astype(wanted)
        values, bits, offset = buffer_view(chunk.indices)
        part = np.take(self.lut, values, mode="clip")  # clip: what lies under a null
        if bits is not None:
            part[~valid_rows(bits, offset, len(part))] = -1
        self.codes[at:at + len(part)] = part

    def array(self) -> pa.DictionaryArray:
        seen = self.seen.to_pylist()
        values = sorted(seen)
        position = {v: i for i, v in enumerate(values)}
        renumber = np.array([*(position[v] for v in seen), -1], dtype=self.codes.dtype)
        for start in range(0, len(self.codes), _PANEL_READ_ROWS):  # no copy of all codes
            block = self.codes[start:start + _PANEL_READ_ROWS]
            block[:] = renumber[block]
        return dictionary_array(self.codes, values)


def _read_raw_observations(
    con: duckdb.DuckDBPyConnection, paths: WarehousePaths, skipped: list[str]
) -> tuple[pa.Table, list[dict]]:
    """Raw observations (_RAW_COLUMNS): the staged catalog slices, then the demo panel.

    Normalised (see arrow_codes.normalise_column); also returns the user indicator
    definitions.
    """
    parts, user_defs = _stage_slices(con, paths, skipped)
    tables = [_read_staged(con, parts)] if parts else []
    if paths.demo_panel.exists():
        tables.append(_read_demo_panel(paths.demo_panel))
    if not tables:
        return empty_table(OBSERVATIONS_SCHEMA, _RAW_COLUMNS), user_defs
    return concat_tables(tables), user_defs


def _nuts_levels(geo: pa.ChunkedArray) -> np.ndarray:
    """nuts_level per row (int8) from the geo code; _NO_LEVEL for extra-regio codes, codes of
    unknown shape and missing codes, which drop out of observations (they stay raw)."""
    lut = np.array([_region_level(code) for code in dictionary_values(geo)] + [_NO_LEVEL],
                   dtype=np.int8)
    return lut[dict_codes(geo)]


def _region_level(code: str) -> int:
    level = nuts_level_of(code)
    return _NO_LEVEL if level is None or is_extra_regio(code) else level


def load_observations(paths: WarehousePaths, skipped: list[str]
                      ) -> tuple[pa.Table, list[dict]]:
    """observations (OBSERVATION_COLUMNS, text dictionary-encoded) in OBSERVATION_ORDER, and
    the user indicator definitions. Grain: one row per indicator, region, year, sex and source
    (and NUTS version when a source carries two). Catalog slices that cannot be selected are
    reported in `skipped`."""
    temp_dir = Path(tempfile.mkdtemp(prefix=".build-", dir=paths.root))
    con = _connect_for_build(temp_dir)
    try:
        raw, user_defs = _read_raw_observations(con, paths, skipped)
    except (duckdb.Error, pa.ArrowException, OSError) as exc:
        # A damaged raw file (or no memory left even with spilling) ends the build with a
        # message, not a traceback; the previous warehouse files stay as they were.
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WarehouseError(
            f"could not read the raw layer under {paths.raw_dir}: {first[:300]}. Re-import "
            "the file named there (or `regiodash demo` for the demo panel), then build "
            "again.") from exc
    finally:
        con.close()
        shutil.rmtree(temp_dir, ignore_errors=True)
    levels = _nuts_levels(raw.column("geo_code"))
    regional = levels != _NO_LEVEL
    if not regional.all():
        raw, levels = raw.filter(pa.array(regional)), levels[regional]
    observations = raw.append_column("nuts_level", pa.array(levels, pa.int8()))
    return sorted_by(observations.select(OBSERVATION_COLUMNS), OBSERVATION_ORDER), user_defs
