"""Benchmark harness: build, query, page, figure and browser costs at three panel sizes.

    .venv/bin/python -m bench.run                      # full: 1x, 10x, 100x (~10-15 min)
    .venv/bin/python -m bench.run --quick              # 1x and 10x, fewer repetitions (~2 min)
    .venv/bin/python -m bench.run --sizes 1x,10x --skip browser,pages
    .venv/bin/python -m bench.run --profile-build 100x # cProfile of one build, top functions

Prints a Markdown report and writes it with the raw figures: a full run writes BENCHMARKS.md
(repo root) and bench/results.json; --quick and partial runs write to bench/out/<mode>/
unless --out is given, so a quick check never overwrites the committed figures.

What is measured (bench/README.md explains each method and its caveats):
1. build: `build_warehouse` in a fresh subprocess per repetition (wall time inside the process,
   stage times from its progress messages, peak RSS from getrusage in the child), rows and
   Parquet sizes on disk. The synthetic panels come from bench.panels (cached in bench/out).
2. queries: the named queries pages use, warm (p50/p95 over repeated runs on one open
   Warehouse) and cold (first query on a freshly opened Warehouse; the OS page cache is warm).
3. baseline: the naive pandas/geopandas/plotly-express approach (bench.baseline), same run.
4. figures: JSON bytes of the map at each NUTS level, as built by ui.maps and as sent by
   st.plotly_chart (AppTest).
5. pages: server-side rerun time of each page with AppTest next to an empty page's.
6. browser: first map paint in headless Debian chromium (Playwright), median of 3 loads.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bench.devserver import (
    APP_SIDEBAR_TEXT,
    CHROMIUM,
    CHROMIUM_ARGS,
    ServerError,
    read_pages,
    start_streamlit,
    stop_streamlit,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
DATA_ROOT = OUT / "data"
INDEX_ID = "regional_innovation_index"
CONTINUOUS_ID = "employment_rate_pct"  # a catalog indicator drawn with build_choropleth
PROFILE_REGION = "DE21"
PROFILE_REGION_NUTS3 = "DE212"
ALL_SIZES = ("1x", "10x", "100x")
SECTIONS = ("build", "queries", "baseline", "figures", "pages", "browser")


class Mode:
    """Repetition counts of a full or a quick run."""

    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.name = "quick" if quick else "full"
        self.build_reps = {"1x": 1, "10x": 1, "100x": 1} if quick else {
            "1x": 3, "10x": 3, "100x": 3}
        self.warm_reps = 10 if quick else 30
        self.warm_budget_s = 2.0 if quick else 40.0  # per operation; heavy ones stop early
        self.cold_reps = 2 if quick else 5
        self.baseline_reps = {"1x": 2, "10x": 2, "100x": 2} if quick else {
            "1x": 5, "10x": 5, "100x": 3}
        self.page_reps = 5 if quick else 21
        self.page_warmup = 1 if quick else 2
        self.paint_loads = 3
        self.figure_reps = 1 if quick else 3


# --------------------------------------------------------------------------- helpers

def settings_for(size: str):
    from regiodash.config import load_settings

    return load_settings({"REGIODASH_DATA_DIR": str(DATA_ROOT / size)})


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def summarise(samples: list[float]) -> dict[str, Any]:
    arr = np.array(samples)
    return {"n": len(samples), "p50_ms": ms(float(np.median(arr))),
            "p95_ms": ms(float(np.percentile(arr, 95))), "min_ms": ms(float(arr.min())),
            "max_ms": ms(float(arr.max()))}


def time_calls(fn: Callable[[], Any], reps: int, warmup: int = 3,
               budget_s: float | None = None) -> list[float]:
    """Wall times of `reps` calls after `warmup` calls; stops early (but after at least 5
    calls) once `budget_s` seconds have been spent, so one slow operation cannot eat the
    run. The number of calls actually timed is reported as `n`."""
    for _ in range(warmup):
        fn()
    out: list[float] = []
    spent = 0.0
    for _ in range(reps):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
        spent += out[-1]
        if budget_s is not None and spent > budget_s and len(out) >= 5:
            break
    return out


def cpu_sample() -> tuple[float, list[int]]:
    """(1-minute load average, /proc/stat cpu counters) for the noise report."""
    try:
        load = float(Path("/proc/loadavg").read_text().split()[0])
        counters = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except OSError:
        return float("nan"), []
    return load, counters


def cpu_noise(before: tuple[float, list[int]], after: tuple[float, list[int]]) -> dict:
    """Steal share and busy share of the CPU between two samples (whole machine)."""
    (load0, c0), (load1, c1) = before, after
    if not c0 or not c1:
        return {}
    delta = [b - a for a, b in zip(c0, c1, strict=False)]
    total = sum(delta[:8]) or 1
    idle = delta[3] + delta[4]
    return {"load1_start": load0, "load1_end": load1,
            "busy_pct": round(100 * (total - idle) / total, 1),
            "steal_pct": round(100 * delta[7] / total, 1)}


def machine_info() -> dict[str, Any]:
    import duckdb
    import pandas as pd
    import plotly
    import pyarrow
    import streamlit

    mem_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                   .splitlines() if line.startswith("MemTotal")), 0)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor())
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                                capture_output=True, check=False).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "src", "app_pages",
                                     "app.py"], cwd=ROOT, text=True, capture_output=True,
                                    check=False).stdout.strip())
    except OSError:
        commit, dirty = "", False
    try:
        import geopandas

        gpd_version = geopandas.__version__
    except ImportError:
        gpd_version = None
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(), "platform": platform.platform(),
        "duckdb": duckdb.__version__, "pandas": pd.__version__, "pyarrow": pyarrow.__version__,
        "streamlit": streamlit.__version__, "plotly": plotly.__version__,
        "geopandas": gpd_version, "git_commit": commit, "src_dirty": dirty,
    }


# --------------------------------------------------------------------------- 1. build

def child_build(data_dir: str, profile_out: str | None) -> None:
    """Run one build in this (fresh) process and print a JSON line with its figures."""
    import resource

    from regiodash.config import load_settings
    from regiodash.storage.build import build_warehouse

    settings = load_settings({"REGIODASH_DATA_DIR": data_dir})
    marks: list[tuple[float, str]] = []
    started = time.perf_counter()

    def progress(message: str) -> None:
        marks.append((time.perf_counter() - started, message))

    if profile_out:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        summary = build_warehouse(settings, progress)
        profiler.disable()
        with open(profile_out, "w") as fh:
            stats = pstats.Stats(profiler, stream=fh)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(30)
    else:
        summary = build_warehouse(settings, progress)
    wall = time.perf_counter() - started

    def mark(prefix: str) -> float | None:
        return next((t for t, m in marks if m.startswith(prefix)), None)

    t_obs, t_derive, t_done = mark("observations:"), mark("deriving"), mark("indicator_values:")
    stages = {}
    if t_obs is not None and t_derive is not None and t_done is not None:
        stages = {"observations_s": round(t_obs, 3), "precedence_s": round(t_derive - t_obs, 3),
                  "derive_sort_write_s": round(t_done - t_derive, 3),
                  "finish_s": round(wall - t_done, 3)}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "maxrss_mb": round(usage.ru_maxrss / 1024, 1),
        "observations": summary.observations, "indicator_values": summary.indicator_values,
        "indicators": summary.indicators, "stages": stages,
    }))


def run_child_build(size: str, profile_out: Path | None = None) -> dict:
    cmd = [sys.executable, "-m", "bench.run", "--child-build", str(DATA_ROOT / size)]
    if profile_out:
        cmd += ["--profile-out", str(profile_out)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True, check=False)
    process_wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"build of {size} failed: {proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = round(process_wall, 3)
    return result


def file_mb(path: Path) -> float | None:
    return round(path.stat().st_size / 1e6, 2) if path.exists() else None


def bench_build(size: str, mode: Mode) -> dict:
    from bench.panels import SIZES, ensure_panel
    from regiodash.storage.layout import WarehousePaths

    settings = settings_for(size)
    rows, wrote = ensure_panel(SIZES[size], settings)
    stamp = json.loads((settings.data_dir / "bench_panel.json").read_text())
    runs = [run_child_build(size) for _ in range(mode.build_reps[size])]
    walls = [r["wall_s"] for r in runs]
    best = runs[int(np.argsort(walls)[len(walls) // 2])]  # the median run
    paths = WarehousePaths(settings.data_dir)
    return {
        "panel_rows": rows,
        "panel_write_s": round(stamp["write_s"], 2),
        "panel_cached": wrote is None,
        "observations": best["observations"], "indicator_values": best["indicator_values"],
        "indicators": best["indicators"],
        "build_wall_s": walls, "build_p50_s": round(float(np.median(walls)), 2),
        "process_wall_s": [r["process_wall_s"] for r in runs],
        "maxrss_mb": max(r["maxrss_mb"] for r in runs),
        "cpu_s": [r.get("cpu_s") for r in runs],
        "stages": best["stages"],
        "parquet_mb": {
            "demo_panel": file_mb(paths.demo_panel),
            "observations": file_mb(paths.observations),
            "indicator_values": file_mb(paths.indicator_values),
            "innovation_groups": file_mb(paths.innovation_groups),
        },
        "indicator_values_row_groups": _row_groups(paths.indicator_values),
    }


def _row_groups(path: Path) -> int | None:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_row_groups if path.exists() else None


# --------------------------------------------------------------------------- 2. queries

def latest_year(wh, indicator_id: str) -> int:
    return int(wh.query_rows("SELECT max(year) FROM indicator_values WHERE indicator_id = ?",
                             [indicator_id])[0][0])


def query_ops(size: str, year: int) -> dict[str, Callable[[Any], Any]]:
    """Named query operations as functions of an open Warehouse (what the pages call)."""
    from indicators import innovation_gap
    from indicators.peers import PEER_CONTEXT, find_peers
    from regiodash.storage import queries

    ops: dict[str, Callable[[Any], Any]] = {}
    for level in (0, 1, 2, 3):
        ops[f"map values NUTS {level}"] = (
            lambda wh, lv=level: queries.load_map_values(wh, INDEX_ID, lv, year, "T"))
    ops["map coverage (indicator)"] = lambda wh: queries.load_indicator_coverage(wh, INDEX_ID)
    ops["region profile (NUTS 2)"] = lambda wh: queries.load_region_values(wh, PROFILE_REGION)
    if size != "1x":
        ops["region profile (NUTS 3)"] = (
            lambda wh: queries.load_region_values(wh, PROFILE_REGION_NUTS3))
    ops["ranking NUTS 2"] = lambda wh: queries.load_level_year_values(wh, INDEX_ID, 2, "T")
    if size != "1x":
        ops["ranking NUTS 3"] = lambda wh: queries.load_level_year_values(wh, INDEX_ID, 3, "T")
    ops["peer search NUTS 2"] = lambda wh: find_peers(
        queries.load_level_values(wh, 2, year, list(PEER_CONTEXT)), PROFILE_REGION, k=8)
    if hasattr(queries, "load_reweighted_index"):
        weights = {i: 1.0 for i in innovation_gap.COMPONENT_IDS}
        weights[innovation_gap.COMPONENT_IDS[0]] = 2.0
        ops["reweighted index NUTS 2"] = (
            lambda wh: queries.load_reweighted_index(wh, 2, weights))
    ops["warehouse summary (overview)"] = queries.load_warehouse_summary
    return ops


def projects_ops(size: str) -> tuple[dict[str, Callable[[], Any]], str | None]:
    """The Projects page's uncached pipeline, step by step (None note when available)."""
    try:
        from regiodash.projects import queries as pq_
    except Exception as exc:  # noqa: BLE001 - another engineer is writing it; report, go on
        return {}, f"projects queries not importable: {type(exc).__name__}: {exc}"
    settings = settings_for(size)
    try:
        portfolio = pq_.load_portfolio(settings)
        regions = pq_.load_region_names(settings.reference_dir)
        budgets = pq_.load_partner_budgets(portfolio, regions)
        groups = pq_.load_innovation_groups(settings.data_dir)
        located = pq_.attach_groups(budgets, groups)
        codes = sorted(set(located["nuts2_code"].dropna()))
    except Exception as exc:  # noqa: BLE001
        return {}, f"projects pipeline failed: {type(exc).__name__}: {exc}"
    ids = list(pq_.REGION_INDICATORS)
    ops: dict[str, Callable[[], Any]] = {
        "projects: load portfolio": lambda: pq_.load_portfolio(settings),
        "projects: partner budgets": lambda: pq_.load_partner_budgets(portfolio, regions),
        "projects: innovation groups (file)": lambda: pq_.load_innovation_groups(
            settings.data_dir),
        "projects: attach groups": lambda: pq_.attach_groups(budgets, groups),
        "projects: group shares": lambda: pq_.group_shares(located, groups is not None),
        "projects: budget by programme": lambda: pq_.budget_by_programme(portfolio),
        "projects: budget by region": lambda: pq_.budget_by_region(located, 2),
        "projects: region map frame": lambda: pq_.region_map_frame(located),
        "projects: portfolio overview": lambda: pq_.portfolio_overview(portfolio),
        "projects: available indicator ids": lambda: pq_.available_indicator_ids(
            settings.data_dir),
        "projects: partner-region indicators": lambda: pq_.load_region_indicator_values(
            settings.data_dir, codes, ids),
        "projects: groups are demo": lambda: pq_.innovation_groups_are_demo(settings.data_dir),
    }
    return ops, None


