"""Load test: N concurrent Streamlit sessions switching the map indicator on localhost.

    .venv/bin/python -m bench.load [--sessions 20] [--seconds 60] [--mode websocket|browser]

Starts `streamlit run app.py` on the demo warehouse (building it in a temp dir if needed).

Default mode `websocket`: N lightweight clients in this one Python process (asyncio, the
`websockets` package that Streamlit itself depends on) speak Streamlit's own protocol to
ws://127.0.0.1:PORT/_stcore/stream, as the browser frontend does: subprotocols
["streamlit", "PLACEHOLDER_AUTH_TOKEN"], same-origin Origin header, BackMsg.rerun_script with
a ClientState (query string, page hash/name, context info, the hashes of the cacheable
messages already received) and ForwardMsgs read until script_finished. Each client switches
the indicator through the query string, cycling INDICATORS, until the time is up; every rerun
is timed from sending the BackMsg to its script_finished. An error is an exception element
in the run's deltas, an st.error alert, a run that drew no map, a script_finished status
other than FINISHED_SUCCESSFULLY, a page_not_found, a cache miss, a connection failure or a
timeout. Before the load phase one client warms the caches (one pass over INDICATORS) and
measures the single-session baseline, so the report shows the slowdown under load.

XSRF protection stays on (the Streamlit default): the server only uses the XSRF token of the
subprotocol header to decide whether to read the auth cookie, and connects sessions without
it, exactly as for a browser whose first request carried no cookie.

Mode `browser` (default 4 sessions): Debian chromium via Playwright, one context per session;
each opens the map once, then switches the indicator with the selectbox (as a user would),
timed from the click on the option until the run has finished and the map is drawn. Chromium
needs far more CPU than the app: on 2 cores 20 tabs measure the browser, not the server.

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
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.devserver import (
    APP_SIDEBAR_TEXT,
    CHROMIUM,
    CHROMIUM_ARGS,
    start_streamlit,
    stop_streamlit,
)

ROOT = Path(__file__).resolve().parents[1]
INDICATORS = ["regional_innovation_index", "employment_rate_pct", "gdp_per_capita_pps",
              "sustainability_index", "gender_inclusion_index", "neet_rate_pct",
              "tertiary_attainment_25_64_pct", "broadband_households_pct"]
# The map is app.py's default page: a browser opens it at the root URL ("/?indicator=..."),
# and Streamlit gives the default page an empty url_pathname ("/map" is "page not found").
MAP_URL_PATH = ""
SUBPROTOCOLS = ["streamlit", "PLACEHOLDER_AUTH_TOKEN"]  # what the frontend sends, no cookie
RERUN_TIMEOUT_S = 60.0
MAX_SAMPLES = 10
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


# --------------------------------------------------------------------------- statistics


def summarize(times: list[float]) -> dict:
    if not times:
        return {"p50_s": None, "p95_s": None, "max_s": None, "mean_s": None}
    ordered = sorted(times)
    p95 = (statistics.quantiles(ordered, n=20, method="inclusive")[18] if len(ordered) > 1
           else ordered[0])
    return {"p50_s": round(statistics.median(ordered), 3), "p95_s": round(p95, 3),
            "max_s": round(ordered[-1], 3), "mean_s": round(statistics.fmean(ordered), 3)}


@dataclass
class Stats:
    """Shared by all clients of one phase (single-threaded asyncio: no locking needed)."""

    times: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    reruns_per_session: Counter = field(default_factory=Counter)
    connect_times: list[float] = field(default_factory=list)
    bytes_received: int = 0
    by_indicator: dict[str, list[float]] = field(default_factory=dict)

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        if len(self.samples) < MAX_SAMPLES:
            self.samples.append(f"{kind}: {detail}"[:300])


# --------------------------------------------------------------------------- websocket client


@dataclass
class RunResult:
    seconds: float
    status: str  # FINISHED_SUCCESSFULLY, another ScriptFinishedStatus name, or an error kind
    errors: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # st.info bodies (URL notes)
    map_drawn: bool = False
    through_app: bool = False  # app.py ran (its sidebar text came), not the page alone
    query_string: str | None = None  # what the app wrote to the address bar
    bytes_received: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "FINISHED_SUCCESSFULLY" and not self.errors


@dataclass
class _Summary:
    """What a ForwardMsg contributes to a run's verdict (kept for cached messages too)."""

    errors: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    map_drawn: bool = False
    through_app: bool = False  # app.py's sidebar text: the run went through its navigation


def _summarize_elements(elements) -> _Summary:
    from streamlit.proto.Alert_pb2 import Alert

    out = _Summary()
    for element in elements:
        kind = element.WhichOneof("type")
        if kind == "exception":
            exc = element.exception
            out.errors.append(("exception", f"{exc.type}: {exc.message}"[:200]))
        elif kind == "alert":
            if element.alert.format == Alert.ERROR:
                out.errors.append(("st.error", element.alert.body[:200]))
            elif element.alert.format == Alert.INFO:
                out.notes.append(element.alert.body)
        elif kind == "plotly_chart":
            out.map_drawn = True
        elif kind == "markdown" and APP_SIDEBAR_TEXT in element.markdown.body:
            out.through_app = True
    return out


