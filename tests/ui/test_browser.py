"""One real browser (Debian chromium via Playwright, headless) against `streamlit run`.

Asserts that the map draws its regions, and that the browser requested nothing outside
localhost (no CDN, no tile server, no telemetry). Screenshots go to test-output/.
"""

from __future__ import annotations

import re
import time

import pytest

from bench.devserver import APP_SIDEBAR_TEXT, read_pages
from tests.ui.browser_support import (
    OUTPUT,
    PHONE,
    RUN_DONE_JS,
    layout_problems,
    outside_localhost,
    wait_for_app,
)

pytestmark = pytest.mark.browser


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
    outside = outside_localhost(requested)
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


def test_opening_a_profile_tab_builds_it_and_updates_the_address_bar(server, browser):
    page = browser.new_page()
    page.goto(f"{server}/profile?region=FR10", wait_until="domcontentloaded")
    page.get_by_role("tab", name="Peer regions").click()
    page.wait_for_url("**tab=peers**", timeout=30_000)
    page.get_by_text("performs better").first.wait_for(timeout=30_000)
    assert "region=FR10" in page.url
    page.screenshot(path=str(OUTPUT / "profile_peers_tab.png"), full_page=True)


def test_reweighting_panel_builds_on_opening_and_keeps_weights_when_closed(server, browser):
    """Waits on the app's state at every step (it timed out on a busy machine when it clicked
    the panel during the first run and typed before the inputs had been built)."""
    page = browser.new_page()
    page.goto(f"{server}/rankings", wait_until="domcontentloaded")
    wait_for_app(page)  # the first run has finished: the panel is the one that stays
    page.get_by_text("Reweight the innovation components").click()
    weight = page.locator('[data-testid="stNumberInput"] input').first
    weight.wait_for(timeout=90_000)
    wait_for_app(page)  # the rerun that built the inputs is over
    weight.fill("3")
    weight.press("Enter")
    page.wait_for_url("**weights=**", timeout=90_000)
    page.get_by_text("Showing the index recomputed with your weights").wait_for(timeout=90_000)
    wait_for_app(page)
    page.get_by_text("Reweight the innovation components").click()
    page.locator('[data-testid="stNumberInput"]').first.wait_for(state="detached",
                                                                 timeout=90_000)
    wait_for_app(page)
    assert "weights=" in page.url
    assert page.get_by_text("Showing the index recomputed with your weights").count() == 1


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
    outside = outside_localhost(requested)
    assert not outside and not errors, (outside, errors)


# a query string per page where its view lives in the URL
DEEP_LINK_QUERY = {"profile": "region=FR10", "compare": "compare=DE21~FR10"}


@pytest.mark.parametrize("spec", [s for s in read_pages() if not s.get("default")],
                         ids=lambda s: s["url_path"])
def test_a_shared_link_opened_first_after_a_server_start_goes_through_app_py(
        demo_settings, chromium_browser, tmp_path, spec):
    """With a `pages/` folder beside app.py, Streamlit ran a deep link's page script on its
    own when it was the first request after a start (no page config, no sidebar, a file-name
    menu). app_pages/ keeps every page in app.py's navigation, with the link's parameters.
    (The default page has no deep link of its own: it is the root URL.)"""
    from bench.devserver import start_streamlit, stop_streamlit

    query = DEEP_LINK_QUERY.get(spec["url_path"], "")
    proc, url = start_streamlit(demo_settings.data_dir, tmp_path / "server.log")
    context = chromium_browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{url}/{spec['url_path']}" + (f"?{query}" if query else ""),
                  wait_until="domcontentloaded")
        page.locator("h1").first.wait_for(timeout=60_000)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text(APP_SIDEBAR_TEXT).wait_for(timeout=30_000)
        wait_for_app(page)
        assert page.title().endswith(f"{spec['title']} - RegioDash"), page.title()
        assert sidebar.get_by_text(spec["title"], exact=True).count() == 1  # app.py's titles
        assert sidebar.get_by_text("methodology", exact=True).count() == 0  # not file names
        assert not page.locator('[data-testid="stException"]').count()
        if spec["url_path"] == "profile":
            page.get_by_text("FR10").first.wait_for(timeout=30_000)
        assert query in page.url
    finally:
        context.close()
        stop_streamlit(proc)


# What each page shows on the real warehouse once it has rendered (app.py's url_path -> text).
REAL_PAGE_TEXT = {
    "overview": "No Regional Innovation Index",
    "map": "GDP per inhabitant in PPS",  # the default indicator on real data (its caption)
    "profile": "Oberbayern",
    "compare": "Compare regions",
    "rankings": "Rankings & trends",
    "projects": "Projects & KPIs",
    "methodology": "Import manifest",
}