def bench_queries(size: str, mode: Mode) -> dict:
    from regiodash.storage.connection import open_warehouse

    settings = settings_for(size)
    wh = open_warehouse(settings)
    year = latest_year(wh, INDEX_ID)
    ops = query_ops(size, year)
    warm: dict[str, dict] = {}
    errors: dict[str, str] = {}
    for name, op in ops.items():
        try:
            warm[name] = summarise(time_calls(lambda op=op: op(wh), mode.warm_reps,
                                              budget_s=mode.warm_budget_s))
        except Exception as exc:  # noqa: BLE001 - report and carry on
            errors[name] = f"{type(exc).__name__}: {exc}"
    wh.close()
    cold: dict[str, dict] = {}
    opens: list[float] = []
    for name, op in ops.items():
        if name in errors:
            continue
        firsts = []
        for _ in range(mode.cold_reps):
            gc.collect()
            started = time.perf_counter()
            fresh = open_warehouse(settings)
            opened = time.perf_counter()
            op(fresh)
            firsts.append(time.perf_counter() - opened)
            opens.append(opened - started)
            fresh.close()
        cold[name] = {"p50_ms": ms(float(np.median(firsts))), "n": len(firsts)}
    proj, note = projects_ops(size)
    for name, op in proj.items():
        try:
            warm[name] = summarise(time_calls(op, mode.warm_reps, budget_s=mode.warm_budget_s))
        except Exception as exc:  # noqa: BLE001
            errors[name] = f"{type(exc).__name__}: {exc}"
    if proj and not any(n.startswith("projects") for n in errors):
        total = sum(warm[n]["p50_ms"] for n in proj)
        warm["projects: whole pipeline (sum of p50)"] = {"n": mode.warm_reps, "p50_ms": round(
            total, 2), "p95_ms": None, "min_ms": None, "max_ms": None}
    return {"year": year, "warm": warm, "cold": cold,
            "open_warehouse_p50_ms": ms(float(np.median(opens))) if opens else None,
            "errors": errors, "projects_note": note}


