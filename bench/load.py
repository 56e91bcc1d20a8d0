"""Load test: N concurrent Streamlit sessions switching the map indicator on localhost.

    .venv/bin/python -m bench.load [--sessions 20] [--seconds 60] [--mode websocket|browser]

Starts `streamlit run app.py` on the demo warehouse (building it in a temp dir if needed).

Default mode `websocket`: N lightweight clients in this one Python process (asyncio), each a
bench.ws_client.StreamlitClient speaking Streamlit's own protocol. Each client switches the
indicator through the query string, cycling INDICATORS, until the time is up; every rerun is
timed from sending the BackMsg to its script_finished. An error is what the client reports
for a run (bench.ws_client), a connection failure or a timeout. Before the load phase one
client warms the caches (one pass over INDICATORS) and measures the single-session baseline,
so the report shows the slowdown under load. Then the unchanged map's rerun is measured next
to an empty app's (`rerun_vs_empty_app`).

Mode `browser` (default 4 sessions): bench.load_browser.

Prints JSON and writes bench/load_results.json. Bounded in time; traffic to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.devserver import (
    start_streamlit,
    stop_streamlit,
)
from bench.load_browser import run_browser
from bench.load_stats import INDICATORS, Stats, indicator_query, phase_report
from bench.ws_client import RERUN_TIMEOUT_S, StreamlitClient

ROOT = Path(__file__).resolve().parents[1]
SERVER_LOG = Path(tempfile.gettempdir()) / "regiodash-load-server.log"


# --------------------------------------------------------------------------- server


def ensure_demo(data_dir: Path) -> None:
    if (data_dir / "indicator_values.parquet").exists():
        return
    env = dict(os.environ, REGIODASH_DATA_DIR=str(data_dir))
    subprocess.run([sys.executable, "-m", "regiodash.cli", "demo"], env=env, check=True)


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process (Linux /proc), None when unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def process_rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (Linux /proc), None when unavailable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, IndexError, ValueError):
        return None
    return None



async def ws_session(port: int, index: int, deadline: float, stats: Stats,
                     timeout: float = RERUN_TIMEOUT_S, indicators: list[str] | None = None,
                     max_reruns: int | None = None, whole_cycles: bool = False) -> None:
    """One client: connect, then switch the indicator until the deadline (or max_reruns).

    With `whole_cycles` it goes on after the deadline until every indicator was shown equally
    often (so a short baseline has the same indicator mix as the load phase).
    """
    indicators = indicators or INDICATORS
    client = StreamlitClient(port, timeout=timeout)
    step, done = index, 0
    hard_deadline = deadline + (len(indicators) * timeout if whole_cycles else 0)

    def go_on() -> bool:
        now = time.perf_counter()
        if max_reruns is not None and done >= max_reruns:
            return False
        return now < deadline or (whole_cycles and now < hard_deadline
                                  and done % len(indicators) != 0)

    try:
        while go_on():
            if client.ws is None:
                started = time.perf_counter()
                try:
                    await client.connect()
                except Exception as exc:  # noqa: BLE001 - counted, retried after a pause
                    stats.error("connect", f"session {index}: {type(exc).__name__}: {exc}")
                    await asyncio.sleep(1)
                    continue
                stats.connect_times.append(time.perf_counter() - started)
            indicator = indicators[step % len(indicators)]
            step += 1
            done += 1
            try:
                result = await client.rerun(indicator_query(indicator))
            except TimeoutError as exc:
                stats.error("timeout", f"session {index} {indicator}: {exc}")
                await client.close()  # its late messages must not count for the next run
                continue
            except Exception as exc:  # noqa: BLE001 - e.g. the server closed the socket
                stats.error("connection", f"session {index} {indicator}: "
                                          f"{type(exc).__name__}: {exc}")
                await client.close()
                continue
            stats.times.append(result.seconds)
            stats.by_indicator.setdefault(indicator, []).append(result.seconds)
            stats.reruns_per_session[index] += 1
            stats.bytes_received += result.bytes_received
            if result.status != "FINISHED_SUCCESSFULLY":
                stats.error("status", f"session {index} {indicator}: {result.status}")
                await client.close()
            for kind, detail in result.errors:
                stats.error(kind, f"session {index} {indicator}: {detail}")
    finally:
        await client.close()



async def run_ws_phase(port: int, sessions: int, seconds: float,
                       timeout: float = RERUN_TIMEOUT_S,
                       indicators: list[str] | None = None,
                       whole_cycles: bool = False) -> dict:
    """`sessions` concurrent clients for `seconds` (runs already started may finish later)."""
    stats = Stats()
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(ws_session(port, i, deadline, stats, timeout, indicators,
                                      whole_cycles=whole_cycles)
                           for i in range(sessions)))
    return phase_report(stats, time.perf_counter() - started)


async def warm_up(port: int, timeout: float = RERUN_TIMEOUT_S,
                  indicators: list[str] | None = None) -> dict:
    """One client, one pass over the indicators: fills the app's caches (not measured)."""
    indicators = indicators or INDICATORS
    stats = Stats()
    started = time.perf_counter()
    await ws_session(port, 0, started + 10 * timeout, stats, timeout, indicators,
                     max_reruns=len(indicators))
    return phase_report(stats, time.perf_counter() - started)