def _summarize_msg(msg) -> _Summary:
    if msg.WhichOneof("type") != "delta":
        return _Summary()
    delta = msg.delta
    kind = delta.WhichOneof("type")
    if kind == "new_element":
        return _summarize_elements([delta.new_element])
    if kind == "new_transient":
        return _summarize_elements(delta.new_transient.elements)
    return _Summary()


class StreamlitClient:
    """One Streamlit session driven over the websocket the way the frontend drives it."""

    def __init__(self, port: int, timeout: float = RERUN_TIMEOUT_S,
                 timezone: str = "Europe/Brussels", expect_map: bool = True) -> None:
        self.port = port
        self.expect_map = expect_map  # False for the empty reference app: no map, no app.py
        self.timeout = timeout
        self.timezone = timezone
        self.ws = None
        self.page_script_hash = ""  # from new_session/navigation, sent with later reruns
        self.map_page_hash: str | None = None  # from the navigation message
        self.max_cached_message_age = 2
        self.run_count = 0
        self._cache: dict[str, tuple[int, _Summary]] = {}  # hash -> (last run used, summary)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(
            f"ws://127.0.0.1:{self.port}/_stcore/stream", subprotocols=SUBPROTOCOLS,
            origin=self.origin, max_size=None, open_timeout=self.timeout,
            ping_interval=None, close_timeout=5)
        self.page_script_hash, self.run_count, self._cache = "", 0, {}

    async def close(self) -> None:
        if self.ws is not None:
            ws, self.ws = self.ws, None
            try:
                await ws.close()
            except Exception:  # noqa: BLE001, S110 - closing a broken socket is best effort
                pass

    def _rerun_msg(self, query_string: str) -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ClientState_pb2 import ContextInfo

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = query_string
        if self.page_script_hash:  # later reruns: the page the session is on
            state.page_script_hash = self.page_script_hash
        else:  # first run: the browser opened /?...
            state.page_name = MAP_URL_PATH
        state.cached_message_hashes.extend(self._cache)
        state.context_info.CopyFrom(ContextInfo(
            timezone=self.timezone, timezone_offset=-60, locale="en-GB",
            url=f"{self.origin}/{MAP_URL_PATH}" + (f"?{query_string}" if query_string else ""),
            is_embedded=False, color_scheme="light"))
        return msg.SerializeToString()

    def _account(self, summary: _Summary, result: RunResult) -> None:
        result.errors.extend(summary.errors)
        result.notes.extend(summary.notes)
        result.map_drawn |= summary.map_drawn
        result.through_app |= summary.through_app

    async def rerun(self, query_string: str) -> RunResult:
        """Send one rerun_script and read ForwardMsgs until its script_finished."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        assert self.ws is not None, "connect() first"
        started = time.perf_counter()
        deadline = started + self.timeout
        result = RunResult(seconds=0.0, status="running")
        await self.ws.send(self._rerun_msg(query_string))
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no script_finished within {self.timeout:.0f} s")
            raw = await asyncio.wait_for(self.ws.recv(), remaining)
            if isinstance(raw, str):
                result.errors.append(("protocol", "text frame from the server"))
                continue
            result.bytes_received += len(raw)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "ref_hash":
                cached = self._cache.get(msg.ref_hash)
                if cached is None:
                    result.errors.append(("cache miss", msg.ref_hash))
                else:
                    self._cache[msg.ref_hash] = (self.run_count, cached[1])
                    self._account(cached[1], result)
                continue
            summary = _summarize_msg(msg)
            if msg.metadata.cacheable and msg.hash:
                self._cache[msg.hash] = (self.run_count, summary)
            self._account(summary, result)
            if kind == "new_session":
                self.page_script_hash = msg.new_session.page_script_hash
                age = msg.new_session.config.max_cached_message_age
                self.max_cached_message_age = age if age > 0 else 2
            elif kind == "navigation":  # the frontend's currentPageScriptHash comes from here
                self.page_script_hash = msg.navigation.page_script_hash
                for page in msg.navigation.app_pages:
                    if page.is_default:
                        self.map_page_hash = page.page_script_hash
            elif kind == "page_info_changed":
                result.query_string = msg.page_info_changed.query_string
            elif kind == "page_not_found":
                result.errors.append(("page_not_found", msg.page_not_found.page_name))
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.ScriptFinishedStatus.Value(
                        "FINISHED_EARLY_FOR_RERUN"):
                    continue  # st.rerun(): the same request goes on with a new run
                break
        result.seconds = time.perf_counter() - started
        result.status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
        self.run_count += 1  # the frontend ages its message cache once per finished run
        self._cache = {h: v for h, v in self._cache.items()
                       if self.run_count - v[0] <= self.max_cached_message_age}
        if result.status == "FINISHED_SUCCESSFULLY" and self.expect_map:
            if not result.map_drawn:
                result.errors.append(("no map", "the run drew no plotly chart"))
            if not result.through_app:
                result.errors.append(("no app.py", "the page ran without app.py's navigation"))
            if self.map_page_hash and self.page_script_hash != self.map_page_hash:
                result.errors.append(("wrong page", self.page_script_hash))
        return result


def indicator_query(indicator: str) -> str:
    return urlencode({"indicator": indicator})


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


def phase_report(stats: Stats, elapsed: float) -> dict:
    per_session = list(stats.reruns_per_session.values())
    return {
        "reruns": len(stats.times),
        "errors": sum(stats.errors.values()),
        "error_kinds": dict(stats.errors),
        "error_samples": stats.samples,
        **summarize(stats.times),
        "throughput_rps": round(len(stats.times) / elapsed, 2) if elapsed > 0 else None,
        "elapsed_s": round(elapsed, 1),
        "reruns_per_session_min": min(per_session) if per_session else 0,
        "reruns_per_session_max": max(per_session) if per_session else 0,
        "connect_p50_s": (round(statistics.median(stats.connect_times), 3)
                          if stats.connect_times else None),
        "p50_by_indicator_s": {k: round(statistics.median(v), 3)
                               for k, v in stats.by_indicator.items()},
        "mb_received_per_rerun": (round(stats.bytes_received / len(stats.times) / 1e6, 2)
                                  if stats.times and stats.bytes_received else None),
    }


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


# --------------------------------------------------------------------------- browser mode


DEFAULT_INDICATOR = "regional_innovation_index"  # app_pages/map.py leaves it out of the URL
MAP_READY_JS = """([param, absent]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const query = new URLSearchParams(location.search).get('indicator');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && (absent ? query === null : query === param)
    && document.querySelectorAll('path.choroplethlocation').length > 300;
}"""


def selectbox_labels(indicators: list[str]) -> dict[str, str]:
    """The Indicator selectbox's label of each id ("Domain · Title", as app_pages/map.py)."""
    from regiodash.storage.catalog_table import catalog_frame
    from regiodash.ui.widgets import DOMAIN_LABELS

    frame = catalog_frame().set_index("indicator_id")
    return {i: f"{DOMAIN_LABELS.get(frame.loc[i, 'domain'], frame.loc[i, 'domain'])} · "
               f"{frame.loc[i, 'title']}" for i in indicators if i in frame.index}


