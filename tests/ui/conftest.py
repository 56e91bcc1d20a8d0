"""One `streamlit run app.py` on the demo warehouse and one Debian chromium per test session,
shared by every browser test module."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from regiodash.config import REPO_ROOT
from tests.ui.browser_support import CHROMIUM, CHROMIUM_ARGS, free_port


@pytest.fixture(scope="session")
def server(demo_settings, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian chromium is not installed (make test installs it)")
        pytest.skip("chromium not installed")
    port = free_port()
    env = dict(os.environ, REGIODASH_DATA_DIR=str(demo_settings.data_dir))
    env.pop("REGIODASH_ALLOW_KPI_UPLOAD", None)
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


@pytest.fixture(scope="session")
def chromium_browser(server):
    """Debian chromium; tests open their own contexts (fresh cookies, storage, cache)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        yield browser
        browser.close()