async def run_websocket(port: int, sessions: int, seconds: float, baseline_seconds: float,
                        timeout: float, server_pid: int | None = None) -> dict:
    warm = await warm_up(port, timeout)
    baseline = (await run_ws_phase(port, 1, baseline_seconds, timeout, whole_cycles=True)
                if baseline_seconds > 0 else None)
    cpu_client, cpu_server = time.process_time(), process_cpu_s(server_pid or -1)
    rss_before = process_rss_mb(server_pid or -1)
    load = await run_ws_phase(port, sessions, seconds, timeout)
    cpu_client = time.process_time() - cpu_client
    cpu_server_end = process_cpu_s(server_pid or -1)
    rss_after = process_rss_mb(server_pid or -1)
    result = {"mode": "websocket", "sessions": sessions, "seconds": seconds,
              "rerun_timeout_s": timeout, **load}
    if baseline is not None:
        result["baseline_single_session"] = {
            k: baseline[k] for k in ("reruns", "errors", "p50_s", "p95_s", "max_s",
                                     "throughput_rps", "elapsed_s", "p50_by_indicator_s")}
        if baseline["errors"]:
            result["baseline_single_session"]["error_samples"] = baseline["error_samples"]
        if baseline["p50_s"] and load["p50_s"]:
            result["p50_vs_baseline"] = round(load["p50_s"] / baseline["p50_s"], 2)
            result["p95_vs_baseline_p50"] = round(load["p95_s"] / baseline["p50_s"], 2)
    result["warm_up"] = {k: warm[k] for k in ("reruns", "errors", "max_s", "elapsed_s")}
    if warm["errors"]:
        result["warm_up"]["error_samples"] = warm["error_samples"]
    result["load_phase_cpu_s"] = {
        "client_process": round(cpu_client, 1),
        "server_process": (round(cpu_server_end - cpu_server, 1)
                           if cpu_server is not None and cpu_server_end is not None else None)}
    # Streamlit's post-run gc.collect is off (.streamlit/config.toml): watch the memory.
    result["server_rss_mb"] = {"before_load": rss_before, "after_load": rss_after}
    result["xsrf_protection"] = "enabled (Streamlit default; see module docstring)"
    return result


# --------------------------------------------------------------------------- rerun vs empty app

EMPTY_APP = 'import streamlit as st\n\nst.title("Empty page")\n'


