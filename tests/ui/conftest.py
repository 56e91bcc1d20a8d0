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
from tests.ui.browser_support import DESKTOP, PHONE


def _serve(data_dir: Path, log_dir: Path):
    """`streamlit run app.py` on `data_dir` for the session; skipped (failed in CI) when Debian
    chromium is missing, since only browser tests need a server."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian chromium is not installed (make test installs it)")
        pytest.skip("chromium not installed")
    try:
        proc, url = start_streamlit(data_dir, log_dir / "server.log")
    except ServerError as exc:
        pytest.fail(str(exc))
    yield url
    stop_streamlit(proc)


@pytest.fixture(scope="session")
def server(demo_settings, tmp_path_factory):
    yield from _serve(demo_settings.data_dir, tmp_path_factory.mktemp("streamlit"))


@pytest.fixture(scope="session")
def real_server(real_settings, tmp_path_factory):
    """`streamlit run app.py` on the warehouse imported from the real files (tests/conftest.py
    real_settings); skipped with the reason when chromium or the real files are absent."""
    yield from _serve(real_settings.data_dir, tmp_path_factory.mktemp("streamlit_real"))


@pytest.fixture(scope="session")
def chromium_browser(server):
    """Debian chromium; tests open their own contexts (fresh cookies, storage, cache)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        yield browser
        browser.close()



@pytest.fixture()
def desktop(chromium_browser):
    """A fresh browser context at 1440x900."""
    context = chromium_browser.new_context(viewport=DESKTOP)
    yield context
    context.close()


@pytest.fixture()
def phone(chromium_browser):
    """A fresh browser context as a phone: 390x844, touch, device scale 2."""
    context = chromium_browser.new_context(viewport=PHONE, device_scale_factor=2,
                                           is_mobile=True, has_touch=True)
    yield context
    context.close()
