"""Countries outside NUTS on the level-0 pages: the map draws them with their own shapes on the
NUTS countries' colour scale, rankings and compare list them, named.

On inline fixtures (the builder), on the demo warehouse (no World Bank values: nothing
changes) and on the demo warehouse plus the real WDI bulk CSV files imported the way a user
imports them (`regiodash import`), with one browser test and a screenshot of the map.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from regiodash.config import load_settings
from regiodash.ingest.demo import write_demo_panel
from regiodash.ingest.importing import import_files
from regiodash.storage import queries
from regiodash.storage.build import build_warehouse
from regiodash.storage.connection import open_warehouse
from regiodash.ui.maps import OUTSIDE_HOVER, MapSpec, build_choropleth, z_range
from tests.ui.test_pages import PAGE, app_factory

WDI = "worldbank/wdi_bulk_csv"
LFP_FILE = "API_SL.TLF.CACT.FE.ZS_DS2_en_csv_v2_13361.csv"
GDP_FILE = "API_NY.GDP.PCAP.PP.KD_DS2_en_csv_v2_4572.csv"
LFP = "wdi_labour_force_participation_pct"
GDP = "wdi_gdp_per_capita_ppp"
NEIGHBOURS = {"EG", "JO", "LB", "MA", "PS", "TN"}


@pytest.fixture(scope="session")
def wdi_settings(real_data_dir, tmp_path_factory):
    """The demo panel plus the real WDI female labour-force participation and GDP per head
    PPP files, imported and built (read-only use)."""
    settings = load_settings(
        {"REGIODASH_DATA_DIR": str(tmp_path_factory.mktemp("wdi") / "data")})
    write_demo_panel(settings)
    import_files([real_data_dir / WDI / LFP_FILE, real_data_dir / WDI / GDP_FILE], settings)
    build_warehouse(settings)
    return settings


def figure_of(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def run_page(settings, monkeypatch, page: str, **params: str) -> AppTest:
    at = app_factory(settings, monkeypatch)(PAGE[page], **params)
    at.run()
    assert not at.exception, at.exception
    return at


# --------------------------------------------------------------------------- inline fixtures

def square(code: str, x: float, y: float) -> dict:
    ring = [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]
    return {"type": "Feature", "id": code, "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def rows(codes: list[str], values: list[float | None], source: str) -> pd.DataFrame:
    return pd.DataFrame({"geo_code": codes, "geo_name": [f"name {c}" for c in codes],
                         "country_code": codes, "is_overseas": False, "value": values,
                         "flag": None, "source": source, "nuts_version": "2021",
                         "converted_from": None})


NUTS = {"type": "FeatureCollection", "features": [square("DE", 10, 50), square("FR", 2, 46)]}
WORLD = {"type": "FeatureCollection", "features": [square("MA", -7, 31), square("TN", 9, 34)]}
SPEC = MapSpec(title="LFP", unit="%", decimals=1, direction="neutral")


def test_outside_countries_drawn_with_their_shapes_on_one_scale() -> None:
    values = pd.concat([rows(["DE", "FR"], [55.6, 51.0], "worldbank"),
                        rows(["MA", "TN"], [19.6, None], "worldbank")], ignore_index=True)
    fig, missing = build_choropleth(NUTS, values, SPEC, outside=(WORLD, frozenset({"MA", "TN"})))
    nuts, world = fig.data[-2], fig.data[-1]
    assert list(nuts.locations) == ["DE", "FR"] and list(world.locations) == ["MA"]
    assert [f["id"] for f in world.geojson["features"]] == ["MA"]  # its own shapes only
    assert (nuts.zmin, nuts.zmax) == (world.zmin, world.zmax) == (19.6, 55.6)
    assert world.showscale is False
    assert "country outside the NUTS area" in world.hovertemplate
    assert "Source: worldbank" in world.hovertemplate
    assert missing.empty  # TN without a value is neither drawn nor listed as a NUTS gap
    assert fig.layout.geo.fitbounds == "locations"  # the extent reaches Morocco


def test_without_outside_values_the_map_is_as_before() -> None:
    values = rows(["DE", "FR"], [55.6, None], "eurostat")
    fig, missing = build_choropleth(NUTS, values, SPEC, outside=(WORLD, frozenset({"MA"})))
    assert [t.name for t in fig.data] == ["no data", "LFP"]
    assert list(missing["geo_code"]) == ["FR"]
    assert OUTSIDE_HOVER not in {t.hovertemplate for t in fig.data}


def test_diverging_range_is_symmetric_around_the_midpoint() -> None:
    lq = MapSpec(title="LQ", unit="ratio", decimals=2, direction="neutral", diverging=True,
                 midpoint=1.0)
    assert z_range(pd.Series([0.4, 1.3]), lq) == {"zmin": 0.4, "zmax": 1.6, "zmid": 1.0}
    gap = MapSpec(title="gap", unit="pp", decimals=1, direction="neutral", diverging=True)
    assert z_range(pd.Series([-2.0, 5.0]), gap) == {"zmin": -5.0, "zmax": 5.0, "zmid": 0.0}
    assert z_range(pd.Series([None], dtype=float), lq) == {"zmid": 1.0}


# --------------------------------------------------------------------------- warehouses

def test_outside_values_query_keeps_only_codes_outside_nuts(wdi_settings) -> None:
    wh = open_warehouse(wdi_settings)
    frame = queries.load_outside_nuts_values(wh, LFP)
    codes = set(frame["geo_code"])
    assert NEIGHBOURS <= codes and "DE" not in codes  # DE is a NUTS country
    assert set(frame["source"]) == {"worldbank"} and set(frame["sex"]) == {"F"}
    morocco = frame[(frame["geo_code"] == "MA") & (frame["year"] == 2022)]
    assert morocco["value"].round(3).tolist() == [19.584]  # as published in the real file


def test_level0_map_shows_the_neighbours_beside_eu_countries(wdi_settings, monkeypatch):
    at = run_page(wdi_settings, monkeypatch, "map", indicator=LFP, level="0", sex="F",
                  year="2022")
    traces = figure_of(at)["data"]
    world = [t for t in traces if str(t.get("geojson", "")).find("world_") >= 0]
    assert len(world) == 1 and NEIGHBOURS <= set(world[0]["locations"])
    nuts = next(t for t in traces if t.get("showscale") is not False and "world_" not in str(
        t.get("geojson", "")))
    assert {"DE", "FR", "EL"} <= set(nuts["locations"])
    assert (nuts["zmin"], nuts["zmax"]) == (world[0]["zmin"], world[0]["zmax"])
    captions = " ".join(c.value for c in at.caption)
    assert "Natural Earth" in captions and "World Bank" in captions
    assert "Morocco (MA)" in at.selectbox(key="w_pick").options  # it opens its profile


def test_level0_map_on_the_demo_has_no_outside_trace(demo_settings, monkeypatch):
    at = run_page(demo_settings, monkeypatch, "map", level="0")
    assert all("world_" not in str(t.get("geojson", "")) for t in figure_of(at)["data"])
    assert "Natural Earth" not in " ".join(c.value for c in at.caption)


def test_rankings_at_level0_list_the_neighbours(wdi_settings, monkeypatch):
    at = run_page(wdi_settings, monkeypatch, "rankings", indicator=GDP, level="0")
    table = at.dataframe[0].value
    names = dict(zip(table["geo_code"], table["geo_name"], strict=True))
    assert names["MA"] == "Morocco" and names["TN"] == "Tunisia" and "DE" in names
    assert "US" not in names  # a WDI economy outside the drawn neighbourhood stays off


def test_rankings_at_level0_on_the_demo_are_nuts_countries_only(demo_settings, monkeypatch):
    at = run_page(demo_settings, monkeypatch, "rankings", level="0")
    assert not NEIGHBOURS & set(at.dataframe[0].value["geo_code"])


def test_compare_accepts_a_country_outside_nuts(wdi_settings, monkeypatch):
    at = run_page(wdi_settings, monkeypatch, "compare", indicator=GDP, compare="MA~DE")
    assert at.multiselect(key="w_compare").value == ["MA", "DE"]
    assert not any("MA" in w.value for w in at.warning)
    lines = figure_of(at)["data"]
    assert {"Morocco (MA)", "Deutschland (DE)"} <= {t.get("name") for t in lines}


# --------------------------------------------------------------------------- browser

@pytest.mark.browser
def test_browser_level0_map_draws_the_neighbours(wdi_settings, tmp_path, chromium_browser):
    """Uses the session's browser (tests/ui/conftest.py): a second sync_playwright() would
    fail inside the asyncio loop other tests leave in this thread."""
    from bench.devserver import (
        CHROMIUM,
        ServerError,
        start_streamlit,
        stop_streamlit,
    )
    from tests.ui.browser_support import OUTPUT, outside_localhost, wait_for_app

    if not Path(CHROMIUM).exists():
        pytest.skip("chromium not installed")
    try:
        proc, url = start_streamlit(wdi_settings.data_dir, tmp_path / "server.log")
    except ServerError as exc:
        pytest.fail(str(exc))
    try:
        context = chromium_browser.new_context(viewport={"width": 1440, "height": 900})
        try:
            page = context.new_page()
            requests: list[str] = []
            page.on("request", lambda req: requests.append(req.url))
            page.goto(f"{url}/?indicator={LFP}&level=0&sex=F&year=2022",
                      wait_until="domcontentloaded")
            page.wait_for_function(
                "document.querySelectorAll('path.choroplethlocation').length > 40",
                timeout=90_000)
            wait_for_app(page)
            drawn = page.evaluate(
                "() => [...document.querySelectorAll('path.choroplethlocation')]"
                ".map(p => p.__data__ && p.__data__.loc).filter(Boolean)")
            assert NEIGHBOURS | {"DE", "FR", "ES"} <= set(drawn)
            OUTPUT.mkdir(exist_ok=True)
            page.screenshot(path=str(OUTPUT / "map_neighbourhood_level0.png"))
            attribution = page.locator('[data-testid="stCaptionContainer"]',
                                       has_text="Natural Earth")
            assert attribution.count() == 1 and attribution.is_visible()
            assert page.get_by_text("Page not found").count() == 0
            assert not outside_localhost(requests), requests
        finally:
            context.close()
    finally:
        stop_streamlit(proc)
