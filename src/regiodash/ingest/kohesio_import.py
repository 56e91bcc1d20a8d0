"""`regiodash import --format kohesio`: a Kohesio beneficiary export into the warehouse.

Parses the whole file and matches every region name first (`kohesio`, `region_names`); any
error leaves the warehouse as it was. Then writes raw/kohesio/beneficiaries.parquet
atomically and records the import in the manifest (source Kohesio, licence CC BY 4.0, file
hash, time, rows, notes). `regiodash build` turns the table into the funding indicators
(storage.funding_step, indicators.funding).

Grain of raw/kohesio/beneficiaries.parquet: one row per beneficiary and region as exported
(exact repeats dropped only when asked, and listed). Columns: line, country, country_code,
region, beneficiary_name, transliterated_name, name_latin, name_search, total_budget_eur,
eu_contribution_eur (NaN = not given), projects, geo_code / nuts_level / nuts_version (null
when the region is unmatched or ambiguous: such rows are kept, count towards the country and
are listed in the summary), match_status, region_rows, region_partial, multi_region,
is_cluster, import_id.

Precedence: a newer import replaces the rows of the countries it contains; rows of other
countries stay. Re-importing a file with the same sha256 changes nothing.

Truncation (`region_partial`): Kohesio's exporter pages its results; this export holds at most
PAGE_CAP (200) rows per region, and 116 of its 149 regions have exactly 200 (which makes the
per-country counts round: 20 Hungarian regions x 200 = 4,000, Poland 3,400, Czechia 2,800,
Romania and Slovakia 1,600). A region with PAGE_CAP rows or more is taken to be cut off by
the exporter, so its totals are lower bounds; a region with fewer rows is taken as complete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from regiodash.config import Settings
from regiodash.errors import InputFileError
from regiodash.ingest.kohesio import (
    KohesioExport,
    add_name_columns,
    mark_multi_region,
    parse_kohesio_export,
)
from regiodash.ingest.region_names import (
    OVERRIDES_PATH,
    RegionMatch,
    build_name_index,
    load_overrides,
    load_reference_names,
    match_region_names,
)
from regiodash.ingest.text import decode_text, read_bytes
from regiodash.storage.files import sha256_file, write_parquet_atomic
from regiodash.storage.layout import (
    WarehousePaths,
    append_manifest,
    new_manifest_record,
    read_manifest,
    require_local,
)

SOURCE = "kohesio"
DATASET = "beneficiaries"
FORMAT = "kohesio"
PAGE_CAP = 200
KOHESIO_LICENCE = ("CC BY 4.0 (European Commission, Kohesio / Cohesion Open Data, "
                   "(c) European Union)")
Progress = Callable[[str], None]


@dataclass
class KohesioImportResult:
    path: str
    rows: int
    status: str  # "imported" | "unchanged"
    raw_path: Path
    countries: dict[str, int] = field(default_factory=dict)
    matches: list[RegionMatch] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    """One line per unmatched or ambiguous region name, with its first line in the file."""
    partial_regions: list[str] = field(default_factory=list)
    dropped_duplicates: list[tuple[int, int]] = field(default_factory=list)
    clusters: int = 0

    def lines(self) -> list[str]:
        """The import summary, one line per fact; every unresolved name on its own line."""
        if self.status == "unchanged":
            return [f"{self.path}: unchanged (already imported)"]
        matched = sum(m.status == "matched" for m in self.matches)
        overridden = sum(m.status == "override" for m in self.matches)
        out = [f"{self.path}: {self.rows:,} beneficiary rows, {len(self.countries)} countries "
               f"({', '.join(f'{c} {n:,}' for c, n in sorted(self.countries.items()))})",
               f"regions: {len(self.matches)} names, {matched} matched by name, {overridden} "
               f"by the override table, {len(self.unresolved)} unmatched or ambiguous"]
        out += [f"  not matched: {u}" for u in self.unresolved]
        out.append(f"{len(self.partial_regions)} regions hold {PAGE_CAP} rows (the exporter's "
                   "page cap): their totals are flagged partial")
        if self.dropped_duplicates:
            out.append(f"{len(self.dropped_duplicates)} exactly repeated rows dropped: " +
                       ", ".join(f"line {a} (= line {b})" for a, b in self.dropped_duplicates))
        out.append(f"{self.clusters} beneficiaries named as clusters")
        return out


def _resolve(export: KohesioExport, reference_dir: Path, overrides_path: Path
             ) -> tuple[pd.DataFrame, list[RegionMatch], list[str]]:
    frame = export.frame
    index = build_name_index(load_reference_names(reference_dir))
    overrides = load_overrides(overrides_path, index)
    pairs = list(zip(frame["country_code"], frame["region"], strict=True))
    matches = match_region_names(pairs, index, overrides)
    first_line = frame.groupby(["country_code", "region"], sort=False)["line"].min()
    unresolved = []
    for (country, region), match in matches.items():
        if not match.is_matched:
            also = f"; candidates {', '.join(match.candidates)}" if match.candidates else ""
            unresolved.append(f"{region!r} ({country}), first on line "
                              f"{first_line[(country, region)]}: {match.status}{also}")
    per_pair = pd.DataFrame(
        [(c, r, m.geo_code, m.nuts_level, m.nuts_version, m.status)
         for (c, r), m in matches.items()],
        columns=["country_code", "region", "geo_code", "nuts_level", "nuts_version",
                 "match_status"])
    out = frame.merge(per_pair, on=["country_code", "region"], how="left", validate="m:1")
    out["nuts_level"] = out["nuts_level"].astype("Int8")
    return out, list(matches.values()), unresolved


def build_beneficiaries(export: KohesioExport, reference_dir: Path,
                        overrides_path: Path = OVERRIDES_PATH) -> tuple[pd.DataFrame, list,
                                                                        list[str]]:
    """(beneficiary table as stored - module doc - without import_id, region matches,
    unresolved-name lines). `region_rows` counts the region's lines before exact repeats
    were dropped, since the exporter's cap applies to what it wrote."""
    frame, matches, unresolved = _resolve(export, reference_dir, overrides_path)
    written = frame.groupby(["country_code", "region"])["line"].transform("size")
    repeats = pd.Series([b for _, b in export.dropped_duplicates], dtype="int64")
    extra = frame["line"].map(repeats.value_counts()).fillna(0).astype("int64")
    extra_per_region = extra.groupby([frame["country_code"], frame["region"]]).transform("sum")
    frame["region_rows"] = (written + extra_per_region).astype("int64")
    frame["region_partial"] = frame["region_rows"] >= PAGE_CAP
    frame["multi_region"] = mark_multi_region(frame)
    frame = add_name_columns(frame)
    return frame.sort_values("line", kind="stable").reset_index(drop=True), matches, unresolved


