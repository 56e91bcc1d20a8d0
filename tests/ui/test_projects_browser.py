"""Projects & KPIs in a real browser (Debian chromium via Playwright, headless).

Streamlit runs app.py; the page lives at /projects. Asserts that the portfolio map draws its
partner regions and, with their country shapes, the partners outside NUTS; that Copy link
offers the address bar; that a `?project=` link opened in a fresh browser context shows that
project; that a click on the project's partner map opens the region's profile; that no table
toolbar covers a control; that the Cohesion funding tab draws its figures on a warehouse with
the real Kohesio export; and that the browser requested nothing outside localhost. Waits are
on the app's state (its run-finished state, a selector, the URL), never fixed sleeps.
Screenshots go to test-output/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.devserver import CHROMIUM, ServerError, start_streamlit, stop_streamlit
from tests.ui.browser_support import OUTPUT, copy_link, outside_localhost, wait_for_app
from tests.ui.kohesio_fixtures import demo_with_kohesio

pytestmark = pytest.mark.browser

OUTSIDE_NUTS = ["EG", "JO", "LB", "MA", "PS", "TN"]
PLOTS_DRAWN_JS = (
    "() => { const g = [...document.querySelectorAll('.js-plotly-plot')];"
    " return g.length > 0 && g.every(x => x._fullLayout && x.querySelector('.main-svg')); }")
LOCATIONS_JS = ("() => [...document.querySelectorAll('path.choroplethlocation')]"
                ".map(p => p.__data__ && p.__data__.loc).filter(Boolean)")
# Controls a table's hover toolbar (drawn above the table's top edge) must not cover.
CONTROLS = ('[data-testid="stSelectbox"], [data-testid="stTextInput"], '
            '[data-testid="stRadio"], [data-testid="stButton"], '
            '[data-testid="stExpander"] summary, [data-testid="stPopover"], '
            '[data-testid="stTabs"] [role="tab"], [data-testid="stDownloadButton"]')


@pytest.fixture(scope="module")
def browser(chromium_browser):
    return chromium_browser


@pytest.fixture(scope="module")
def kohesio_server(real_data_dir, tmp_path_factory):
    """`streamlit run app.py` on the demo panel plus the real Kohesio export."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium not installed")
    root = tmp_path_factory.mktemp("kohesio_browser")
    settings = demo_with_kohesio(root / "data", real_data_dir)
    try:
        proc, url = start_streamlit(settings.data_dir, root / "server.log")
    except ServerError as exc:
        pytest.fail(str(exc))
    yield url
    stop_streamlit(proc)


def watch(page) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {"requests": [], "errors": []}
    page.on("request", lambda req: seen["requests"].append(req.url))
    page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
    return seen


def wait_for_plots(page) -> None:
    """Until every chart is drawn and the run is over (plotly.js throws on a chart removed
    mid-draw, so interactions wait for this)."""
    page.wait_for_function(PLOTS_DRAWN_JS, timeout=90_000)
    wait_for_app(page)


def overlaps(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def covered_controls(page) -> list[str]:
    """Each visible table hovered in turn: the controls its toolbar covers."""
    out = []
    tables = page.locator('[data-testid="stElementContainer"]:has([data-testid="stDataFrame"])')
    for i in range(tables.count()):
        container = tables.nth(i)
        container.scroll_into_view_if_needed()
        container.locator('[data-testid="stDataFrame"]').hover()
        toolbar = container.locator('[data-testid="stElementToolbar"]')
        toolbar.wait_for(state="visible", timeout=10_000)
        bar = toolbar.bounding_box()
        controls = page.locator(CONTROLS)
        for j in range(controls.count()):
            box = controls.nth(j).bounding_box()
            if bar and box and overlaps(bar, box):
                out.append(f"table {i} toolbar covers {controls.nth(j).inner_text()[:40]!r}")
    return out


def test_portfolio_map_draws_partner_regions_and_countries_outside_nuts(server, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    seen = watch(page)
    page.goto(f"{server}/projects", wait_until="domcontentloaded")
    page.wait_for_function(
        "document.querySelectorAll('path.choroplethlocation').length > 20", timeout=90_000)
    wait_for_plots(page)
    drawn = page.evaluate(LOCATIONS_JS)
    assert len(drawn) > 20  # the partner regions plus the grey regions around them
    assert set(OUTSIDE_NUTS) <= set(drawn)  # the Southern Mediterranean partners' countries
    assert page.get_by_text("Sample portfolio").first.is_visible()
    assert copy_link(page) == page.url  # Copy link offers exactly the address bar
    page.get_by_role("tab", name="Project detail").click()
    page.wait_for_url("**tab=detail**", timeout=30_000)
    wait_for_app(page)
    assert copy_link(page) == page.url
    page.get_by_role("tab", name="Portfolio").click()
    page.get_by_role("heading", name="Partner regions (NUTS 2)").wait_for(timeout=30_000)
    wait_for_plots(page)
    OUTPUT.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1440, "height": 2400})
    page.screenshot(path=str(OUTPUT / "projects_portfolio.png"))
    assert not outside_localhost(seen["requests"]), seen["requests"]
    assert not seen["errors"], seen["errors"]
    assert page.get_by_text("Page not found").count() == 0
    context.close()


