"""`regiodash report region|project`: printable PDF reports.

    regiodash report region CODE [--year Y] [--out FILE.pdf]
    regiodash report region --country PL --level 2 [--year Y] [--out DIR]
    regiodash report project ID [--out FILE.pdf]

One region (or project) is one PDF, written atomically: on any error nothing is written and
the exit status is 2 with a message naming the region, year, level or project. The batch form
writes `<code>.pdf` per region of the country at that level, printing progress; a region that
fails is reported and the others continue (exit status 1 when any failed). The footer links
to the dashboard at $REGIODASH_PUBLIC_URL (default http://localhost:8501).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.console import Console

from regiodash.config import Settings
from regiodash.report.batch import country_regions, write_region_profiles
from regiodash.report.common import ReportError, write_atomic
from regiodash.report.project import project_report_pdf
from regiodash.report.region import region_profile_pdf
from regiodash.storage.connection import open_warehouse

console = Console(stderr=True, soft_wrap=True)


def _target(out: str | None, default_name: str) -> Path:
    """Where one PDF goes: --out as given, inside it when it is a folder, else the default
    name in the working folder."""
    if out is None:
        return Path(default_name)
    path = Path(out)
    return path / default_name if path.is_dir() else path


def cmd_report_region(args: argparse.Namespace, settings: Settings) -> int:
    if args.code and args.country:
        raise ReportError("give a region CODE or --country with --level, not both")
    if not args.code and not args.country:
        raise ReportError("give a region CODE (e.g. PL91) or --country CC --level N")
    wh = open_warehouse(settings)
    if args.country:
        if args.level is None:
            raise ReportError("--country needs --level (0-3): the NUTS level of the regions")
        codes = country_regions(wh, args.country.strip().upper(), args.level)
        out = Path(args.out or ".")
        console.print(f"{len(codes)} NUTS {args.level} regions of {args.country.upper()} "
                      f"-> {out}/<code>.pdf")

        def progress(done: int, total: int, code: str, error: str | None) -> None:
            status = "[green]written[/green]" if error is None else (
                f"[bold red]failed[/bold red]: {error}")
            console.print(f"[{done}/{total}] {code} {status}", highlight=False)

        result = write_region_profiles(wh, codes, out, args.year, progress=progress,
                                       jobs=max(1, args.jobs))
        console.print(f"{len(result.written)} written, {len(result.failed)} failed"
                      + "".join(f"\n  {code}: {why}" for code, why in result.failed),
                      highlight=False)
        return 1 if result.failed else 0
    code = args.code.strip().upper()
    pdf = region_profile_pdf(wh, code, args.year)
    path = write_atomic(_target(args.out, f"regiodash_profile_{code}.pdf"), pdf)
    console.print(f"wrote {path} ({len(pdf):,} bytes)", highlight=False)
    return 0


def cmd_report_project(args: argparse.Namespace, settings: Settings) -> int:
    wh = open_warehouse(settings)
    pdf = project_report_pdf(settings, wh, args.project_id.strip())
    path = write_atomic(_target(args.out, f"regiodash_project_{args.project_id.strip()}.pdf"),
                        pdf)
    console.print(f"wrote {path} ({len(pdf):,} bytes)", highlight=False)
    return 0


def add_report_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "report", help="write a printable PDF: a region profile or a project report",
        description="Printable PDF reports (A4, tagged PDF/UA-1, fonts embedded) from the "
        "warehouse: the same figures as the dashboard's Region profile and Projects pages.",
        epilog="Exit status: 0 when every PDF was written; 1 when a batch region failed (the "
        "others are written); 2 on bad input (unknown region or project, a year or level "
        "without data): then nothing is written.")
    kinds = parser.add_subparsers(dest="report_kind", required=True, metavar="KIND")
    p = kinds.add_parser("region", help="profile of one region, or of every region of a "
                                        "country at one NUTS level (--country, --level)")
    p.add_argument("code", nargs="?", help="NUTS code of the region, e.g. PL91")
    p.add_argument("--year", type=int, help="profile year (default: the latest year of the "
                                            "region's innovation index)")
    p.add_argument("--country", help="batch: every region of this country (NUTS 0 code)")
    p.add_argument("--level", type=int, choices=[0, 1, 2, 3],
                   help="batch: the NUTS level of the regions")
    p.add_argument("--out", help="output file (one region) or folder (batch; default: the "
                                 "working folder)")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                   help="batch: worker processes making the PDFs (default: 2, or 1 on one "
                        "core)")
    p.set_defaults(func=cmd_report_region)
    p = kinds.add_parser("project", help="KPI report of one project")
    p.add_argument("project_id", help="the project's id (see `regiodash projects list`)")
    p.add_argument("--out", help="output file (default regiodash_project_<ID>.pdf)")
    p.set_defaults(func=cmd_report_project)
    return parser
