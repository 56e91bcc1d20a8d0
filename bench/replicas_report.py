"""The "Serving many users" section of BENCHMARKS.md, from one bench.replicas run.

The section sits between two marker comments and is replaced in place (appended when the
markers are absent), so the rest of the file, written by `make bench`, is left as it is.
"""

from __future__ import annotations

from pathlib import Path

from bench.report import write_marked_block

START = "<!-- bench:replicas:start -->"
END = "<!-- bench:replicas:end -->"


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


def _scale_rows(scale: dict) -> list[str]:
    rows = ["| | throughput (reruns/s) | p50 | p95 | errors | sessions per replica "
            "| RSS per replica (MB) | CPU s per replica |", "|---|---|---|---|---|---|---|---|"]
    for key in ("1_replica", "2_replicas"):
        r = scale.get(key)
        if not r:
            continue
        rows.append(
            f"| {key.replace('_', ' ')} | {r['throughput_rps']} | {_ms(r['p50_s'])} "
            f"| {_ms(r['p95_s'])} | {r['errors']} "
            f"| {', '.join(map(str, r['sessions_per_replica'].values()))} "
            f"| {', '.join(map(str, r['replica_rss_mb'].values()))} "
            f"| {', '.join(map(str, r['replica_cpu_s'].values()))} |")
    return rows


def _cpu_note(scale: dict, result: dict) -> list[str]:
    """How much CPU the replicas got: the ratio means something only when they got it all."""
    per_cpu, used = {}, {}
    for key in ("1_replica", "2_replicas"):
        r = scale.get(key) or {}
        cpu = sum(v or 0 for v in r.get("replica_cpu_s", {}).values())
        used[key] = cpu
        per_cpu[key] = round(r["reruns"] / cpu, 1) if cpu else None
    if not all(per_cpu.values()):
        return []
    available = result["seconds"] * (result["cpus"] or 1)
    others = ""
    one, two = scale["1_replica"], scale["2_replicas"]
    if "client_cpu_s" in one and "client_cpu_s" in two:
        others = (f" The load client (one Python process, in the same run) used "
                  f"{one['client_cpu_s']} and {two['client_cpu_s']} CPU s, nginx "
                  f"{one['nginx_cpu_s']} and {two['nginx_cpu_s']}.")
    return [f"CPU the replicas got during the {result['seconds']:.0f} s load: "
            f"{used['1_replica']:.1f} s (1 replica) and {used['2_replicas']:.1f} s (2 replicas, "
            f"together) of {available:.0f} s the machine has; reruns per replica CPU second: "
            f"{per_cpu['1_replica']} and {per_cpu['2_replicas']}.{others} When a rerun costs a "
            "replica less CPU with two replicas, the likely cause is that one process runs "
            "every session's script thread under one interpreter lock, two processes half "
            "each. The throughput ratio "
            "follows the CPU the replicas got; when other work leaves them less than a core "
            "each, it measures that share, not the replicas."]


def _load_note(result: dict) -> str:
    """Whether other work shared the machine, from the load average before the run."""
    before = result["loadavg_before"][0]
    if before < 0.5 * (result["cpus"] or 1):
        return "; the machine was otherwise idle, the load after is the benchmark's own"
    return "; other work shared the machine"


def render_section(result: dict) -> str:
    lines = [START, "## Serving many users: replicas behind nginx (bench.replicas)", "",
             f"One run of `make bench-replicas` ({result['date']}, {result['cpus']} cores, "
             f"load average {result['loadavg_before'][0]} before, {result['loadavg_after'][0]}"
             f" after{_load_note(result)}). {result['sessions']} websocket "
             f"sessions through nginx for {result['seconds']:.0f} s per phase, each session "
             "with its own sticky cookie; the load client runs on the same machine.", ""]
    scale = result.get("scale")
    if scale:
        lines += ["### 1 vs 2 replicas", "", *_scale_rows(scale), "",
                  f"Throughput ratio 2 / 1 replicas: **{scale.get('throughput_ratio')}x**.",
                  "", *_cpu_note(scale, result), ""]
    fail = result.get("failover")
    if fail:
        lines += [
            "### A replica killed (SIGKILL) under load", "",
            f"2 replicas, replica {fail['killed_replica']} killed after "
            f"{fail['killed_after_s']} s. Sessions on it: "
            f"{fail['sessions_on_killed_replica']}, on the surviving one: "
            f"{fail['sessions_on_surviving_replica']}. Errors of the killed replica's "
            f"sessions: {fail['errors_sessions_on_killed_replica']} (the rerun in flight when"
            " it died, and reconnects refused before nginx marked it down); errors of the "
            f"surviving replica's sessions: **{fail['errors_sessions_on_surviving_replica']}**."
            f" Sessions of the killed replica that reconnected and went on elsewhere: "
            f"{fail['killed_sessions_reconnected_elsewhere']}; longest time from the failure"
            f" to the next good rerun: {fail['reconnect_max_s']} s. Whole phase: "
            f"{fail['reruns']} reruns, p50 {_ms(fail['p50_s'])}, p95 {_ms(fail['p95_s'])}.",
            ""]
    ref = result.get("refresh")
    if ref:
        lines += [
            "### Data refresh under load", "",
            f"`regiodash build` in a loop ({ref['builds']} builds, "
            f"{', '.join(map(str, ref['build_s']))} s each) alternating two data versions "
            f"while the sessions rerun the map of the probe indicator: {ref['reruns']} "
            f"reruns, **{ref['errors']} errors**, p50 {_ms(ref['p50_s'])}, p95 "
            f"{_ms(ref['p95_s'])}. Map value of the probe region by version: "
            f"{ref['map_reruns_by_version_shown']}; reruns started after a build finished "
            "that still showed the version before it: "
            f"**{ref['reruns_showing_an_older_version_than_the_last_finished_build']}**. Page "
            "reads of both value files through the page path (one Warehouse per data "
            f"version): {ref['page_reads_both_value_files']}.", ""]
    lines.append(END)
    return "\n".join(lines)


def write_section(path: Path, result: dict) -> None:
    write_marked_block(path, "replicas", render_section(result))
