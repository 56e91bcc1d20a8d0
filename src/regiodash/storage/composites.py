"""Composite indices over the warehouse: their inputs, and registering one as a user indicator.

A registered composite is kept in two files under the data dir, both written atomically:

    composites/<id>.toml          the spec as given (rendered on the methodology page)
    raw/user/<id>.parquet         its values (geo, time_period, sex, value, flag, nuts_version),
                                  which the build reads like any user file

plus a manifest row. The build then lists it as a user indicator whose title, unit and
description come from the spec (`describe_composites`), with origin 'composite' and the spec
text beside it, so it appears on every page. A registration that fails (bad spec, failed
build) removes what it wrote and leaves the warehouse as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa

from indicators.composite_spec import CompositeSpec, parse_spec
from indicators.innovation.specs import POPULATION_ID
from regiodash.config import Settings
from regiodash.storage.connection import Warehouse
from regiodash.storage.files import atomic_path, write_parquet_atomic
from regiodash.storage.layout import (
    FROM_DEMO_COLUMN,
    USER_LICENCE,
    WarehousePaths,
    append_manifest,
    new_manifest_record,
    require_local,
)
from regiodash.storage.queries import run_named

COMPOSITE_DIR = "composites"
COMPOSITE_SOURCE = "user"
COMPOSITE_UNIT = "index"


def composite_dir(paths: WarehousePaths) -> Path:
    return paths.root / COMPOSITE_DIR


def spec_path(paths: WarehousePaths, composite_id: str) -> Path:
    return composite_dir(paths) / f"{composite_id}.toml"


def load_available_directions(wh: Warehouse) -> dict[str, str | None]:
    """Every indicator id of the warehouse (catalog, derived, user, WDI) -> its declared
    direction ('higher' / 'lower', None for 'neutral', a target or none)."""
    rows = wh.query_rows("SELECT indicator_id, direction FROM indicator_catalog")
    return {i: (d if d in ("higher", "lower") else None) for i, d in rows}


def load_composite_inputs(wh: Warehouse, spec: CompositeSpec) -> pd.DataFrame:
    """The indicator values a composite reads: every row (sex T) of its indicators and of the
    population, all levels and years (the method selects levels, window and reference).
    Columns INPUT_COLUMNS; missing values stay null."""
    ids = [i.id for i in spec.indicators] + [POPULATION_ID]
    frame = run_named(wh, "composite_inputs", indicator_ids=ids)
    return frame.astype({"nuts_level": "int64", "year": "int64"})


def load_composite_specs(paths: WarehousePaths) -> dict[str, str]:
    """id -> spec text of every registered composite (sorted by id)."""
    folder = composite_dir(paths)
    if not folder.is_dir():
        return {}
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.toml"))}


def describe_composites(paths: WarehousePaths, user_defs: list[dict]) -> list[dict]:
    """`user_defs` (the build's user indicator definitions) with the registered composites'
    title, description, unit, direction, origin 'composite' and spec text filled in."""
    specs = load_composite_specs(paths)
    out = []
    for entry in user_defs:
        text = specs.get(entry.get("indicator_id", ""))
        if text is None:
            out.append(entry)
            continue
        spec = parse_spec(text, source=str(spec_path(paths, entry["indicator_id"])))
        weights = ", ".join(f"{i.id} x {i.weight:g}" for i in spec.indicators)
        description = (spec.description or f"Composite index {spec.id}") + (
            f" Composite of {weights} (scoreboard method; spec on the methodology page).")
        out.append({**entry, "title": spec.title, "unit": COMPOSITE_UNIT,
                    "description": description,
                    "direction": "higher", "origin": "composite", "spec": text})
    return out


def _values_table(table: pd.DataFrame, versions: pd.Series) -> pa.Table:
    """The raw file of a registered composite; `from_demo` keeps the demo bit of the derived
    rows (source 'demo' when any input is synthetic), which the build carries over."""
    return pa.table({
        "geo": pa.array(table["geo_code"].astype(str).tolist(), pa.string()),
        "time_period": pa.array(table["year"].astype(int).astype(str).tolist(), pa.string()),
        "sex": pa.array(["T"] * len(table), pa.string()),
        "value": pa.array(table["value"].astype(float).tolist(), pa.float64()),
        "flag": pa.array(table["flag"].tolist(), pa.string()),
        "nuts_version": pa.array(versions.tolist(), pa.string()),
        FROM_DEMO_COLUMN: pa.array((table["source"] == "demo").tolist(), pa.bool_()),
    })


def register_composite(
    settings: Settings,
    spec: CompositeSpec,
    spec_text: str,
    index_rows: pd.DataFrame,
    taken_ids: set[str],
    build: Callable[[Settings], object],
) -> Path:
    """Store a composite's spec and values, then `build` (storage.build.build_warehouse).

    `index_rows`: its derived index rows (OUTPUT_COLUMNS). `taken_ids`: ids of catalog,
    derived and non-composite user indicators, which a composite may not reuse (SpecError on
    the id line). Registering an id again replaces it. When writing or the build fails,
    the spec and values written are removed again (the previous ones restored) and the build's
    own atomic writes leave the warehouse files untouched. Returns the spec path.
    """
    require_local(settings, "registering a composite")
    paths = WarehousePaths(settings.data_dir)
    if spec.id in taken_ids:
        raise spec.error(f"id {spec.id!r} is already an indicator of this warehouse: choose "
                         "another id for the composite", "id")
    if index_rows.empty:
        raise spec.error("the composite has no values to register", "indicators")
    target_spec = spec_path(paths, spec.id)
    target_values = paths.raw_file(COMPOSITE_SOURCE, spec.id)
    backups = {p: p.read_bytes() for p in (target_spec, target_values) if p.exists()}
    target_spec.parent.mkdir(parents=True, exist_ok=True)
    target_values.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_path(target_spec) as tmp:
            tmp.write_text(spec_text, encoding="utf-8")
        write_parquet_atomic(_values_table(index_rows, index_rows["nuts_version"]),
                             target_values)
        build(settings)
    except BaseException:
        for path in (target_spec, target_values):
            if path in backups:
                path.write_bytes(backups[path])
            elif path.exists():
                path.unlink()
        raise
    append_manifest(paths, [new_manifest_record(
        dataset=spec.id, source=COMPOSITE_SOURCE, format="composite",
        location=str(target_spec), rows=len(index_rows), licence=USER_LICENCE,
        note=f"composite index from spec {spec.source}")])
    return target_spec