# --------------------------------------------------------------------------- 3. baseline

def ours_map_figure(wh, geojson_cache: dict, level: int, year: int) -> int:
    """What a map rerun costs us without Streamlit's cache for the values: query + figure."""
    from regiodash.storage import queries
    from regiodash.ui.maps import MapSpec, build_choropleth, figure_json_bytes

    values = queries.load_map_values(wh, INDEX_ID, level, year, "T")
    fig, _ = build_choropleth(geojson_cache[level], values,
                              MapSpec("Regional Innovation Index", "index", 1, "higher"))
    return figure_json_bytes(fig)


def geojson_for(wh, level: int) -> dict:
    from regiodash.storage import queries
    from regiodash.ui.maps import build_geojson

    frame = queries.load_boundaries(wh, level, "2021")
    return build_geojson(frame[~frame["is_overseas"].astype(bool)])


def bench_baseline(size: str, mode: Mode, year: int) -> dict:
    from bench import baseline
    from indicators.peers import PEER_CONTEXT, find_peers
    from regiodash.storage import queries
    from regiodash.storage.connection import open_warehouse

    settings = settings_for(size)
    data_dir, ref = settings.data_dir, settings.reference_dir
    wh = open_warehouse(settings)
    geo = {level: geojson_for(wh, level) for level in (2, 3)}
    pairs = {
        "map data NUTS 2": (
            lambda: queries.load_map_values(wh, INDEX_ID, 2, year, "T"),
            lambda: baseline.naive_map_data(data_dir, ref, INDEX_ID, 2, year, "T")),
        "map data NUTS 3": (
            lambda: queries.load_map_values(wh, INDEX_ID, 3, year, "T"),
            lambda: baseline.naive_map_data(data_dir, ref, INDEX_ID, 3, year, "T")),
        "map data + figure JSON NUTS 2": (
            lambda: ours_map_figure(wh, geo, 2, year),
            lambda: baseline.naive_map_figure(data_dir, ref, INDEX_ID, 2, year, "T")),
        "region profile": (
            lambda: queries.load_region_values(wh, PROFILE_REGION),
            lambda: baseline.naive_region_values(data_dir, PROFILE_REGION)),
        "ranking NUTS 2": (
            lambda: queries.load_level_year_values(wh, INDEX_ID, 2, "T"),
            lambda: baseline.naive_ranking(data_dir, ref, INDEX_ID, 2, "T")),
        "peer search NUTS 2": (
            lambda: find_peers(queries.load_level_values(wh, 2, year, list(PEER_CONTEXT)),
                               PROFILE_REGION, k=8),
            lambda: baseline.naive_peers(data_dir, 2, year, PROFILE_REGION)),
    }
    out = {}
    reps = mode.baseline_reps[size]
    for name, (ours, naive) in pairs.items():
        ours_t = summarise(time_calls(ours, mode.warm_reps, warmup=2,
                                      budget_s=mode.warm_budget_s))
        naive_t = summarise(time_calls(naive, reps, warmup=0))
        out[name] = {"ours": ours_t, "naive": naive_t,
                     "ours_over_naive": round(ours_t["p50_ms"] / naive_t["p50_ms"], 4),
                     "speedup": round(naive_t["p50_ms"] / ours_t["p50_ms"], 1)}
    wh.close()
    return {"geopandas": baseline.GEOPANDAS, "ops": out}


