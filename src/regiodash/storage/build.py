"""`regiodash build`: recompute observations, indicator values and innovation groups.

The build reads the raw layer (storage.observations), keeps one row per indicator, region,
year and sex by source precedence, runs the indicator modules (storage.derive) and writes the
files described in storage.layout. It is deterministic, so running it twice gives the same
files. Text stays dictionary-encoded from end to end (storage.arrow_codes); pyarrow writes the
Parquet files (storage.parquet_out) on two threads while the main thread runs the indicator
modules.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from regiodash.config import Settings
from regiodash.nuts import load_known_codes
from regiodash.storage.arrow_codes import (
    concat_tables,
    count_codes,
    dict_codes,
    key_part,
    lookup_codes,
    table_from_frame,
)
from regiodash.storage.composites import describe_composites
from regiodash.storage.conversion import choose_build_version, to_build_version
from regiodash.storage.derive import MODULE_INPUTS, derive_parts
from regiodash.storage.files import atomic_paths, json_text
from regiodash.storage.funding_step import add_funding_values
from regiodash.storage.layout import (
    FINGERPRINT_KEY,
    NUTS_VERSION_KEY,
    WarehousePaths,
    require_local,
)
from regiodash.storage.observations import load_observations
from regiodash.storage.parquet_out import (
    BUILD_WRITERS,
    VALUE_COMPRESSION,
    VALUE_ORDER,
    region_order,
    region_row_groups,
    value_row_group,
    values_fingerprint,
    write_in_order,
    write_parquet,
)
from regiodash.storage.row_order import in_runs, order_runs, sort_order, sorted_by
from regiodash.storage.schema import (
    GROUPS_SCHEMA,
    INDICATOR_VALUE_COLUMNS,
    INDICATOR_VALUES_SCHEMA,
)
from regiodash.storage.source_overlap import report_source_overlaps

# Lower rank wins when two sources give the same indicator, region, year and sex.
SOURCE_PRECEDENCE = {"user": 0, "eurostat": 1, "worldbank": 2, "demo": 9}
_UNKNOWN_SOURCE_RANK = 5

Progress = Callable[[str], None]


@dataclass
class BuildSummary:
    observations: int = 0
    indicator_values: int = 0
    indicators: int = 0
    demo_values: int = 0
    derived_values: int = 0
    nuts_version: str = ""
    converted_values: int = 0
    conversion_notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    source_overlaps: list[str] = field(default_factory=list)
    """Indicators where World Bank values met a better-ranked source's (source_overlap)."""


def _apply_precedence(observations: pa.Table) -> pa.Table:
    """indicator values before derivation: one row per indicator, region, year and sex.

    Where several rows share that key, the source of lowest SOURCE_PRECEDENCE rank wins (user,
    then eurostat, then worldbank, then any other source, then demo), then the most recent
    nuts_version (a missing version last), then the first in OBSERVATION_ORDER. Observations
    are in OBSERVATION_ORDER, so rows of one key are adjacent (nuts_level follows from
    geo_code): the usual case, no shared key at all, costs one comparison per row.
    """
    if "converted_from" not in observations.column_names:  # nothing was converted
        observations = observations.append_column(
            "converted_from", pa.nulls(observations.num_rows, pa.string()).dictionary_encode())
    values = observations.select(INDICATOR_VALUE_COLUMNS)
    n = observations.num_rows
    if n < 2:
        return values
    same = np.ones(n - 1, dtype=bool)
    for name in ("indicator_id", "nuts_level", "year", "geo_code", "sex"):
        part = key_part(observations.column(name))
        same &= part[1:] == part[:-1]
    if not same.any():
        return values
    run = np.cumsum(np.concatenate([[True], ~same])) - 1
    contested = np.flatnonzero(np.bincount(run)[run] > 1)
    rank = lookup_codes(observations.column("source"), SOURCE_PRECEDENCE, _UNKNOWN_SOURCE_RANK)
    version = dict_codes(observations.column("nuts_version"))  # sorted; null -1
    ranked = contested[np.lexsort((contested, -version[contested].astype(np.int64),
                                   rank[contested], run[contested]))]
    first = np.concatenate([[True], run[ranked][1:] != run[ranked][:-1]])
    keep = np.ones(n, dtype=bool)
    keep[contested] = False
    keep[ranked[first]] = True
    return values.filter(pa.array(keep))


