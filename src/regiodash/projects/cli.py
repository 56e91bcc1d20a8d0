"""`regiodash projects ...`: template | import | list.

Wire into the main parser with one call: `add_projects_parser(sub)` in
`regiodash.cli.build_parser`. Handlers follow the main CLI's convention
`func(args, settings) -> exit code`; errors are `RegiodashError`s, which the main CLI prints
and turns into exit status 2.
"""

from __future__ import annotations

import argparse
import sys

from regiodash.config import Settings


def cmd_template(args: argparse.Namespace, settings: Settings) -> int:
    from regiodash.projects.templates import write_templates

    for path in write_templates(args.out):
        print(f"wrote {path}")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from regiodash.projects.importers import import_project_files

    results = import_project_files(args.paths, settings, user=args.user)
    for r in results:
        detail = (f"{r.new_rows} new, {r.replaced_rows} replaced" if r.status == "imported"
                  else "nothing new")
        print(f"{r.status}: {r.path} -> {r.table} ({r.rows} rows; {detail})")
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from regiodash.projects.queries import load_portfolio, portfolio_overview

    portfolio = load_portfolio(settings)
    overview = portfolio_overview(portfolio)
    origin = ("sample portfolio (no projects imported yet)" if portfolio.origin == "sample"
              else f"warehouse {settings.data_dir}")
    print(f"# {len(overview)} projects from the {origin}", file=sys.stderr)
    columns = ["project_id", "acronym", "programme", "start_date", "end_date",
               "total_budget_eur", "partners", "kpis", "on_track", "at_risk", "off_track",
               "source"]
    overview[columns].to_csv(sys.stdout, index=False)
    return 0


def add_projects_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `projects template|import|list` on the main CLI's subparsers."""
    parser = subparsers.add_parser(
        "projects", help="project portfolio: templates, import, list",
        description="Projects, partners and KPIs (Parquet under <data dir>/projects/).")
    sub = parser.add_subparsers(dest="projects_command", required=True, metavar="ACTION")

    p = sub.add_parser("template", help="write projects.csv, partners.csv, kpis.csv and "
                                        "kpi_values.csv templates (one example row each)")
    p.add_argument("--out", default=".", help="folder to write to (default: current folder)")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("import", help="import project CSV/XLSX files (all checked before "
                                      "anything is written; upsert by key)")
    p.add_argument("paths", nargs="+", help="projects/partners/kpis/kpi_values files")
    p.add_argument("--user", default=None,
                   help="name recorded in the manifest (default: your login name)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("list", help="list the portfolio (CSV on stdout)")
    p.set_defaults(func=cmd_list)
    return parser
