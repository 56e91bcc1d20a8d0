"""One real browser (Debian chromium via Playwright, headless) against `streamlit run`.

Asserts that the map draws its regions, and that the browser requested nothing outside
localhost (no CDN, no tile server, no telemetry). Screenshots go to test-output/.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from regiodash.config import REPO_ROOT

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
OUTPUT = REPO_ROOT / "test-output"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_settings, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian chromium is not installed (make test installs it)")
        pytest.skip("chromium not installed")
    port = free_port()
    env = dict(os.environ, REGIODASH_DATA_DIR=str(demo_settings.data_dir))
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"),
             "--server.port", str(port), "--server.headless", "true",
             "--server.address", "127.0.0.1"],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail(f"streamlit did not start: {log.read_text()[-2000:]}")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def chromium_browser(server):
    """Debian chromium; every test opens its own context (fresh cookies, storage, cache)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def browser(chromium_browser):
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context
    context.close()


def test_map_draws_regions_and_stays_on_localhost(server, browser, demo_settings):
    page = browser.new_page()
    requested: list[str] = []
    console_errors: list[str] = []
    page.on("request", lambda req: requested.append(req.url))
    failed: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    started = time.perf_counter()
    page.goto(f"{server}/?level=2", wait_until="domcontentloaded")
    page.wait_for_function(
        "document.querySelectorAll('path.choroplethlocation').length > 300", timeout=60_000)
    paint_s = time.perf_counter() - started
    drawn = page.locator("path.choroplethlocation").count()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "map_page.png"), full_page=True)
    print(f"first map paint: {paint_s:.2f} s, {drawn} region shapes")

    import pandas as pd

    regions = pd.read_parquet(demo_settings.reference_dir / "nuts_regions.parquet")
    expected = regions[(regions.nuts_version == "2021") & (regions.nuts_level == 2)
                       & ~regions.is_overseas]
    # every region on the European frame is drawn (coloured or grey for "no data")
    assert drawn == len(expected)
    outside = {urlparse(u).hostname for u in requested
               if urlparse(u).scheme in ("http", "https", "ws", "wss")} - LOCAL_HOSTS
    assert not outside, f"requests left localhost: {outside}"
    # Streamlit's frontend probes <page>/_stcore/health before falling back to the root path
    # when a deep link like /map is opened; those two 404s are its normal start-up.
    probes = [f for f in failed if re.search(r"/\w+/_stcore/(health|host-config)$", f)]
    assert not [f for f in failed if f not in probes], failed
    real_errors = [e for e in console_errors if "Failed to load resource" not in e]
    assert len(console_errors) - len(real_errors) <= len(probes)
    assert not real_errors, console_errors


def wait_for_map(page, minimum: int = 30) -> int:
    page.wait_for_function(
        f"document.querySelectorAll('path.choroplethlocation').length > {minimum}",
        timeout=60_000)
    return page.locator("path.choroplethlocation").count()


def test_clicking_a_region_opens_its_profile(server, browser):
    page = browser.new_page()
    page.goto(f"{server}/?level=2", wait_until="domcontentloaded")
    wait_for_map(page, 300)
    page.wait_for_timeout(500)
    shape = page.locator("path.choroplethlocation").nth(150)
    box = shape.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/profile?region=*", timeout=30_000)
    page.get_by_text("Region profile").first.wait_for(timeout=30_000)
    assert "region=" in page.url
    page.screenshot(path=str(OUTPUT / "profile_page.png"), full_page=True)


def test_changing_the_indicator_updates_the_address_bar(server, browser):
    page = browser.new_page()
    page.goto(f"{server}/", wait_until="domcontentloaded")
    wait_for_map(page)
    page.locator('[data-testid="stSelectbox"]').first.click()
    page.keyboard.type("Employment rate, age 20-64")
    page.keyboard.press("Enter")
    page.wait_for_url("**indicator=employment_rate_pct**", timeout=30_000)


def test_a_copied_link_restores_the_view_in_a_fresh_browser(server, chromium_browser):
    link = f"{server}/?indicator=employment_rate_pct&level=1&year=2015&sex=F&country=DE"
    fresh = chromium_browser.new_context()
    page = fresh.new_page()
    page.goto(link, wait_until="domcontentloaded")
    drawn = wait_for_map(page, 5)
    page.get_by_text("NUTS 1, 2015, Women").first.wait_for(timeout=30_000)
    caption = page.get_by_text("NUTS 1, 2015, Women").first.inner_text()
    assert "Employment rate, age 20-64" in caption
    assert drawn == 16  # the 16 German NUTS 1 regions
    assert "indicator=employment_rate_pct" in page.url and "year=2015" in page.url
    fresh.close()


@pytest.mark.parametrize("path", ["overview", "compare?compare=DE21~FR10~PL91",
                                  "rankings", "methodology"])
def test_every_page_loads_without_errors_and_offline(server, browser, path):
    page = browser.new_page()
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda req: requested.append(req.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/{path}", wait_until="domcontentloaded")
    page.locator("h1").first.wait_for(timeout=60_000)
    page.wait_for_timeout(2500)
    assert not page.locator('[data-testid="stException"]').count()
    name = path.split("?")[0]
    page.screenshot(path=str(OUTPUT / f"{name}_page.png"), full_page=True)
    outside = {urlparse(u).hostname for u in requested
               if urlparse(u).scheme in ("http", "https", "ws", "wss")} - LOCAL_HOSTS
    assert not outside and not errors, (outside, errors)
