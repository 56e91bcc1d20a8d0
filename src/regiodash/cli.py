"""`regiodash` command line: demo | import | fetch | build | sql | check | serve."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console

from regiodash.cli_composite import add_composite_parser
from regiodash.cli_kohesio import add_kohesio_parser
from regiodash.cli_report import add_report_parser
from regiodash.cli_serve import add_serve_parser
from regiodash.config import Settings, load_settings
from regiodash.errors import RegiodashError

console = Console(stderr=True, soft_wrap=True)


def _say(message: str) -> None:
    console.print(f"[dim]-[/dim] {message}")


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Write the synthetic demo panel, import the bundled real default (data/bundled/) and
    build. The demo panel leaves out the indicators the bundled files hold, so those are real
    in every region and year they have, and missing where Eurostat publishes nothing."""
    from regiodash.ingest.bundled import bundled_indicator_ids, import_bundled_default
    from regiodash.ingest.demo import write_demo_panel
    from regiodash.storage.build import build_warehouse

    real_ids = frozenset() if args.synthetic_only else bundled_indicator_ids()
    with console.status("writing the synthetic demo panel"):
        rows = write_demo_panel(settings, exclude=real_ids)
    _say(f"demo panel: {rows:,} synthetic rows (source = 'demo')")
    if not args.synthetic_only:
        for r in import_bundled_default(settings, progress=_say):
            _say(f"real default {r.status}: {r.dataset} ({r.rows:,} rows, Eurostat, "
                 f"CC BY 4.0; NUTS {r.nuts_version}) from {r.path}")
    if not args.no_build:
        summary = build_warehouse(settings, progress=_say)
        _say(f"built: {summary.indicator_values:,} indicator values")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from regiodash.ingest.importing import import_files
    from regiodash.storage.build import build_warehouse

    results = import_files(args.paths, settings, dataset=args.dataset, progress=_say)
    for r in results:
        line = f"{r.status}: {r.path} -> {r.dataset} ({r.format}, {r.rows:,} rows"
        line += f", NUTS {r.nuts_version})" if r.nuts_version else ")"
        console.print(line)
        for note in r.notes:
            console.print(f"  [yellow]note[/yellow]: {note}")
    if not args.no_build and any(r.status == "imported" for r in results):
        build_warehouse(settings, progress=_say)
    return 0


def cmd_fetch(args: argparse.Namespace, settings: Settings) -> int:
    from regiodash.errors import FetchError
    from regiodash.ingest.eurostat_api import fetch_dataset
    from regiodash.ingest.importing import import_tables
    from regiodash.ingest.readers import read_file
    from regiodash.storage.build import build_warehouse
    from regiodash.storage.files import sha256_file

    if args.source == "worldbank":
        from regiodash.cli_worldbank import cmd_fetch_worldbank

        return cmd_fetch_worldbank(args, settings)
    if args.catalog:
        return _fetch_catalog(args, settings)
    if not args.codes:
        raise FetchError("name at least one dataset code, or use --catalog")
    fetched = [
        fetch_dataset(
            code, settings, fmt=args.format, refresh=args.refresh, progress=sys.stderr.isatty()
        )
        for code in args.codes
    ]
    for f in fetched:
        _say(f"{'cached' if f.from_cache else 'downloaded'} {f.code}: {f.bytes:,} bytes "
             f"from {f.url}")
    # Parse every file before writing anything (a bad file leaves the warehouse as it was).
    parsed = [
        (read_file(f.path, dataset=f.code), str(f.path.resolve()), sha256_file(f.path))
        for f in fetched
    ]
    results = import_tables(parsed, settings, progress=_say)
    for r in results:
        console.print(f"{r.status}: {r.dataset} ({r.rows:,} rows, NUTS {r.nuts_version})")
    if not args.no_build and any(r.status == "imported" for r in results):
        build_warehouse(settings, progress=_say)
    return 0


def _fetch_catalog(args: argparse.Namespace, settings: Settings) -> int:
    from regiodash.ingest.catalog_fetch import catalog_requests, fetch_catalog
    from regiodash.ingest.catalog_progress import RichCatalogProgress, print_catalog_summary

    datasets = args.codes or None
    total = len(catalog_requests(datasets=datasets))
    with RichCatalogProgress(console, total) as bars:
        summary = fetch_catalog(
            settings, fmt=args.format, workers=args.workers, refresh=args.refresh,
            build=not args.no_build, datasets=datasets, progress=bars,
        )  # fmt: skip
    print_catalog_summary(console, summary)
    return 0 if summary.ok else 1


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from regiodash.storage.build import build_warehouse

    summary = build_warehouse(settings, progress=_say)
    for reason in summary.skipped:
        console.print(f"[yellow]skipped[/yellow] {reason}")
    console.print(
        f"observations {summary.observations:,}; indicator values "
        f"{summary.indicator_values:,} ({summary.indicators} indicators, "
        f"{summary.demo_values:,} demo); NUTS {summary.nuts_version}, "
        f"{summary.converted_values:,} values converted"
    )
    return 0


