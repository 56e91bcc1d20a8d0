"""Scale test through nginx: 1 vs 2 replicas, a replica killed under load, refresh under load.

    .venv/bin/python -m bench.replicas [--sessions 40] [--seconds 30] [--phases scale,...]

Every phase starts its own deployment with `regiodash serve --replicas N`'s own code
(regiodash.cli_serve.deployment: warehouse check, `nginx -t`, replicas on 127.0.0.1, nginx
in front) over a copy of the demo warehouse, and drives it with bench.ws_client sessions
through nginx, each session with its own sticky cookie (as a browser gets one from nginx).

- scale: the same load (S sessions switching the map indicator for T seconds) against 1
  replica and against 2, both behind nginx: throughput, p50/p95, errors, sessions and memory
  (RSS) per replica, CPU seconds per process.
- failover: 2 replicas under the load; after a third of the time one is killed with SIGKILL.
  Its sessions fail once, reconnect through nginx (which skips the dead replica) and go on
  on the other one; errors are counted separately for the sessions on the killed replica
  and for those on the surviving one.
- refresh: `regiodash build` in a loop (bench.refresh: two data versions, alternately)
  while S sessions rerun the map of the probe indicator. Every rerun's map value of the probe
  region must be version A's or B's, and a rerun that starts after a build finished must show
  that build's version (the session moved on at its next rerun). Beside it, reader threads
  read the probe through the page path from both value files on every read (bench.refresh).

Writes bench/replicas_results.json and the section of BENCHMARKS.md between its markers.
Traffic to 127.0.0.1 only; bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bench.devserver import free_port
from bench.load import ensure_demo, process_cpu_s, process_rss_mb
from bench.load_stats import INDICATORS, Stats, indicator_query, phase_report
from bench.refresh import (
    PROBE_INDICATOR,
    PROBE_LEVEL,
    PROBE_REGION,
    PROBE_YEAR,
    PageReader,
    Refresher,
    expected_values,
    prepare_versions,
)
from bench.replicas_report import write_section
from bench.ws_client import StreamlitClient
from regiodash.cli_serve import Deployment, ServePlan, deployment
from regiodash.config import load_settings

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "bench" / "replicas_results.json"
TIMEOUT_S = 30.0
PROBE_QUERY = (f"indicator={PROBE_INDICATOR}&level={PROBE_LEVEL}&year={PROBE_YEAR}&sex=T")


@contextmanager
def served(data_dir: Path, replicas: int, run_dir: Path):
    """A deployment of `replicas` replicas over `data_dir`, on free localhost ports."""
    ports = tuple(free_port() for _ in range(replicas))
    plan = ServePlan("127.0.0.1", free_port(), ports, run_dir)
    env = dict(os.environ, REGIODASH_DATA_DIR=str(data_dir))
    with deployment(plan, load_settings(env), env=env) as dep:
        yield dep


def replica_name(dep: Deployment, upstream: str | None) -> str:
    return upstream.rsplit(":", 1)[-1] if upstream else "?"


async def warm_replicas(dep: Deployment, timeout: float = TIMEOUT_S) -> None:
    """One pass over INDICATORS on every replica (fills each process's caches)."""
    warmed: set[str] = set()
    for _ in range(40):
        client = StreamlitClient(dep.plan.listen_port, timeout, sticky_key=uuid.uuid4().hex)
        await client.connect()
        try:
            if client.replica not in warmed:
                for indicator in INDICATORS:
                    await client.rerun(indicator_query(indicator))
                warmed.add(client.replica or "?")
        finally:
            await client.close()
        if len(warmed) >= len(dep.replicas):
            return


async def session(port: int, index: int, deadline: float, stats: Stats, log: dict,
                  query_for=None, on_result=None, timeout: float = TIMEOUT_S) -> None:
    """One client until the deadline; reconnects (same cookie) after a failed rerun.

    `log[index]` gets (time, replica, ok) per rerun attempt, the time when it ended: the
    failover phase reads it.
    """
    client = StreamlitClient(port, timeout, sticky_key=uuid.uuid4().hex)
    client.keep_figures = on_result is not None
    step, events = index, log.setdefault(index, [])
    try:
        while time.perf_counter() < deadline:
            if client.ws is None:
                try:
                    await client.connect()
                except Exception as exc:  # noqa: BLE001 - counted, retried after a pause
                    stats.error("connect", f"session {index}: {type(exc).__name__}: {exc}")
                    events.append((time.monotonic(), None, False))
                    await asyncio.sleep(0.5)
                    continue
            query = query_for(step) if query_for else indicator_query(
                INDICATORS[step % len(INDICATORS)])
            step += 1
            started = time.monotonic()
            try:
                result = await client.rerun(query)
            except Exception as exc:  # noqa: BLE001 - timeout, or the replica went away
                stats.error(type(exc).__name__, f"session {index} on {client.replica}: {exc}")
                events.append((time.monotonic(), client.replica, False))
                await client.close()
                continue
            stats.times.append(result.seconds)
            stats.reruns_per_session[index] += 1
            ok = result.ok
            for kind, detail in result.errors:
                stats.error(kind, f"session {index}: {detail}")
            if result.status != "FINISHED_SUCCESSFULLY":
                stats.error("status", f"session {index}: {result.status}")
            if on_result is not None:
                on_result(index, started, result)
            events.append((time.monotonic(), client.replica, ok))
    finally:
        await client.close()


async def run_load(port: int, sessions: int, seconds: float, **kwargs) -> tuple[dict, dict]:
    stats, log = Stats(), {}
    started = time.perf_counter()
    await asyncio.gather(*(session(port, i, started + seconds, stats, log, **kwargs)
                           for i in range(sessions)))
    return phase_report(stats, time.perf_counter() - started), log


def sessions_per_replica(dep: Deployment, log: dict) -> dict[str, int]:
    first = Counter(replica_name(dep, next((r for _, r, _ in ev if r), None))
                    for ev in log.values())
    return dict(sorted(first.items()))


def process_figures(dep: Deployment) -> dict:
    return {str(port): {"rss_mb": process_rss_mb(p.pid), "cpu_s": process_cpu_s(p.pid)}
            for port, p in dep.replicas.items()}


def nginx_cpu_s(dep: Deployment) -> float | None:
    """CPU seconds of nginx's master and worker processes so far."""
    if dep.proxy is None:
        return None
    pids = [dep.proxy.pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{dep.proxy.pid}/task/{dep.proxy.pid}/children")
                 .read_text().split()]
    except OSError:
        pass
    return round(sum(process_cpu_s(p) or 0 for p in pids), 1)


KEEP = ("reruns", "errors", "error_kinds", "error_samples", "p50_s", "p95_s", "max_s",
        "throughput_rps", "elapsed_s", "connect_p50_s")


def phase_scale(data_dir: Path, run_dir: Path, sessions: int, seconds: float) -> dict:
    out: dict = {}
    for n in (1, 2):
        with served(data_dir, n, run_dir / f"scale-{n}") as dep:
            asyncio.run(warm_replicas(dep))
            before, client0 = process_figures(dep), process_cpu_s(os.getpid()) or 0.0
            nginx0 = nginx_cpu_s(dep) or 0.0
            load, log = asyncio.run(run_load(dep.plan.listen_port, sessions, seconds))
            after, client1 = process_figures(dep), process_cpu_s(os.getpid()) or 0.0
            out[f"{n}_replica{'s' if n > 1 else ''}"] = {
                **{k: load[k] for k in KEEP},
                "sessions_per_replica": sessions_per_replica(dep, log),
                "replica_rss_mb": {k: v["rss_mb"] for k, v in after.items()},
                "replica_cpu_s": {k: round((v["cpu_s"] or 0) - (before[k]["cpu_s"] or 0), 1)
                                  for k, v in after.items()},
                "nginx_cpu_s": round((nginx_cpu_s(dep) or 0.0) - nginx0, 1),
                "client_cpu_s": round(client1 - client0, 1),  # the load client (this process)
            }
    one, two = out["1_replica"], out["2_replicas"]
    if one["throughput_rps"] and two["throughput_rps"]:
        out["throughput_ratio"] = round(two["throughput_rps"] / one["throughput_rps"], 2)
    return out


def phase_failover(data_dir: Path, run_dir: Path, sessions: int, seconds: float) -> dict:
    with served(data_dir, 2, run_dir / "failover") as dep:
        asyncio.run(warm_replicas(dep))
        victim_port = min(dep.replicas)
        victim = dep.replicas[victim_port]
        kill_at: list[float] = []

        def killer() -> None:
            time.sleep(seconds / 3)
            kill_at.append(time.monotonic())
            os.kill(victim.pid, signal.SIGKILL)

        threading.Thread(target=killer, daemon=True).start()
        load, log = asyncio.run(run_load(dep.plan.listen_port, sessions, seconds))
    return {**{k: load[k] for k in KEEP}, **failover_figures(dep, log, str(victim_port),
                                                           kill_at[0] if kill_at else None),
            "killed_after_s": round(seconds / 3, 1)}


def failover_figures(dep: Deployment, log: dict, killed: str, t_kill: float | None) -> dict:
    """Errors by the replica each session was on when the victim died (its home)."""
    t_kill = t_kill if t_kill is not None else float("inf")
    on_victim = on_other = errors_victim = errors_other = moved = 0
    reconnect_s: list[float] = []
    for events in log.values():
        before = [r for t, r, ok in events if t < t_kill and r and ok]
        home = replica_name(dep, before[-1]) if before else "?"
        failures = [t for t, _, ok in events if not ok]
        if home == killed:
            on_victim += 1
            errors_victim += len(failures)
            if failures:
                later_ok = [t for t, r, ok in events if ok and t > failures[0]]
                if later_ok:
                    reconnect_s.append(later_ok[0] - failures[0])
            if any(replica_name(dep, r) != killed for t, r, ok in events if ok and t > t_kill):
                moved += 1
        else:
            on_other += 1
            errors_other += len(failures)
    return {"killed_replica": killed, "sessions_on_killed_replica": on_victim,
            "sessions_on_surviving_replica": on_other,
            "errors_sessions_on_killed_replica": errors_victim,
            "errors_sessions_on_surviving_replica": errors_other,
            "killed_sessions_reconnected_elsewhere": moved,
            "reconnect_max_s": round(max(reconnect_s), 2) if reconnect_s else None}


def probe_from_figures(figures: list[str]) -> float | None:
    """The probe region's value in the map's plotly figure (plain or typed arrays)."""
    for spec in figures:
        for trace in json.loads(spec).get("data", []):
            locations, z = trace.get("locations"), trace.get("z")
            if locations is None or z is None:
                continue
            locations, z = _array(locations), _array(z)
            for loc, value in zip(locations, z, strict=False):
                if loc == PROBE_REGION:
                    return round(float(value), 6)
    return None


def _array(value) -> list:
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


def phase_refresh(data_dir: Path, run_dir: Path, sessions: int, seconds: float) -> dict:
    panels = prepare_versions(data_dir, run_dir / "refresh-panels")
    expected = expected_values(panels["A"])
    refresher = Refresher(data_dir, panels)
    shown: Counter = Counter()
    stale: list[str] = []

    def on_result(index: int, started: float, result) -> None:
        version = expected.get(probe_from_figures(result.figures), "?")
        shown[version] += 1
        if refresher.is_stale(version, started):
            stale.append(f"session {index} showed {version}, build "
                         f"{refresher.version_at(started)} finished before")

    reads, stop = Counter(), threading.Event()

    def read_pages() -> None:  # the page path: one Warehouse per data version
        reader = PageReader(data_dir)
        try:
            while not stop.is_set():
                try:
                    a, b = reader.read_pair()
                except Exception as exc:  # noqa: BLE001 - counted, reported
                    reads[f"error {type(exc).__name__}"] += 1
                    continue
                va, vb = expected.get(a, "?"), expected.get(b, "?")
                reads["same version" if va == vb != "?" else f"mixed {va}/{vb}"] += 1
                time.sleep(0.01)  # leave the GIL to the load client in this process
        finally:
            reader.close()

    with served(data_dir, 2, run_dir / "refresh") as dep:
        asyncio.run(warm_replicas(dep))
        readers = [threading.Thread(target=read_pages, daemon=True) for _ in range(2)]
        refresher.start()
        for t in readers:
            t.start()
        load, _ = asyncio.run(run_load(dep.plan.listen_port, sessions, seconds,
                                       query_for=lambda step: PROBE_QUERY,
                                       on_result=on_result))
        stop.set()
        refresher.stop()
        for t in readers:
            t.join(timeout=60)
    return {**{k: load[k] for k in KEEP},
            "builds": len(refresher.published), "build_error": refresher.error,
            "build_s": [round(s, 1) for _, _, s in refresher.published],
            "map_reruns_by_version_shown": dict(shown),
            "reruns_showing_an_older_version_than_the_last_finished_build": len(stale),
            "stale_samples": stale[:5],
            "page_reads_both_value_files": dict(reads)}


PHASES = {"scale": phase_scale, "failover": phase_failover, "refresh": phase_refresh}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--phases", default=",".join(PHASES))
    parser.add_argument("--output", default=str(OUTPUT))
    parser.add_argument("--no-markdown", action="store_true",
                        help="do not write the BENCHMARKS.md section")
    args = parser.parse_args(argv)
    source = Path(tempfile.gettempdir()) / "regiodash-load-demo"
    ensure_demo(source)
    result: dict = {"date": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count(),
                    "sessions": args.sessions, "seconds": args.seconds,
                    "loadavg_before": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory(prefix="regiodash-replicas-") as tmp:
        data_dir = Path(tmp) / "data"
        shutil.copytree(source, data_dir)  # the refresh phase rebuilds it
        for name in args.phases.split(","):
            print(f"[replicas] {name} ...", flush=True)
            result[name] = PHASES[name](data_dir, Path(tmp), args.sessions, args.seconds)
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(result, indent=2)
    print(text)
    Path(args.output).write_text(text + "\n")
    if not args.no_markdown:
        write_section(ROOT / "BENCHMARKS.md", result)
    return result


if __name__ == "__main__":
    main()
