"""`regiodash fetch --source worldbank CODE...`: WDI indicators from the World Bank's API.

Downloads every page of each indicator (`ingest.worldbank_api`: cache, retries, offline message
and progress as for Eurostat), turns the pages into the bulk CSV reader's table, imports them
all at once (nothing is written when any indicator fails) and builds. With --catalog, the codes
are every WDI series of the indicator catalog with its female and male variants. The API base
can be pointed elsewhere with REGIODASH_WORLDBANK_API (tests use a local replay server).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys

from rich.console import Console

from indicators.catalog import WDI_CATALOG
from regiodash.config import Settings
from regiodash.errors import FetchError
from regiodash.ingest.importing import import_tables
from regiodash.ingest.wdi import sex_variants
from regiodash.ingest.worldbank_api import WORLDBANK_API, fetch_tables
from regiodash.storage.build import build_warehouse

console = Console(stderr=True, soft_wrap=True)


def _say(message: str) -> None:
    console.print(f"[dim]-[/dim] {message}")


def catalog_codes() -> list[str]:
    """Every WDI code the catalog reads: each series, and its FE / MA variants by sex."""
    codes: list[str] = []
    for entry in WDI_CATALOG:
        series = entry.filter_map["series"]
        codes += sex_variants(series) if entry.has_sex else [series]
    return list(dict.fromkeys(codes))


def cmd_fetch_worldbank(args: argparse.Namespace, settings: Settings) -> int:
    codes = list(args.codes) + (catalog_codes() if args.catalog else [])
    if not codes:
        raise FetchError("name at least one World Bank indicator code (e.g. SL.TLF.CACT.FE.ZS), "
                         "or use --catalog")
    api = os.environ.get("REGIODASH_WORLDBANK_API") or WORLDBANK_API

    def on_page(page: int, pages: int) -> None:
        if page == pages or page % 10 == 0:
            _say(f"page {page}/{pages}")

    fetched = fetch_tables(codes, settings, api=api, refresh=args.refresh,
                           progress=sys.stderr.isatty(), on_page=on_page)
    parsed = []
    for pages, table in fetched:
        state = "cached" if pages.from_cache else "downloaded"
        _say(f"{state} {pages.code}: {len(pages.pages)} page(s), {pages.bytes:,} bytes from "
             f"{pages.urls[0]}")
        digest = hashlib.sha256(b"".join(p.read_bytes() for p in pages.pages)).hexdigest()
        parsed.append((table, str(pages.pages[0].resolve()), digest))
    results = import_tables(parsed, settings, progress=_say)
    for r in results:
        console.print(f"{r.status}: {r.dataset} ({r.rows:,} rows, World Bank WDI, CC BY 4.0)")
        for note in r.notes:
            console.print(f"  [yellow]note[/yellow]: {note}")
    if not args.no_build and any(r.status == "imported" for r in results):
        build_warehouse(settings, progress=_say)  # says where World Bank meets Eurostat
    return 0
