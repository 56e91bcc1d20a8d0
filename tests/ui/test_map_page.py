"""AppTest for the map page on the demo panel: renders, reads and writes the URL."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from regiodash.config import REPO_ROOT

APP = str(REPO_ROOT / "app.py")


def plain(markdown: str) -> str:
    """Escaped Markdown (ui.text.escape_markdown) as the reader sees it."""
    return re.sub(r"\\(.)", r"\1", markdown)


def described(at: AppTest) -> str:
    """The map's description: the caption above the map, which is also the chart's alt."""
    return next(plain(c.value) for c in at.caption if plain(c.value).startswith("Map of "))


@pytest.fixture()
def app(demo_settings, monkeypatch):
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(demo_settings.data_dir))
    return AppTest.from_file(APP, default_timeout=60)


def test_map_page_renders_with_demo_banner(app):
    app.run()
    assert not app.exception
    assert app.title[0].value == "Map explorer"
    assert any("Synthetic demo data" in w.value for w in app.warning)
    assert app.selectbox(key="w_indicator").value


def test_url_parameters_restore_the_view(app):
    from indicators.catalog import CATALOG

    spec = next(s for s in CATALOG if s.has_sex)
    app.query_params["indicator"] = spec.indicator_id
    app.query_params["level"] = "1"
    app.query_params["sex"] = "F"
    app.query_params["year"] = "2015"
    app.run()
    assert not app.exception
    assert app.selectbox(key="w_indicator").value == spec.indicator_id
    assert app.selectbox(key="w_level").value == 1
    assert app.selectbox(key="w_sex").value == "F"
    assert app.query_params["year"] == ["2015"] or app.query_params["year"] == "2015"


def test_the_sex_picker_shows_only_for_indicators_broken_down_by_sex(app):
    from indicators.catalog import CATALOG

    by_sex = next(s.indicator_id for s in CATALOG if s.has_sex)
    total_only = next(s.indicator_id for s in CATALOG if not s.has_sex)
    app.query_params["indicator"] = total_only
    app.run()
    assert not app.exception
    assert not [s for s in app.selectbox if s.key == "w_sex"]
    assert "Total" in described(app)
    app.selectbox(key="w_indicator").set_value(by_sex).run()
    assert app.selectbox(key="w_sex").value == "T"
    app.selectbox(key="w_sex").set_value("F").run()
    assert not app.exception
    assert "Women" in described(app)
    assert app.query_params["sex"] in ("F", ["F"])
    app.selectbox(key="w_indicator").set_value(total_only).run()
    assert not app.exception
    assert not [s for s in app.selectbox if s.key == "w_sex"]
    assert "sex" not in app.query_params and "Total" in described(app)


def test_widget_change_updates_the_url(app):
    from indicators.catalog import CATALOG

    app.run()
    other = next(s.indicator_id for s in CATALOG
                 if s.indicator_id != app.selectbox(key="w_indicator").value)
    app.selectbox(key="w_indicator").set_value(other).run()
    assert not app.exception
    got = app.query_params["indicator"]
    assert (got[0] if isinstance(got, list) else got) == other


@pytest.mark.parametrize("params", [
    {"indicator": "<script>alert(1)</script>"},
    {"indicator": "x'; DROP TABLE indicator_values; --"},
    {"level": "9"},
    {"year": "20155"},
    {"sex": "X" * 5000},
])
def test_hostile_parameters_fall_back_with_a_note(app, params):
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception
    assert any("Ignored URL parameter" in i.value for i in app.info)


def test_a_rebuilt_warehouse_shows_up_without_a_restart(demo_settings, tmp_path, monkeypatch):
    """Cached figures are keyed on the data version: new values show on the next rerun."""
    import os
    import shutil

    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    data_dir = tmp_path / "data"
    shutil.copytree(demo_settings.data_dir, data_dir)
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["indicator"] = "employment_rate_pct"
    at.run()
    assert not at.exception
    before = at.get("plotly_chart")[0].proto.spec
    at.run()
    assert at.get("plotly_chart")[0].proto.spec == before
    path = data_dir / "indicator_values.parquet"
    table = pq.read_table(path)
    table = table.set_column(table.schema.get_field_index("value"), "value",
                             pc.multiply(table["value"], 2))
    pq.write_table(table, path.with_suffix(".tmp"))
    os.replace(path.with_suffix(".tmp"), path)
    at.run()
    assert not at.exception
    assert at.get("plotly_chart")[0].proto.spec != before


def test_regions_without_data_are_listed_only_when_their_panel_opens(settings, monkeypatch,
                                                                   fixtures_dir):
    """A user file with a few regions: the rest of the frame is grey and listed on demand."""
    from regiodash.ingest.importing import import_files
    from regiodash.storage.build import build_warehouse

    import_files([fixtures_dir / "tidy.csv"], settings, dataset="my_values")
    build_warehouse(settings)
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(settings.data_dir))
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["indicator"] = "my_values"
    app.run()
    assert not app.exception, app.exception
    assert "grey (no data)" in described(app)
    assert any("Grey: no data" in plain(c.value) for c in app.caption)
    assert any(e.label.startswith("Regions with no data (") for e in app.expander)
    assert not app.dataframe  # not built while closed
    app.session_state["w_missing_open"] = True  # what opening the panel does
    app.run()
    missing = app.dataframe[0].value
    assert len(missing) > 200 and "DE21" not in set(missing["geo_code"])


def warehouse_values(settings, indicator: str, level: int, year: int):
    """The map's values straight from the warehouse (not through the page)."""
    from regiodash.storage import queries
    from regiodash.storage.connection import open_warehouse

    return queries.load_map_values(open_warehouse(settings), indicator, level, year, "T")


