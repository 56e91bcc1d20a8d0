"""The warehouse layout: the import manifest."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from regiodash.storage.layout import (
    WarehousePaths,
    append_manifest,
    new_manifest_record,
    read_manifest,
)
from regiodash.storage.schema import MANIFEST_SCHEMA


def test_manifest_records_who_imported_and_keeps_older_rows_without_the_column(settings):
    """Rows of a manifest written before `imported_by` existed read back with it null."""
    paths = WarehousePaths(settings.data_dir)
    old_schema = pa.schema([f for f in MANIFEST_SCHEMA if f.name != "imported_by"])
    old_row = {name: None for name in old_schema.names} | {"import_id": "old", "rows": 3}
    paths.root.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist([old_row], schema=old_schema), paths.manifest)
    append_manifest(paths, [new_manifest_record(dataset="d", source="user", rows=1),
                            new_manifest_record(dataset="e", source="user", rows=2,
                                                imported_by="Dana")])
    rows = read_manifest(paths)
    assert [r["import_id"] for r in rows][0] == "old"
    assert rows[0]["imported_by"] is None and rows[0]["rows"] == 3
    assert rows[1]["imported_by"]  # the login name (or 'unknown'), never empty
    assert rows[2]["imported_by"] == "Dana"
    assert pq.read_schema(paths.manifest).names == MANIFEST_SCHEMA.names
