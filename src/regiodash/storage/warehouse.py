"""The Parquet warehouse: raw layer, observations, indicator values and the import manifest.

Layout under the data dir (all Parquet, all written atomically):

    raw/<source>/<dataset>.parquet   as published: one column per dimension, time_period,
                                     value, flag, plus the detected nuts_version
    raw/demo/demo_panel.parquet      the synthetic demo panel, already in observations shape
    observations.parquet             tidy rows selected per the indicator catalog
    indicator_values.parquet         what pages read (real values win over demo values),
                                     sorted by indicator, level, year, region, sex
    indicator_values_by_region.parquet  the same rows sorted by region, indicator, year, sex
                                     (region profiles and time series prune row groups)
    innovation_groups.parquet        RIS performance group per region, level and year
    manifest.parquet                 one row per import (location, sha256, time, rows, licence)
    user_indicators.json             indicators defined by the user's own tidy files

`import_files` parses every file before writing anything, so a bad file leaves the warehouse
exactly as it was. `build_warehouse` recomputes observations and indicator values from the raw
layer; it is deterministic, so running it twice gives the same files.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from indicators.catalog import CATALOG, CATALOG_BY_ID
from indicators.ordering import stable_order
from indicators.spec import EUROSTAT_LICENCE, CatalogIndicator
from regiodash.config import Settings
from regiodash.errors import InputFileError, WarehouseError
from regiodash.ingest.model import RawTable
from regiodash.nuts import detect_nuts_version, is_extra_regio, load_known_codes, nuts_level_of
from regiodash.storage.files import (
    atomic_paths,
    json_text,
    sha256_file,
    write_parquet_atomic,
    write_with,
)
from regiodash.storage.schema import (
    GROUPS_SCHEMA,
    INDICATOR_VALUE_COLUMNS,
    INDICATOR_VALUES_SCHEMA,
    MANIFEST_SCHEMA,
    OBSERVATION_COLUMNS,
    OBSERVATIONS_SCHEMA,
)

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
SOURCE_BY_FORMAT = {"eurostat-tsv": "eurostat", "sdmx-csv": "eurostat", "jsonstat": "eurostat",
                    "tidy": "user"}
# Lower rank wins when two sources give the same indicator, region, year and sex.
SOURCE_PRECEDENCE = {"user": 0, "eurostat": 1, "demo": 9}
USER_LICENCE = "as provided by the user (see the file's own terms)"

Progress = Callable[[str], None]


def require_local(settings: Settings, action: str) -> None:
    """Writes need a local warehouse; a URL warehouse is read-only."""
    if settings.is_remote:
        raise WarehouseError(
            f"REGIODASH_DATA_DIR is a URL ({settings.data_url}): {action} needs a local data "
            "directory. Build the warehouse locally, then publish its files to the URL.")


def quote_ident(name: str) -> str:
    """Quote an identifier that comes from the catalog or a parsed file header.

    Only lower-case snake_case names are accepted; anything else is refused rather than
    escaped, so no user text can ever reach SQL as an identifier.
    """
    if not IDENTIFIER.match(name):
        raise WarehouseError(f"refusing identifier {name!r}: not a lower-case snake_case name")
    return f'"{name}"'


@dataclass(frozen=True)
class WarehousePaths:
    root: Path

    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    @property
    def observations(self) -> Path:
        return self.root / "observations.parquet"

    @property
    def indicator_values(self) -> Path:
        return self.root / "indicator_values.parquet"

    @property
    def indicator_values_by_region(self) -> Path:
        """The rows of indicator_values.parquet sorted by geo_code, indicator_id, year, sex."""
        return self.root / "indicator_values_by_region.parquet"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.parquet"

    @property
    def innovation_groups(self) -> Path:
        return self.root / "innovation_groups.parquet"

    @property
    def user_indicators(self) -> Path:
        return self.root / "user_indicators.json"

    @property
    def demo_panel(self) -> Path:
        return self.raw_dir / "demo" / "demo_panel.parquet"

    def raw_file(self, source: str, dataset: str) -> Path:
        quote_ident(source)
        quote_ident(dataset)
        return self.raw_dir / source / f"{dataset}.parquet"

    def raw_files(self) -> list[tuple[str, str, Path]]:
        """(source, dataset, path) for every raw file except the demo panel, sorted."""
        if not self.raw_dir.is_dir():
            return []
        out = []
        for path in sorted(self.raw_dir.glob("*/*.parquet")):
            source = path.parent.name
            if source == "demo":
                continue
            out.append((source, path.stem, path))
        return out

    def has_data(self) -> bool:
        return self.indicator_values.exists()


# --------------------------------------------------------------------------- manifest

def read_manifest(paths: WarehousePaths) -> list[dict]:
    if not paths.manifest.exists():
        return []
    return pq.read_table(paths.manifest).to_pylist()


def append_manifest(paths: WarehousePaths, records: Sequence[dict]) -> None:
    rows = read_manifest(paths) + [dict(r) for r in records]
    table = pa.Table.from_pylist(rows, schema=MANIFEST_SCHEMA)
    write_parquet_atomic(table, paths.manifest)


def current_user(name: str | None = None) -> str:
    """Who an import is recorded as: the name given (trimmed, at most 80 characters), else
    the login name, else 'unknown'."""
    if name and name.strip():
        return name.strip()[:80]
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


def new_manifest_record(**fields: object) -> dict:
    """One manifest row: a fresh id, the time now (UTC), the login name unless `imported_by`
    is given, and `fields`; columns not given stay null."""
    record: dict[str, object] = {name: None for name in MANIFEST_SCHEMA.names}
    record["import_id"] = uuid.uuid4().hex[:12]
    record["imported_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    record["imported_by"] = current_user()
    record.update(fields)
    return record


# --------------------------------------------------------------------------- imports

@dataclass
class ImportResult:
    path: str
    dataset: str
    source: str
    format: str
    rows: int
    status: str  # "imported" | "unchanged"
    nuts_version: str | None
    raw_path: Path | None = None
    notes: list[str] = field(default_factory=list)


def _version_column(table: RawTable, known: dict[str, set[str]]) -> tuple[str | None, dict]:
    if "geo" not in table.frame.columns:
        raise InputFileError(table.source_path, "no geo dimension found", column="geo")
    codes = table.frame["geo"].astype(str).unique()
    return detect_nuts_version(codes, known)


def _merge_raw(new: pd.DataFrame, key: list[str], target: Path) -> int:
    """Upsert `new` into the raw file `target` by `key`; return the resulting row count."""
    con = duckdb.connect()
    try:
        con.register("new_rows", new)
        keys = ", ".join(quote_ident(k) for k in key)
        if target.exists():
            con.execute("CREATE TEMP TABLE old_rows AS SELECT * FROM read_parquet(?)",
                        [str(target)])
            merged = (
                f"SELECT * FROM old_rows ANTI JOIN new_rows USING ({keys}) "  # noqa: S608
                f"UNION ALL BY NAME SELECT * FROM new_rows ORDER BY {keys}"
            )
        else:
            merged = f"SELECT * FROM new_rows ORDER BY {keys}"  # noqa: S608
        rel = con.sql(merged)
        rows = rel.shape[0]
        write_with(target, lambda tmp: rel.write_parquet(str(tmp), compression="zstd"))
        return rows
    finally:
        con.close()


def import_tables(
    tables: Sequence[tuple[RawTable, str, str]],
    settings: Settings,
    progress: Progress | None = None,
) -> list[ImportResult]:
    """Write parsed tables into the raw layer. `tables` holds (table, location, sha256).

    Files already imported with the same sha256 for the same dataset are skipped, so
    re-importing a file changes nothing.
    """
    require_local(settings, "importing")
    paths = WarehousePaths(settings.data_dir)
    known = load_known_codes(settings.reference_dir)
    manifest = read_manifest(paths)
    seen = {(m["dataset"], m["sha256"]) for m in manifest}
    results: list[ImportResult] = []
    records: list[dict] = []
    for table, location, digest in tables:
        source = SOURCE_BY_FORMAT[table.format]
        target = paths.raw_file(source, table.dataset)
        if (table.dataset, digest) in seen and target.exists():
            results.append(ImportResult(location, table.dataset, source, table.format,
                                        len(table.frame), "unchanged", None, target))
            continue
        version, details = _version_column(table, known)
        frame = table.frame.copy()
        for col in frame.columns:
            quote_ident(col)
        frame["nuts_version"] = version
        if progress:
            progress(f"writing {target.relative_to(paths.root)} ({len(frame):,} rows)")
        total = _merge_raw(frame, table.key_columns, target)
        notes = []
        if details.get("unmatched_sample"):
            notes.append(f"codes unknown in NUTS {version}: {details['unmatched_sample']}")
        if table.unmapped_labels:
            notes.append(f"labels kept as text (no code known): {table.unmapped_labels}")
        result = ImportResult(location, table.dataset, source, table.format, len(frame),
                              "imported", version, target, notes)
        results.append(result)
        seen.add((table.dataset, digest))
        records.append(new_manifest_record(
            dataset=table.dataset, source=source, format=table.format, location=location,
            sha256=digest, rows=len(frame), nuts_version=version,
            licence=EUROSTAT_LICENCE if source == "eurostat" else USER_LICENCE,
            note=f"raw file now {total:,} rows" + ("; " + "; ".join(notes) if notes else ""),
        ))
    if records:
        append_manifest(paths, records)
    return results


def import_files(
    files: Iterable[str | Path],
    settings: Settings,
    dataset: str | None = None,
    progress: Progress | None = None,
) -> list[ImportResult]:
    """Parse every file first (any error aborts before a write), then write the raw layer."""
    from regiodash.ingest.readers import read_file

    parsed = []
    for file in files:
        path = Path(file)
        if not path.is_file():
            raise InputFileError(path, "no such file")
        if progress:
            progress(f"reading {path}")
        table = read_file(path, dataset=dataset)
        parsed.append((table, str(path.resolve()), sha256_file(path)))
    return import_tables(parsed, settings, progress)


# --------------------------------------------------------------------------- build
#
# How the build handles ten million rows on a two-core machine (`bench/run.py` measures it):
# - Text stays dictionary-encoded from end to end: the demo panel is read with pyarrow keeping
#   Parquet's dictionaries; the catalog slices of the raw files are selected by DuckDB (temp
#   tables, duplicate check per slice) and leave it as ENUMs, i.e. Arrow dictionary arrays. No
#   string is materialised per row (DuckDB's cast of ten million strings to ENUMs, or its
#   VARCHAR Parquet writer, each cost several seconds more).
# - Every dictionary is kept sorted, so a row's codes order it like its text: sorting,
#   precedence and the selection of the rows the indicator modules read are NumPy operations
#   on small integers (one packed key per row, a stable sort that is close to linear on input
#   that is already nearly in order, as the demo panel is).
# - pyarrow writes the Parquet files from the dictionary arrays directly, on two threads while
#   the main thread runs the indicator modules, with correct min/max statistics per row group
#   (DuckDB's ENUM writer stores the whole dictionary's min/max, defeating row-group pruning).

ROW_GROUP_SIZE = 122_880
"""Rows per Parquet row group of the files the build writes."""
REGION_ROW_GROUPS = 64
"""Target number of row groups in indicator_values_by_region.parquet (see region_row_group)."""
MIN_REGION_ROW_GROUP = 16_384


def region_row_group(rows: int) -> int:
    """Row-group size of the by-region file: about REGION_ROW_GROUPS groups, between
    MIN_REGION_ROW_GROUP and ROW_GROUP_SIZE rows.

    A region profile decodes the one or two row groups holding the region. In a small
    warehouse a 122,880-row group holds a sixth of all rows (the 1x panel: 7.1 ms a profile,
    5.4 ms with 16,384); in a large one, many small groups make the footer itself the cost
    (100x with 8,192: 58 ms against 4 ms), hence a bounded number of groups.
    """
    wanted = -(-rows // REGION_ROW_GROUPS)  # ceiling
    wanted = -(-wanted // 2048) * 2048  # a multiple of 2,048 rows
    return max(MIN_REGION_ROW_GROUP, min(ROW_GROUP_SIZE, wanted))
BUILD_MEMORY_LIMIT = "1200MB"
"""DuckDB's memory limit during a build; larger intermediate results spill to a temp folder."""
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
_RAW_COLUMNS = [c for c in OBSERVATION_COLUMNS if c != "nuts_level"]
_TEXT_COLUMNS = [c for c in _RAW_COLUMNS if OBSERVATIONS_SCHEMA.field(c).type == pa.string()]
_NO_LEVEL = -128  # marks geo codes that are no region (extra-regio, unknown shape): dropped
_UNKNOWN_SOURCE_RANK = 5
MAX_SLICES = 10_000  # a reordering with more runs than this is done with a take


