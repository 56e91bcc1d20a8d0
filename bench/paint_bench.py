"""Section 6, browser: first map paint in headless Debian chromium (Playwright) against one
`streamlit run` per size, median of a few fresh-context loads; and the warm first paint of the
map next to an empty Streamlit page's, side by side in the same run (alternating loads)."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import (
    DATA_ROOT,
    OUT,
    ROOT,
    Mode,
)
from bench.devserver import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ServerError,
    start_streamlit,
    stop_streamlit,
)


def bench_browser(size: str, mode: Mode) -> dict:
    if not Path(CHROMIUM).exists():
        return {"skipped": f"{CHROMIUM} not installed"}
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return {"skipped": "playwright not installed"}
    try:
        proc, url = start_streamlit(DATA_ROOT / size, OUT / f"streamlit_{size}.log")
    except ServerError:
        return {"skipped": "streamlit did not start (see bench/out log)"}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            empty_proc, empty_url = start_empty_app(Path(tmp),
                                                    OUT / f"streamlit_empty_{size}.log")
            try:
                out = _paint_loads(url, size, mode)
                out["NUTS 2"].update(paint_ratio(url, empty_url, mode))
            finally:
                stop_streamlit(empty_proc)
        return out
    finally:
        stop_streamlit(proc)


def _paint_loads(url: str, size: str, mode: Mode) -> dict[str, Any]:
    """Fresh-context loads of the map per NUTS level (the first also pays cold caches)."""
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        for label, query, threshold in (("NUTS 2", "?level=2", 300),
                                        ("NUTS 3", "?level=3", 1000)):
            if size == "1x" and label == "NUTS 3":
                continue  # no NUTS 3 values in the demo panel: the page shows NUTS 2
            times, titles, errors = [], [], []
            for _ in range(mode.paint_loads):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                started = time.perf_counter()
                try:
                    page.goto(f"{url}/{query}", wait_until="domcontentloaded")
                    page.get_by_text("Map explorer").first.wait_for(timeout=60_000)
                    titles.append(time.perf_counter() - started)
                    page.wait_for_function(
                        "document.querySelectorAll('path.choroplethlocation').length"
                        f" > {threshold}", timeout=60_000)
                    times.append(time.perf_counter() - started)
                except Exception as exc:  # noqa: BLE001
                    errors.append(f"{type(exc).__name__}: {str(exc)[:160]}")
                context.close()
            out[label] = {"loads_s": [round(t, 2) for t in times],
                          "title_s": [round(t, 2) for t in titles],
                          "title_median_s": round(statistics.median(titles), 2)
                          if titles else None,
                          "median_s": round(statistics.median(times), 2) if times else None,
                          "threshold_paths": threshold, "errors": errors}
        browser.close()
    return out


EMPTY_APP = 'import streamlit as st\n\nst.title("Empty page")\n'
EMPTY_DONE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && document.querySelector('h1') !== null;
}"""
MAP_DONE_JS = "document.querySelectorAll('path.choroplethlocation').length > 300"
# First map paint: the server-drawn first paint (ui.first_paint: a PNG image over the chart's
# place, laid out at the chart's height) or plotly's regions, whichever is first.
FIRST_PAINT_JS = ("(() => { const img = document.querySelector("
                  "'.st-key-map_stack img'); "
                  "return (img !== null && img.complete && img.naturalWidth > 0 "
                  "&& img.getBoundingClientRect().height > 300) || " + MAP_DONE_JS + "; })()")
RATIO_LOADS = 9  # per page and cache state, alternating, after one warm-up load each (with
# 5, the median moved by up to 0.3 of ratio between runs on the 2-core benchmark VM)


def start_empty_app(folder: Path, log: Path):
    """`streamlit run` of a page with one st.title, with this repo's .streamlit/config.toml
    (the same server settings as the app), on its own port."""
    (folder / ".streamlit").mkdir(parents=True, exist_ok=True)
    (folder / ".streamlit" / "config.toml").write_text(
        (ROOT / ".streamlit" / "config.toml").read_text())
    (folder / "empty_app.py").write_text(EMPTY_APP)
    return start_streamlit(folder, log, app=folder / "empty_app.py")


def _load(context, url: str, done_js: str, then_js: str | None = None
          ) -> tuple[float, float | None]:
    """(seconds until `done_js` holds, until `then_js` holds as well), polling every 16 ms
    (one frame) from the navigation's start."""
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(done_js, timeout=60_000, polling=16)
    took = time.perf_counter() - started
    later = None
    if then_js:
        page.wait_for_function(then_js, timeout=60_000, polling=16)
        later = time.perf_counter() - started
    page.close()
    return took, later


def paint_ratio(url: str, empty_url: str, mode: Mode) -> dict[str, Any]:
    """Warm first paint of the map (`/?level=2`, until more than 300 region shapes are drawn:
    the server-drawn first paint's or plotly's; then, in the same load, until plotly has drawn
    them: the interactive map) over an empty Streamlit page's (until its title is drawn and
    its run has finished), the
    two loaded alternately after a warm-up load of each (server caches warm). Two browser
    states: a fresh context per load (a new visitor: Streamlit's and plotly's scripts
    downloaded again) and one context for all loads (a returning visitor: HTTP cache warm)."""
    from playwright.sync_api import sync_playwright

    loads = RATIO_LOADS if not mode.quick else 3
    out: dict[str, Any] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        viewport = {"width": 1440, "height": 900}
        for state in ("fresh", "cached"):
            shared = browser.new_context(viewport=viewport) if state == "cached" else None
            times: dict[str, list[float]] = {"map": [], "empty": [], "interactive": []}
            for i in range(loads + 1):
                for name, target, done, then in (
                        ("empty", empty_url, EMPTY_DONE_JS, None),
                        ("map", f"{url}/?level=2", FIRST_PAINT_JS, MAP_DONE_JS)):
                    context = shared or browser.new_context(viewport=viewport)
                    took, later = _load(context, target, done, then)
                    if shared is None:
                        context.close()
                    if i:  # the first load of each warms the server and, if shared, the cache
                        times[name].append(took)
                        if later is not None:
                            times["interactive"].append(later)
            if shared is not None:
                shared.close()
            m, e = statistics.median(times["map"]), statistics.median(times["empty"])
            interactive = statistics.median(times["interactive"])
            key = "warm_" + state
            out[f"{key}_map_s"] = [round(t, 2) for t in times["map"]]
            out[f"{key}_empty_s"] = [round(t, 2) for t in times["empty"]]
            out[f"{key}_interactive_s"] = [round(t, 2) for t in times["interactive"]]
            out[f"{key}_ratio"] = round(m / e, 2)
            out[f"{key}_map_median_s"] = round(m, 2)
            out[f"{key}_empty_median_s"] = round(e, 2)
            out[f"{key}_interactive_median_s"] = round(interactive, 2)
            out[f"{key}_interactive_ratio"] = round(interactive / e, 2)
        browser.close()
    return out
