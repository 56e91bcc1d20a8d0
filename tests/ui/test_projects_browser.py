"""Projects & KPIs in a real browser (Debian chromium via Playwright, headless).

Streamlit runs app.py; the page lives at /projects. Asserts that the portfolio map draws its
partner regions, that a `?project=` link opened in a fresh browser context shows that
project, and that the browser requested nothing outside localhost. Screenshots go to test-output/.
"""

from __future__ import annotations

import os
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
    app_dir = tmp_path_factory.mktemp("projects_app")
    app = REPO_ROOT / "app.py"
    port = free_port()
    env = dict(os.environ, REGIODASH_DATA_DIR=str(demo_settings.data_dir))
    env.pop("REGIODASH_ALLOW_KPI_UPLOAD", None)
    log = app_dir / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(app),
             "--server.port", str(port), "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.enableStaticServing", "true",
             "--browser.gatherUsageStats", "false"],
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

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def watch(page) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {"requests": [], "errors": []}
    page.on("request", lambda req: seen["requests"].append(req.url))
    page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
    return seen


def outside_localhost(urls: list[str]) -> set[str]:
    return {urlparse(u).hostname for u in urls
            if urlparse(u).scheme in ("http", "https", "ws", "wss")} - LOCAL_HOSTS


def test_portfolio_map_draws_partner_regions(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    seen = watch(page)
    page.goto(f"{server}/projects", wait_until="domcontentloaded")
    page.wait_for_function(
        "document.querySelectorAll('path.choroplethlocation').length > 0", timeout=60_000)
    drawn = page.locator("path.choroplethlocation").count()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "projects_portfolio.png"))
    assert drawn > 20  # the partner regions plus the grey regions around them
    assert page.get_by_text("Sample portfolio").first.is_visible()
    assert not outside_localhost(seen["requests"]), [
        u for u in seen["requests"] if urlparse(u).hostname not in LOCAL_HOSTS]
    assert not seen["errors"], seen["errors"]
    assert page.get_by_text("Page not found").count() == 0
    context.close()


def test_project_link_in_a_new_context_shows_that_project(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    seen = watch(page)
    page.goto(f"{server}/projects?project=south_baltic_creative_clusters",
              wait_until="domcontentloaded")
    heading = page.get_by_role("heading", name="SB Creative Clusters")
    heading.wait_for(state="visible", timeout=60_000)
    page.get_by_text("Media Dizajn", exact=False).first.wait_for(timeout=30_000)
    assert "project=south_baltic_creative_clusters" in page.url
    assert page.get_by_role("tab", name="Project detail", selected=True).count() == 1
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "projects_detail.png"))
    assert not outside_localhost(seen["requests"]), [
        u for u in seen["requests"] if urlparse(u).hostname not in LOCAL_HOSTS]
    assert not seen["errors"], seen["errors"]
    context.close()
