"""Section: printed reports (issue 18 targets), once per run on the demo warehouse.

- one region profile PDF (PL91): in-process (warehouse open, modules loaded: what the Region
  profile page's download button costs) p50/p95 over `reps` profiles; and the whole command
  `regiodash report region PL91` in a fresh process (imports and warehouse opening included);
  target < 3 s;
- a country batch: `write_region_profiles` of the 17 Polish NUTS 2 regions, one call with
  two worker processes (the CLI's default) and one in this process; target < 30 s;
- one project report PDF (urban_creative_poles), in process, p50.

The demo warehouse (synthetic panel plus the bundled real GDP, `regiodash demo`) is built in
bench/out/data/report_demo once and reused.

    .venv/bin/python -m bench.report_bench          # this section alone
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from typing import Any

from bench.common import DATA_ROOT, OUT, ROOT, Mode, summarise, time_calls

REGION = "PL91"
COUNTRY, LEVEL = "PL", 2
PROJECT = "urban_creative_poles"
PROFILE_TARGET_S = 3.0
BATCH_TARGET_S = 30.0


def demo_settings():
    from regiodash.config import load_settings

    return load_settings({"REGIODASH_DATA_DIR": str(DATA_ROOT / "report_demo")})


def ensure_demo() -> None:
    settings = demo_settings()
    if (settings.data_dir / "indicator_values.parquet").exists():
        return
    subprocess.run([sys.executable, "-m", "regiodash.cli", "demo"], check=True, cwd=ROOT,
                   env={**os.environ, "REGIODASH_DATA_DIR": str(settings.data_dir)},
                   capture_output=True)


def bench_cli_profile(reps: int) -> dict[str, Any]:
    out = OUT / "reports" / "cli"
    out.mkdir(parents=True, exist_ok=True)
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "regiodash.cli", "report", "region", REGION,
                        "--out", str(out / f"{REGION}.pdf")], check=True, cwd=ROOT,
                       env={**os.environ, "REGIODASH_DATA_DIR": str(demo_settings().data_dir)},
                       capture_output=True)
        times.append(time.perf_counter() - started)
    return summarise(times)


def bench_reports(mode: Mode) -> dict[str, Any]:
    from regiodash.report.batch import country_regions, write_region_profiles
    from regiodash.report.project import project_report_pdf
    from regiodash.report.region import region_profile_pdf
    from regiodash.storage.connection import open_warehouse

    ensure_demo()
    settings = demo_settings()
    wh = open_warehouse(settings)
    reps = 3 if mode.quick else 10
    profile = summarise(time_calls(lambda: region_profile_pdf(wh, REGION), reps, warmup=1))
    pages = None
    pdf = region_profile_pdf(wh, REGION)
    if shutil.which("pdfinfo"):
        path = OUT / "reports" / f"{REGION}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pdf)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        pages = next((int(line.split()[-1]) for line in info.splitlines()
                      if line.startswith("Pages:")), None)
    codes = country_regions(wh, COUNTRY, LEVEL)
    target = OUT / "reports" / f"{COUNTRY}_nuts{LEVEL}"
    started = time.perf_counter()
    batch = write_region_profiles(wh, codes, target, jobs=2)
    batch_s = time.perf_counter() - started
    started = time.perf_counter()
    serial = write_region_profiles(wh, codes, target, jobs=1)
    serial_s = time.perf_counter() - started
    project = summarise(time_calls(lambda: project_report_pdf(settings, wh, PROJECT),
                                   max(3, reps // 2), warmup=1))
    cli = bench_cli_profile(2 if mode.quick else 5)
    wh.close()
    return {
        "profile_in_process": profile, "profile_bytes": len(pdf), "profile_pages": pages,
        "profile_cli": cli,
        "batch": {"regions": len(codes), "written": len(batch.written),
                  "failed": len(batch.failed), "total_s": round(batch_s, 2),
                  "per_region_s": round(batch_s / max(1, len(codes)), 2), "jobs": 2,
                  "one_process_s": round(serial_s, 2),
                  "one_process_failed": len(serial.failed)},
        "project_in_process": project,
        "targets": {
            "profile_under_3_s": profile["p95_ms"] / 1000 < PROFILE_TARGET_S,
            "profile_cli_under_3_s": cli["p50_ms"] / 1000 < PROFILE_TARGET_S,
            "batch_under_30_s": batch_s < BATCH_TARGET_S},
    }


def render(result: dict[str, Any]) -> str:
    p, c, b, j = (result["profile_in_process"], result["profile_cli"], result["batch"],
                  result["project_in_process"])
    return "\n".join([
        "| report | p50 | p95 | target |", "|---|---|---|---|",
        f"| region profile {REGION}, in process ({result['profile_pages']} pages) | "
        f"{p['p50_ms'] / 1000:.2f} s | {p['p95_ms'] / 1000:.2f} s | < 3 s |",
        f"| `regiodash report region {REGION}` (fresh process) | {c['p50_ms'] / 1000:.2f} s | "
        f"{c['p95_ms'] / 1000:.2f} s | < 3 s |",
        f"| batch {COUNTRY} NUTS {LEVEL} ({b['regions']} regions, {b['failed']} failed), "
        f"2 worker processes | {b['total_s']:.1f} s total | {b['per_region_s']:.2f} s / region "
        "| < 30 s |",
        f"| same batch in one process | {b['one_process_s']:.1f} s total | | |",
        f"| project report {PROJECT}, in process | {j['p50_ms'] / 1000:.2f} s | "
        f"{j['p95_ms'] / 1000:.2f} s | |"])


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    outcome = bench_reports(Mode(quick))
    print(render(outcome))
    print(json.dumps(outcome, indent=2))
