"""The real data shipped with the project (data/bundled/) and its import into a warehouse.

The bundled default is a compact copy of published Eurostat files, cut down to the rows the
indicator catalog reads from them (`catalog_rows`), so that a new warehouse opens on real
values offline. `scripts/build_default.py` writes it from the published file; `regiodash demo`
imports it (`import_bundled_default`) next to the synthetic demo panel.

Layout of each bundled Parquet file: the raw-table layout `regiodash import` writes to
raw/<source>/<dataset>.parquet (one column per dimension as published, time_period, value,
flag), without the nuts_version column: the import detects the version like for any other
file. Missing cells stay in the file as null values (with their flag when the publisher gave
one); nothing is imputed or corrected. The file's Parquet metadata names the published file,
its SHA-256 and its licence; the import's manifest record repeats them in its location.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from indicators.catalog import CATALOG
from indicators.spec import EUROSTAT_LICENCE
from regiodash.config import REPO_ROOT, Settings
from regiodash.errors import InputFileError
from regiodash.ingest.importing import ImportResult, import_tables
from regiodash.ingest.model import VALUE_COLUMNS, RawTable
from regiodash.storage.files import sha256_file

BUNDLED_DIR = REPO_ROOT / "data" / "bundled"
META_PREFIX = "regiodash_bundled_"
META_KEYS = ("dataset", "format", "dimensions", "source_file", "source_sha256", "licence")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BundledFile:
    """One published file shipped (cut down) under data/bundled/."""

    dataset: str
    original: str
    """The published file's name under ../shared/data/real (see PROVENANCE.md there)."""
    original_sha256: str
    """SHA-256 of the published file; the build script refuses any other bytes."""

    @property
    def file_name(self) -> str:
        return f"{self.dataset}.parquet"

    @property
    def indicator_ids(self) -> tuple[str, ...]:
        """The catalog indicators read from this dataset (all real in the default warehouse)."""
        return tuple(e.indicator_id for e in CATALOG if e.dataset == self.dataset)


BUNDLED_FILES: tuple[BundledFile, ...] = (
    BundledFile(
        dataset="nama_10r_3gdp",
        original="eurostat/bulk_tsv/estat_nama_10r_3gdp.tsv",
        original_sha256="62bcbbd19578b4a749020e510efb4f87d6d2ab5e957f28f91a6c17fbab264eb1",
    ),
)


def bundled_indicator_ids() -> frozenset[str]:
    """Catalog ids whose values the bundled default holds for real."""
    return frozenset(i for b in BUNDLED_FILES for i in b.indicator_ids)


def catalog_rows(table: RawTable) -> pd.DataFrame:
    """The rows of a parsed table that some catalog indicator on its dataset selects.

    A row is kept when it matches every filter of at least one catalog entry whose dataset is
    `table.dataset` (the filters fix every non-geo, non-sex dimension); dimensions a filter
    does not name (geo, sex) and every year are kept. Order as in the parsed table.
    """
    entries = [e for e in CATALOG if e.dataset == table.dataset]
    if not entries:
        raise InputFileError(table.source_path,
                             f"no catalog indicator reads dataset {table.dataset!r}")
    frame = table.frame
    keep = pd.Series(False, index=frame.index)
    for entry in entries:
        match = pd.Series(True, index=frame.index)
        for dim, code in entry.filters:
            if dim not in frame.columns:
                raise InputFileError(table.source_path, f"dimension {dim!r} not in the file "
                                     f"(catalog entry {entry.indicator_id})", column=dim)
            match &= frame[dim] == code
        keep |= match
    return frame.loc[keep.to_numpy(dtype=bool)].reset_index(drop=True)


def bundled_table(table: RawTable, kept: pd.DataFrame, source_sha256: str,
                  source_file: str) -> pa.Table:
    """Arrow table of `kept` rows in the bundled layout, with the provenance metadata."""
    columns = [*table.dimensions, *VALUE_COLUMNS]
    frame = kept[columns].astype({c: "object" for c in [*table.dimensions, "time_period"]})
    fields = [pa.field(c, pa.string()) for c in [*table.dimensions, "time_period"]]
    fields += [pa.field("value", pa.float64()), pa.field("flag", pa.string())]
    meta = {
        "dataset": table.dataset, "format": table.format,
        "dimensions": ",".join(table.dimensions), "source_file": source_file,
        "source_sha256": source_sha256, "licence": EUROSTAT_LICENCE,
    }
    schema = pa.schema(fields, metadata={f"{META_PREFIX}{k}": v for k, v in meta.items()})
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)


def read_bundled(path: Path) -> tuple[RawTable, dict[str, str]]:
    """(RawTable, provenance metadata) of one bundled file; InputFileError naming the file
    when it is not a bundled table (metadata or columns missing)."""
    try:
        parquet = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputFileError(path, f"not a readable Parquet file ({exc})") from None
    raw_meta = parquet.schema.metadata or {}
    meta = {k: raw_meta.get(f"{META_PREFIX}{k}".encode(), b"").decode() for k in META_KEYS}
    missing = [k for k, v in meta.items() if not v]
    if missing:
        raise InputFileError(path, "not a bundled table: metadata missing "
                             f"({', '.join(META_PREFIX + k for k in missing)}); rebuild it "
                             "with scripts/build_default.py")
    dimensions = meta["dimensions"].split(",")
    absent = [c for c in [*dimensions, *VALUE_COLUMNS] if c not in parquet.column_names]
    if absent:
        raise InputFileError(path, f"column(s) {', '.join(absent)} missing", column=absent[0])
    frame = parquet.to_pandas()
    frame = frame.astype({c: "str" for c in [*dimensions, "time_period"]})
    frame["flag"] = frame["flag"].astype(object).where(frame["flag"].notna(), None)
    table = RawTable(dataset=meta["dataset"], format=meta["format"], frame=frame,
                     source_path=path, dimensions=dimensions)
    return table, meta


def import_bundled_default(
    settings: Settings,
    bundled_dir: Path = BUNDLED_DIR,
    files: Sequence[BundledFile] = BUNDLED_FILES,
    progress: Progress | None = None,
) -> list[ImportResult]:
    """Import every bundled file into the raw layer (source eurostat), with a manifest record.

    Parses every file before writing anything (a missing or damaged file raises
    InputFileError and leaves the warehouse unchanged). The manifest's location names the
    bundled file and the published file it was cut from; re-importing unchanged files is a
    no-op, like any import.
    """
    parsed = []
    for bundled in files:
        path = bundled_dir / bundled.file_name
        if not path.is_file():
            raise InputFileError(path, "bundled default missing: rebuild it with "
                                 "scripts/build_default.py")
        table, meta = read_bundled(path)
        location = (f"{path} (bundled default, cut from Eurostat {meta['source_file']}, "
                    f"sha256 {meta['source_sha256']}; {meta['licence']})")
        parsed.append((table, location, sha256_file(path)))
    return import_tables(parsed, settings, progress)
