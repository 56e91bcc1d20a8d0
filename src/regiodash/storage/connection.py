"""One read-only DuckDB connection over the warehouse's Parquet files.

Views over Parquet (read at query time): indicator_values (sorted by indicator, level, year:
map, ranking and peer queries read a few row groups of it), indicator_values_by_region (the
same rows sorted by region, for region-centred queries; a view over indicator_values when the
warehouse has no such file), observations, boundaries and one `raw_<source>_<dataset>` view per
raw file, innovation_groups. Small tables loaded into memory once when the warehouse opens:
regions, manifest and indicator_catalog (and innovation_groups for a remote warehouse, where
every read is a round trip). They reflect the files at opening time; the app opens a new
Warehouse whenever indicator_values.parquet changes (ui.data.data_version).

Parquet footers are cached by DuckDB (re-read only when a file changes), so a point query does
not parse the whole footer of a large file each time. After the set-up, file access is limited
to the data and reference folders and the configuration is locked, so no query through this
connection can read other files or change settings. Callers use `cursor()` per query (DuckDB
cursors are cheap and safe to use from one thread each).
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from regiodash.config import Settings
from regiodash.errors import RegiodashError, WarehouseError
from regiodash.storage.catalog_table import catalog_frame
from regiodash.storage.extensions import load_extension
from regiodash.storage.layout import (
    DEFAULT_NUTS_VERSION,
    FINGERPRINT_KEY,
    NUTS_VERSION_KEY,
    WarehousePaths,
    load_user_indicators,
    quote_ident,
)
from regiodash.storage.pins import FD_DIR, PinnedFiles, pin_warehouse
from regiodash.storage.region_read import RegionFile
from regiodash.storage.region_rows import CatalogLookup
from regiodash.storage.schema import (
    GROUPS_SCHEMA,
    INDICATOR_VALUES_SCHEMA,
    MANIFEST_SCHEMA,
    OBSERVATIONS_SCHEMA,
)

DUCKDB_TYPES = {"string": "VARCHAR", "int8": "TINYINT", "int16": "SMALLINT",
                "int64": "BIGINT", "double": "DOUBLE"}
# Same rows as indicator_values.parquet, sorted by geo_code (written by every build).
BY_REGION_FILE = WarehousePaths(Path(".")).indicator_values_by_region.name


def _empty_sql(kind: str, name: str, schema) -> str:
    cols = ", ".join(
        f"NULL::{DUCKDB_TYPES[str(f.type)]} AS {f.name}" for f in schema
    )
    return f"CREATE {kind} {name} AS SELECT {cols} WHERE false"  # noqa: S608


class Warehouse:
    """Read-only access to the warehouse views. Create with `open_warehouse`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.paths = WarehousePaths(settings.data_dir)
        self._lock = threading.Lock()
        # No persistent secrets: the locked-down connection may not read ~/.duckdb.
        self.con = duckdb.connect(":memory:", config={"threads": 2,
                                                      "allow_persistent_secrets": False})
        # Without it every query re-reads and parses the Parquet footers (at the 100x panel
        # most of a map query's time). Cached footers are dropped when a file changes.
        # GLOBAL: a plain SET is session-local and would not reach the per-query cursors.
        self.con.execute("SET GLOBAL parquet_metadata_cache = true")
        # The files this Warehouse reads stay the ones it opened, whatever a rebuild moves in.
        self.pins = PinnedFiles() if settings.is_remote else pin_warehouse(self.paths)
        if settings.is_remote:
            load_extension(self.con, "httpfs")
            self._declare_remote_views()
        else:
            self._declare_views()
        self.nuts_version = self._read_nuts_version()
        """The NUTS version of every region in indicator_values (stamped by the build)."""
        self._lock_down()

    # -- set-up ------------------------------------------------------------------------
    def _create_over(self, kind: str, name: str, location: Path | str) -> None:
        """A VIEW (read at query time) or a TABLE (read once, now) over one Parquet file.

        A value file from a build before `converted_from` existed gets it as a null column.
        """
        extra = ""
        if name.startswith("indicator_values"):
            have = {r[0] for r in self.con.execute(
                "SELECT name FROM parquet_schema(?)", [str(location)]).fetchall()}
            if "converted_from" not in have:
                extra = ", NULL::VARCHAR AS converted_from"
        self.con.execute(
            f"CREATE {kind} {name} AS SELECT *{extra} "  # noqa: S608
            f"FROM read_parquet('{_literal(location)}')"
        )

    def _read_nuts_version(self) -> str:
        location = (f"{self.settings.data_url}/indicator_values.parquet"
                    if self.settings.is_remote
                    else str(self.pins.location(self.paths.indicator_values)))
        if not self.settings.is_remote and not self.paths.indicator_values.exists():
            return DEFAULT_NUTS_VERSION
        try:
            row = self.con.execute(
                "SELECT decode(value) FROM parquet_kv_metadata(?) WHERE decode(key) = ?",
                [location, NUTS_VERSION_KEY]).fetchone()
        except duckdb.Error:
            row = None
        return row[0] if row else DEFAULT_NUTS_VERSION

    def _over_local(self, kind: str, name: str, path: Path, empty_schema=None) -> None:
        if path.exists():
            self._create_over(kind, name, path)
        elif empty_schema is not None:
            self.con.execute(_empty_sql(kind, name, empty_schema))

    def _declare_views(self) -> None:
        self._declare_reference()
        pin = self.pins.location
        self._over_local("VIEW", "observations", pin(self.paths.observations),
                         OBSERVATIONS_SCHEMA)
        self._over_local("VIEW", "indicator_values", pin(self.paths.indicator_values),
                         INDICATOR_VALUES_SCHEMA)
        by_region = pin(self.paths.indicator_values_by_region)
        self._declare_by_region(by_region if by_region.exists() else None,
                                pin(self.paths.indicator_values))
        self._over_local("TABLE", "manifest", self.paths.manifest, MANIFEST_SCHEMA)
        # innovation_groups stays a view locally: loading it would slow down every
        # opening at the 100x panel, for a query the pages cache per level.
        self._over_local("VIEW", "innovation_groups", pin(self.paths.innovation_groups),
                         GROUPS_SCHEMA)
        for source, dataset, path in self.paths.raw_files():
            # quote_ident refuses any file name that is not a plain snake_case identifier.
            self._over_local("VIEW", quote_ident(f"raw_{source}_{dataset}"), path)
        self._declare_catalog(load_user_indicators(self.paths))

    def _declare_reference(self) -> None:
        ref = self.settings.reference_dir
        regions = ref / "nuts_regions.parquet"
        boundaries = ref / "nuts_boundaries.parquet"
        if not regions.exists() or not boundaries.exists():
            raise WarehouseError(
                f"reference data missing in {ref}: expected nuts_regions.parquet and "
                "nuts_boundaries.parquet (run scripts/build_reference.py)"
            )
        # regions is joined by most queries: a table spares the Parquet decoding each time.
        # boundaries (geometry, ~1 MB) stays a view: it is read once per level and cached.
        self._create_over("TABLE", "regions", regions)
        self._create_over("VIEW", "boundaries", boundaries)

    def _declare_by_region(self, location: Path | str | None, values: Path | str) -> None:
        """indicator_values_by_region: the by-region copy when it holds the same values.

        The build stamps both value files with one fingerprint of their content
        (layout.FINGERPRINT_KEY); a copy whose stamp differs (one file replaced without
        the other, e.g. a partial upload) or, for files from builds before the stamp, whose
        row count differs, falls back to indicator_values itself: same answers, slower.
        """
        self.by_region_used = False
        """True when indicator_values_by_region reads the by-region copy (else the fallback)."""
        self.region_file: RegionFile | None = None
        """The by-region copy for point reads of one region (region_read), when it is used
        and local."""
        if location is not None:
            try:
                self._create_over("VIEW", "indicator_values_by_region", location)
                if self._same_values(location, values):
                    self.by_region_used = True
                    if not self.settings.is_remote:
                        self.region_file = RegionFile.open(str(location))
                    return
            except duckdb.Error:
                pass  # unreadable (or absent at the URL): use the fallback
            self.con.execute("DROP VIEW IF EXISTS indicator_values_by_region")
        self.con.execute("CREATE VIEW indicator_values_by_region AS "
                         "SELECT * FROM indicator_values")

    def _same_values(self, by_region: Path | str, values: Path | str) -> bool:
        stamps = [self.con.execute(
            "SELECT decode(value) FROM parquet_kv_metadata(?) WHERE decode(key) = ?",
            [str(location), FINGERPRINT_KEY]).fetchone() for location in (by_region, values)]
        if stamps[1] is not None:
            return stamps[0] == stamps[1]
        counts = self.con.execute(
            "SELECT (SELECT count(*) FROM indicator_values_by_region), "
            "(SELECT count(*) FROM indicator_values)").fetchone()
        return counts is not None and counts[0] == counts[1]

    def _declare_catalog(self, user_definitions: list[dict]) -> None:
        catalog = catalog_frame(user_definitions)
        self.catalog_lookup = CatalogLookup.from_frame(catalog)
        """The catalog's columns by indicator, for joins done outside DuckDB (region_rows)."""
        self.con.register("indicator_catalog_df", catalog)
        self.con.execute("CREATE TABLE indicator_catalog AS SELECT * FROM indicator_catalog_df")
        self.con.unregister("indicator_catalog_df")

    def _declare_remote_views(self) -> None:
        """Views over a warehouse published at a URL (read through httpfs range requests).

        Only the built files are read remotely (indicator values and their by-region copy,
        observations, groups, manifest); a URL cannot be listed, so raw-layer views are
        local-only. Groups and manifest are fetched once, into memory.
        """
        base = self.settings.data_url or ""
        self._declare_reference()
        for kind, name, file, schema, required in (
            ("VIEW", "indicator_values", "indicator_values.parquet", INDICATOR_VALUES_SCHEMA,
             True),
            ("VIEW", "observations", "observations.parquet", OBSERVATIONS_SCHEMA, False),
            ("TABLE", "innovation_groups", "innovation_groups.parquet", GROUPS_SCHEMA, False),
            ("TABLE", "manifest", "manifest.parquet", MANIFEST_SCHEMA, False),
        ):
            url = f"{base}/{file}"
            try:
                self._create_over(kind, name, url)
            except duckdb.Error as exc:
                if required:
                    raise WarehouseError(f"cannot read the remote warehouse at {url}: "
                                         f"{str(exc).splitlines()[0]}") from exc
                self.con.execute(_empty_sql(kind, name, schema))
        self._declare_by_region(f"{base}/{BY_REGION_FILE}", f"{base}/indicator_values.parquet")
        self._declare_catalog(fetch_remote_json(f"{base}/user_indicators.json"))

    def _lock_down(self) -> None:
        dirs = [str(self.settings.data_dir) + "/", str(self.settings.reference_dir) + "/"]
        if self.settings.data_url:
            dirs.append(self.settings.data_url + "/")
        if self.pins.fds:  # DuckDB checks a replaced pinned file by its /proc/self/fd path
            dirs.append(f"{FD_DIR}/")
        self.con.execute("SET allowed_directories = ?", [dirs])
        self.con.execute("SET enable_external_access = false")
        self.con.execute("SET lock_configuration = true")

    # -- queries -----------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            return self.con.cursor()

    def query_df(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        cur = self.cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()

    def query_rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        cur = self.cursor()
        try:
            return cur.execute(sql, params or []).fetchall()
        finally:
            cur.close()

    def run_readonly_sql(self, text: str) -> duckdb.DuckDBPyRelation | pd.DataFrame:
        """Run one user-supplied SELECT statement (the `regiodash sql` command).

        Anything but a single SELECT (or a WITH ... SELECT) is refused before execution.
        """
        try:
            statements = self.con.extract_statements(text)
        except duckdb.Error as exc:
            raise RegiodashError(f"could not parse the query: {exc}") from exc
        if len(statements) != 1:
            raise RegiodashError("give exactly one SELECT statement")
        if statements[0].type != duckdb.StatementType.SELECT:
            raise RegiodashError(
                f"only SELECT queries are allowed (got {statements[0].type.name}); "
                "the warehouse is read-only here"
            )
        cur = self.cursor()
        try:
            return cur.execute(text).df()
        except duckdb.Error as exc:
            raise RegiodashError(f"query failed: {exc}") from exc
        finally:
            cur.close()

    def view_names(self) -> list[str]:
        return [r[0] for r in self.query_rows(
            "SELECT table_name FROM information_schema.tables ORDER BY table_name")]

    def close(self) -> None:
        self.con.close()
        self.pins.close()


def fetch_remote_json(url: str, timeout: float = 5.0) -> list[dict]:
    """A small JSON list from the remote warehouse ([] when absent or unreadable)."""
    if not url.startswith(("http://", "https://")):
        return []
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            data = json.loads(response.read(1 << 20).decode("utf-8"))
    except (OSError, ValueError, urllib.error.URLError):
        return []
    return data if isinstance(data, list) else []


def _literal(path: Path | str) -> str:
    """A file path as a SQL string literal body. Paths come from our own layout, never users."""
    text = str(path)
    if "'" in text:
        raise WarehouseError(f"refusing a warehouse path containing a quote: {text}")
    return text


def open_warehouse(settings: Settings) -> Warehouse:
    return Warehouse(settings)


__all__ = ["Warehouse", "open_warehouse", "quote_ident"]
