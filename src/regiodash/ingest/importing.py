"""`regiodash import`: parsed files into the warehouse's raw layer, recorded in the manifest.

`import_files` parses every file before writing anything, so a bad file leaves the warehouse
exactly as it was. Each parsed table is upserted into raw/<source>/<dataset>.parquet (as
published: one column per dimension, time_period, value, flag, plus the detected
nuts_version); `regiodash build` turns the raw layer into indicator values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from indicators.catalog import WORLDBANK_LICENCE
from indicators.spec import EUROSTAT_LICENCE
from regiodash.config import Settings
from regiodash.errors import InputFileError
from regiodash.ingest.catalog_coverage import review_tables
from regiodash.ingest.model import RawTable
from regiodash.ingest.readers import read_file
from regiodash.ingest.text import decode_text, read_bytes, split_lines
from regiodash.nuts import detect_nuts_version, load_known_codes, nuts_level_of, row_versions
from regiodash.storage.files import sha256_file, write_with
from regiodash.storage.layout import (
    USER_LICENCE,
    WarehousePaths,
    append_manifest,
    new_manifest_record,
    quote_ident,
    read_manifest,
    require_local,
)

SOURCE_BY_FORMAT = {"eurostat-tsv": "eurostat", "sdmx-csv": "eurostat", "jsonstat": "eurostat",
                    "tidy": "user", "wdi": "worldbank"}
LICENCE_BY_SOURCE = {"eurostat": EUROSTAT_LICENCE, "worldbank": WORLDBANK_LICENCE}

Progress = Callable[[str], None]


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


def first_lines(path: str | Path, codes: Iterable[str]) -> dict[str, int | None]:
    """The first line of the file on which each code appears as a whole cell or key part
    (delimited by tab, comma, semicolon, quote, colon or the line's ends); None if not found
    (a spreadsheet, or a file no longer on disk)."""
    wanted = set(codes)
    found: dict[str, int | None] = dict.fromkeys(wanted)
    try:
        lines = split_lines(decode_text(read_bytes(path), path))
    except (InputFileError, OSError):
        return found
    pattern = re.compile(r'[^\t,;":\s]+')
    for number, line in enumerate(lines, start=1):
        for token in set(pattern.findall(line)) & wanted:
            if found[token] is None:
                found[token] = number
        if all(v is not None for v in found.values()):
            break
    return found


def _stamp_versions(table: RawTable, frame: pd.DataFrame, version: str | None,
                    known: dict[str, set[str]]) -> list[str]:
    """Set frame["nuts_version"] per row (nuts.row_versions); notes for codes known in no
    NUTS version (named with the line they first appear on) and for codes of another
    version than the table's."""
    per_code = row_versions(frame["geo"].astype(str).unique(), known, version)
    frame["nuts_version"] = frame["geo"].astype(str).map(per_code)
    notes = []
    # Countries and aggregates of a table without regions have no version to stamp; only
    # regional codes can be unknown.
    unknown = sorted(code for code, v in per_code.items()
                     if v is None and (nuts_level_of(code) or 0) >= 1)
    if unknown:
        lines = first_lines(table.source_path, unknown[:20])
        named = ", ".join(f"{c} (line {lines[c]})" if lines.get(c) else c for c in unknown[:20])
        more = f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""
        notes.append(f"{len(unknown)} geo codes known in no NUTS version (2013, 2016, 2021, "
                     f"2024), kept in the raw layer without a version and left off the map: "
                     f"{named}{more}")
    other = sorted(c for c, v in per_code.items() if v is not None and v != version)
    if other:
        versions = sorted({per_code[c] for c in other})
        notes.append(f"{len(other)} geo codes belong to NUTS {', '.join(versions)}, not "
                     f"{version}: {', '.join(other[:10])}{' ...' if len(other) > 10 else ''}")
    return notes


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
    review_tables(tables)  # unmapped labels, empty catalog indicators: raise before any write
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
        version, _details = _version_column(table, known)
        frame = table.frame.copy()
        for col in frame.columns:
            quote_ident(col)
        notes = _stamp_versions(table, frame, version, known)
        if progress:
            progress(f"writing {target.relative_to(paths.root)} ({len(frame):,} rows)")
        total = _merge_raw(frame, table.key_columns, target)
        notes.extend(table.notes)  # from the parser and catalog_coverage.review_tables
        result = ImportResult(location, table.dataset, source, table.format, len(frame),
                              "imported", version, target, notes)
        results.append(result)
        seen.add((table.dataset, digest))
        records.append(new_manifest_record(
            dataset=table.dataset, source=source, format=table.format, location=location,
            sha256=digest, rows=len(frame), nuts_version=version,
            licence=LICENCE_BY_SOURCE.get(source, USER_LICENCE),
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
