"""Rankings in a real browser (Debian chromium, Playwright): a reweighted, country-filtered
ranking downloads a CSV under its own name with the weights in its header; Reset brings back
the published ranking (the address bar loses the weights); the reweighting saves as a spec
and a loaded spec becomes the reweighting. Waits on the app's state, never fixed sleeps; a
screenshot goes to test-output/."""

from __future__ import annotations

import tomllib

import pytest

from tests.ui.browser_support import OUTPUT, query_of, wait_for_app

pytestmark = pytest.mark.browser

GERD = "gerd_business_pct_gdp"


@pytest.fixture()
def browser(chromium_browser):
    context = chromium_browser.new_context(viewport={"width": 1440, "height": 900},
                                           accept_downloads=True)
    yield context
    context.close()


def download(page, label: str) -> tuple[str, str]:
    with page.expect_download(timeout=90_000) as info:
        page.get_by_role("button", name=label).click()
    got = info.value
    return got.suggested_filename, open(got.path(), encoding="utf-8").read()


def test_reweighted_csv_reset_and_spec_round_trip(server, browser, tmp_path):
    page = browser.new_page()
    page.goto(f"{server}/rankings?weights={GERD}:5&country=PL", wait_until="domcontentloaded")
    wait_for_app(page)
    page.get_by_text("Showing the index recomputed with your weights").wait_for(timeout=90_000)
    name, text = download(page, "Download CSV")
    assert name.startswith("ranking_regional_innovation_index_nuts2_") and "_PL_" in name
    assert "_reweighted-" in name
    assert f"# weights: {GERD} 5, every other component 1" in text
    assert "# country: PL" in text and "# data status: demo" in text
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "rankings_reweighted.png"), full_page=True)

    spec_name, spec_text = download(page, "Download spec (TOML)")
    assert spec_name == "my_innovation_index.toml"
    weights = {i["id"]: i["weight"] for i in tomllib.loads(spec_text)["indicators"]}
    assert weights[GERD] == 5.0 and set(weights.values()) == {1.0, 5.0}

    page.get_by_role("button", name="Reset to equal weights").click()
    page.wait_for_function("() => !location.search.includes('weights=')", timeout=90_000)
    wait_for_app(page)
    assert query_of(page.url) == {"country": "PL"}
    name, text = download(page, "Download CSV")
    assert "_reweighted-" not in name and "# weights: not reweighted" in text

    # the saved spec, loaded again, is the reweighting once more
    saved = tmp_path / "mine.toml"
    saved.write_text(spec_text, encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(saved))
    page.wait_for_url(f"**weights={GERD}%3A5**", timeout=90_000)
    wait_for_app(page)
    page.get_by_text("Its weights are now the reweighting").wait_for(timeout=90_000)
