"""Section 5, pages: server-side rerun time of every page of app.py's PAGES with AppTest,
each rerun alternating with an empty page's, plus the routed empty page and the map floor."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import (
    CONTINUOUS_ID,
    DATA_ROOT,
    INDEX_ID,
    ROOT,
    Mode,
    ms,
)
from bench.devserver import (
    APP_SIDEBAR_TEXT,
    read_pages,
)


def page_list() -> list[tuple[str, str, dict[str, str]]]:
    """(label, page script, query params) of every page in app.py's PAGES, the map at NUTS 2
    and NUTS 3 (default view and continuous); a page not named here is measured by its
    url_path."""
    script = {spec["url_path"]: spec["page"] for spec in read_pages()}
    named = [
        ("overview", "overview", {}),
        ("map NUTS 2 (default view)", "map", {"level": "2"}),
        ("map NUTS 3 (default view)", "map", {"level": "3"}),
        ("map NUTS 2 (continuous)", "map", {"level": "2", "indicator": CONTINUOUS_ID}),
        ("map NUTS 3 (continuous)", "map", {"level": "3", "indicator": CONTINUOUS_ID}),
        ("profile", "profile", {}),
        ("compare", "compare", {}),
        ("rankings", "rankings", {}),
        ("methodology", "methodology", {}),
        ("projects", "projects", {}),
    ]
    pages = [(label, script[path], params) for label, path, params in named if path in script]
    pages += [(path, page, {}) for path, page in script.items()
              if path not in {p for _, p, _ in named}]
    return pages


def _apptest(script: str, params: dict[str, str], routed: bool):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / ("app.py" if routed else script)), default_timeout=600)
    for key, value in params.items():
        at.query_params[key] = value
    if routed:
        at.switch_page(script)
    return at


def _timed_runs(at, warmup: int, reps: int) -> tuple[float, list[float]]:
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    for _ in range(warmup - 1):
        at.run()
    return first, [_timed(at.run) for _ in range(reps)]


def _share_script_cache() -> None:
    """One ScriptCache for every AppTest run in this (child) process, as `streamlit run` has.

    A server keeps one per runtime: a script is compiled (with its "magic" AST rewrite) once,
    and every rerun reuses the bytecode. AppTest makes a new cache per run, so each rerun would
    recompile app.py and the page, a cost a real rerun does not have. Applies to the empty page
    and to every page alike.
    """
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = lambda: shared
    local_script_runner.ScriptCache = lambda: shared


def _routed_empty_app(tmp: Path):
    """AppTest of app.py with its Data & methodology page replaced by a page that only has a
    title: what any page of this app pays for the page config, st.navigation and the
    sidebar before its own content. app.py itself is copied unchanged."""
    from streamlit.testing.v1 import AppTest

    methodology = next(s["page"] for s in read_pages() if s["url_path"] == "methodology")
    (tmp / "app.py").write_text((ROOT / "app.py").read_text())
    folder = (tmp / methodology).parent
    folder.mkdir()
    for script in (ROOT / folder.name).glob("*.py"):
        (folder / script.name).symlink_to(script)
    (tmp / methodology).unlink()
    (tmp / methodology).write_text('import streamlit as st\n\nst.title("Empty page")\n')
    at = AppTest.from_file(str(tmp / "app.py"), default_timeout=600)
    at.switch_page(methodology)
    return at


def _through_app_py(at) -> bool:
    """Whether the last run went through app.py (its sidebar text is there), not the page
    script alone."""
    return any(APP_SIDEBAR_TEXT in c.value for c in at.sidebar.caption)


def _interleaved_runs(at, empty, warmup: int, reps: int
                      ) -> tuple[float, list[float], list[float]]:
    """(first run, page reruns, empty-page reruns) with the two alternating, so both samples
    see the same background load and their ratio is not skewed by a busy moment."""
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    for _ in range(warmup - 1):
        at.run()
    page_runs, empty_runs = [], []
    for _ in range(reps):
        empty_runs.append(_timed(empty.run))
        page_runs.append(_timed(at.run))
    return first, page_runs, empty_runs


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


FLOOR_PAGE = """
import streamlit as st

