"""Section 1, build: `build_warehouse` in a fresh subprocess per repetition (wall time and
peak RSS inside the child, stage times from its progress messages), rows and Parquet sizes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.common import (
    DATA_ROOT,
    ROOT,
    Mode,
    settings_for,
)


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