def _merge(paths: WarehousePaths, new: pd.DataFrame) -> pd.DataFrame:
    """`new` plus the stored rows of countries `new` does not contain."""
    target = paths.raw_file(SOURCE, DATASET)
    if not target.exists():
        return new
    old = pd.read_parquet(target)
    keep = old[~old["country_code"].isin(set(new["country_code"]))]
    return pd.concat([keep, new], ignore_index=True) if len(keep) else new


def import_kohesio(path: str | Path, settings: Settings, drop_duplicates: bool = False,
                   progress: Progress | None = None,
                   overrides_path: Path = OVERRIDES_PATH) -> KohesioImportResult:
    """Import one Kohesio beneficiary export (module doc); InputFileError before any write
    when the file is bad."""
    require_local(settings, "importing")
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "no such file")
    paths = WarehousePaths(settings.data_dir)
    target = paths.raw_file(SOURCE, DATASET)
    digest = sha256_file(path)
    location = str(path.resolve())
    if target.exists() and any(m["dataset"] == DATASET and m["sha256"] == digest
                               for m in read_manifest(paths)):
        return KohesioImportResult(location, 0, "unchanged", target)
    if progress:
        progress(f"reading {path}")
    export = parse_kohesio_export(decode_text(read_bytes(path), path), path, drop_duplicates)
    frame, matches, unresolved = build_beneficiaries(export, settings.reference_dir,
                                                     overrides_path)
    record = new_manifest_record(
        dataset=DATASET, source=SOURCE, format=FORMAT, location=location, sha256=digest,
        rows=len(frame), nuts_version=_main_version(frame), licence=KOHESIO_LICENCE)
    frame["import_id"] = record["import_id"]
    partial = sorted({f"{r} ({c})" for c, r, p in zip(
        frame["country_code"], frame["region"], frame["region_partial"], strict=True) if p})
    result = KohesioImportResult(
        location, len(frame), "imported", target,
        frame.groupby("country_code").size().astype(int).to_dict(), matches, unresolved,
        partial, export.dropped_duplicates, int(frame["is_cluster"].sum()))
    record["note"] = "; ".join(result.lines()[1:])[:4000]
    if progress:
        progress(f"writing {target.relative_to(paths.root)} ({len(frame):,} rows)")
    stored = _merge(paths, frame)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_parquet_atomic(pa.Table.from_pandas(stored, preserve_index=False), target)
    append_manifest(paths, [record])
    return result


def _main_version(frame: pd.DataFrame) -> str | None:
    versions = frame["nuts_version"].dropna()
    return str(versions.mode().iloc[0]) if len(versions) else None