def _derive_inputs(values: pa.Table) -> dict[str, pd.DataFrame]:
    """The rows each indicator module reads (derive.MODULE_INPUTS), in the order of `values`,
    with the column types the modules have always been given (text as pandas strings)."""
    inputs = {}
    for module, (ids, sexes) in MODULE_INPUTS.items():
        keep = (lookup_codes(values.column("indicator_id"), dict.fromkeys(ids, 1), 0)
                & lookup_codes(values.column("sex"), dict.fromkeys(sexes, 1), 0))
        rows = values.filter(pa.array(keep.astype(bool)))
        rows = pa.table(  # pandas keeps its strings as Arrow large_string: cast straight to it
            [c.cast(pa.large_string()) if pa.types.is_dictionary(c.type) else c
             for c in rows.columns],
            names=rows.column_names,
        )
        inputs[module] = rows.to_pandas().astype({"year": "int64", "nuts_level": "int64"})
    return inputs


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
        observations, user_defs = load_observations(paths, summary.skipped)
        summary.observations = observations.num_rows
        writes = [pool.submit(write_parquet, observations, tmp_obs)]
        say(f"observations: {observations.num_rows:,} rows")
        known = load_known_codes(settings.reference_dir)
        summary.nuts_version = choose_build_version(observations, settings.nuts_version, known)
        on_version, conversion = to_build_version(observations, summary.nuts_version,
                                                  settings.reference_dir, known)
        del observations
        summary.converted_values = conversion.converted
        summary.conversion_notes = conversion.lines()
        for line in summary.conversion_notes:
            say(line)
        summary.source_overlaps = report_source_overlaps(on_version, SOURCE_PRECEDENCE)
        for line in summary.source_overlaps:
            say(line)
        values = _apply_precedence(on_version)
        del on_version
        values = add_funding_values(values, paths, summary.nuts_version, known, summary.skipped)
        say("deriving the innovation, gender and sustainability indices")
        parts, groups = derive_parts(_derive_inputs(values))
        summary.derived_values = sum(len(part) for part in parts)
        if parts:
            derived = concat_tables([table_from_frame(p.assign(converted_from=None),
                                                      INDICATOR_VALUES_SCHEMA) for p in parts])
            values = concat_tables([values, sorted_by(derived, VALUE_ORDER)])
        del parts
        pa.default_memory_pool().release_unused()  # the modules' pandas strings live there
        order = sort_order(values, VALUE_ORDER)
        stamp = {FINGERPRINT_KEY: values_fingerprint(values),
                 NUTS_VERSION_KEY: summary.nuts_version}
        # Neither writer copies the table: the value file is usually a few slices of it (the
        # catalog rows, then the derived ones, interleaved by indicator), and write_in_order
        # gathers a row group at a time straight from its buffers. Orders are int32 positions
        # (400 MB at 100 million rows); a value order of a few runs is kept as the runs only.
        runs = order_runs(order)
        if runs is not None:
            order = runs
            writes.append(pool.submit(write_parquet, in_runs(values, runs), tmp_values, stamp,
                                      value_row_group(values.num_rows), VALUE_COMPRESSION))
        else:
            writes.append(pool.submit(write_in_order, values, order, tmp_values,
                                      value_row_group(values.num_rows), stamp,
                                      VALUE_COMPRESSION))
        del runs
        order = region_order(values, order)
        writes.append(pool.submit(write_in_order, values, order, tmp_by_region,
                                  region_row_groups(values), stamp, VALUE_COMPRESSION))
        del order
        groups_table = pa.Table.from_pandas(groups.astype(
            {"nuts_level": "int8", "year": "int16"}), preserve_index=False).cast(GROUPS_SCHEMA)
        pq.write_table(groups_table, tmp_groups, compression="zstd")
        tmp_user.write_text(json_text(describe_composites(paths, user_defs)), encoding="utf-8")
        summary.indicator_values = values.num_rows
        summary.indicators = count_codes(values.column("indicator_id"))
        summary.demo_values = count_codes(values.column("source"), "demo")
        for write in writes:
            write.result()  # re-raises a failed write before anything is moved into place
    say(f"indicator_values: {summary.indicator_values:,} rows, {summary.indicators} indicators")
    return summary
