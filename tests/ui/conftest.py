"""One `streamlit run app.py` on the demo warehouse and one Debian chromium per test session,
shared by every browser test module."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.devserver import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ServerError,
    start_streamlit,
    stop_streamlit,
)


@pytest.fixture(scope="session")
def server(demo_settings, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian chromium is not installed (make test installs it)")
        pytest.skip("chromium not installed")
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    try:
        proc, url = start_streamlit(demo_settings.data_dir, log,
                                    env={"REGIODASH_ALLOW_KPI_UPLOAD": None})
    except ServerError as exc:
        pytest.fail(str(exc))
    yield url
    stop_streamlit(proc)


@pytest.fixture(scope="session")
def real_server(real_settings, tmp_path_factory):
    """`streamlit run app.py` on the warehouse imported from the real files (tests/conftest.py
    real_settings); skipped with the reason when chromium or the real files are absent."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian chromium is not installed (make test installs it)")
        pytest.skip("chromium not installed")
    log = tmp_path_factory.mktemp("streamlit_real") / "server.log"
    try:
        proc, url = start_streamlit(real_settings.data_dir, log,
                                    env={"REGIODASH_ALLOW_KPI_UPLOAD": None})
    except ServerError as exc:
        pytest.fail(str(exc))
    yield url
    stop_streamlit(proc)


@pytest.fixture(scope="session")
def chromium_browser(server):
    """Debian chromium; tests open their own contexts (fresh cookies, storage, cache)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        yield browser
        browser.close()