async def browser_session(browser, base: str, index: int, deadline: float, stats: Stats,
                          timeout: float, labels: dict[str, str]) -> None:
    """Open the map once, then switch the indicator with the selectbox until the deadline.

    A switch is timed from pressing Enter on the typed label until the run has finished,
    the address bar shows the new indicator and the map has drawn its regions.
    """
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    page.on("pageerror", lambda exc: stats.error("pageerror", f"session {index}: {exc}"))
    timeout_ms = timeout * 1000
    indicators = [i for i in INDICATORS if i in labels]
    step = index % len(indicators)

    def ready_arg(indicator: str) -> list:
        return [indicator, indicator == DEFAULT_INDICATOR]

    try:
        started = time.perf_counter()
        indicator = indicators[step]
        await page.goto(f"{base}/?{indicator_query(indicator)}", wait_until="domcontentloaded",
                        timeout=timeout_ms)
        await page.wait_for_function(MAP_READY_JS, arg=ready_arg(indicator),
                                     timeout=timeout_ms)
        stats.connect_times.append(time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
        stats.error("first load", f"session {index}: {type(exc).__name__}: {str(exc)[:150]}")
        await context.close()
        return
    while time.perf_counter() < deadline:
        step += 1
        indicator = indicators[step % len(indicators)]
        try:
            await page.locator('[data-testid="stSelectbox"]').first.click(timeout=timeout_ms)
            await page.keyboard.type(labels[indicator])
            started = time.perf_counter()
            await page.keyboard.press("Enter")
            await page.wait_for_function(MAP_READY_JS, arg=ready_arg(indicator),
                                         timeout=timeout_ms)
            stats.times.append(time.perf_counter() - started)
            stats.by_indicator.setdefault(indicator, []).append(stats.times[-1])
            stats.reruns_per_session[index] += 1
            if await page.locator('[data-testid="stException"]').count():
                stats.error("exception", f"session {index}: exception shown at {page.url}")
        except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
            stats.error(type(exc).__name__, f"session {index} {indicator}: {str(exc)[:150]}")
            await page.keyboard.press("Escape")
    await context.close()


async def run_browser(base: str, sessions: int, seconds: float, timeout: float) -> dict:
    from playwright.async_api import async_playwright

    stats = Stats()
    labels = selectbox_labels(INDICATORS)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                           args=CHROMIUM_ARGS)
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(browser_session(browser, base, i, deadline, stats, timeout,
                                               labels) for i in range(sessions)))
        elapsed = time.perf_counter() - started
        await browser.close()
    report = phase_report(stats, elapsed)
    report["first_load_p50_s"] = report.pop("connect_p50_s")
    return {"mode": "browser", "sessions": sessions, "seconds": seconds, **report}


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