def test_the_map_has_a_text_alternative_naming_what_it_shows(app, demo_settings):
    app.query_params["indicator"] = "employment_rate_pct"
    app.query_params["year"] = "2019"
    app.run()
    assert not app.exception
    text = described(app)
    unit = "% of population aged 20-64"
    assert text.startswith(f"Map of Employment rate, age 20-64 ({unit}), NUTS 2, 2019, "
                           "Total, all of Europe: ")
    values = warehouse_values(demo_settings, "employment_rate_pct", 2, 2019)
    framed = values[~values["is_overseas"].astype(bool)]
    have = framed.dropna(subset=["value"])
    assert f"{len(have):,} of {len(framed):,} regions have a value" in text
    low, high = have.loc[have["value"].idxmin()], have.loc[have["value"].idxmax()]
    assert f"lowest {low['geo_name']} ({low['geo_code']}, {low['value']:.1f} {unit})" in text
    assert f"highest {high['geo_name']} ({high['geo_code']}, {high['value']:.1f} {unit})" \
        in text
    # the same words are the chart's accessible name
    assert app.get("plotly_chart")[0].proto.alt == text


def test_polands_moderate_and_emerging_regions_are_answered_on_the_page(app, demo_settings):
    """Country filter + the table's group column: no other page needed."""
    from regiodash.storage import queries
    from regiodash.storage.connection import open_warehouse

    app.query_params["country"] = "PL"
    app.query_params["indicator"] = "regional_innovation_index"
    app.run()
    assert not app.exception
    assert not app.dataframe  # the table is built only while its panel is open
    panel = next(e for e in app.expander if e.label.startswith("Regions in this view ("))
    assert panel.label.startswith("Regions in this view (17)")
    app.session_state["w_table_open"] = True  # what opening the panel does
    app.run()
    table = app.dataframe[0].value
    year = int(app.select_slider(key="w_year").value)
    groups = queries.load_innovation_groups(open_warehouse(demo_settings), 2)
    groups = groups[(groups["year"] == year) & groups["geo_code"].str.startswith("PL")]
    expected = set(groups.loc[groups["grp"].isin(["Moderate", "Emerging"]), "geo_code"])
    shown = table[table["Innovation group"].str.split(" ").str[0].isin(
        ["Moderate", "Emerging"])]
    assert expected and set(shown["Code"]) == expected
    assert set(table["Code"]) == set(warehouse_values(demo_settings, "regional_innovation_index",
                                                      2, year).query("country_code == 'PL'")
                                     ["geo_code"])
    assert list(table["Profile"]) == [f"profile?region={c}" for c in table["Code"]]
    assert {"Region", "Value (index, EU = 100)", "Flag", "Source", "NUTS version"} <= set(table)
    assert "Download CSV" in [e.proto.label for e in app.get("download_button")]