# --------------------------------------------------------------------------- 4. figures

def bench_figures(size: str, mode: Mode, year: int) -> dict:
    """Figure JSON bytes and build time per NUTS level, as ui.maps builds them.

    `geometry` is how the figure gets its shapes: "url" (what the pages do when
    ui.data.geojson returns the URL of a static GeoJSON file: the browser fetches the shapes
    once and caches them) or "inline" (the FeatureCollection inside the figure).
    """
    import inspect
    import json as json_

    from regiodash.storage import queries
    from regiodash.storage.connection import open_warehouse
    from regiodash.ui import maps

    url_supported = "str" in str(inspect.signature(maps.build_choropleth).parameters["geojson"])
    wh = open_warehouse(settings_for(size))
    out: dict[str, dict] = {}
    cont_year = latest_year(wh, CONTINUOUS_ID)
    spec = maps.MapSpec("Employment rate", "%", 1, "higher")
    for level in (0, 1, 2, 3):
        geo = geojson_for(wh, level)
        geometries = {"inline": geo}
        if url_supported:
            geometries["url"] = f"/app/static/geo/nuts_2021_level{level}_0123456789.json"
        values = queries.load_map_values(wh, CONTINUOUS_ID, level, cont_year, "T")
        row: dict[str, Any] = {
            "geometry_file_bytes": len(json_.dumps(geo, separators=(",", ":")).encode()),
            "regions_without_value": int(values["value"].isna().sum()),
        }
        groups = idx = None
        if hasattr(maps, "build_group_map"):
            groups = queries.load_innovation_groups(wh, level)
            idx = queries.load_map_values(wh, INDEX_ID, level, year, "T").merge(
                groups.loc[groups["year"] == year, ["geo_code", "grp", "subgroup"]],
                on="geo_code", how="left")
        for how, g in geometries.items():
            def continuous(g=g, values=values):
                fig, _ = maps.build_choropleth(g, values, spec)
                return maps.figure_json_bytes(fig), len(fig.data)

            (nbytes, traces), t = continuous(), summarise(
                time_calls(continuous, mode.figure_reps, warmup=0))
            row[f"continuous_{how}"] = {"bytes": nbytes, "traces": traces,
                                        "build_json_p50_ms": t["p50_ms"]}
            if idx is not None:
                def grouped(g=g, idx=idx):
                    fig, _ = maps.build_group_map(g, idx)
                    return maps.figure_json_bytes(fig), len(fig.data)

                (nbytes, traces), t = grouped(), summarise(
                    time_calls(grouped, mode.figure_reps, warmup=0))
                row[f"group_map_{how}"] = {"bytes": nbytes, "traces": traces,
                                           "build_json_p50_ms": t["p50_ms"]}
        row["page_geometry"] = "url" if url_supported else "inline"
        out[f"NUTS {level}"] = row
    wh.close()
    return out


# --------------------------------------------------------------------------- 5. pages

def page_list() -> list[tuple[str, str, dict[str, str]]]:
    """(label, page script, query params) of every page in app.py's PAGES, the map at NUTS 2
    and NUTS 3 (default view and continuous); a page not named here is measured by its
    url_path."""
    script = {spec["url_path"]: spec["page"] for spec in read_pages()}
    named = [
        ("overview", "overview", {}),
        ("map NUTS 2 (default view)", "map", {"level": "2"}),
        ("map NUTS 3 (default view)", "map", {"level": "3"}),
        ("map NUTS 2 (continuous)", "map", {"level": "2", "indicator": CONTINUOUS_ID}),
        ("map NUTS 3 (continuous)", "map", {"level": "3", "indicator": CONTINUOUS_ID}),
        ("profile", "profile", {}),
        ("compare", "compare", {}),
        ("rankings", "rankings", {}),
        ("methodology", "methodology", {}),
        ("projects", "projects", {}),
    ]
    pages = [(label, script[path], params) for label, path, params in named if path in script]
    pages += [(path, page, {}) for path, page in script.items()
              if path not in {p for _, p, _ in named}]
    return pages


def _apptest(script: str, params: dict[str, str], routed: bool):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / ("app.py" if routed else script)), default_timeout=600)
    for key, value in params.items():
        at.query_params[key] = value
    if routed:
        at.switch_page(script)
    return at


def _timed_runs(at, warmup: int, reps: int) -> tuple[float, list[float]]:
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    for _ in range(warmup - 1):
        at.run()
    return first, [_timed(at.run) for _ in range(reps)]


def _share_script_cache() -> None:
    """One ScriptCache for every AppTest run in this (child) process, as `streamlit run` has.

    A server keeps one per runtime: a script is compiled (with its "magic" AST rewrite) once,
    and every rerun reuses the bytecode. AppTest makes a new cache per run, so each rerun would
    recompile app.py and the page, a cost a real rerun does not have. Applies to the empty page
    and to every page alike.
    """
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = lambda: shared
    local_script_runner.ScriptCache = lambda: shared


def _routed_empty_app(tmp: Path):
    """AppTest of app.py with its Data & methodology page replaced by a page that only has a
    title: what any page of this app pays for the page config, st.navigation and the
    sidebar before its own content. app.py itself is copied unchanged."""
    from streamlit.testing.v1 import AppTest

    methodology = next(s["page"] for s in read_pages() if s["url_path"] == "methodology")
    (tmp / "app.py").write_text((ROOT / "app.py").read_text())
    folder = (tmp / methodology).parent
    folder.mkdir()
    for script in (ROOT / folder.name).glob("*.py"):
        (folder / script.name).symlink_to(script)
    (tmp / methodology).unlink()
    (tmp / methodology).write_text('import streamlit as st\n\nst.title("Empty page")\n')
    at = AppTest.from_file(str(tmp / "app.py"), default_timeout=600)
    at.switch_page(methodology)
    return at


def _through_app_py(at) -> bool:
    """Whether the last run went through app.py (its sidebar text is there), not the page
    script alone."""
    return any(APP_SIDEBAR_TEXT in c.value for c in at.sidebar.caption)


