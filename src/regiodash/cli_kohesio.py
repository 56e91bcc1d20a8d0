"""`regiodash kohesio FILE`: import a Kohesio beneficiary export, then build.

Prints the import summary: rows per country, how every region name was matched (each
unmatched or ambiguous name on its own line, with its first line in the file), the regions
cut off at the exporter's page cap (totals flagged partial), the dropped exact repeats (with
--drop-duplicates) and the cluster beneficiaries found. A bad file changes nothing.
"""

from __future__ import annotations

import argparse

from rich.console import Console

from regiodash.config import Settings
from regiodash.ingest.kohesio_import import import_kohesio
from regiodash.storage.build import build_warehouse

console = Console(stderr=True, soft_wrap=True)


def _say(message: str) -> None:
    console.print(f"- {message}", highlight=False, markup=False)


def cmd_kohesio(args: argparse.Namespace, settings: Settings) -> int:
    result = import_kohesio(args.path, settings, drop_duplicates=args.drop_duplicates,
                            progress=_say)
    for line in result.lines():
        console.print(line, highlight=False, markup=False)
    if result.status == "imported" and not args.no_build:
        summary = build_warehouse(settings, progress=_say)
        for line in summary.skipped:
            if line.startswith("cohesion funding"):
                console.print(f"note: {line}", highlight=False, markup=False)
    return 0


def add_kohesio_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "kohesio", help="import a Kohesio cohesion-policy beneficiary export (TSV) and build",
        description="Import a Kohesio beneficiary export (Country, Region, Beneficiary Name, "
        "Total Budget, EU Contribution, Number of Projects, Transliterated Name), match its "
        "region names to NUTS codes and build the funding indicators.")
    p.add_argument("path", help="the exported TSV file")
    p.add_argument("--drop-duplicates", action="store_true",
                   help="keep the first of rows repeated exactly (the exporter's paging "
                   "repeats rows) instead of refusing the file; every dropped line is listed")
    p.add_argument("--no-build", action="store_true", help="skip `build` afterwards")
    p.set_defaults(func=cmd_kohesio)