async def rerun_vs_empty_app(port: int, empty_port: int, reps: int = 60,
                             timeout: float = RERUN_TIMEOUT_S) -> dict:
    """A rerun of the unchanged map (default view) next to a rerun of an empty app served by
    a second `streamlit run` with the same .streamlit/config.toml, one client each, the two
    alternating: the server-side rerun ratio as a browser would see it (AppTest leaves out
    what the server does around the script, e.g. the post-run garbage collection)."""
    app = StreamlitClient(port, timeout)
    empty = StreamlitClient(empty_port, timeout, expect_map=False)
    await app.connect()
    await empty.connect()
    try:
        app_runs, empty_runs, errors = [], [], Counter()
        for i in range(reps + 5):
            for client, runs in ((empty, empty_runs), (app, app_runs)):
                result = await client.rerun("")
                if not result.ok:
                    errors[result.errors[0][0] if result.errors else result.status] += 1
                if i >= 5:  # the first reruns fill caches
                    runs.append(result.seconds)
    finally:
        await app.close()
        await empty.close()
    app_p50, empty_p50 = statistics.median(app_runs), statistics.median(empty_runs)
    return {"reruns_each": reps, "map_p50_ms": round(app_p50 * 1000, 1),
            "empty_app_p50_ms": round(empty_p50 * 1000, 1),
            "ratio": round(app_p50 / empty_p50, 2), "errors": dict(errors)}


def start_empty_app(folder: Path, log: Path) -> tuple[subprocess.Popen, int]:
    """`streamlit run` of an app with one st.title, with this repo's Streamlit config."""
    (folder / ".streamlit").mkdir(parents=True, exist_ok=True)
    (folder / ".streamlit" / "config.toml").write_text(
        (ROOT / ".streamlit" / "config.toml").read_text())
    (folder / "empty_app.py").write_text(EMPTY_APP)
    proc, url = start_streamlit(folder, log, app=folder / "empty_app.py")
    return proc, int(url.rsplit(":", 1)[1])



# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["websocket", "browser"], default="websocket")
    parser.add_argument("--sessions", type=int, default=None,
                        help="concurrent sessions (default 20 websocket, 4 browser)")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline-seconds", type=float, default=10,
                        help="single-session baseline before the load phase (0 = skip)")
    parser.add_argument("--timeout", type=float, default=RERUN_TIMEOUT_S,
                        help="seconds one rerun may take before it counts as an error")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--output", default=str(ROOT / "bench" / "load_results.json"))
    args = parser.parse_args(argv)
    sessions = args.sessions or (20 if args.mode == "websocket" else 4)
    data_dir = Path(args.data_dir or Path(tempfile.gettempdir()) / "regiodash-load-demo")
    ensure_demo(data_dir)
    load_before = [round(x, 2) for x in os.getloadavg()]
    proc, _url = start_streamlit(data_dir, SERVER_LOG)
    port = int(_url.rsplit(":", 1)[1])
    try:
        if args.mode == "websocket":
            result = asyncio.run(run_websocket(port, sessions, args.seconds,
                                               args.baseline_seconds, args.timeout, proc.pid))
            with tempfile.TemporaryDirectory() as tmp:
                empty_proc, empty_port = start_empty_app(Path(tmp), Path(tmp) / "server.log")
                try:
                    result["rerun_vs_empty_app"] = asyncio.run(
                        rerun_vs_empty_app(port, empty_port, timeout=args.timeout))
                finally:
                    stop_streamlit(empty_proc)
        else:
            result = asyncio.run(run_browser(f"http://127.0.0.1:{port}", sessions,
                                             args.seconds, args.timeout))
    finally:
        stop_streamlit(proc)
    log = SERVER_LOG.read_text(errors="replace") if SERVER_LOG.exists() else ""
    result["server_log_tracebacks"] = log.count("Traceback (most recent call last)")
    result["loadavg_before"] = load_before
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    result["date"] = time.strftime("%Y-%m-%d %H:%M")
    result["cpus"] = os.cpu_count()
    text = json.dumps(result, indent=2)
    print(text)
    Path(args.output).write_text(text + "\n")
    return result


if __name__ == "__main__":
    main()