def _interleaved_runs(at, empty, warmup: int, reps: int
                      ) -> tuple[float, list[float], list[float]]:
    """(first run, page reruns, empty-page reruns) with the two alternating, so both samples
    see the same background load and their ratio is not skewed by a busy moment."""
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    for _ in range(warmup - 1):
        at.run()
    page_runs, empty_runs = [], []
    for _ in range(reps):
        empty_runs.append(_timed(empty.run))
        page_runs.append(_timed(at.run))
    return first, page_runs, empty_runs


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


FLOOR_PAGE = """
import streamlit as st

from regiodash.ui import data
from regiodash.ui.maps import MAP_CONFIG, build_group_map

LEVEL = {level}


@st.cache_resource
def prebuilt(level: int):
    version = data.data_version()
    cov = data.coverage(version, "{index_id}")
    years = cov.loc[cov["nuts_level"] == level, "year"]
    year = int(years.max() if len(years) else cov["year"].max())  # no values: all grey
    values = data.map_values(version, "{index_id}", level, year, "T")
    groups = data.innovation_groups(version, level)
    values = values.merge(groups.loc[groups["year"] == year, ["geo_code", "grp", "subgroup"]],
                          on="geo_code", how="left")
    return build_group_map(data.geojson(version, level, "2021"), values)[0]


st.title("Map figure only")
st.plotly_chart(prebuilt(LEVEL), config=MAP_CONFIG, key="map", on_select="rerun",
                selection_mode="points")
"""


def bench_pages(size: str, mode: Mode) -> dict:
    """bench_pages_here in a fresh process, so memory held by earlier sections (the 100x
    baseline frames) cannot slow the reruns through garbage collection."""
    cmd = [sys.executable, "-m", "bench.run", "--child-pages", size]
    if mode.quick:
        cmd.append("--quick")
    proc = subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"page benchmark of {size} failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_pages_here(size: str, mode: Mode) -> dict:
    """AppTest reruns of every page, an empty page, and a 'floor' page per NUTS level that
    only draws the default map from a figure built once (st.cache_resource): the least a
    page showing this map can cost, whatever the page does around it."""
    os.environ["REGIODASH_DATA_DIR"] = str(DATA_ROOT / size)
    _share_script_cache()
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty_page.py"
        empty.write_text('import streamlit as st\n\nst.title("Empty page")\n')
        empty_at = _apptest(str(empty), {}, routed=False)
        _, all_empty = _timed_runs(empty_at, mode.page_warmup, mode.page_reps)
        (Path(tmp) / "routed").mkdir()
        routed_empty = _routed_empty_app(Path(tmp) / "routed")
        first, runs, empties = _interleaved_runs(routed_empty, empty_at, mode.page_warmup,
                                                 mode.page_reps)
        p50, e50 = float(np.median(runs)), float(np.median(empties))
        out["empty page routed through app.py (navigation + sidebar)"] = {
            "first_run_ms": ms(first), "rerun_p50_ms": ms(p50), "empty_p50_ms": ms(e50),
            "ratio_to_empty": round(p50 / e50, 1), "exception": bool(routed_empty.exception),
            "through_app_py": _through_app_py(routed_empty)}
        for level in (2, 3):
            floor = Path(tmp) / f"floor_nuts{level}.py"
            floor.write_text(FLOOR_PAGE.format(level=level, index_id=INDEX_ID))
            label = f"floor: cached map figure only, NUTS {level}"
            try:
                at = _apptest(str(floor), {}, routed=False)
                first, runs, empties = _interleaved_runs(at, empty_at, mode.page_warmup,
                                                         mode.page_reps)
            except Exception as exc:  # noqa: BLE001
                out[label] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
                continue
            all_empty += empties
            p50, e50 = float(np.median(runs)), float(np.median(empties))
            charts = at.get("plotly_chart")
            out[label] = {
                "first_run_ms": ms(first), "rerun_p50_ms": ms(p50), "empty_p50_ms": ms(e50),
                "ratio_to_empty": round(p50 / e50, 1), "exception": bool(at.exception),
                "plotly_spec_bytes": [len(c.proto.spec.encode()) for c in charts]}
        app = (ROOT / "app.py").read_text()
        for label, script, params in page_list():
            routed = script in app
            try:
                at = _apptest(script, params, routed)
                first, runs, empties = _interleaved_runs(at, empty_at, mode.page_warmup,
                                                         mode.page_reps)
            except Exception as exc:  # noqa: BLE001 - one broken page must not stop the run
                out[label] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
                continue
            all_empty += empties
            p50, e50 = float(np.median(runs)), float(np.median(empties))
            row: dict[str, Any] = {"first_run_ms": ms(first), "rerun_p50_ms": ms(p50),
                                   "empty_p50_ms": ms(e50),
                                   "ratio_to_empty": round(p50 / e50, 1),
                                   "exception": bool(at.exception)}
            if at.exception:
                row["exception_text"] = str(at.exception[0].value)[:300]
            if routed:
                row["through_app_py"] = _through_app_py(at)
            charts = at.get("plotly_chart")
            if charts:
                row["plotly_spec_bytes"] = [len(c.proto.spec.encode()) for c in charts]
            level = at.query_params.get("level")
            if isinstance(level, list):
                level = level[0] if level else None
            if "level" in params:
                row["level_shown"] = level or "2 (default)"
            out[label] = row
    empty_p50 = float(np.median(all_empty))
    return {"empty_page_rerun_p50_ms": ms(empty_p50), "pages": out, "reps": mode.page_reps}


# --------------------------------------------------------------------------- 6. browser

