"""Build the bundled real default in data/bundled/ from the published Eurostat file(s).

Run from the repository root, with ../shared beside the repository:

    .venv/bin/python scripts/build_default.py [--shared DIR] [--out DIR]

For every file of regiodash.ingest.bundled.BUNDLED_FILES: check the published file against its
pinned SHA-256, read it with the project's own reader (regiodash.ingest.readers.read_file, the
reader `regiodash import` uses), keep the rows some catalog indicator selects
(bundled.catalog_rows: for nama_10r_3gdp, freq A and unit EUR_HAB or PPS_HAB_EU27_2020, every
region and year, missing cells included) and write <dataset>.parquet (zstd, the raw-table
layout without nuts_version) plus README.md describing source, hash, licence, date and what
was kept. Files are written atomically; the same input gives the same Parquet bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from datetime import UTC, datetime
from pathlib import Path

from regiodash.config import REPO_ROOT
from regiodash.errors import InputFileError
from regiodash.ingest.bundled import BUNDLED_DIR, BUNDLED_FILES, bundled_table, catalog_rows
from regiodash.ingest.readers import read_file
from regiodash.storage.files import atomic_path, write_parquet_atomic

SHARED = REPO_ROOT.parent / "shared" / "data" / "real"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_file(bundled, shared: Path, out: Path) -> dict:
    """Write one bundled Parquet file; return the facts the README lists."""
    source = shared / bundled.original
    if not source.is_file():
        raise InputFileError(source, "published file not found (see PROVENANCE.md in "
                             "../shared/data/real; pass --shared DIR)")
    digest = _sha256(source)
    if digest != bundled.original_sha256:
        raise InputFileError(source, f"sha256 {digest} differs from the pinned "
                             f"{bundled.original_sha256}: not the published file the "
                             "bundle documents")
    table = read_file(source)
    if table.dataset != bundled.dataset:
        raise InputFileError(source, f"dataset {table.dataset!r}, expected {bundled.dataset!r}")
    kept = catalog_rows(table)
    arrow = bundled_table(table, kept, digest, source.name)
    target = out / bundled.file_name
    write_parquet_atomic(arrow, target, row_group_size=max(len(kept), 1))
    units = sorted(kept["unit"].unique()) if "unit" in kept else []
    geo_len = kept["geo"].str.len()
    return {
        "bundled": bundled, "source": source, "sha256": digest, "rows_in": len(table.frame),
        "rows": len(kept), "values": int(kept["value"].notna().sum()),
        "units": units, "years": (kept["time_period"].min(), kept["time_period"].max()),
        "geo": kept["geo"].nunique(), "nuts3": int(kept.loc[geo_len == 5, "geo"].nunique()),
        "bytes": target.stat().st_size,
    }


def readme_text(facts: list[dict], today: str) -> str:
    lines = [
        "# Bundled real default", "",
        "Real published data shipped with regiodash, so that a new warehouse (`make run`, "
        "`regiodash demo`) opens on real values offline. Written by `scripts/build_default.py`; "
        "do not edit by hand. `regiodash demo` imports these files into the raw layer "
        "(source `eurostat`, with a manifest record naming the bundled file and the original); "
        "real values take precedence over the synthetic demo values for the same key, and the "
        "demo panel leaves out the indicators these files hold.", "",
        "Rebuild (from the repository root, with ../shared beside it):", "",
        "    .venv/bin/python scripts/build_default.py", "",
        f"Built on {today} (UTC).", "",
    ]
    for f in facts:
        b = f["bundled"]
        lines += [
            f"## {b.file_name}", "",
            f"- Source: Eurostat, dataset `{b.dataset}`, published file `{f['source'].name}` "
            f"(../shared/data/real/{b.original}; provenance in ../shared/data/real/"
            "PROVENANCE.md).",
            f"- SHA-256 of the published file: `{f['sha256']}`.",
            "- Licence: Eurostat, CC BY 4.0 (Source: Eurostat, (c) European Union).",
            f"- Read with `regiodash.ingest.readers.read_file` ({f['rows_in']:,} rows of "
            "series x year).",
            f"- Kept: the rows some catalog indicator selects (indicators "
            f"{', '.join(b.indicator_ids)}): units {', '.join(f['units'])}, every region "
            f"({f['geo']:,} codes, {f['nuts3']:,} at NUTS 3) and year ({f['years'][0]}-"
            f"{f['years'][1]}): {f['rows']:,} rows, {f['values']:,} with a value (missing "
            "cells stay null, with their flag if any).",
            "- Layout: the raw-table layout of `regiodash import` (dimension columns as "
            "published, time_period, value, flag), without nuts_version (detected on import); "
            "Parquet, zstd; the file's metadata repeats the source file, hash and licence.",
            f"- Size: {f['bytes']:,} bytes.", "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED,
                        help="folder holding the real publisher files (../shared/data/real)")
    parser.add_argument("--out", type=Path, default=BUNDLED_DIR)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        facts = [build_file(b, args.shared, args.out) for b in BUNDLED_FILES]
    except InputFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with atomic_path(args.out / "README.md") as tmp:
        tmp.write_text(readme_text(facts, datetime.now(UTC).date().isoformat()),
                       encoding="utf-8")
    for f in facts:
        print(f"{f['bundled'].file_name}: {f['rows']:,} rows, {f['bytes']:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
