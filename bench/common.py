"""What every benchmark section shares: paths, the measured ids, repetition counts (Mode),
the timing loop and its summary, and the warehouse look-ups several sections need."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
DATA_ROOT = OUT / "data"
INDEX_ID = "regional_innovation_index"
CONTINUOUS_ID = "employment_rate_pct"  # a catalog indicator drawn with build_choropleth
PROFILE_REGION = "DE21"
PROFILE_REGION_NUTS3 = "DE212"


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
        # The optional 1000x panel (`make bench-1000x`): one build, one naive baseline.
        self.build_reps["1000x"] = self.baseline_reps["1000x"] = 1





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




def latest_year(wh, indicator_id: str) -> int:
    return int(wh.query_rows("SELECT max(year) FROM indicator_values WHERE indicator_id = ?",
                             [indicator_id])[0][0])



def geojson_for(wh, level: int) -> dict:
    from regiodash.geometry import build_geojson
    from regiodash.storage import queries

    frame = queries.load_boundaries(wh, level, "2021")
    return build_geojson(frame[~frame["is_overseas"].astype(bool)])