def cmd_sql(args: argparse.Namespace, settings: Settings) -> int:
    from regiodash.storage.connection import open_warehouse

    wh = open_warehouse(settings)
    try:
        frame = wh.run_readonly_sql(args.query)
    finally:
        wh.close()
    frame.to_csv(sys.stdout, index=False)
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from regiodash.storage.check import check_warehouse
    from regiodash.storage.connection import open_warehouse

    wh = open_warehouse(settings)
    try:
        report = check_warehouse(wh)
    finally:
        wh.close()
    for key, value in report.facts.items():
        print(f"{key}: {value}")
    for problem in report.problems:
        print(f"PROBLEM: {problem}")
    print("OK" if report.ok else f"{len(report.problems)} problem(s)")
    return 0 if report.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="regiodash",
        description="Regional innovation, gender-inclusion and sustainability indicators "
                    "(NUTS 0-3). Data dir: $REGIODASH_DATA_DIR (default ./data).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="write the synthetic demo panel plus the bundled real "
                                    "default (Eurostat GDP) and build")
    p.add_argument("--no-build", action="store_true", help="only write the raw files")
    p.add_argument("--synthetic-only", action="store_true",
                   help="leave out the bundled real data: every indicator synthetic")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("import", help="import Eurostat TSV / SDMX-CSV / JSON-stat or tidy files")
    p.add_argument("paths", nargs="+", help="files to import (format detected from content)")
    p.add_argument("--dataset", help="dataset code when the file does not say it")
    p.add_argument("--no-build", action="store_true", help="skip `build` afterwards")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "fetch",
        help="download datasets from Eurostat's API and import them (--catalog: all of them)",
        description="Download Eurostat datasets, import them and build. With --catalog: every "
        "dataset the indicator catalog reads, each filtered server-side to the catalog's "
        "dimension codes, in parallel, revalidating the download cache (ETag / "
        "Last-Modified), then one import and one build; a dataset that fails does not stop "
        "the others. Needs internet access to Eurostat.",
        epilog="Exit status: 0 when every dataset was fetched or unchanged, imported and "
        "built; 1 with --catalog when any dataset failed or was skipped (the others are still "
        "imported and built; the summary says why); 2 on bad arguments or any other error.",
    )
    p.add_argument("codes", nargs="*", help="Eurostat dataset codes, e.g. nama_10r_2gdp "
                   "(with --catalog: only these catalog datasets)")
    p.add_argument("--catalog", action="store_true",
                   help="fetch every dataset of the indicator catalog, filtered to its codes")
    p.add_argument("--source", choices=["eurostat", "worldbank"], default="eurostat",
                   help="worldbank: CODES are World Bank WDI indicator codes (e.g. "
                   "SL.TLF.CACT.FE.ZS), fetched page by page from its API (CC BY 4.0); "
                   "with --catalog, every WDI series of the catalog, by sex")
    p.add_argument("--format", choices=["sdmx-csv", "tsv", "jsonstat"], default="sdmx-csv")
    p.add_argument("--workers", type=int, default=3,
                   help="parallel downloads with --catalog (1-8, default 3)")
    p.add_argument("--refresh", action="store_true",
                   help="download again instead of reusing (--catalog: revalidating) the cache")
    p.add_argument("--no-build", action="store_true", help="skip `build` afterwards")
    p.set_defaults(func=cmd_fetch)

    add_kohesio_parser(sub)
    add_composite_parser(sub)

    p = sub.add_parser("build", help="recompute observations and indicator values")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("sql", help="run one read-only SELECT over the warehouse views; CSV out")
    p.add_argument("query", help='e.g. "SELECT * FROM indicator_catalog"')
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("check", help="validate the warehouse and print a summary")
    p.set_defaults(func=cmd_check)

    add_serve_parser(sub, build_demo=lambda settings: cmd_demo(
        argparse.Namespace(no_build=False, synthetic_only=False), settings))

    from regiodash.projects.cli import add_projects_parser

    add_projects_parser(sub)
    add_report_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = load_settings()
    try:
        return int(args.func(args, settings))
    except RegiodashError as exc:
        console.print("[bold red]error:[/bold red]", end=" ")
        console.print(str(exc), highlight=False, markup=False)
        return 2
    except KeyboardInterrupt:
        console.print("interrupted; the warehouse is unchanged unless a step reported done")
        return 130


if __name__ == "__main__":
    sys.exit(main())
