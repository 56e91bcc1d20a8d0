"""The Parquet warehouse: raw layer, observations, indicator values and the import manifest.

Layout under the data dir (all Parquet, all written atomically):

    raw/<source>/<dataset>.parquet   as published: one column per dimension, time_period,
                                     value, flag, plus the detected nuts_version
    raw/demo/demo_panel.parquet      the synthetic demo panel, already in observations shape
    observations.parquet             tidy rows selected per the indicator catalog
    indicator_values.parquet         what pages read (real values win over demo values)
    manifest.parquet                 one row per import (location, sha256, time, rows, licence)
    user_indicators.json             indicators defined by the user's own tidy files

`import_files` parses every file before writing anything, so a bad file leaves the warehouse
exactly as it was. `build_warehouse` recomputes observations and indicator values from the raw
layer; it is deterministic, so running it twice gives the same files.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from indicators.catalog import CATALOG, CATALOG_BY_ID
from indicators.spec import EUROSTAT_LICENCE, CatalogIndicator
from regiodash.config import Settings
from regiodash.errors import InputFileError, WarehouseError
from regiodash.ingest.model import RawTable
from regiodash.nuts import detect_nuts_version, is_extra_regio, load_known_codes, nuts_level_of
from regiodash.storage.files import sha256_file, write_json_atomic, write_parquet_atomic, write_with
from regiodash.storage.schema import (
    GROUPS_SCHEMA,
    INDICATOR_VALUE_COLUMNS,
    INDICATOR_VALUES_SCHEMA,
    MANIFEST_SCHEMA,
    OBSERVATIONS_SCHEMA,
)

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
SOURCE_BY_FORMAT = {"eurostat-tsv": "eurostat", "sdmx-csv": "eurostat", "jsonstat": "eurostat",
                    "tidy": "user"}
# Lower rank wins when two sources give the same indicator, region, year and sex.
SOURCE_PRECEDENCE = {"user": 0, "eurostat": 1, "demo": 9}
USER_LICENCE = "as provided by the user (see the file's own terms)"
RAW_OBS_DDL = """
CREATE TEMP TABLE raw_obs (
    indicator_id VARCHAR, dataset VARCHAR, geo_code VARCHAR, nuts_version VARCHAR,
    year SMALLINT, sex VARCHAR, value DOUBLE, flag VARCHAR, unit VARCHAR, source VARCHAR
)
"""

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


def new_manifest_record(**fields: object) -> dict:
    record: dict[str, object] = {name: None for name in MANIFEST_SCHEMA.names}
    record["import_id"] = uuid.uuid4().hex[:12]
    record["imported_at"] = datetime.now(UTC).isoformat(timespec="seconds")
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


def _geo_levels(con: duckdb.DuckDBPyConnection) -> None:
    """Table geo_levels(geo_code, nuts_level) for every geo code seen in raw_obs.

    Extra-regio codes (..Z, ..ZZ, ..ZZZ) and codes of unknown shape get no row, so they drop
    out of observations (they stay in the raw layer).
    """
    codes = [r[0] for r in con.execute("SELECT DISTINCT geo_code FROM raw_obs").fetchall()]
    rows = [
        (code, level)
        for code in codes
        if code is not None and not is_extra_regio(code)
        and (level := nuts_level_of(code)) is not None
    ]
    frame = pd.DataFrame(rows, columns=["geo_code", "nuts_level"]).astype(
        {"geo_code": "string", "nuts_level": "int8"}
    )
    con.register("geo_levels_df", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE geo_levels AS SELECT * FROM geo_levels_df")


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


def build_warehouse(
    settings: Settings,
    progress: Progress | None = None,
) -> BuildSummary:
    """Recompute observations.parquet and indicator_values.parquet from the raw layer.

    Grain of both outputs: one row per indicator, region, year and sex. Rows from the user's
    files win over Eurostat's, which win over the demo panel, for the same key. Missing values
    stay null; nothing is imputed.
    """
    require_local(settings, "building")
    paths = WarehousePaths(settings.data_dir)
    summary = BuildSummary()
    con = duckdb.connect()
    try:
        con.execute(RAW_OBS_DDL)
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
                ind = CATALOG_BY_ID[dataset]
                targets = [(None, ind.indicator_id, ind.unit)]
            else:
                targets = [(i, i.indicator_id, i.unit) for i in CATALOG if i.dataset == dataset]
            for ind, indicator_id, unit in targets:
                selected = _select_indicator(ind, indicator_id, unit, source, dataset, path,
                                             columns)
                if isinstance(selected, str):
                    summary.skipped.append(selected)
                    continue
                sql, params = selected
                con.execute(f"CREATE OR REPLACE TEMP TABLE slice AS {sql}", params)  # noqa: S608
                dup = con.execute(
                    "SELECT geo_code, year, sex, count(*) AS n FROM slice "
                    "GROUP BY ALL HAVING n > 1 LIMIT 1").fetchone()
                if dup:
                    # The filters leave a dimension free: refuse rather than pick a row.
                    summary.skipped.append(
                        f"{indicator_id}: filters on {dataset} leave {dup[3]} rows for "
                        f"{dup[0]} {dup[1]} {dup[2]} (a dimension is not fixed)")
                    continue
                con.execute("INSERT INTO raw_obs BY NAME SELECT * FROM slice")
        if paths.demo_panel.exists():
            con.execute(
                "INSERT INTO raw_obs BY NAME SELECT * EXCLUDE (nuts_level) FROM read_parquet(?)",
                [str(paths.demo_panel)],
            )
        _geo_levels(con)
        con.execute(
            "CREATE TEMP TABLE obs AS SELECT o.indicator_id, o.dataset, o.geo_code, "
            "g.nuts_level, o.nuts_version, o.year, o.sex, o.value, o.flag, o.unit, o.source "
            "FROM raw_obs o JOIN geo_levels g USING (geo_code) "
            "ORDER BY indicator_id, nuts_level, year, geo_code, sex, source"
        )
        obs = con.execute("SELECT * FROM obs").to_arrow_table().cast(OBSERVATIONS_SCHEMA)
        summary.observations = obs.num_rows
        if progress:
            progress(f"observations: {obs.num_rows:,} rows")
        ranks = " ".join(f"WHEN '{s}' THEN {r}" for s, r in SOURCE_PRECEDENCE.items())
        con.execute(
            # `ranks` is built from the constant SOURCE_PRECEDENCE, never from data.
            "CREATE TEMP TABLE iv AS SELECT indicator_id, geo_code, nuts_level, nuts_version, "  # noqa: S608
            "year, sex, value, flag, source FROM obs "
            f"QUALIFY row_number() OVER (PARTITION BY indicator_id, geo_code, year, sex "
            f"ORDER BY CASE source {ranks} ELSE 5 END, nuts_version DESC) = 1"
        )
        values = con.execute("SELECT * FROM iv").to_arrow_table()
        from regiodash.storage.derive import derive_indicators

        if progress:
            progress("deriving the innovation, gender and sustainability indices")
        derived, groups = derive_indicators(
            values.to_pandas(types_mapper=None).astype({"year": "int64", "nuts_level": "int64"}))
        summary.derived_values = len(derived)
        if len(derived):
            derived_table = pa.Table.from_pandas(
                derived.astype({"year": "int16", "nuts_level": "int8"}), preserve_index=False
            ).select(INDICATOR_VALUE_COLUMNS).cast(INDICATOR_VALUES_SCHEMA)
            values = pa.concat_tables([values.cast(INDICATOR_VALUES_SCHEMA), derived_table])
        groups_table = pa.Table.from_pandas(groups.astype(
            {"nuts_level": "int8", "year": "int16"}), preserve_index=False).cast(GROUPS_SCHEMA)
        con.register("all_values", values)
        values = con.execute(
            f"SELECT {', '.join(INDICATOR_VALUE_COLUMNS)} FROM all_values "  # noqa: S608
            "ORDER BY indicator_id, nuts_level, year, geo_code, sex"
        ).to_arrow_table().cast(INDICATOR_VALUES_SCHEMA)
        summary.indicator_values = values.num_rows
        summary.indicators = len(set(values.column("indicator_id").to_pylist()))
        summary.demo_values = con.execute(
            "SELECT count(*) FROM all_values WHERE source = 'demo'").fetchone()[0]
        write_json_atomic(user_defs, paths.user_indicators)
        write_parquet_atomic(obs, paths.observations)
        write_parquet_atomic(values, paths.indicator_values, row_group_size=32_000)
        write_parquet_atomic(groups_table, paths.innovation_groups)
        if progress:
            progress(f"indicator_values: {values.num_rows:,} rows, "
                     f"{summary.indicators} indicators")
    finally:
        con.close()
    return summary
