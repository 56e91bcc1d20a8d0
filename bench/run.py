"""Benchmark harness entry point: build, query, page, figure and browser costs per panel size.

    .venv/bin/python -m bench.run                      # full: 1x, 10x, 100x
    .venv/bin/python -m bench.run --quick              # 1x and 10x, fewer repetitions
    .venv/bin/python -m bench.run --sizes 1x,10x --skip browser,pages
    .venv/bin/python -m bench.run --profile-build 100x # cProfile of one build, top functions

Prints a Markdown report and writes it with the raw figures: a full run writes BENCHMARKS.md
(repo root) and bench/results.json; --quick and partial runs write to bench/out/<mode>/
unless --out is given, so a quick check never overwrites the committed figures.

What is measured, one module per section (bench/README.md explains each method and caveats):
1. build (bench.build_bench): `build_warehouse` in a fresh subprocess per repetition, rows
   and Parquet sizes on disk. The synthetic panels come from bench.panels (cached in bench/out).
2. queries (bench.query_bench): the named queries pages use, warm and cold; composite
   (bench.composite_bench): the reweighted index and a custom composite at NUTS 2.
3. baseline (bench.baseline_bench): the naive pandas/geopandas/plotly-express approach
   (bench.baseline), same run.
4. figures (bench.figure_bench): JSON bytes of the map at each NUTS level, as ui.maps builds it.
5. pages (bench.page_bench): server-side rerun time of each page with AppTest next to an empty
   page's.
6. browser (bench.paint_bench): first map paint in headless Debian chromium (Playwright).
7. kohesio (bench.kohesio_bench): import and match of the shared Kohesio export, and the
   Cohesion funding view's queries (once per run, not per panel size).
8. reports (bench.report_bench): region profile, country batch and project report PDFs on
   the demo warehouse (once per run).
The targets are checked in bench.targets, the report is written by bench.report.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.baseline_bench import bench_baseline
from bench.build_bench import bench_build, child_build, run_child_build
from bench.common import OUT, ROOT, Mode, settings_for
from bench.composite_bench import bench_composite
from bench.figure_bench import bench_figures
from bench.headroom import write_block
from bench.kohesio_bench import bench_kohesio
from bench.machine import cpu_noise, cpu_sample, machine_info
from bench.page_bench import bench_pages, bench_pages_here
from bench.paint_bench import bench_browser
from bench.query_bench import bench_queries
from bench.report import keep_marked_blocks, render_report, update_readme
from bench.report_bench import bench_reports
from bench.targets import evaluate_targets

ALL_SIZES = ("1x", "10x", "100x")
OPTIONAL_SIZES = ("1000x",)  # bench.panels; only when named (`make bench-1000x`)
SECTIONS = ("build", "queries", "composite", "baseline", "figures", "pages", "browser",
            "kohesio", "reports")


def run(sizes: list[str], mode: Mode, skip: set[str]) -> dict:
    started = time.perf_counter()
    noise0 = cpu_sample()
    results: dict[str, Any] = {
        "mode": mode.name, "machine": machine_info(), "sizes": {},
        "reps": {"warm": mode.warm_reps, "cold": mode.cold_reps, "pages": mode.page_reps,
                 "build": mode.build_reps, "baseline": mode.baseline_reps},
    }
    if noise0[0] > 1.5:
        print(f"warning: 1-minute load average is {noise0[0]} before the run: other work on "
              "this machine will inflate the figures", file=sys.stderr)
    for size in sizes:
        res: dict[str, Any] = {}
        results["sizes"][size] = res

        def section(name: str, fn: Callable[[], Any], res=res, size=size) -> None:
            if name in skip:
                return
            print(f"[{size}] {name} ...", file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            before = cpu_sample()
            try:
                res[name] = fn()
            except Exception as exc:  # noqa: BLE001 - keep the other sections
                traceback.print_exc()
                res[name] = {"error": f"{type(exc).__name__}: {exc}"}
            res.setdefault("section_s", {})[name] = round(time.perf_counter() - t0, 1)
            res.setdefault("noise", {})[name] = cpu_noise(before, cpu_sample())

        from bench.panels import SIZES, ensure_panel

        if "build" in skip:  # queries still need a built warehouse
            settings = settings_for(size)
            ensure_panel(SIZES[size], settings)
            if not (settings.data_dir / "indicator_values.parquet").exists():
                run_child_build(size)
        section("build", lambda size=size: bench_build(size, mode))
        section("queries", lambda size=size: bench_queries(size, mode))
        section("composite", lambda size=size: bench_composite(size, mode))
        year = res.get("queries", {}).get("year") or 2023
        section("baseline", lambda size=size, year=year: bench_baseline(size, mode, year))
        section("figures", lambda size=size, year=year: bench_figures(size, mode, year))
        section("pages", lambda size=size: bench_pages(size, mode))
        if not mode.quick or size == sizes[0]:
            section("browser", lambda size=size: bench_browser(size, mode))
    if "kohesio" not in skip:
        results["kohesio"] = bench_kohesio(mode)
    if "reports" not in skip:
        results["reports"] = bench_reports(mode)
    results["noise"] = cpu_noise(noise0, cpu_sample())
    results["elapsed_s"] = round(time.perf_counter() - started, 1)
    results["targets"] = evaluate_targets(results)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=None, help="comma-separated: 1x,10x,100x")
    parser.add_argument("--quick", action="store_true",
                        help="1x and 10x, fewer repetitions, browser at the first size only")
    parser.add_argument("--skip", default="", help=f"sections to skip: {','.join(SECTIONS)}")
    parser.add_argument("--out", default=None,
                        help="folder for BENCHMARKS.md and results.json (default: repo root "
                             "and bench/ for a full run, bench/out/<mode>/ otherwise)")
    parser.add_argument("--profile-build", metavar="SIZE", default=None,
                        help="cProfile one build of SIZE; write bench/out/profile_build_SIZE.txt")
    parser.add_argument("--child-build", metavar="DATA_DIR", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-pages", metavar="SIZE", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child_build:
        child_build(args.child_build, args.profile_out)
        return 0
    if args.child_pages:
        import logging

        logging.disable(logging.WARNING)  # AppTest's bare-mode warnings
        print(json.dumps(bench_pages_here(args.child_pages, Mode(args.quick))))
        return 0
    if args.profile_build:
        from bench.panels import SIZES, ensure_panel

        ensure_panel(SIZES[args.profile_build], settings_for(args.profile_build))
        OUT.mkdir(parents=True, exist_ok=True)
        target = OUT / f"profile_build_{args.profile_build}.txt"
        result = run_child_build(args.profile_build, profile_out=target)
        print(json.dumps(result, indent=2))
        print(f"profile written to {target.relative_to(ROOT)}")
        return 0

    mode = Mode(args.quick)
    sizes = args.sizes.split(",") if args.sizes else (["1x", "10x"] if args.quick
                                                        else list(ALL_SIZES))
    unknown = [s for s in sizes if s not in ALL_SIZES + OPTIONAL_SIZES]
    skip = {s for s in args.skip.split(",") if s}
    if unknown or skip - set(SECTIONS):
        parser.error(f"unknown size or section: {unknown or sorted(skip - set(SECTIONS))}")
    results = run(sizes, mode, skip)
    report = render_report(results)
    print(report)
    full = not args.quick and sizes == list(ALL_SIZES) and not skip
    if sizes == list(OPTIONAL_SIZES) and not args.out and not args.quick:  # make bench-1000x
        (ROOT / "bench" / "results_1000x.json").write_text(
            json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
        write_block(ROOT / "BENCHMARKS.md", results)
        print("wrote BENCHMARKS.md (1000x block) and bench/results_1000x.json",
              file=sys.stderr)
        return 0
    if args.out:
        md_path, json_path = Path(args.out) / "BENCHMARKS.md", Path(args.out) / "results.json"
    elif full:
        md_path, json_path = ROOT / "BENCHMARKS.md", ROOT / "bench" / "results.json"
    else:
        md_path = OUT / mode.name / "BENCHMARKS.md"
        json_path = OUT / mode.name / "results.json"
    md_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    old = md_path.read_text(encoding="utf-8") if md_path.exists() else ""
    md_path.write_text(keep_marked_blocks(old, report), encoding="utf-8")
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"wrote {md_path} and {json_path}", file=sys.stderr)
    if full and not args.out:
        readme = ROOT / "README.md"
        readme.write_text(update_readme(readme.read_text(encoding="utf-8"), results),
                          encoding="utf-8")
        print(f"updated the benchmark table in {readme}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
