"""What the browser tests share: Debian chromium's flags, the local-only host set, and waits
and checks on the app's own state (never fixed sleeps)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlparse

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench.devserver import CHROMIUM, CHROMIUM_ARGS, free_port
from regiodash.config import REPO_ROOT

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "DESKTOP", "LOCAL_HOSTS", "OUTPUT", "PHONE", "RUN_DONE_JS",
           "copy_link", "free_port", "layout_problems", "outside_localhost", "query_of",
           "select_values", "wait_for_app"]

OUTPUT = REPO_ROOT / "test-output"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}

# The app has finished its run (Streamlit marks its root element) and drawn its title.
RUN_DONE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && document.querySelector('h1') !== null;
}"""

# Horizontal overflow at the current viewport: the page's scroll containers wider than the
# window, or an element reaching past its edge outside a container that scrolls or clips on
# purpose (tables, code boxes); and chart text (tick labels, axis and legend titles) drawn
# outside its chart, i.e. clipped.
LAYOUT_JS = """() => {
  const width = window.innerWidth, out = [];
  const mains = [document.documentElement, document.body,
    ...document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"],'
      + ' [data-testid="stMainBlockContainer"]')];
  for (const el of mains) {
    if (el.scrollWidth > el.clientWidth + 1)
      out.push(`${el.getAttribute('data-testid') || el.tagName} scrolls sideways: `
               + `${el.scrollWidth} > ${el.clientWidth}`);
  }
  const contained = (el) => {
    for (let p = el.parentElement; p && !mains.includes(p); p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') return true;
    }
    return false;
  };
  for (const el of document.querySelectorAll('[data-testid="stMain"] *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || (r.right <= width + 1 && r.left >= -1)) continue;
    if (!contained(el))
      out.push(`${el.tagName}.${el.className && el.className.baseVal === undefined
        ? el.className : ''} ${Math.round(r.left)}..${Math.round(r.right)} > ${width}`);
  }
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const box = plot.getBoundingClientRect();
    const texts = plot.querySelectorAll('g.xtick text, g.ytick text, text.xtitle, '
      + 'text.ytitle, text.gtitle, g.legend text, g.g-xtitle text, g.g-ytitle text');
    for (const t of texts) {
      const r = t.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
          || r.bottom > box.bottom + 1)
        out.push(`chart text '${t.textContent}' clipped: ${Math.round(r.left)}..`
                 + `${Math.round(r.right)} outside ${Math.round(box.left)}..`
                 + `${Math.round(box.right)}`);
    }
  }
  return out;
}"""


def outside_localhost(urls: list[str]) -> set[str]:
    """Hosts other than localhost among the http(s)/ws(s) URLs a page requested."""
    return {urlparse(u).hostname for u in urls
            if urlparse(u).scheme in ("http", "https", "ws", "wss")} - LOCAL_HOSTS


def wait_for_app(page, timeout: float = 90_000) -> None:
    """Until the app's current run has finished (after an interaction, first wait for what
    the interaction changes, e.g. the URL: the run may not have started yet)."""
    page.wait_for_function(RUN_DONE_JS, timeout=timeout)


def query_of(url: str) -> dict[str, str]:
    """The query parameters of `url` (the last value of a repeated key)."""
    return dict(parse_qsl(urlparse(url).query, keep_blank_values=True))


def copy_link(page) -> str:
    """The URL the page's 'Copy link' control offers (opens and closes its popover)."""
    code = page.locator('[data-testid="stPopoverBody"] [data-testid="stCode"]').first
    for attempt in range(3):  # a click during a rerun may land on a button being redrawn
        wait_for_app(page)
        page.get_by_role("button", name="Copy link").click()
        try:
            code.wait_for(timeout=30_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    text = code.inner_text().strip()
    page.keyboard.press("Escape")
    return text


def select_values(page) -> list[str]:
    """What the page's select boxes show, in page order."""
    return [i.input_value() for i in page.locator('[data-testid="stSelectbox"] input').all()]


def layout_problems(page) -> list[str]:
    """LAYOUT_JS at the page's current viewport: [] when nothing overflows or is clipped."""
    return page.evaluate(LAYOUT_JS)
