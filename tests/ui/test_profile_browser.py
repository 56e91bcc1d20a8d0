"""The region profile in Debian chromium (Playwright): what only a browser shows.

Chart labels inside their charts on a 390x844 phone and at 1440x900, the browser tab's title,
tile deltas that are changes over time, the address bar after a click on a peer, and "Add these
peers to Compare" opening Compare with them (Back returns to the profile). Every wait is on the
app's state (Streamlit's run-finished attribute, a selector, the URL), never a fixed sleep.
Screenshots go to test-output/.
"""

from __future__ import annotations

import re

import pytest

from tests.ui.browser_support import DESKTOP, OUTPUT, PHONE

pytestmark = pytest.mark.browser

RUN_DONE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && document.querySelector('h1') !== null;
}"""
# Plotly has drawn every chart on the page: an svg with at least `n` text nodes in each.
CHARTS_DRAWN_JS = """(n) => {
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  return charts.length > 0 && charts.every(c =>
    [...c.querySelectorAll('svg.main-svg text')].filter(t => t.textContent.trim()).length >= n);
}"""
# Every piece of text plotly drew that lies (partly) outside its chart or the window: a
# clipped tick label, annotation, axis title or legend entry.
CLIPPED_TEXT_JS = """() => {
  const out = [];
  for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    const box = chart.getBoundingClientRect();
    for (const t of chart.querySelectorAll('svg.main-svg text')) {
      const text = t.textContent.trim();
      const r = t.getBoundingClientRect();
      if (!text || r.width === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.left < -1
          || r.right > window.innerWidth + 1 || r.top < box.top - 1
          || r.bottom > box.bottom + 1) {
        out.push(`${text} [${Math.round(r.left)}..${Math.round(r.right)} of `
                 + `${Math.round(box.left)}..${Math.round(box.right)}]`);
      }
    }
  }
  return out;
}"""
CHART_TEXT_JS = """() => [...document.querySelectorAll(
  '[data-testid="stPlotlyChart"] svg.main-svg text')].map(t => t.textContent.trim())"""


def open_profile(context, url: str, query: str):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}/profile?{query}", wait_until="domcontentloaded")
    page.wait_for_function(RUN_DONE_JS, timeout=90_000)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=60_000)
    return page, errors


def charts_text(page, n: int = 4) -> list[str]:
    """Wait until plotly has drawn the page's charts, then the text they show."""
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=60_000)
    page.wait_for_function(CHARTS_DRAWN_JS, arg=n, timeout=60_000)
    return page.evaluate(CHART_TEXT_JS)




def flat(texts: list[str]) -> str:
    return " ".join(" ".join(texts).split())


@pytest.mark.parametrize("tab,expected", [
    # the component bars: every component's name is on screen, none cut at the left edge
    ("strengths", ["Business R&D expenditure (BERD)", "Tertiary educational attainment",
                   "normalised score, 0-1", "EU reference"]),
    # the gender dumbbells: names, the numbers and the reference
    ("gender", ["Employment rate, age 20-64", "women", "men", "EU reference: women"]),
    ("sustainability", ["Environmental dimension", "Social dimension", "Digital dimension",
                        "EU reference"]),
])
def test_profile_charts_keep_their_labels_on_a_phone(server, phone, tab, expected):
    """Fails on the old charts: their y tick labels ran off the left edge of a 390 px screen
    ("...man resources in science and technology (normalised)") and the x title off the
    right; there was no sustainability chart and no numbers on the dumbbells."""
    page, errors = open_profile(phone, server, f"region=PL82&tab={tab}")
    shown = flat(charts_text(page))
    clipped = page.evaluate(CLIPPED_TEXT_JS)
    assert not clipped, clipped
    # the whole tab: the app scrolls inside its main block, so a taller window shows it
    OUTPUT.mkdir(exist_ok=True)
    page.set_viewport_size({"width": PHONE["width"], "height": 2600})
    page.wait_for_function(CHARTS_DRAWN_JS, arg=4, timeout=60_000)
    page.screenshot(path=str(OUTPUT / f"profile_phone_{tab}.png"))
    for words in expected:
        assert words in shown, (words, shown[:2000])
    assert not errors, errors


