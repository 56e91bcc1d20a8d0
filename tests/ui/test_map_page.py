"""AppTest for the map page on the demo panel: renders, reads and writes the URL."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from regiodash.config import REPO_ROOT

APP = str(REPO_ROOT / "app.py")


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
    assert "Total" in app.caption[0].value
    app.selectbox(key="w_indicator").set_value(by_sex).run()
    assert app.selectbox(key="w_sex").value == "T"
    app.selectbox(key="w_sex").set_value("F").run()
    assert not app.exception
    assert "Women" in app.caption[0].value
    assert app.query_params["sex"] in ("F", ["F"])
    app.selectbox(key="w_indicator").set_value(total_only).run()
    assert not app.exception
    assert not [s for s in app.selectbox if s.key == "w_sex"]
    assert "sex" not in app.query_params and "Total" in app.caption[0].value


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
    assert "Grey: no data" in app.caption[0].value
    assert app.expander and app.expander[0].label.startswith("Regions with no data (")
    assert not app.dataframe  # not built while closed
    app.session_state["w_missing_open"] = True  # what opening the panel does
    app.run()
    missing = app.dataframe[0].value
    assert len(missing) > 200 and "DE21" not in set(missing["geo_code"])
