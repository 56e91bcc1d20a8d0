"""BENCHMARKS.md's "Headroom" block, from one `make bench-1000x` run (bench.run --sizes 1000x).

The optional 1000x panel (about 100 million observations) against the aims of the serving
issue: build wall time and peak memory, map and profile query p50, with the naive baseline
beside them where it ran. Written between `<!-- bench:1000x:start/end -->` so that a full
`make bench` keeps it (bench.report.keep_marked_blocks); the raw figures go to
bench/results_1000x.json.
"""

from __future__ import annotations

from pathlib import Path

from bench.report import fmt, write_marked_block

NAME = "1000x"
AIMS = {"build_s": 120.0, "rss_mb": 4096.0, "query_ms": 20.0}
NOTE_QUERIES = (
    "Why the queries grow with the panel: a map query keeps one or two row groups, but "
    "DuckDB still decodes the whole group ({groups} groups in indicator_values at this size, "
    "112 at 100x: about 405,000 rows each, against at most 122,880) and does some work per "
    "row group of the file. A region profile reads its region's row group of the by-region "
    "copy (at most 122,880 rows) with pyarrow and returns about 50,000 rows (753 indicators "
    "x 25 years x sexes), which the page reads at once.")


def _aim(value: float | None, limit: float) -> str:
    if value is None:
        return "not measured"
    return "met" if value <= limit else "missed"


def render_block(results: dict) -> str:
    """The block for one run of `bench.run --sizes 1000x` (its results dict)."""
    size = results["sizes"].get(NAME, {})
    build, queries = size.get("build") or {}, size.get("queries") or {}
    warm = queries.get("warm", {})
    noise, machine = results.get("noise", {}), results["machine"]

    def p50(op: str) -> float | None:
        return (warm.get(op) or {}).get("p50_ms")

    maps = [p50(f"map values NUTS {lv}") for lv in range(4)]
    profiles = [p50(f"region profile (NUTS {lv})") for lv in (2, 3)]
    worst_map = max((m for m in maps if m is not None), default=None)
    worst_profile = max((p for p in profiles if p is not None), default=None)
    quiet = noise.get("load1_start", 99) < 0.6 * (machine.get("nproc") or 1)
    lines = [
        f"<!-- bench:{NAME}:start -->",
        "## Headroom: the optional 1000x panel (`make bench-1000x`)", "",
        f"One run ({machine['date']}, commit {machine['git_commit']}, {machine['nproc']} cores,"
        f" load average {noise.get('load1_start')} at the start and {noise.get('load1_end')} "
        f"at the end{', otherwise idle' if quiet else ', other work shared the machine'}; raw "
        f"figures in bench/results_1000x.json). Panel: {fmt(build.get('observations'))} "
        f"synthetic observations (NUTS 0-3, 1999-2023, {fmt(build.get('indicators'))} "
        f"indicators), {fmt(build.get('indicator_values'))} indicator values.", "",
        "| | measured | aim | |", "|---|---|---|---|",
        f"| build wall | {fmt(build.get('build_p50_s'))} s "
        f"({', '.join(f'{c:.1f}' for c in build.get('cpu_s', []) if c is not None)} CPU s) "
        f"| <= {AIMS['build_s']:.0f} s | {_aim(build.get('build_p50_s'), AIMS['build_s'])} |",
        f"| build peak RSS | {fmt(build.get('maxrss_mb'))} MB | <= 4 GB "
        f"| {_aim(build.get('maxrss_mb'), AIMS['rss_mb'])} |",
        f"| map values p50, NUTS 0 / 1 / 2 / 3 | {' / '.join(fmt(m) for m in maps)} ms "
        f"| <= 20 ms | {_aim(worst_map, AIMS['query_ms'])} |",
        f"| region profile p50, NUTS 2 / 3 | {' / '.join(fmt(p) for p in profiles)} ms "
        f"| <= 20 ms | {_aim(worst_profile, AIMS['query_ms'])} |",
        f"| opening a Warehouse | {fmt(queries.get('open_warehouse_p50_ms'))} ms | | |", ""]
    ops = (size.get("baseline") or {}).get("ops") or {}
    if ops:
        lines += ["Naive baseline in the same run (pandas reads the whole value file per "
                  "call):", "", "| operation | ours p50 ms | naive p50 ms | speed-up |",
                  "|---|---|---|---|"]
        lines += [f"| {op} | {fmt(r['ours']['p50_ms'])} | {fmt(r['naive']['p50_ms'])} "
                  f"| {r['speedup']}x |" for op, r in ops.items()]
        lines.append("")
    lines += [f"Stages of the build: read + sort observations "
              f"{fmt((build.get('stages') or {}).get('observations_s'))} s, derive + sort + "
              f"write {fmt((build.get('stages') or {}).get('derive_sort_write_s'))} s. "
              + NOTE_QUERIES.format(groups=fmt(build.get("indicator_values_row_groups"))),
              f"<!-- bench:{NAME}:end -->"]
    return "\n".join(lines)


def write_block(path: Path, results: dict) -> None:
    write_marked_block(path, NAME, render_block(results))
