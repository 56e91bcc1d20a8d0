"""Section: Kohesio import and the Cohesion funding view (issue 19 targets).

- import and match: `import_kohesio` of the shared export (parse, region-name matching,
  cluster flags, atomic write, manifest) into a fresh warehouse, `reps` times; target < 5 s;
- funding view: the queries the Projects page's "Cohesion funding" view calls, warm p50/p95
  on one open Warehouse (demo panel + the export, built once); target < 100 ms each.

    .venv/bin/python -m bench.kohesio_bench          # this section alone
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from bench.common import OUT, Mode, summarise, time_calls

EXPORT = Path("/work/shared/data/real/kohesio/kohesio-data-export.tsv")
IMPORT_TARGET_S = 5.0
VIEW_TARGET_MS = 100.0


def _settings(folder: Path):
    from regiodash.config import load_settings

    return load_settings({"REGIODASH_DATA_DIR": str(folder)})


def bench_import(reps: int) -> dict[str, Any]:
    from regiodash.ingest.kohesio_import import import_kohesio

    times = []
    for rep in range(reps):
        folder = OUT / "kohesio" / f"import_{rep}"
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        import_kohesio(EXPORT, _settings(folder), drop_duplicates=True)
        times.append(time.perf_counter() - started)
        shutil.rmtree(folder, ignore_errors=True)
    return {**summarise(times), "target_s": IMPORT_TARGET_S,
            "met": max(times) < IMPORT_TARGET_S}


def bench_view(reps: int) -> dict[str, Any]:
    from regiodash.ingest.demo import write_demo_panel
    from regiodash.ingest.kohesio_import import import_kohesio
    from regiodash.projects import cohesion_funding as cf
    from regiodash.storage.build import build_warehouse
    from regiodash.storage.connection import open_warehouse

    folder = OUT / "kohesio" / "warehouse"
    settings = _settings(folder)
    if not (folder / "indicator_values.parquet").exists():
        write_demo_panel(settings)
        import_kohesio(EXPORT, settings, drop_duplicates=True)
        build_warehouse(settings)
    wh = open_warehouse(settings)
    regions = cf.load_region_funding(wh)

    ops = {
        "region funding (NUTS 2)": lambda: cf.load_region_funding(wh),
        "per inhabitant by group + category": lambda: (
            cf.funding_per_inhabitant_by_class(regions, "innovation_group"),
            cf.funding_per_inhabitant_by_class(regions, "cohesion_category")),
        "Moderate/Emerging share": lambda: cf.share_reaching(regions),
        "Lorenz points + Gini": lambda: cf.gini(cf.lorenz_points(regions)),
        "largest beneficiaries (HU)": lambda: cf.load_largest_beneficiaries(wh, "HU"),
        "largest beneficiaries, search": lambda: cf.load_largest_beneficiaries(
            wh, "BG", "клъстер"),
    }
    try:
        out = {name: summarise(time_calls(fn, reps)) for name, fn in ops.items()}
    finally:
        wh.close()
    share = cf.share_reaching(regions)
    return {"queries": out, "target_ms": VIEW_TARGET_MS,
            "met": all(v["p95_ms"] < VIEW_TARGET_MS for v in out.values()),
            "moderate_emerging_share": round(share["share"], 4)}


def bench_kohesio(mode: Mode) -> dict[str, Any]:
    if not EXPORT.exists():
        return {"error": f"{EXPORT} not found"}
    return {"import": bench_import(2 if mode.quick else 5),
            "view": bench_view(20 if mode.quick else 100)}


if __name__ == "__main__":
    print(json.dumps(bench_kohesio(Mode(True)), indent=2))