def test_profile_at_desktop_size_names_the_region_and_shows_changes_only(server, desktop):
    """The browser tab's title names the region (old: "RegioDash: European regional
    indicators"); the tiles' deltas are changes over time ("-2.0 since 2021"), not words
    under a green arrow ("↑ Emerging", "↑ 16 of 17 in PL"); the chart's labels fit."""
    page, errors = open_profile(desktop, server, "region=PL82")
    page.wait_for_function(
        "() => document.title === 'Podkarpackie - Region profile - RegioDash'", timeout=30_000)
    deltas = [d for d in page.locator('[data-testid="stMetricDelta"]').all_inner_texts()
              if d.strip()]  # a tile without a change draws an empty delta box
    assert deltas and all(re.fullmatch(r"[+-][\d,.]+( places)? since \d{4}", d.strip())
                          for d in deltas), deltas
    # the group and the rank in the country are words under the tiles, without an arrow
    page.get_by_text("Emerging innovator").wait_for(timeout=30_000)
    page.get_by_text(re.compile(r"^\d+ of \d+ in PL$")).wait_for(timeout=30_000)
    charts_text(page)
    assert not page.evaluate(CLIPPED_TEXT_JS)
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "profile_desktop.png"))
    # the whole profile: the app scrolls inside its main block, so a taller window shows it
    page.set_viewport_size({"width": DESKTOP["width"], "height": 2100})
    page.wait_for_function(CHARTS_DRAWN_JS, arg=4, timeout=60_000)
    page.screenshot(path=str(OUTPUT / "profile_desktop_full.png"))
    assert not errors, errors


def test_clicking_a_peer_puts_it_in_the_address_bar_and_a_reload_keeps_it(server, desktop):
    """Old: the peer's profile opened but the address bar kept the first region, so a reload
    (or a copy from the address bar) brought the first region back."""
    page, _ = open_profile(desktop, server, "region=PL61&tab=peers")
    link = page.locator('[data-testid="stPageLink"] a[href*="profile?region="]').first
    link.wait_for(timeout=30_000)
    code = re.search(r"region=([A-Z0-9]+)", link.get_attribute("href"))[1]
    assert code != "PL61"
    link.click()
    page.wait_for_url(f"**/profile?region={code}&tab=peers", timeout=30_000)
    page.wait_for_function(RUN_DONE_JS, timeout=60_000)
    page.get_by_role("heading", name=re.compile(rf"\({code}\)")).wait_for(timeout=30_000)
    page.reload(wait_until="domcontentloaded")
    page.wait_for_function(RUN_DONE_JS, timeout=60_000)
    page.get_by_role("heading", name=re.compile(rf"\({code}\)")).wait_for(timeout=30_000)
    assert f"region={code}" in page.url


def test_add_these_peers_to_compare_opens_compare_with_them(server, desktop):
    """New: the peers tab's "Add these peers to Compare" opens Compare with the region and
    its closest peers in compare= (in the address bar too), and Back returns to the profile."""
    page, _ = open_profile(desktop, server, "region=PL61&tab=peers")
    link = page.get_by_role("link", name="Add these peers to Compare")
    link.wait_for(timeout=30_000)
    page.wait_for_function(RUN_DONE_JS, timeout=60_000)
    link.click()
    page.wait_for_url(re.compile(r"/compare\?compare=PL61(~[A-Z0-9]+){7}$"), timeout=30_000)
    page.wait_for_function(RUN_DONE_JS, timeout=60_000)
    page.get_by_role("heading", name="Compare regions").wait_for(timeout=30_000)
    codes = re.search(r"compare=([A-Z0-9~]+)", page.url)[1].split("~")
    picked = page.locator('[data-testid="stMultiSelect"]').first.inner_text()
    assert all(code in picked for code in codes), (codes, picked)
    page.go_back()
    page.wait_for_url("**/profile?region=PL61&tab=peers", timeout=30_000)
    page.wait_for_function(RUN_DONE_JS, timeout=60_000)
    page.get_by_role("heading", name=re.compile(r"\(PL61\)")).wait_for(timeout=30_000)


@pytest.mark.real_data
def test_profile_on_the_real_data_warehouse_on_a_phone(real_server, chromium_browser):
    """The real warehouse (sparse: no innovation components for DE21, gender values for one
    indicator): the gender chart's labels fit a phone, the title names the region."""
    context = chromium_browser.new_context(viewport=PHONE, device_scale_factor=2,
                                           is_mobile=True, has_touch=True)
    try:
        page, errors = open_profile(context, real_server, "region=DE21&tab=gender")
        page.wait_for_function(
            "() => document.title === 'Oberbayern - Region profile - RegioDash'",
            timeout=30_000)
        shown = flat(charts_text(page))
        assert "Adult participation in learning" in shown and "EU reference" in shown, shown
        assert not page.evaluate(CLIPPED_TEXT_JS)
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "real_profile_phone_gender.png"))
        assert not errors, errors
    finally:
        context.close()
