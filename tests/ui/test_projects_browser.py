"""Projects & KPIs in a real browser (Debian chromium via Playwright, headless).

Streamlit runs app.py; the page lives at /projects. Asserts that the portfolio map draws its
partner regions, that a `?project=` link opened in a fresh browser context shows that
project, and that the browser requested nothing outside localhost. Screenshots go to test-output/.
"""

from __future__ import annotations

import pytest

from tests.ui.browser_support import OUTPUT, outside_localhost

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser(chromium_browser):
    return chromium_browser


def watch(page) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {"requests": [], "errors": []}
    page.on("request", lambda req: seen["requests"].append(req.url))
    page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
    return seen


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
    assert not outside_localhost(seen["requests"]), seen["requests"]
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
    # only the open tab is built; the project stays in the URL while the portfolio shows.
    # Switch once the charts are drawn: plotly.js throws on a chart removed mid-draw.
    page.wait_for_function(
        "() => { const g = [...document.querySelectorAll('.js-plotly-plot')];"
        " return g.length > 0 && g.every(x => x._fullLayout && x.querySelector('.main-svg')); }",
        timeout=30_000)
    page.wait_for_load_state("networkidle")
    page.get_by_role("tab", name="Portfolio").click()
    page.get_by_role("heading", name="Partner regions (NUTS 2)").wait_for(timeout=30_000)
    assert "project=south_baltic_creative_clusters" in page.url
    page.get_by_role("tab", name="Project detail").click()
    heading.wait_for(state="visible", timeout=30_000)
    assert not outside_localhost(seen["requests"]), seen["requests"]
    assert not seen["errors"], seen["errors"]
    context.close()
