"""The address bar always equals the page's Copy link, and Back / Forward bring back the view
a history entry stands for (ui.url), in a real browser: a same-page link (a peer region), the
sidebar, links to another page, and the compare page's bar-chart year. AppTest cases for
what needs no browser (re-seeding on entering a page, the year in the link, a reversed range)
come first."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from bench.devserver import read_pages
from tests.ui.browser_support import (
    copy_link,
    query_of,
    select_values,
    wait_for_app,
)
from tests.ui.test_pages import app_factory

PAGE = {spec["url_path"]: spec["page"] for spec in read_pages()}


@pytest.fixture()
def make_app(demo_settings, monkeypatch):
    return app_factory(demo_settings, monkeypatch)


def go(at: AppTest, page: str, **params: str) -> None:
    """What the sidebar, a link or Back does: another page with these parameters."""
    at.query_params.clear()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception


def qp(at: AppTest) -> dict[str, str]:
    return {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}


def test_coming_back_to_a_page_restores_its_view_not_the_first_option(make_app):
    """Profile -> Compare -> Back: the widgets are re-seeded from the URL (Streamlit dropped
    them when the compare page ran); before, the profile fell to its first option, AL."""
    at = make_app(PAGE["profile"], region="PL61", tab="gender")
    at.run()
    assert at.selectbox(key="w_region").value == "PL61"
    go(at, PAGE["compare"])
    go(at, PAGE["profile"], region="PL61", tab="gender")  # Back: the same URL as before
    assert at.selectbox(key="w_region").value == "PL61"
    assert qp(at) == {"region": "PL61", "tab": "gender"}


def test_coming_back_to_the_map_restores_the_filtered_view(make_app):
    at = make_app(PAGE["map"], indicator="employment_rate_pct", level="1", country="FR")
    at.run()
    go(at, PAGE["rankings"])
    go(at, PAGE["map"], indicator="employment_rate_pct", level="1", country="FR")
    assert at.selectbox(key="w_indicator").value == "employment_rate_pct"
    assert at.selectbox(key="w_level").value == 1 and at.selectbox(key="w_country").value == "FR"
    assert qp(at) == {"indicator": "employment_rate_pct", "level": "1", "country": "FR"}


def test_the_compare_bar_year_is_in_the_link(make_app):
    at = make_app(PAGE["compare"], compare="DE21~FR10", year="2015")
    at.run()
    assert not at.exception, at.exception
    assert at.select_slider(key="w_cmp_year").value == 2015
    assert qp(at)["year"] == "2015"
    at.select_slider(key="w_cmp_year").set_value(2018).run()
    assert qp(at)["year"] == "2018"
    default = make_app(PAGE["compare"], compare="DE21~FR10")
    default.run()  # the default year stays out of the link
    assert "year" not in qp(default)
    assert default.select_slider(key="w_cmp_year").value is not None


def test_a_reversed_year_range_is_read_in_order_with_a_note(make_app):
    at = make_app(PAGE["rankings"], indicator="employment_rate_pct", year="2020..2014")
    at.run()
    assert not at.exception, at.exception
    assert at.select_slider(key="w_rank_years").value == (2014, 2020)
    assert qp(at)["year"] == "2014..2020"
    assert any("Year range 2020..2014 read as 2014..2020" in i.value for i in at.info)
    assert not any("year must be" in i.value for i in at.info)


# ------------------------------------------------------------------------------ browser


@pytest.fixture()
def browser(chromium_browser):
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context
    context.close()


def assert_address_bar_is_the_copy_link(page) -> None:
    assert query_of(copy_link(page)) == query_of(page.url), (copy_link(page), page.url)


def wait_for_select(page, prefix: str) -> None:
    """Until a select box of the page shows a value starting with `prefix`."""
    page.wait_for_function(
        """(prefix) => [...document.querySelectorAll('[data-testid="stSelectbox"] input')]
             .some(i => i.value.startsWith(prefix))""", arg=prefix, timeout=60_000)


def open_from_sidebar(page, title: str, url_glob: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    page.wait_for_url(url_glob, timeout=60_000)
    wait_for_app(page)


@pytest.mark.browser
def test_a_peer_link_puts_the_peer_in_the_address_bar_and_back_returns(server, browser):
    """Before: the peer's profile opened but the address bar kept the first region, so a
    reload (or a link copied from the address bar) brought the first region back."""
    page = browser.new_page()
    page.goto(f"{server}/profile?region=PL61&tab=peers", wait_until="domcontentloaded")
    wait_for_app(page)
    first_title = page.title()
    link = page.locator('[data-testid="stMain"] a[href*="profile?region="]').first
    link.wait_for(timeout=60_000)
    peer = query_of(link.get_attribute("href"))["region"]
    link.click()
    page.wait_for_url(f"**/profile?region={peer}&tab=peers", timeout=60_000)
    wait_for_select(page, peer)
    wait_for_app(page)
    assert query_of(page.url) == {"region": peer, "tab": "peers"}
    assert_address_bar_is_the_copy_link(page)
    assert page.title() != first_title and page.title().endswith(" - Region profile - RegioDash")
    page.reload(wait_until="domcontentloaded")
    wait_for_select(page, peer)
    page.go_back()
    page.wait_for_url("**/profile?region=PL61&tab=peers", timeout=60_000)
    wait_for_select(page, "PL61")
    wait_for_app(page)
    assert query_of(page.url) == {"region": "PL61", "tab": "peers"}


@pytest.mark.browser
def test_back_after_the_sidebar_restores_the_profile_left(server, browser):
    """Profile -> sidebar "Compare" -> Back: the profile left (before: Albania, NUTS 0)."""
    page = browser.new_page()
    page.goto(f"{server}/profile?region=PL61&tab=gender", wait_until="domcontentloaded")
    wait_for_app(page)
    wait_for_select(page, "PL61")
    open_from_sidebar(page, "Compare", "**/compare**")
    page.get_by_text("Compare regions").first.wait_for(timeout=60_000)
    assert_address_bar_is_the_copy_link(page)
    page.go_back()
    page.wait_for_url("**/profile?region=PL61&tab=gender", timeout=60_000)
    wait_for_select(page, "PL61")
    wait_for_app(page)
    assert query_of(page.url) == {"region": "PL61", "tab": "gender"}
    assert select_values(page)[0].startswith("PL61")
    assert_address_bar_is_the_copy_link(page)
    page.go_forward()
    page.wait_for_url("**/compare**", timeout=60_000)
    page.get_by_text("Compare regions").first.wait_for(timeout=60_000)


@pytest.mark.browser
def test_back_after_the_sidebar_restores_the_filtered_map(server, browser):
    """Filtered map -> sidebar "Rankings" -> Back: the filtered view (before: the default
    map, which then also replaced the filtered URL)."""
    page = browser.new_page()
    filtered = {"indicator": "employment_rate_pct", "level": "1", "country": "FR"}
    page.goto(f"{server}/?indicator=employment_rate_pct&level=1&country=FR",
              wait_until="domcontentloaded")
    wait_for_app(page)
    wait_for_select(page, "FR")
    open_from_sidebar(page, "Rankings & trends", "**/rankings**")
    page.get_by_text("Rankings & trends").first.wait_for(timeout=60_000)
    page.go_back()
    page.wait_for_url("**/?indicator=employment_rate_pct&level=1&country=FR", timeout=60_000)
    wait_for_select(page, "FR")
    wait_for_app(page)
    assert query_of(page.url) == filtered
    values = select_values(page)
    assert any("Employment rate" in v for v in values) and "1" in values
    assert_address_bar_is_the_copy_link(page)


@pytest.mark.browser
def test_a_link_to_another_page_needs_one_back_press(server, browser):
    """Overview -> a region's profile link -> Back: the overview with its country, at once
    (the link's URL is the profile's own, so no second history entry is pushed)."""
    page = browser.new_page()
    page.goto(f"{server}/overview?country=PL", wait_until="domcontentloaded")
    wait_for_app(page)
    link = page.locator('[data-testid="stMain"] a[href*="profile?region="]').first
    link.wait_for(timeout=60_000)
    region = query_of(link.get_attribute("href"))["region"]
    # by its address: the list may be drawn again between reading and clicking (busy machine)
    page.locator(f'[data-testid="stMain"] a[href$="profile?region={region}"]').first.click()
    page.wait_for_url(f"**/profile?region={region}", timeout=60_000)
    wait_for_select(page, region)
    wait_for_app(page)
    assert_address_bar_is_the_copy_link(page)
    page.go_back()
    page.wait_for_url("**/overview?country=PL", timeout=60_000)
    wait_for_select(page, "PL")
    wait_for_app(page)
    assert query_of(page.url) == {"country": "PL"}


@pytest.mark.browser
def test_the_compare_bar_year_stays_in_the_address_bar_and_the_copy_link(server, browser):
    page = browser.new_page()
    page.goto(f"{server}/compare?compare=DE21~FR10&year=2015", wait_until="domcontentloaded")
    wait_for_app(page)
    page.get_by_text("Year for the bar chart").wait_for(timeout=60_000)
    assert query_of(page.url)["year"] == "2015"
    assert query_of(copy_link(page))["year"] == "2015"
    slider = page.get_by_role("slider").last
    slider.focus()
    slider.press("ArrowLeft")
    page.wait_for_url("**year=2014**", timeout=60_000)
    wait_for_app(page)
    assert_address_bar_is_the_copy_link(page)


@pytest.mark.browser
def test_back_after_a_map_click_restores_the_filtered_map(server, browser):
    """Filtered map -> click a region (st.switch_page) -> profile -> Back: the filtered map.
    st.switch_page leaves an entry with the profile's parameters under the map's path; before
    ui.url.switch_to, Back landed there and showed the map without its level, country and
    year."""
    page = browser.new_page()
    filtered = {"indicator": "employment_rate_pct", "level": "1", "year": "2015",
                "country": "FR"}
    page.goto(f"{server}/?indicator=employment_rate_pct&level=1&year=2015&country=FR",
              wait_until="domcontentloaded")
    wait_for_app(page)
    page.wait_for_function(
        "document.querySelectorAll('path.choroplethlocation').length > 5", timeout=90_000)
    shape = page.locator("path.choroplethlocation").first
    shape.scroll_into_view_if_needed()
    box = shape.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/profile?region=FR*", timeout=60_000)
    region = query_of(page.url)["region"]
    wait_for_select(page, region)
    wait_for_app(page)
    assert_address_bar_is_the_copy_link(page)
    page.go_back()
    page.wait_for_url("**/?*country=FR*", timeout=60_000)
    wait_for_select(page, "FR")
    wait_for_app(page)
    page.wait_for_function("(q) => location.search.includes(q)", arg="level=1",
                           timeout=60_000)
    assert query_of(page.url) == filtered
    assert_address_bar_is_the_copy_link(page)


def table_rows(text: str, header: str) -> list[str]:
    """First cells of the Markdown table under `header` in `text`."""
    from itertools import takewhile

    lines = text[text.index(header):].splitlines()[2:]  # below the header and --- rows
    return [line.split("|")[1].strip()
            for line in takewhile(lambda line: line.startswith("|"), lines)]


def test_readme_url_keys_and_pages_match_the_code():
    """README's URL-key table names exactly the keys ui.state reads, and its page table
    exactly app.py's pages."""
    import re

    from regiodash.config import REPO_ROOT
    from regiodash.ui.state import KEYS

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    keys = {k for cell in table_rows(readme, "| key | example | meaning |")
            for k in re.findall(r"`([a-z_]+)`", cell)}
    assert keys == set(KEYS)
    pages = [cell.removesuffix(" (default)")
             for cell in table_rows(readme, "| page | what it answers |")]
    assert pages == [spec["title"] for spec in read_pages()]