def test_project_link_in_a_new_context_shows_that_project(server, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1100})
    page = context.new_page()
    seen = watch(page)
    page.goto(f"{server}/projects?project=south_baltic_creative_clusters",
              wait_until="domcontentloaded")
    heading = page.get_by_role("heading", name="SB Creative Clusters")
    heading.wait_for(state="visible", timeout=90_000)
    page.get_by_text("Media Dizajn", exact=False).first.wait_for(timeout=30_000)
    assert "project=south_baltic_creative_clusters" in page.url
    assert page.get_by_role("tab", name="Project detail", selected=True).count() == 1
    wait_for_plots(page)
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "projects_detail.png"))
    # only the open tab is built; the project stays in the URL while the portfolio shows.
    page.get_by_role("tab", name="Portfolio").click()
    page.get_by_role("heading", name="Partner regions (NUTS 2)").wait_for(timeout=30_000)
    assert "project=south_baltic_creative_clusters" in page.url
    wait_for_plots(page)
    page.get_by_role("tab", name="Project detail").click()
    heading.wait_for(state="visible", timeout=30_000)
    assert not outside_localhost(seen["requests"]), seen["requests"]
    assert not seen["errors"], seen["errors"]
    context.close()


def test_clicking_a_region_on_the_project_map_opens_its_profile(server, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1100})
    page = context.new_page()
    page.goto(f"{server}/projects?project=south_baltic_creative_clusters",
              wait_until="domcontentloaded")
    page.get_by_role("heading", name="SB Creative Clusters").wait_for(timeout=90_000)
    wait_for_plots(page)
    find = ("[...document.querySelectorAll('path.choroplethlocation')]"
            ".findIndex(p => p.__data__ && p.__data__.loc === 'PL42')")
    page.wait_for_function(f"{find} >= 0", timeout=90_000)  # the project map is drawn
    index = page.evaluate(f"() => {find}")
    assert index >= 0, "PL42 (Zachodniopomorskie) is not on the project map"
    region = page.locator("path.choroplethlocation").nth(index)
    region.scroll_into_view_if_needed()
    box = region.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/profile?region=PL42**", timeout=60_000)
    page.get_by_text("Zachodniopomorskie").first.wait_for(timeout=60_000)
    context.close()


def test_no_table_toolbar_covers_a_control(server, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/projects?project=spectra", wait_until="domcontentloaded")
    page.get_by_text("Partner regions: gender inclusion").wait_for(timeout=90_000)
    wait_for_plots(page)
    problems = covered_controls(page)
    page.get_by_role("tab", name="Portfolio").click()
    page.get_by_role("heading", name="Partner regions (NUTS 2)").wait_for(timeout=30_000)
    wait_for_plots(page)
    page.get_by_text("Regions table").click()  # opened: its table is built (a rerun)
    page.locator('[data-testid="stExpander"] [data-testid="stDataFrame"]').wait_for(
        timeout=30_000)
    wait_for_app(page)
    problems += covered_controls(page)
    assert not problems, problems
    context.close()


@pytest.mark.real_data
def test_cohesion_funding_tab_draws_its_figures(kohesio_server, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 2000})
    page = context.new_page()
    seen = watch(page)
    page.goto(f"{kohesio_server}/projects?tab=funding&region=BG41",
              wait_until="domcontentloaded")
    page.get_by_text("Largest beneficiaries of a region").wait_for(timeout=90_000)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 3",
                           timeout=90_000)
    wait_for_plots(page)
    titles = page.evaluate(
        "() => [...document.querySelectorAll('text.gtitle')].map(t => t.textContent)")
    assert any(t.startswith("Concentration of the EU contribution (Gini 0.") for t in titles)
    assert any("by innovation group" in t for t in titles)
    assert page.get_by_text("Population 2020: synthetic (demo panel)").first.is_visible()
    assert covered_controls(page) == []
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "projects_funding.png"))
    search = page.get_by_label("Search names (any script)")
    search.fill("клъстер")
    search.press("Enter")
    page.wait_for_url("**region=BG41**", timeout=30_000)
    wait_for_app(page)
    assert "tab=funding" in page.url and copy_link(page) == page.url
    assert not outside_localhost(seen["requests"]), seen["requests"]
    assert not seen["errors"], seen["errors"]
    context.close()