def test_table_links_carry_the_indicator_and_missing_values_stay_missing(app, demo_settings):
    app.query_params["indicator"] = "employment_rate_pct"
    app.run()
    app.session_state["w_table_open"] = True
    app.run()
    assert not app.exception
    table = app.dataframe[0].value
    assert table["Profile"].iloc[0] == (f"profile?region={table['Code'].iloc[0]}"
                                        "&indicator=employment_rate_pct")
    year = int(app.select_slider(key="w_year").value)
    values = warehouse_values(demo_settings, "employment_rate_pct", 2, year)
    column = "Value (% of population aged 20-64)"
    assert len(table) == len(values)
    assert table[column].isna().sum() == values["value"].isna().sum() > 0
    assert table[column].isna().iloc[-1]  # regions without a value come last, never as 0
    assert not (table[column] == 0).any()


def test_the_region_picker_opens_the_profile_without_a_mouse(app):
    app.query_params["country"] = "PL"
    app.query_params["indicator"] = "employment_rate_pct"
    app.run()
    picker = app.selectbox(key="w_pick")
    assert picker.value is None and "Podkarpackie (PL82)" in picker.options
    button = next(b for b in app.button if b.label == "Open profile")
    button.click().run()  # nothing chosen yet: a note, no navigation
    assert any("Choose a region first" in w.value for w in app.warning)
    assert app.title[0].value == "Map explorer"
    app.selectbox(key="w_pick").set_value("PL82")
    next(b for b in app.button if b.label == "Open profile").click().run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Region profile"
    assert app.query_params["region"] in ("PL82", ["PL82"])
    assert app.query_params["indicator"] in ("employment_rate_pct", ["employment_rate_pct"])


def test_choosing_a_region_in_the_picker_runs_nothing(app):
    """The picker is a form: only "Open profile" sends it (the region pick costs no rerun)."""
    app.query_params["country"] = "PL"
    app.run()
    picker = app.selectbox(key="w_pick")
    assert picker.proto.form_id == "open_profile"
    assert len(picker.options) == 17
    assert all(re.fullmatch(r".+ \(PL\w{2}\)", o) for o in picker.options), picker.options


# --- the server-drawn first paint (ui.first_paint) ---------------------------------------

FIRST_PAINT = re.compile(r"!\[\]\(/app/static/first_paint/([0-9a-f]{32}\.png)\)")


def first_paints(at: AppTest) -> list[Image.Image]:
    """The pictures (static/first_paint/ PNGs) of the first paint's images in the last run."""
    from regiodash.ui.first_paint import published_dir

    bodies = [el.proto.body for el in at.get("markdown")]
    return [Image.open(published_dir() / m.group(1)).convert("RGBA") for body in bodies
            if (m := FIRST_PAINT.fullmatch(body))]


def region_colours(picture: Image.Image) -> set[tuple[int, ...]]:
    """The opaque colours of a picture (regions' fills; edges blend with the outline)."""
    return {c for _, c in picture.getcolors(maxcolors=1 << 16) if c[3] == 255}


def test_a_sessions_first_map_run_draws_the_map_as_a_picture_then_only_the_chart(app):
    app.query_params["level"] = "2"
    app.run()
    assert not app.exception
    [drawn] = first_paints(app)
    assert drawn.size == (1200, 648)
    # a continuous colour scale over the demo's 300+ NUTS 2 regions: many distinct fills
    assert len(region_colours(drawn)) > 100
    assert len(app.get("plotly_chart")) == 1
    app.selectbox(key="w_indicator").set_value("employment_rate_pct").run()
    assert not app.exception and first_paints(app) == []  # plotly.js is loaded by now


def test_the_first_paint_of_the_real_gdp_map(real_settings, monkeypatch):
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(real_settings.data_dir))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()  # the root URL: real Eurostat GDP per inhabitant, NUTS 2
    assert not at.exception
    [drawn] = first_paints(at)
    assert len(region_colours(drawn)) > 100


def test_a_drawing_that_fails_the_check_leaves_only_the_chart(app, monkeypatch):
    from regiodash.ui import map_panels

    monkeypatch.setattr(map_panels, "first_paint", lambda *args: b"<svg><text>LU</text></svg>")
    app.query_params["level"] = "2"
    app.run()
    assert not app.exception and first_paints(app) == []
    assert len(app.get("plotly_chart")) == 1
