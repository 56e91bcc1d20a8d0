"""`regiodash composite SPEC [--out FILE] [--register]`: a composite index over the warehouse.

Reads the spec (docs/composite.md), checks its indicators against the warehouse (catalog,
derived, user and WDI ids), applies the scoreboard method (indicators.composite) and writes CSV
with the columns geo_code, year, value, group, subgroup, coverage to stdout or FILE (written
atomically). --register also stores the composite as a user indicator with its spec and
rebuilds, so it appears on every page. A bad spec is refused with its file and line and
nothing is written or registered (exit status 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from indicators.composite_spec import SpecError, read_spec
from indicators.composite_table import composite_table, run_spec
from regiodash.config import Settings
from regiodash.errors import InputFileError
from regiodash.storage.build import build_warehouse
from regiodash.storage.composites import (
    load_available_directions,
    load_composite_inputs,
    load_composite_specs,
    register_composite,
)
from regiodash.storage.connection import open_warehouse
from regiodash.storage.files import atomic_path
from regiodash.storage.layout import WarehousePaths

console = Console(stderr=True, soft_wrap=True)


def _say(message: str) -> None:
    console.print(f"- {message}", highlight=False, markup=False)


def cmd_composite(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.spec)
    if not path.is_file():
        raise InputFileError(path, "no such file")
    text = path.read_text(encoding="utf-8")
    try:
        spec = read_spec(str(path), text)
        wh = open_warehouse(settings)
        try:
            directions = load_available_directions(wh)
            registered = set(load_composite_specs(WarehousePaths(settings.data_dir)))
            for name in registered:  # a composite's own id may be registered again
                directions.pop(name, None)
            result = run_spec(load_composite_inputs(wh, spec), spec, directions)
        finally:
            wh.close()
        table = composite_table(result, spec)
        if args.out:
            with atomic_path(Path(args.out)) as tmp:
                table.to_csv(tmp, index=False, float_format="%.6f")
            _say(f"{len(table):,} rows written to {args.out}")
        else:
            try:
                table.to_csv(sys.stdout, index=False, float_format="%.6f")
            except BrokenPipeError:  # `| head`: the reader has what it wanted
                sys.stderr.close()
                return 0
        if args.register:
            rows = result.values.loc[result.values["indicator_id"] == spec.id]
            target = register_composite(settings, spec, text, rows, set(directions),
                                        lambda s: build_warehouse(s, progress=_say))
            _say(f"registered {spec.id} ({len(rows):,} values); spec kept at {target}")
    except SpecError as exc:
        console.print("[bold red]error:[/bold red]", end=" ")
        console.print(str(exc), highlight=False, markup=False)
        return 2
    return 0


def add_composite_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "composite", help="compute a composite index from a spec (TOML) over the warehouse",
        description="Compute a composite index with the scoreboard method from a spec file "
        "(TOML: id, title, [[indicators]] with id, direction, weight; [options]; see "
        "docs/composite.md) and write CSV: geo_code, year, value, group, subgroup, coverage.")
    p.add_argument("spec", help="the spec file (.toml)")
    p.add_argument("--out", help="write the CSV to this file instead of stdout")
    p.add_argument("--register", action="store_true",
                   help="also add the composite to the warehouse as a user indicator with "
                   "its spec, and rebuild")
    p.set_defaults(func=cmd_composite)