from regiodash.ui import data
from regiodash.ui.maps import MAP_CONFIG, build_group_map

LEVEL = {level}


@st.cache_resource
def prebuilt(level: int):
    version = data.data_version()
    cov = data.coverage(version, "{index_id}")
    years = cov.loc[cov["nuts_level"] == level, "year"]
    year = int(years.max() if len(years) else cov["year"].max())  # no values: all grey
    values = data.map_values(version, "{index_id}", level, year, "T")
    groups = data.innovation_groups(version, level)
    values = values.merge(groups.loc[groups["year"] == year, ["geo_code", "grp", "subgroup"]],
                          on="geo_code", how="left")
    return build_group_map(data.geojson(version, level, "2021"), values)[0]


st.title("Map figure only")
st.plotly_chart(prebuilt(LEVEL), config=MAP_CONFIG, key="map", on_select="rerun",
                selection_mode="points")
"""


def _map_app(params: dict[str, str]):
    """AppTest of the map page through app.py with `params` in the URL, run once."""
    script = next(spec["page"] for spec in read_pages() if spec["url_path"] == "map")
    at = _apptest(script, params, routed=True)
    at.run()
    return at, script


def _pick_and_open(at, script: str, params: dict[str, str], code: str) -> float:
    """One region pick + "Open profile" on the map (the run that ends on the profile page),
    timed; then back on the map (not timed)."""
    at.selectbox(key="w_pick").set_value(code)
    button = next(b for b in at.button if b.label == "Open profile")
    took = _timed(button.click().run)
    at.query_params.clear()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(script)
    at.run()
    return took


def bench_interactions(empty_at, mode: Mode) -> dict[str, dict]:
    """Server time of the map page's interactions, each next to the empty page's rerun:
    opening the "regions in this view" table (its first run builds it; the reruns are what
    any interaction costs while it is open: sorting and searching it happen in the browser),
    and a region pick + "Open profile" (the picker is a form: choosing runs nothing; the
    submit runs the map until it switches, then the profile page, whose figures for each
    picked region were built once in the warm-up). The legend toggle runs in the browser only
    (tests/ui/test_map_browser.py checks that it sends nothing)."""
    out: dict[str, dict] = {}
    for level in (2, 3):
        params = {"level": str(level), "indicator": CONTINUOUS_ID}
        label = f"map interaction: regions table open, NUTS {level} (continuous)"
        try:
            at, _ = _map_app(params)
            at.session_state["w_table_open"] = True
            first, runs, empties = _interleaved_runs(at, empty_at, mode.page_warmup,
                                                     mode.page_reps)
            out[label] = _row(at, first, runs, empties)
            out[label]["rows"] = len(at.dataframe[0].value) if at.dataframe else 0
        except Exception as exc:  # noqa: BLE001
            out[label] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    params = {"level": "2"}
    label = "map interaction: region pick + Open profile (lands on the profile)"
    try:
        at, script = _map_app(params)
        codes = ("DE21", "FR10", "PL82", "ITC4")  # NUTS 2 regions of every panel
        picks, empties = [], []
        warmup = len(codes)  # each profile once: its figures are cached per region
        for i in range(warmup + mode.page_reps):
            empty = _timed(empty_at.run)
            took = _pick_and_open(at, script, params, codes[i % len(codes)])
            if i >= warmup:
                picks.append(took)
                empties.append(empty)
        out[label] = _row(at, picks[0], picks, empties)
    except Exception as exc:  # noqa: BLE001
        out[label] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    return out


def _row(at, first: float, runs: list[float], empties: list[float]) -> dict[str, Any]:
    p50, e50 = float(np.median(runs)), float(np.median(empties))
    return {"first_run_ms": ms(first), "rerun_p50_ms": ms(p50), "empty_p50_ms": ms(e50),
            "ratio_to_empty": round(p50 / e50, 1), "exception": bool(at.exception),
            "through_app_py": _through_app_py(at)}


def bench_pages(size: str, mode: Mode) -> dict:
    """bench_pages_here in a fresh process, so memory held by earlier sections (the 100x
    baseline frames) cannot slow the reruns through garbage collection."""
    cmd = [sys.executable, "-m", "bench.run", "--child-pages", size]
    if mode.quick:
        cmd.append("--quick")
    proc = subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"page benchmark of {size} failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_pages_here(size: str, mode: Mode) -> dict:
    """AppTest reruns of every page, an empty page, and a 'floor' page per NUTS level that
    only draws the default map from a figure built once (st.cache_resource): the least a
    page showing this map can cost, whatever the page does around it."""
    os.environ["REGIODASH_DATA_DIR"] = str(DATA_ROOT / size)
    _share_script_cache()
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty_page.py"
        empty.write_text('import streamlit as st\n\nst.title("Empty page")\n')
        empty_at = _apptest(str(empty), {}, routed=False)
        _, all_empty = _timed_runs(empty_at, mode.page_warmup, mode.page_reps)
        (Path(tmp) / "routed").mkdir()
        routed_empty = _routed_empty_app(Path(tmp) / "routed")
        first, runs, empties = _interleaved_runs(routed_empty, empty_at, mode.page_warmup,
                                                 mode.page_reps)
        p50, e50 = float(np.median(runs)), float(np.median(empties))
        out["empty page routed through app.py (navigation + sidebar)"] = {
            "first_run_ms": ms(first), "rerun_p50_ms": ms(p50), "empty_p50_ms": ms(e50),
            "ratio_to_empty": round(p50 / e50, 1), "exception": bool(routed_empty.exception),
            "through_app_py": _through_app_py(routed_empty)}
        for level in (2, 3):
            floor = Path(tmp) / f"floor_nuts{level}.py"
            floor.write_text(FLOOR_PAGE.format(level=level, index_id=INDEX_ID))
            label = f"floor: cached map figure only, NUTS {level}"
            try:
                at = _apptest(str(floor), {}, routed=False)
                first, runs, empties = _interleaved_runs(at, empty_at, mode.page_warmup,
                                                         mode.page_reps)
            except Exception as exc:  # noqa: BLE001
                out[label] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
                continue
            all_empty += empties
            p50, e50 = float(np.median(runs)), float(np.median(empties))
            charts = at.get("plotly_chart")
            out[label] = {
                "first_run_ms": ms(first), "rerun_p50_ms": ms(p50), "empty_p50_ms": ms(e50),
                "ratio_to_empty": round(p50 / e50, 1), "exception": bool(at.exception),
                "plotly_spec_bytes": [len(c.proto.spec.encode()) for c in charts]}
        for label, script, params in page_list():
            try:
                at = _apptest(script, params, routed=True)
                first, runs, empties = _interleaved_runs(at, empty_at, mode.page_warmup,
                                                         mode.page_reps)
            except Exception as exc:  # noqa: BLE001 - one broken page must not stop the run
                out[label] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
                continue
            all_empty += empties
            p50, e50 = float(np.median(runs)), float(np.median(empties))
            row: dict[str, Any] = {"first_run_ms": ms(first), "rerun_p50_ms": ms(p50),
                                   "empty_p50_ms": ms(e50),
                                   "ratio_to_empty": round(p50 / e50, 1),
                                   "exception": bool(at.exception)}
            if at.exception:
                row["exception_text"] = str(at.exception[0].value)[:300]
            row["through_app_py"] = _through_app_py(at)
            charts = at.get("plotly_chart")
            if charts:
                row["plotly_spec_bytes"] = [len(c.proto.spec.encode()) for c in charts]
            level = at.query_params.get("level")
            if isinstance(level, list):
                level = level[0] if level else None
            if "level" in params:
                row["level_shown"] = level or "2 (default)"
            out[label] = row
        out.update(bench_interactions(empty_at, mode))
    empty_p50 = float(np.median(all_empty))
    return {"empty_page_rerun_p50_ms": ms(empty_p50), "pages": out, "reps": mode.page_reps}