def bench_browser(size: str, mode: Mode) -> dict:
    if not Path(CHROMIUM).exists():
        return {"skipped": f"{CHROMIUM} not installed"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "playwright not installed"}
    try:
        proc, url = start_streamlit(DATA_ROOT / size, OUT / f"streamlit_{size}.log")
    except ServerError:
        return {"skipped": "streamlit did not start (see bench/out log)"}
    try:
        out: dict[str, Any] = {}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)
            for label, query, threshold in (("NUTS 2", "?level=2", 300),
                                            ("NUTS 3", "?level=3", 1000)):
                if size == "1x" and label == "NUTS 3":
                    continue  # no NUTS 3 values in the demo panel: the page shows NUTS 2
                times, titles, errors = [], [], []
                for _ in range(mode.paint_loads):
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    page = context.new_page()
                    started = time.perf_counter()
                    try:
                        page.goto(f"{url}/{query}", wait_until="domcontentloaded")
                        page.get_by_text("Map explorer").first.wait_for(timeout=60_000)
                        titles.append(time.perf_counter() - started)
                        page.wait_for_function(
                            "document.querySelectorAll('path.choroplethlocation').length"
                            f" > {threshold}", timeout=60_000)
                        times.append(time.perf_counter() - started)
                    except Exception as exc:  # noqa: BLE001
                        errors.append(f"{type(exc).__name__}: {str(exc)[:160]}")
                    context.close()
                out[label] = {"loads_s": [round(t, 2) for t in times],
                              "title_s": [round(t, 2) for t in titles],
                              "title_median_s": round(statistics.median(titles), 2)
                              if titles else None,
                              "median_s": round(statistics.median(times), 2) if times else None,
                              "threshold_paths": threshold, "errors": errors}
            browser.close()
        return out
    finally:
        stop_streamlit(proc)


# --------------------------------------------------------------------------- targets, report