@dataclass
class BuildSummary:
    observations: int = 0
    indicator_values: int = 0
    indicators: int = 0
    demo_values: int = 0
    derived_values: int = 0
    skipped: list[str] = field(default_factory=list)


def load_user_indicators(paths: WarehousePaths) -> list[dict]:
    if not paths.user_indicators.exists():
        return []
    return json.loads(paths.user_indicators.read_text(encoding="utf-8"))


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
    sql = (
        "SELECT ?::VARCHAR AS indicator_id, ?::VARCHAR AS dataset, geo AS geo_code, "  # noqa: S608
        "nuts_version, CAST(time_period AS SMALLINT) AS year, "
        f"{sex_expr}::VARCHAR AS sex, value * {float(scale)!r} AS value, flag, "
        "?::VARCHAR AS unit, ?::VARCHAR AS source "
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


def _stage_slices(
    con: duckdb.DuckDBPyConnection, paths: WarehousePaths, summary: BuildSummary
) -> tuple[list[str], list[dict]]:
    """Stage every catalog slice of the raw files except the demo panel.

    One temp table per (raw file, indicator) holds the rows the catalog filters select; a
    slice whose filters leave two rows for one region, year and sex is refused (and reported
    in `summary.skipped`) rather than picking a row. Returns (SELECT statements whose UNION
    ALL is the staged observations, the definitions of user indicators that are not in the
    catalog).
    """
    parts: list[str] = []
    user_defs: list[dict] = []
    for source, dataset, path in paths.raw_files():
        columns = {r[0] for r in con.execute(
            "SELECT name FROM parquet_schema(?)", [str(path)]).fetchall()}
        if source == "user" and dataset not in CATALOG_BY_ID:
            unit = "value"
            user_defs.append({"indicator_id": dataset, "title": dataset.replace("_", " "),
                              "unit": unit, "dataset": dataset})
            targets: list[tuple[CatalogIndicator | None, str, str]] = [(None, dataset, unit)]
        elif source == "user":
            entry = CATALOG_BY_ID[dataset]
            targets = [(None, entry.indicator_id, entry.unit)]
        else:
            targets = [(i, i.indicator_id, i.unit) for i in CATALOG if i.dataset == dataset]
        for ind, indicator_id, unit in targets:
            selected = _select_indicator(ind, indicator_id, unit, source, dataset, path, columns)
            if isinstance(selected, str):
                summary.skipped.append(selected)
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
                summary.skipped.append(
                    f"{indicator_id}: filters on {dataset} leave {dup[3]} rows for "
                    f"{dup[0]} {dup[1]} {dup[2]} (a dimension is not fixed)")
                continue
            parts.append(_typed_select(table))
    return parts, user_defs


def _read_staged(con: duckdb.DuckDBPyConnection, parts: list[str]) -> pa.Table:
    """The staged observations (_RAW_COLUMNS) as an Arrow table, normalised (see
    _normalise_column). Text columns leave DuckDB as ENUMs of their sorted distinct values,
    i.e. as dictionary arrays, without one string per row."""
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
    return _normalise_table(table)


def _read_demo_panel(path: Path) -> pa.Table:
    """The demo panel's observations (_RAW_COLUMNS), normalised (see _normalise_column).

    Read with pyarrow, keeping Parquet's own dictionary encoding: for a panel of ten million
    rows that is several times cheaper than DuckDB casting every text value to an ENUM. One
    column at a time, so that only one column's wide intermediate codes exist at once.
    """
    def read(name: str) -> pa.Array:
        column = pq.read_table(path, columns=[name],
                               read_dictionary=[name] if name in _TEXT_COLUMNS else None)
        column = column.column(name)
        if name in _TEXT_COLUMNS and not pa.types.is_dictionary(column.type):
            column = pc.dictionary_encode(column.cast(pa.string()))
        elif name not in _TEXT_COLUMNS:
            column = column.cast(OBSERVATIONS_SCHEMA.field(name).type)
        return _normalise_column(column)

    with ThreadPoolExecutor(BUILD_WRITERS) as pool:  # Arrow reads one column on one thread
        columns = list(pool.map(read, _RAW_COLUMNS))
    return pa.table(columns, names=_RAW_COLUMNS)


def _read_raw_observations(
    con: duckdb.DuckDBPyConnection, paths: WarehousePaths, summary: BuildSummary
) -> tuple[pa.Table, list[dict]]:
    """Raw observations (_RAW_COLUMNS): the staged catalog slices, then the demo panel.

    Normalised (see _normalise_column); also returns the user indicator definitions.
    """
    parts, user_defs = _stage_slices(con, paths, summary)
    tables = [_read_staged(con, parts)] if parts else []
    if paths.demo_panel.exists():
        tables.append(_read_demo_panel(paths.demo_panel))
    if not tables:
        return _empty_table(OBSERVATIONS_SCHEMA, _RAW_COLUMNS), user_defs
    return _concat_tables(tables), user_defs


def _empty_table(schema: pa.Schema, columns: list[str]) -> pa.Table:
    arrays = [
        pa.DictionaryArray.from_arrays(pa.array([], pa.int8()), pa.array([], pa.string()))
        if schema.field(c).type == pa.string() else pa.array([], schema.field(c).type)
        for c in columns
    ]
    return pa.table(arrays, names=columns)


def _codes(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Dictionary codes of a dictionary column (one dictionary for all chunks), null -1.

    Without nulls, the codes keep their (small) integer type and are not copied.
    """
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    parts = []
    for chunk in chunks:
        indices = chunk.indices
        if indices.null_count:
            parts.append(pc.fill_null(indices.cast(pa.int32()), -1).to_numpy())
        else:
            parts.append(indices.to_numpy())
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int8)


def _index_type(size: int) -> type[np.signedinteger]:
    """The smallest signed integer type for codes into a dictionary of `size` values."""
    return np.int8 if size < 2**7 else np.int16 if size < 2**15 else np.int32


def _dictionary(codes: np.ndarray, values: Sequence[str]) -> pa.DictionaryArray:
    """A dictionary array from codes (-1 = null) and its dictionary, smallest index type."""
    nulls = codes < 0
    indices = pa.array(codes.astype(_index_type(len(values)), copy=False),
                       mask=nulls if nulls.any() else None)
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(values), pa.string()))


def _remap(column: pa.ChunkedArray, values: list[str]) -> np.ndarray:
    """Codes of a dictionary column in the sorted dictionary `values` (a superset of its
    dictionary; null stays -1). The map is increasing, so the order of codes is kept."""
    dictionary = column.chunks[0].dictionary.to_pylist() if column.num_chunks else []
    position = {v: i for i, v in enumerate(values)}
    codes = _codes(column)
    if dictionary == values:
        return codes
    lut = np.array([position[v] for v in dictionary] + [-1], dtype=_index_type(len(values)))
    return lut[codes]


def _normalise_column(column: pa.ChunkedArray) -> pa.Array:
    """The column as one chunk; a dictionary column with its dictionary sorted (so that a
    code orders rows like its text) and the smallest index type."""
    if not pa.types.is_dictionary(column.type):
        return column.combine_chunks()
    column = column.unify_dictionaries()
    dictionary = column.chunks[0].dictionary.to_pylist() if column.num_chunks else []
    values = sorted(dictionary)
    return _dictionary(_remap(column, values), values)


def _normalise_table(table: pa.Table) -> pa.Table:
    """The same rows, every column normalised (_normalise_column)."""
    return pa.table([_normalise_column(table.column(n)) for n in table.column_names],
                    names=table.column_names)


def _dictionary_from_series(series: pd.Series) -> pa.DictionaryArray:
    codes, uniques = pd.factorize(series, sort=True)  # missing -> -1
    return _dictionary(np.asarray(codes), [str(u) for u in uniques])


def _table_from_frame(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """`frame` as an Arrow table of `schema`, text columns dictionary-encoded (sorted)."""
    arrays = [
        _dictionary_from_series(frame[f.name]) if f.type == pa.string()
        else pa.array(frame[f.name].to_numpy(), from_pandas=True).cast(f.type)
        for f in schema
    ]
    return pa.table(arrays, names=schema.names)


def _concat_tables(tables: Sequence[pa.Table]) -> pa.Table:
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
            index_type = _index_type(len(values))
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
    codes = _remap(pa.chunked_array([chunk]), values).astype(index_type, copy=False)
    nulls = codes < 0
    return pa.array(codes, mask=nulls if nulls.any() else None)


def _key_part(column: pa.ChunkedArray) -> np.ndarray:
    """Non-negative integers per row that order rows like the column (nulls first)."""
    if pa.types.is_dictionary(column.type):
        codes = _codes(column)  # dictionaries are sorted: code order is text order
        return codes + 1 if column.null_count else codes
    values = column.to_numpy()
    return values - values.min() if len(values) else values


def _stable_order(table: pa.Table, columns: list[str]) -> np.ndarray:
    """Row positions sorting `table` by `columns` (first most significant), ties kept in order
    (indicators.ordering.stable_order over each column's integer sort key; the keys always fit
    in 63 bits here: a few hundred indicators, a few thousand regions, some decades)."""
    return _positions(stable_order([_key_part(table.column(c)) for c in columns]))


def _positions(order: np.ndarray) -> np.ndarray:
    """Row positions as int32 when they fit (half the memory of NumPy's int64 results)."""
    return order.astype(np.int32) if len(order) < 2**31 else order


def _reorder(table: pa.Table, order: np.ndarray) -> pa.Table:
    """The rows of `table` in `order`: zero-copy slices when `order` is made of a few runs of
    consecutive rows (e.g. two sorted parts interleaved by indicator), else a take."""
    breaks = np.flatnonzero(np.diff(order) != 1) + 1
    if len(breaks) > MAX_SLICES:
        return _take(table, order)
    if not len(breaks) and (not len(order) or order[0] == 0):
        return table
    starts, ends = np.concatenate([[0], breaks]), np.concatenate([breaks, [len(order)]])
    return pa.concat_tables([table.slice(int(order[s]), int(e - s))
                             for s, e in zip(starts, ends, strict=True)])


def _take(table: pa.Table, order: np.ndarray) -> pa.Table:
    """table.take(order) done on the NumPy codes and values (faster than Arrow's take on
    multi-chunk columns; nulls kept through the validity mask, NaN stays NaN)."""
    columns = []
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_dictionary(column.type):
            dictionary = column.chunks[0].dictionary.to_pylist() if column.num_chunks else []
            columns.append(_dictionary(_codes(column)[order], dictionary))
        elif column.null_count:
            data = column.to_numpy()
            nulls = column.is_null().to_numpy()
            columns.append(pa.array(data[order], type=column.type, mask=nulls[order]))
        else:
            columns.append(pa.array(column.to_numpy()[order], type=column.type))
    return pa.table(columns, names=table.column_names)


def _sorted_by(table: pa.Table, columns: list[str]) -> pa.Table:
    return _reorder(table, _stable_order(table, columns))


def _nuts_levels(geo: pa.ChunkedArray) -> np.ndarray:
    """nuts_level per row (int8) from the geo code; _NO_LEVEL for extra-regio codes, codes of
    unknown shape and missing codes, which drop out of observations (they stay raw)."""
    dictionary = geo.chunks[0].dictionary.to_pylist() if geo.num_chunks else []
    lut = np.array([_region_level(code) for code in dictionary] + [_NO_LEVEL], dtype=np.int8)
    return lut[_codes(geo)]


def _region_level(code: str) -> int:
    level = nuts_level_of(code)
    return _NO_LEVEL if level is None or is_extra_regio(code) else level


def _load_observations(
    paths: WarehousePaths, summary: BuildSummary
) -> tuple[pa.Table, list[dict]]:
    """observations (OBSERVATION_COLUMNS, text dictionary-encoded) in OBSERVATION_ORDER, and
    the user indicator definitions. Grain: one row per indicator, region, year, sex and source
    (and NUTS version when a source carries two)."""
    temp_dir = Path(tempfile.mkdtemp(prefix=".build-", dir=paths.root))
    con = _connect_for_build(temp_dir)
    try:
        raw, user_defs = _read_raw_observations(con, paths, summary)
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
    return _sorted_by(observations.select(OBSERVATION_COLUMNS), OBSERVATION_ORDER), user_defs


def _lookup(column: pa.ChunkedArray, table: Mapping[str, int], default: int) -> np.ndarray:
    """`table[text]` per row of a dictionary column (`default` for other text and null)."""
    dictionary = column.chunks[0].dictionary.to_pylist() if column.num_chunks else []
    lut = np.array([table.get(v, default) for v in dictionary] + [default], dtype=np.int8)
    return lut[_codes(column)]


def _apply_precedence(observations: pa.Table) -> pa.Table:
    """indicator values before derivation: one row per indicator, region, year and sex.

    Where several rows share that key, the source of lowest SOURCE_PRECEDENCE rank wins (user,
    then eurostat, then any other source, then demo), then the most recent nuts_version (a
    missing version last), then the first in OBSERVATION_ORDER. Observations
    are in OBSERVATION_ORDER, so rows of one key are adjacent (nuts_level follows from
    geo_code): the usual case, no shared key at all, costs one comparison per row.
    """
    values = observations.select(INDICATOR_VALUE_COLUMNS)
    n = observations.num_rows
    if n < 2:
        return values
    same = np.ones(n - 1, dtype=bool)
    for name in ("indicator_id", "nuts_level", "year", "geo_code", "sex"):
        part = _key_part(observations.column(name))
        same &= part[1:] == part[:-1]
    if not same.any():
        return values
    run = np.cumsum(np.concatenate([[True], ~same])) - 1
    contested = np.flatnonzero(np.bincount(run)[run] > 1)
    rank = _lookup(observations.column("source"), SOURCE_PRECEDENCE, _UNKNOWN_SOURCE_RANK)
    version = _codes(observations.column("nuts_version")).astype(np.int64)  # sorted; null -1
    ranked = contested[np.lexsort((contested, -version[contested], rank[contested],
                                   run[contested]))]
    first = np.concatenate([[True], run[ranked][1:] != run[ranked][:-1]])
    keep = np.ones(n, dtype=bool)
    keep[contested] = False
    keep[ranked[first]] = True
    return values.filter(pa.array(keep))


def _derive_inputs(values: pa.Table) -> dict[str, pd.DataFrame]:
    """The rows each indicator module reads (derive.MODULE_INPUTS), in the order of `values`,
    with the column types the modules have always been given (text as pandas strings)."""
    from regiodash.storage.derive import MODULE_INPUTS

    inputs = {}
    for module, (ids, sexes) in MODULE_INPUTS.items():
        keep = (_lookup(values.column("indicator_id"), dict.fromkeys(ids, 1), 0)
                & _lookup(values.column("sex"), dict.fromkeys(sexes, 1), 0))
        rows = values.filter(pa.array(keep.astype(bool)))
        rows = pa.table(  # pandas keeps its strings as Arrow large_string: cast straight to it
            [c.cast(pa.large_string()) if pa.types.is_dictionary(c.type) else c
             for c in rows.columns],
            names=rows.column_names,
        )
        inputs[module] = rows.to_pandas().astype({"year": "int64", "nuts_level": "int64"})
    return inputs


def _parquet_options(table: pa.Table) -> dict:
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


def _write_parquet(table: pa.Table, path: Path, metadata: dict[str, str] | None = None
                   ) -> None:
    with pq.ParquetWriter(path, table.schema, **_parquet_options(table)) as writer:
        writer.write_table(table, row_group_size=ROW_GROUP_SIZE)
        if metadata:
            writer.add_key_value_metadata(metadata)


FINGERPRINT_KEY = "regiodash_values_fingerprint"
"""Footer key naming the build's indicator values in both value files (connection.py checks
that indicator_values_by_region.parquet matches indicator_values.parquet)."""


def values_fingerprint(values: pa.Table) -> str:
    """A short deterministic digest of the indicator values (row count, value and year sums,
    value count): equal for equal content in any row order, different after almost any
    change. Cheap: a few column sums."""
    value_sum = pc.sum(values.column("value")).as_py() or 0.0
    year_sum = pc.sum(pc.cast(values.column("year"), pa.int64())).as_py() or 0
    text = (f"{values.num_rows}:{round(value_sum, 6)!r}:"
            f"{pc.count(values.column('value')).as_py()}:{year_sum}")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _write_in_order(table: pa.Table, order: np.ndarray, path: Path,
                    row_group_size: int = ROW_GROUP_SIZE,
                    metadata: dict[str, str] | None = None) -> None:
    """Write the rows of `table` in `order`, gathering a few row groups at a time.

    Same file as `_write_parquet(_take(table, order), path)`, without holding a reordered
    copy of the whole table: on the machine this was tuned on, touching fresh memory costs
    about as much as the gather itself.
    """
    columns, fields = [], []
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_dictionary(column.type):
            dictionary = column.chunks[0].dictionary if column.num_chunks else pa.array(
                [], pa.string())
            index_type = _index_type(len(dictionary))
            columns.append((_codes(column).astype(index_type, copy=False), None, dictionary))
            fields.append(pa.field(name, pa.dictionary(pa.from_numpy_dtype(index_type),
                                                       pa.string())))
        else:
            nulls = column.is_null().to_numpy() if column.null_count else None
            columns.append((column.to_numpy(), nulls, column.type))
            fields.append(pa.field(name, column.type))
    batch = row_group_size * 8
    with pq.ParquetWriter(path, pa.schema(fields), **_parquet_options(table)) as writer:
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


def _region_order(values: pa.Table, value_order: np.ndarray) -> np.ndarray:
    """Row positions sorting `values` in REGION_ORDER, given its positions in VALUE_ORDER.

    VALUE_ORDER is (indicator_id, nuts_level, year, geo_code, sex); a stable sort of that
    order by geo_code alone (a linear radix sort of small integers) gives (geo_code,
    indicator_id, nuts_level, year, sex), which is REGION_ORDER whenever every geo_code has
    one nuts_level, as the build makes it. Otherwise the full sort.
    """
    geo = _codes(values.column("geo_code"))
    level = values.column("nuts_level").to_numpy()
    level_of = np.zeros(int(geo.max()) + 2 if len(geo) else 1, dtype=level.dtype)
    level_of[geo] = level  # one of the levels of each code (code -1, null, lands last)
    if not np.array_equal(level_of[geo], level):
        return _stable_order(values, REGION_ORDER)
    return value_order[_positions(np.argsort(geo[value_order], kind="stable"))]


def _count_codes(column: pa.ChunkedArray, value: str | None = None) -> int:
    """Rows equal to `value`, or the number of distinct values used when `value` is None."""
    dictionary = column.chunks[0].dictionary.to_pylist() if column.num_chunks else []
    counts = np.bincount(_codes(column).astype(np.int64) + 1,
                         minlength=len(dictionary) + 1)[1:]
    if value is None:
        return int((counts > 0).sum())
    return int(counts[dictionary.index(value)]) if value in dictionary else 0


def build_warehouse(
    settings: Settings,
    progress: Progress | None = None,
) -> BuildSummary:
    """Recompute observations, indicator values (two sort orders) and innovation groups.

    Grain of observations.parquet: one row per indicator, region, year, sex and source; of
    indicator_values.parquet and indicator_values_by_region.parquet (the same rows, sorted by
    VALUE_ORDER and REGION_ORDER): one row per indicator, region, year and sex, where rows
    from the user's files win over Eurostat's, which win over the demo panel, and derived
    indicators are added by the indicator modules. Missing values stay null; nothing is
    imputed. All files are written to temporary names first and moved into place only when
    every one of them is complete, so a failed build leaves the previous files untouched.
    Deterministic: building twice gives the same files.
    """
    from regiodash.storage.derive import derive_parts

    require_local(settings, "building")
    paths = WarehousePaths(settings.data_dir)
    paths.root.mkdir(parents=True, exist_ok=True)
    summary = BuildSummary()

    def say(message: str) -> None:
        if progress:
            progress(message)

    targets = [paths.observations, paths.innovation_groups, paths.user_indicators,
               paths.indicator_values_by_region, paths.indicator_values]  # pages watch the last
    with atomic_paths(targets) as temp, ThreadPoolExecutor(BUILD_WRITERS) as pool:
        tmp_obs, tmp_groups, tmp_user, tmp_by_region, tmp_values = temp
        observations, user_defs = _load_observations(paths, summary)
        summary.observations = observations.num_rows
        writes = [pool.submit(_write_parquet, observations, tmp_obs)]
        say(f"observations: {observations.num_rows:,} rows")
        values = _apply_precedence(observations)
        del observations
        say("deriving the innovation, gender and sustainability indices")
        parts, groups = derive_parts(_derive_inputs(values))
        summary.derived_values = sum(len(part) for part in parts)
        if parts:
            derived = _concat_tables([_table_from_frame(p, INDICATOR_VALUES_SCHEMA)
                                      for p in parts])
            values = _concat_tables([values, _sorted_by(derived, VALUE_ORDER)])
        del parts
        pa.default_memory_pool().release_unused()  # the modules' pandas strings live there
        order = _stable_order(values, VALUE_ORDER)
        stamp = {FINGERPRINT_KEY: values_fingerprint(values)}
        writes.append(pool.submit(_write_parquet, _reorder(values, order), tmp_values, stamp))
        order = _region_order(values, order)
        writes.append(pool.submit(_write_in_order, values, order, tmp_by_region,
                                  region_row_group(len(order)), stamp))
        del order
        groups_table = pa.Table.from_pandas(groups.astype(
            {"nuts_level": "int8", "year": "int16"}), preserve_index=False).cast(GROUPS_SCHEMA)
        pq.write_table(groups_table, tmp_groups, compression="zstd")
        tmp_user.write_text(json_text(user_defs), encoding="utf-8")
        summary.indicator_values = values.num_rows
        summary.indicators = _count_codes(values.column("indicator_id"))
        summary.demo_values = _count_codes(values.column("source"), "demo")
        for write in writes:
            write.result()  # re-raises a failed write before anything is moved into place
    say(f"indicator_values: {summary.indicator_values:,} rows, {summary.indicators} indicators")
    return summary
