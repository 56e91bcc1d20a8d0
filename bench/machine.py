"""The machine a run measures on: versions, commit, cores, and the CPU noise (load
average, busy and steal shares) between two samples."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import ROOT


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
