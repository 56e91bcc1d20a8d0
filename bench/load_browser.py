"""Load test, browser mode: sessions in Debian chromium via Playwright, one context each.

Each opens the map once, then switches the indicator with the selectbox (as a user would),
timed from the click on the option until the run has finished and the map is drawn. Chromium
needs far more CPU than the app: on 2 cores many tabs measure the browser, not the server.
"""

from __future__ import annotations

import asyncio
import time

from bench.devserver import (
    CHROMIUM,
    CHROMIUM_ARGS,
)
from bench.load_stats import INDICATORS, Stats, indicator_query, phase_report

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
