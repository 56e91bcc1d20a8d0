"""One read-only DuckDB connection over the warehouse's Parquet files.

Views: regions, boundaries (reference data), indicator_catalog, observations,
indicator_values, manifest and one `raw_<source>_<dataset>` view per raw file. After the views
are declared, file access is limited to the data and reference folders and the configuration is
locked, so no query through this connection can read other files or change settings. Callers
use `cursor()` per query (DuckDB cursors are cheap and safe to use from one thread each).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from regiodash.config import Settings
from regiodash.errors import RegiodashError, WarehouseError
from regiodash.storage.catalog_table import catalog_frame
from regiodash.storage.extensions import load_extension
from regiodash.storage.schema import (
    GROUPS_SCHEMA,
    INDICATOR_VALUES_SCHEMA,
    MANIFEST_SCHEMA,
    OBSERVATIONS_SCHEMA,
)
from regiodash.storage.warehouse import WarehousePaths, load_user_indicators, quote_ident

DUCKDB_TYPES = {"string": "VARCHAR", "int8": "TINYINT", "int16": "SMALLINT",
                "int64": "BIGINT", "double": "DOUBLE"}


def _empty_view_sql(name: str, schema) -> str:
    cols = ", ".join(
        f"NULL::{DUCKDB_TYPES[str(f.type)]} AS {f.name}" for f in schema
    )
    return f"CREATE VIEW {name} AS SELECT {cols} WHERE false"  # noqa: S608


class Warehouse:
    """Read-only access to the warehouse views. Create with `open_warehouse`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.paths = WarehousePaths(settings.data_dir)
        self._lock = threading.Lock()
        # No persistent secrets: the locked-down connection may not read ~/.duckdb.
        self.con = duckdb.connect(":memory:", config={"threads": 2,
                                                      "allow_persistent_secrets": False})
        if settings.is_remote:
            load_extension(self.con, "httpfs")
            self._declare_remote_views()
        else:
            self._declare_views()
        self._lock_down()

    # -- set-up ------------------------------------------------------------------------
    def _view_over(self, name: str, path: Path, empty_schema=None) -> None:
        if path.exists():
            self.con.execute(
                f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{_literal(path)}')"  # noqa: S608
            )
        elif empty_schema is not None:
            self.con.execute(_empty_view_sql(name, empty_schema))

    def _declare_views(self) -> None:
        self._declare_reference_views()
        self._view_over("observations", self.paths.observations, OBSERVATIONS_SCHEMA)
        self._view_over("indicator_values", self.paths.indicator_values, INDICATOR_VALUES_SCHEMA)
        self._view_over("manifest", self.paths.manifest, MANIFEST_SCHEMA)
        self._view_over("innovation_groups", self.paths.innovation_groups, GROUPS_SCHEMA)
        for source, dataset, path in self.paths.raw_files():
            # quote_ident refuses any file name that is not a plain snake_case identifier.
            self._view_over(quote_ident(f"raw_{source}_{dataset}"), path)
        catalog = catalog_frame(load_user_indicators(self.paths))
        self.con.register("indicator_catalog_df", catalog)
        self.con.execute("CREATE TABLE indicator_catalog AS SELECT * FROM indicator_catalog_df")
        self.con.unregister("indicator_catalog_df")

    def _declare_reference_views(self) -> None:
        ref = self.settings.reference_dir
        regions = ref / "nuts_regions.parquet"
        boundaries = ref / "nuts_boundaries.parquet"
        if not regions.exists() or not boundaries.exists():
            raise WarehouseError(
                f"reference data missing in {ref}: expected nuts_regions.parquet and "
                "nuts_boundaries.parquet (run scripts/build_reference.py)"
            )
        self._view_over("regions", regions)
        self._view_over("boundaries", boundaries)

    def _declare_remote_views(self) -> None:
        """Views over a warehouse published at a URL (read through httpfs range requests).

        Only the built files are read remotely (indicator values, observations, groups,
        manifest); a URL cannot be listed, so raw-layer views are local-only.
        """
        base = self.settings.data_url or ""
        self._declare_reference_views()
        for name, file, schema, required in (
            ("indicator_values", "indicator_values.parquet", INDICATOR_VALUES_SCHEMA, True),
            ("observations", "observations.parquet", OBSERVATIONS_SCHEMA, False),
            ("innovation_groups", "innovation_groups.parquet", GROUPS_SCHEMA, False),
            ("manifest", "manifest.parquet", MANIFEST_SCHEMA, False),
        ):
            url = f"{base}/{file}"
            try:
                self.con.execute(
                    f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{_literal(url)}')"  # noqa: S608
                )
            except duckdb.Error as exc:
                if required:
                    raise WarehouseError(f"cannot read the remote warehouse at {url}: "
                                         f"{str(exc).splitlines()[0]}") from exc
                self.con.execute(_empty_view_sql(name, schema))
        catalog = catalog_frame(fetch_remote_json(f"{base}/user_indicators.json"))
        self.con.register("indicator_catalog_df", catalog)
        self.con.execute("CREATE TABLE indicator_catalog AS SELECT * FROM indicator_catalog_df")
        self.con.unregister("indicator_catalog_df")

    def _lock_down(self) -> None:
        dirs = [str(self.settings.data_dir) + "/", str(self.settings.reference_dir) + "/"]
        if self.settings.data_url:
            dirs.append(self.settings.data_url + "/")
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


def fetch_remote_json(url: str, timeout: float = 5.0) -> list[dict]:
    """A small JSON list from the remote warehouse ([] when absent or unreadable)."""
    import json
    import urllib.error
    import urllib.request

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