def evaluate_targets(results: dict) -> list[dict]:
    sizes = results["sizes"]
    targets: list[dict] = []

    def add(name: str, value: Any, limit: str, met: bool | None, note: str = "") -> None:
        targets.append({"target": name, "value": value, "limit": limit,
                        "status": "n/a" if met is None else ("met" if met else "MISSED"),
                        "note": note})

    big = "100x" if "100x" in sizes else (list(sizes)[-1] if sizes else None)
    if big and "build" in sizes[big]:
        b = sizes[big]["build"]
        add(f"build {big} ({b['observations']:,} observations) wall", f"{b['build_p50_s']} s",
            "< 10 s", b["build_p50_s"] < 10 if big == "100x" else None,
            "" if big == "100x" else "target defined at 100x")
        add(f"build {big} peak RSS", f"{b['maxrss_mb']:.0f} MB", "< 2048 MB",
            b["maxrss_mb"] < 2048 if big == "100x" else None)
    if big and "queries" in sizes[big]:
        warm = sizes[big]["queries"]["warm"]
        worst = max((warm[f"map values NUTS {lv}"]["p50_ms"], lv) for lv in range(4)
                    if f"map values NUTS {lv}" in warm)
        add(f"map query p50 at {big} (worst level: NUTS {worst[1]})", f"{worst[0]} ms",
            "< 20 ms", worst[0] < 20 if big == "100x" else None)
    for size, data in sizes.items():
        pages = data.get("pages", {}).get("pages", {})
        for label, limit in (("map NUTS 2 (default view)", 3), ("map NUTS 3 (default view)", 6),
                             ("map NUTS 2 (continuous)", 3), ("map NUTS 3 (continuous)", 6)):
            row = pages.get(label)
            if row and "ratio_to_empty" in row:
                shown = row.get("level_shown")
                note = ("1x has no NUTS 3 values: the page falls back to NUTS 2"
                        if "NUTS 3" in label and str(shown) != "3" else "")
                routed = row.get("through_app_py", False)
                if not routed:
                    note = "measured without app.py's navigation: does not count"
                add(f"page {label} rerun / empty page, {size}", f"{row['ratio_to_empty']}x",
                    f"<= {limit}x", routed and row["ratio_to_empty"] <= limit, note)
    figure_size = big
    if figure_size and "figures" in sizes[figure_size] and "error" not in sizes[figure_size][
            "figures"]:
        figs = sizes[figure_size]["figures"]
        for level, limit in ((2, 350), (3, 900)):
            row = figs.get(f"NUTS {level}")
            if not row:
                continue
            how = row["page_geometry"]
            for kind, label in (("continuous", "continuous map"),
                                ("group_map", "default view (innovation groups)")):
                fig = row.get(f"{kind}_{how}")
                if not fig:
                    continue
                kb = fig["bytes"] / 1000
                note = f"{fig['traces']} traces, geometry {how}"
                if how == "url":
                    note += (f"; plus the geometry file fetched once and cached: "
                             f"{row['geometry_file_bytes'] / 1000:.0f} KB")
                add(f"figure JSON NUTS {level}, {label} ({figure_size})", f"{kb:.0f} KB",
                    f"< {limit} KB", kb < limit, note)
                if how == "url":
                    first = (fig["bytes"] + row["geometry_file_bytes"]) / 1000
                    add(f"first view bytes NUTS {level}, {label}: figure + geometry file "
                        f"({figure_size})", f"{first:.0f} KB", f"< {limit} KB", first < limit,
                        "what a browser without the cached file downloads")
    for size, data in sizes.items():
        paint = data.get("browser", {}).get("NUTS 2")
        if paint and paint.get("median_s") is not None:
            add(f"first map paint NUTS 2, {size} (median of {len(paint['loads_s'])})",
                f"{paint['median_s']} s", "< 3 s", paint["median_s"] < 3)
    for size, data in sizes.items():
        ops = data.get("baseline", {}).get("ops", {})
        for name in ("map data NUTS 2", "map data NUTS 3", "region profile"):
            if name in ops:
                add(f"{name} vs naive baseline, {size}", f"{ops[name]['speedup']}x faster",
                    ">= 10x", ops[name]["speedup"] >= 10)
    return targets


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def growth(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "-"
    return f"{b / a:.1f}x"


README_START = "<!-- bench:targets:start -->"
README_END = "<!-- bench:targets:end -->"


def update_readme(text: str, results: dict) -> str:
    """README with the targets table of a full run between its two marker comments."""
    if README_START not in text or README_END not in text:
        raise ValueError(f"README.md lacks the markers {README_START} / {README_END}")
    m = results["machine"]
    block = "\n".join([
        README_START,
        f"Latest full run: {m['date']}, commit {m['git_commit']}, {m['nproc']} cores "
        f"({m['cpu']}). Written by `make bench`; details in BENCHMARKS.md.",
        "",
        table(["target", "value", "limit", "status", "note"],
              [[t["target"], t["value"], t["limit"], t["status"], t["note"]]
               for t in results["targets"]]),
        README_END,
    ])
    head, rest = text.split(README_START, 1)
    return head + block + rest.split(README_END, 1)[1]


def render_report(results: dict) -> str:
    m = results["machine"]
    sizes = results["sizes"]
    names = list(sizes)
    parts = [
        "# Benchmarks",
        "",
        f"Generated by `python -m bench.run{' --quick' if results['mode'] == 'quick' else ''}`"
        f" on {m['date']} ({results['mode']} run, {results['elapsed_s']:.0f} s). Do not edit "
        "by hand: rerun the harness (`make bench`). Method and caveats: bench/README.md.",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['ram_gb']} GB RAM; Python {m['python']}, "
        f"DuckDB {m['duckdb']}, pandas {m['pandas']}, pyarrow {m['pyarrow']}, Streamlit "
        f"{m['streamlit']}, plotly {m['plotly']}, geopandas {m['geopandas'] or 'absent'}; "
        f"commit {m['git_commit']}{' + local changes in src/pages' if m['src_dirty'] else ''}.",
        f"CPU noise during the run: {results.get('noise', {})}. Other processes on the "
        "machine (e.g. a load test) inflate every figure; compare ratios measured in the same "
        "run rather than absolute times across runs.",
        "",
        "## Targets",
        "",
        table(["target", "value", "limit", "status", "note"],
              [[t["target"], t["value"], t["limit"], t["status"], t["note"]]
               for t in results["targets"]]),
    ]
    # sizes and build
    if any("build" in sizes[s] for s in names):
        rows = []
        for s in names:
            b = sizes[s].get("build")
            if not b:
                continue
            st = b.get("stages", {})
            pq = b["parquet_mb"]
            rows.append([s, b["observations"], b["indicator_values"], b["indicators"],
                         pq["demo_panel"], pq["observations"], pq["indicator_values"],
                         b["panel_write_s"], b["build_p50_s"],
                         ", ".join(f"{x:.1f}" for x in b["build_wall_s"]),
                         f"{b['maxrss_mb']:.0f}",
                         ", ".join(f"{x:.1f}" for x in b.get("cpu_s", []) if x is not None),
                         st.get("observations_s"), st.get("precedence_s"),
                         st.get("derive_sort_write_s")])
        parts += ["", "## 1. Panels and build", "",
                  "Build = `build_warehouse` in a fresh subprocess (median of the runs listed); "
                  "CPU s = user + system time of the build process (all threads): on 2 cores "
                  "a build needing ~10 CPU s cannot finish in under 10 s if another process "
                  "holds a core. Stages from its progress messages: read + sort observations "
                  "(observations.parquet is then written by a background thread), precedence "
                  "(only where a key repeats), then derive indices + sort by region + the two "
                  "indicator-values Parquet writes. "
                  "`regiodash demo` at 1x = panel write + build.",
                  "",
                  table(["size", "observations", "indicator values", "indicators",
                         "panel MB", "observations MB", "indicator_values MB", "panel write s",
                         "build s (p50)", "build runs s", "peak RSS MB", "build CPU s",
                         "read+sort obs s", "precedence s", "derive+sort+write s"], rows)]
    # queries
    if any("queries" in sizes[s] for s in names):
        ops: list[str] = []
        for s in names:
            for op in sizes[s].get("queries", {}).get("warm", {}):
                if op not in ops:
                    ops.append(op)
        header = ["operation"]
        for s in names:
            header += [f"{s} p50 ms", f"{s} p95 ms", f"{s} cold ms"]
        header += ["growth " + "->".join(names)]
        rows = []
        for op in ops:
            row: list[Any] = [op]
            p50s = []
            for s in names:
                q = sizes[s].get("queries", {})
                w = q.get("warm", {}).get(op)
                c = q.get("cold", {}).get(op)
                row += [w and w["p50_ms"], w and w["p95_ms"], c and c["p50_ms"]]
                p50s.append(w and w["p50_ms"])
            row.append(", ".join(growth(a, b) for a, b in zip(p50s, p50s[1:], strict=False)))
            rows.append(row)
        opens = ", ".join(f"{s}: {sizes[s]['queries'].get('open_warehouse_p50_ms')} ms"
                          for s in names if "queries" in sizes[s])
        notes = [f"{s}: {sizes[s]['queries']['projects_note']}" for s in names
                 if sizes[s].get("queries", {}).get("projects_note")]
        errs = [f"{s} {k}: {v}" for s in names
                for k, v in sizes[s].get("queries", {}).get("errors", {}).items()]
        iv_rows = {s: sizes[s].get("build", {}).get("indicator_values") for s in names}
        parts += ["", "## 2. Query latencies", "",
                  f"Warm: p50/p95 over {results['reps']['warm']} calls on one open Warehouse "
                  f"(after 3 warm-up calls). Cold: median over {results['reps']['cold']} "
                  "freshly opened Warehouses of the first call (the OS page cache is warm). "
                  f"Opening a Warehouse: {opens}. Indicator-values rows per size: "
                  + ", ".join(f"{s} {fmt(v)}" for s, v in iv_rows.items())
                  + f". Map/profile/ranking use `{INDEX_ID}` (latest year), profile "
                  f"{PROFILE_REGION} / {PROFILE_REGION_NUTS3}. Projects queries open their own "
                  "DuckDB connection per call (no Warehouse, so no separate cold figure).",
                  "", table(header, rows)]
        if notes or errs:
            parts += ["", *[f"- {n}" for n in notes + errs]]
    # baseline
    if any("baseline" in sizes[s] for s in names):
        rows = []
        for s in names:
            bl = sizes[s].get("baseline")
            if not bl:
                continue
            for op, r in bl["ops"].items():
                rows.append([s, op, r["ours"]["p50_ms"], r["naive"]["p50_ms"],
                             r["ours_over_naive"], f"{r['speedup']}x"])
        gp = next((sizes[s]["baseline"]["geopandas"] for s in names if "baseline" in sizes[s]),
                  None)
        parts += ["", "## 3. Naive baseline (same run)", "",
                  "Naive = pandas reads the whole indicator_values.parquet on every call, "
                  "filters in pandas, merges names (and for maps "
                  f"{'geopandas' if gp else 'shapely + pandas'} merges the geometry), plotly "
                  "express builds the figure. The geometry is the committed simplified one "
                  "(full resolution is not available offline), so the baseline is favoured: "
                  "real gaps are larger. Ours = the named query on an open Warehouse "
                  "(figure row: query + build_choropleth with the cached GeoJSON + figure "
                  "JSON).", "",
                  table(["size", "operation", "ours p50 ms", "naive p50 ms", "ours / naive",
                         "speed-up"], rows)]
    # figures
    if any("figures" in sizes[s] and "error" not in sizes[s]["figures"] for s in names):
        rows = []
        for s in names:
            figs = sizes[s].get("figures", {})
            if "error" in figs:
                continue
            for level, r in figs.items():
                for how in ("url", "inline"):
                    c, g = r.get(f"continuous_{how}"), r.get(f"group_map_{how}")
                    if not c:
                        continue
                    rows.append([s, level, how + (" (pages)" if how == r["page_geometry"]
                                                  else ""),
                                 r["geometry_file_bytes"] / 1000, c["bytes"] / 1000,
                                 c["traces"], c["build_json_p50_ms"],
                                 g and g["bytes"] / 1000, g and g["traces"],
                                 g and g["build_json_p50_ms"]])
        parts += ["", "## 4. Map figure JSON", "",
                  "Bytes of `figure_json_bytes` (plotly's to_json) for the continuous map "
                  f"(`build_choropleth`, `{CONTINUOUS_ID}`) and the default view "
                  "(`build_group_map`, innovation groups). Geometry `url`: the figure names "
                  "a static GeoJSON file (what the pages send on every rerun; the browser "
                  "fetches the file once, size in the 'geometry file' column); `inline`: the "
                  "shapes travel inside the figure. Build ms = build the figure + to_json, "
                  "server side, per rerun.", "",
                  table(["size", "level", "geometry", "geometry file KB", "continuous KB",
                         "traces", "build+JSON ms", "default view KB", "traces",
                         "build+JSON ms"], rows)]
    # pages
    if any("pages" in sizes[s] for s in names):
        rows = []
        for s in names:
            pg = sizes[s].get("pages")
            if not pg:
                continue
            rows.append([s, "empty page (st.title only)", None, None,
                         pg["empty_page_rerun_p50_ms"], "1.0", None, ""])
            for label, r in pg["pages"].items():
                if "error" in r:
                    rows.append([s, label, None, None, None, None, None, r["error"]])
                    continue
                spec = r.get("plotly_spec_bytes")
                note = []
                if r.get("exception"):
                    note.append(f"exception: {r.get('exception_text', '')}")
                if "level_shown" in r:
                    note.append(f"level shown: {r['level_shown']}")
                if r.get("through_app_py") is False:
                    note.append("ran without app.py: not what a server does")
                rows.append([s, label, r["first_run_ms"], r["rerun_p50_ms"],
                             r.get("empty_p50_ms"), f"{r['ratio_to_empty']}x",
                             ", ".join(f"{b / 1000:.0f}" for b in spec) if spec else None,
                             "; ".join(note)])
        parts += ["", "## 5. Page cost (AppTest, server side)", "",
                  f"Median of {results['reps']['pages']} `at.run()` reruns after a warm-up, "
                  "each alternating with a rerun of an empty page (st.title only) in the same "
                  "process; / empty = the page's median over the empty page's median of those "
                  "interleaved runs, so both see the same background load. Empty-page row = "
                  "median of all its runs. Streamlit's caches are warm "
                  "after the first run, so the rerun is what a widget change costs. First run "
                  "= the page's first run in this process (caches may be partly warm from "
                  "earlier pages). Spec KB = the plotly_chart elements' JSON as sent. Every "
                  "page runs through app.py (page config, st.navigation, sidebar) as on a "
                  "server, checked by its sidebar text; 'empty page routed through app.py' is "
                  "what that costs by itself. Floor rows run alone.", "",
                  table(["size", "page", "first run ms", "rerun p50 ms", "empty p50 ms",
                         "/ empty",
                         "plotly spec KB", "note"], rows)]
    # browser
    if any("browser" in sizes[s] for s in names):
        rows = []
        for s in names:
            br = sizes[s].get("browser")
            if not br:
                continue
            if "skipped" in br:
                rows.append([s, "-", "-", "-", "-", br["skipped"]])
                continue
            for label, r in br.items():
                rows.append([s, label, ", ".join(f"{t:.2f}" for t in r["loads_s"]),
                             r["median_s"], r.get("title_median_s"),
                             "; ".join(r["errors"]) or
                             f"until > {r['threshold_paths']} region paths"])
        parts += ["", "## 6. First map paint (headless chromium)", "",
                  "Navigation to `/?level=N` (default view) until "
                  "`path.choroplethlocation` count passes the threshold, each load in a fresh "
                  "browser context against one `streamlit run` server per size; the first load "
                  "also pays the server's cold caches (warehouse open, GeoJSON, queries). "
                  "Title s = median time until the page title 'Map explorer' is on screen "
                  "(Streamlit's frontend loaded, websocket up, script started): the rest is the "
                  "page script, the figure transfer, the geometry fetch and plotly's drawing.",
                  "", table(["size", "level", "loads s", "median s", "title s", "note"], rows)]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- main

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
        year = res.get("queries", {}).get("year") or 2023
        section("baseline", lambda size=size, year=year: bench_baseline(size, mode, year))
        section("figures", lambda size=size, year=year: bench_figures(size, mode, year))
        section("pages", lambda size=size: bench_pages(size, mode))
        if not mode.quick or size == sizes[0]:
            section("browser", lambda size=size: bench_browser(size, mode))
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
    unknown = [s for s in sizes if s not in ALL_SIZES]
    skip = {s for s in args.skip.split(",") if s}
    if unknown or skip - set(SECTIONS):
        parser.error(f"unknown size or section: {unknown or sorted(skip - set(SECTIONS))}")
    results = run(sizes, mode, skip)
    report = render_report(results)
    print(report)
    full = not args.quick and sizes == list(ALL_SIZES) and not skip
    if args.out:
        md_path, json_path = Path(args.out) / "BENCHMARKS.md", Path(args.out) / "results.json"
    elif full:
        md_path, json_path = ROOT / "BENCHMARKS.md", ROOT / "bench" / "results.json"
    else:
        md_path = OUT / mode.name / "BENCHMARKS.md"
        json_path = OUT / mode.name / "results.json"
    md_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    md_path.write_text(report, encoding="utf-8")
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
