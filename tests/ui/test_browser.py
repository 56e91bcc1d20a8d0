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
def browser(server):
    from playwright.sync_api import sync_playwright

    user_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"regiodash-chromium-{os.getpid()}"
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(user_dir), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        yield context
        context.close()
    shutil.rmtree(user_dir, ignore_errors=True)


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
