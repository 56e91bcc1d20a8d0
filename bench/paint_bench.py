"""Section 6, browser: first map paint in headless Debian chromium (Playwright) against one
`streamlit run` per size, median of a few fresh-context loads."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from bench.common import (
    DATA_ROOT,
    OUT,
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
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "playwright not installed"}
    try:
        proc, url = start_streamlit(DATA_ROOT / size, OUT / f"streamlit_{size}.log")
    except ServerError:
        return {"skipped": "streamlit did not start (see bench/out log)"}
    try:
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
    finally:
        stop_streamlit(proc)
