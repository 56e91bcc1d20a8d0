"""The map page in a real browser (Debian chromium, headless) at 1440x900 and 390x844: above
the fold, fits a phone, a keyboard-only path to a profile with a visible focus on every stop,
and the on-map legend of categorical maps. Screenshots go to test-output/.

Waits are on the app's state (Streamlit's run-finished marker, drawn shapes, the URL), never
fixed sleeps, so the tests hold under CPU contention.
"""

from __future__ import annotations

import pytest

from tests.ui.browser_support import DESKTOP, OUTPUT, PHONE

pytestmark = pytest.mark.browser

RUN_DONE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && document.querySelector('h1') !== null;
}"""
# What has the keyboard focus, and whether it shows it: an outline or a focus ring (box
# shadow) on the element, or on the select box's frame around a focused input.
FOCUS_JS = """() => { const e = document.activeElement;
  const visible = (el) => { if (!el) return false; const s = getComputedStyle(el);
    return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1)
      || s.boxShadow !== 'none'; };
  let ok = visible(e);
  const sel = e.closest('[data-testid="stSelectbox"] [role="group"]');
  if (!ok && sel) ok = visible(sel);
  return {tag: e.tagName, testid: (e.closest('[data-testid]')||{}).dataset?.testid || null,
          label: (e.getAttribute('aria-label') || e.innerText || '').trim().slice(0, 40), ok}; }"""


def open_map(context, server: str, query: str = "", minimum: int = 5):
    page = context.new_page()
    page.goto(f"{server}/{query}", wait_until="domcontentloaded")
    page.wait_for_function(
        f"document.querySelectorAll('path.choroplethlocation').length > {minimum}",
        timeout=60_000)
    page.wait_for_function(RUN_DONE_JS, timeout=60_000)
    return page




def test_the_map_is_above_the_fold_at_1440x900(server, desktop):
    page = open_map(desktop, server, "?indicator=regional_innovation_index&level=2", 300)
    chart = page.locator('[data-testid="stPlotlyChart"]').first.bounding_box()
    legend = page.locator("g.legend").first.bounding_box()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "map_1440x900.png"))
    assert chart is not None and legend is not None
    # at least three quarters of the map without scrolling, its legend whole
    assert chart["y"] + 0.75 * chart["height"] <= DESKTOP["height"], chart
    assert chart["y"] <= legend["y"] and legend["y"] + legend["height"] <= DESKTOP["height"]
    # the description of what the map shows is on screen above it
    caption = page.get_by_text("Map of Regional Innovation Index").first
    box = caption.bounding_box()
    assert box is not None and box["y"] + box["height"] <= chart["y"]


def test_the_map_fits_a_phone_and_labels_are_not_clipped(server, phone):
    page = open_map(phone, server, "?indicator=regional_innovation_index&level=2", 300)
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "map_390x844_top.png"))
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "map_390x844.png"))
    box = chart.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    clipped = page.evaluate("""() => [...document.querySelectorAll(
        '[data-testid="stWidgetLabel"] p, [data-testid="stCaptionContainer"]')]
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)""")
    assert not clipped, clipped
    # the controls stack: each starts below the previous one
    tops = page.evaluate("""() => [...document.querySelectorAll(
        '[data-testid="stMain"] [data-testid="stColumn"]')].slice(0, 5)
        .map(c => c.getBoundingClientRect().top)""")
    assert tops == sorted(tops) and len(set(tops)) == len(tops), tops


def test_a_profile_opens_from_the_keyboard_with_a_visible_focus_on_every_stop(server, desktop):
    """Tab from the top of the page (sidebar links, controls, map tools) to the region picker,
    type a name, Enter, Tab to "Open profile", Enter: the profile of that region opens."""
    page = open_map(desktop, server, "?indicator=regional_innovation_index&country=PL")
    stops = []
    for _ in range(60):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_JS)
        stops.append(stop)
        if stop["label"] == "Open a region's profile":
            break
    else:
        pytest.fail(f"the region picker was not reached by Tab: {stops}")
    # the main area itself takes focus (to scroll it); every control shows its focus
    unseen = [s for s in stops if not s["ok"] and s["tag"] not in ("MAIN", "BODY")]
    assert not unseen, unseen
    assert sum(s["testid"] == "stSidebarNavLink" for s in stops) == 7
    page.keyboard.type("Podkarpackie")
    page.get_by_role("option", name="Podkarpackie (PL82)").wait_for(timeout=30_000)
    page.keyboard.press("Enter")
    for _ in range(3):  # the picker's "Clear value" button comes first once a value is set
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_JS)
        assert focused["ok"], focused
        if "Open profile" in focused["label"]:
            break
    assert "Open profile" in focused["label"], focused
    page.keyboard.press("Enter")
    page.wait_for_url("**/profile?region=PL82", timeout=30_000)
    page.get_by_text("Podkarpackie").first.wait_for(timeout=30_000)


@pytest.mark.parametrize(("query", "classes"), [
    ("?indicator=regional_innovation_index&level=2",
     ["Leader", "Strong", "Moderate", "Emerging"]),
    ("?indicator=cohesion_category", ["less developed (< 75 %)", "transition (75-100 %)",
                                      "more developed (>= 100 %)"]),
])
def test_categorical_maps_have_a_readable_legend_on_the_map_that_toggles_in_the_browser(
        server, desktop, query, classes):
    sent: list[str] = []
    page = desktop.new_page()
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    page.goto(f"{server}/{query}", wait_until="domcontentloaded")
    page.wait_for_function("document.querySelectorAll('path.choroplethlocation').length > 100",
                           timeout=60_000)
    page.wait_for_function(RUN_DONE_JS, timeout=60_000)
    legend = page.locator("g.legend").first
    texts = legend.locator("text.legendtext").evaluate_all(
        "els => els.map(e => e.textContent)")
    assert texts[:len(classes)] == classes, texts
    chart = page.locator('[data-testid="stPlotlyChart"]').first.bounding_box()
    box = legend.bounding_box()
    assert chart and box
    assert (chart["x"] <= box["x"] and box["x"] + box["width"] <= chart["x"] + chart["width"]
            and chart["y"] <= box["y"] and box["y"] + box["height"]
            <= chart["y"] + chart["height"]), (chart, box)
    size = legend.locator("text.legendtext").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 12
    before = page.locator("path.choroplethlocation").count()
    sent_before, url = len(sent), page.url
    legend.locator("g.traces").filter(has_text=classes[0]).first.click()
    page.wait_for_function(
        f"document.querySelectorAll('path.choroplethlocation').length < {before}",
        timeout=30_000)
    assert len(sent) == sent_before, "a legend click must not rerun the page"
    assert page.url == url


FIRST_PAINT_IMG = ".st-key-map_stack img[src*=\"/app/static/first_paint/\"]"
FIRST_PAINT_SHOWN_JS = f"""() => {{
  const img = document.querySelector('{FIRST_PAINT_IMG}');
  return img === null ? null : getComputedStyle(img.closest(
    '[data-testid="stElementContainer"]')).display !== 'none'; }}"""


def test_the_first_paint_gives_way_to_the_interactive_map(server, desktop):
    """A new session gets the server-drawn map (ui.first_paint: an image over the chart's
    place) with its first run; once plotly has drawn, the image is hidden and the map under
    the pointer is plotly's, which takes the clicks."""
    page = desktop.new_page()
    page.goto(f"{server}/?indicator=employment_rate_pct&level=2", wait_until="domcontentloaded")
    page.wait_for_function(  # the drawing (at the chart's height) or plotly's, whichever first
        f"(() => {{ const img = document.querySelector('{FIRST_PAINT_IMG}'); return img !== null"
        " && img.complete && img.getBoundingClientRect().height > 300; })()"
        " || document.querySelectorAll('path.choroplethlocation').length > 300",
        timeout=60_000)
    page.wait_for_function(
        "document.querySelectorAll('path.choroplethlocation').length > 300", timeout=60_000)
    page.wait_for_function(RUN_DONE_JS, timeout=60_000)
    state = page.evaluate("""() => {
      const chart = document.querySelector('.js-plotly-plot').getBoundingClientRect();
      const hit = document.elementFromPoint(chart.x + chart.width * 0.45,
                                            chart.y + chart.height * 0.6);
      return {onPlotly: !!(hit && hit.closest('.js-plotly-plot'))}; }""")
    assert state == {"onPlotly": True}
    # sent with the session's first run, hidden now that plotly has drawn
    assert page.evaluate(FIRST_PAINT_SHOWN_JS) is False
    assert page.evaluate(f"document.querySelector('{FIRST_PAINT_IMG}').alt") == ""