@pytest.mark.real_data
@pytest.mark.parametrize("spec", read_pages(), ids=lambda s: s["url_path"])
def test_every_page_works_on_the_real_data_warehouse(real_server, chromium_browser, spec):
    """One smoke test per page on the warehouse `regiodash import` builds from the real files:
    renders without an exception or a page error, stays on localhost, shows no demo banner
    (no demo value on screen), and the map draws its regions."""
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda req: requested.append(req.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        path = "" if spec.get("default") else spec["url_path"]
        page.goto(f"{real_server}/{path}", wait_until="domcontentloaded")
        page.wait_for_function(RUN_DONE_JS, timeout=60_000)
        page.get_by_text(REAL_PAGE_TEXT[spec["url_path"]]).first.wait_for(timeout=30_000)
        if spec["url_path"] == "map":
            drawn = wait_for_map(page, 200)
            print(f"real-data map: {drawn} region shapes")
        assert not page.locator('[data-testid="stException"]').count()
        assert page.get_by_text("Synthetic demo data").count() == 0
        page.screenshot(path=str(OUTPUT / f"real_{spec['url_path']}_page.png"), full_page=True)
        outside = outside_localhost(requested)
        assert not outside and not errors, (outside, errors)
    finally:
        context.close()


# Each page's browser title: its main selection, the page, the app (ui.url).
TITLED = [
    ("profile?region=PL61", "Kujawsko-pomorskie - Region profile - RegioDash"),
    ("?indicator=employment_rate_pct", "Employment rate, age 20-64 - Map - RegioDash"),
    ("overview?country=PL", " - Overview - RegioDash"),
    ("compare?compare=DE21~FR10&indicator=employment_rate_pct",
     "Employment rate, age 20-64 - Compare - RegioDash"),
    ("rankings?indicator=employment_rate_pct",
     "Employment rate, age 20-64 - Rankings & trends - RegioDash"),
    ("projects", "Projects & KPIs - RegioDash"),
    ("methodology", "Data & methodology - RegioDash"),
]


@pytest.mark.parametrize(("path", "title"), TITLED, ids=[t[1].split(" - ")[-2] for t in TITLED])
def test_every_page_has_its_own_browser_title(server, browser, path, title):
    page = browser.new_page()
    page.goto(f"{server}/{path}", wait_until="domcontentloaded")
    wait_for_app(page)
    page.wait_for_function("(t) => document.title.endsWith(t)", arg=title, timeout=60_000)
    if path.startswith("overview"):  # the country's name first
        assert page.title().split(" - ")[0].lower() == "polska", page.title()


PHONE_PAGES = ["overview?country=PL", "", "profile?region=PL61", "profile?region=PL61&tab=trends",
               "compare?compare=DE21~FR10~PL91", "rankings", "projects", "methodology"]
# Every chart of a page drawn (Streamlit loads an element's code on demand: a skeleton first).
CHARTS_DRAWN_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || [...main.querySelectorAll('[data-testid="stSkeleton"]')]
      .some(e => e.offsetParent !== null)) return false;
  return [...main.querySelectorAll('[data-testid="stPlotlyChart"]')]
      .every(e => e.offsetParent === null || e.querySelector('svg.main-svg'));
}"""


@pytest.mark.parametrize("path", PHONE_PAGES, ids=lambda p: p.split("?")[0] or "map")
def test_every_page_fits_a_phone(server, chromium_browser, path):
    """At 390x844 nothing scrolls sideways or reaches past the screen (controls stack, the
    map fits) and no chart label or axis title is cut off."""
    context = chromium_browser.new_context(viewport=PHONE, device_scale_factor=2,
                                           is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(f"{server}/{path}", wait_until="domcontentloaded")
        wait_for_app(page)
        page.wait_for_function(CHARTS_DRAWN_JS, timeout=90_000)
        name = path.split("?")[0] or "map"
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / f"phone_{name}{'_trends' if 'trends' in path else ''}"
                                 ".png"))
        assert not layout_problems(page)
        if not path:  # the map: drawn, and as wide as the screen at most
            wait_for_map(page, 30)
            box = page.locator('[data-testid="stPlotlyChart"]').first.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            inputs = page.locator('[data-testid="stSelectbox"]').all()
            rows = {round(i.bounding_box()["y"]) for i in inputs}
            assert len(rows) == len(inputs)  # the controls stack, one per row
    finally:
        context.close()
