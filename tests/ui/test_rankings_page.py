"""Rankings page (AppTest on the demo panel, CSV on the demo and the real-data warehouse):
human column names, no None cells, innovation groups, rank change, the country filter, the
weights reset with before/after ranks, the CSV and its header, a reversed year range, saving
and loading a composite spec, registered specs on the methodology page, and the cached
component inputs of a reweighting."""

from __future__ import annotations

import io
import shutil

import numpy as np
import pandas as pd
import pytest

from indicators.composite_spec import builtin_spec, parse_spec
from indicators.innovation import index as innovation_index
from indicators.innovation.specs import COMPONENT_IDS, INDEX_ID
from regiodash.storage import queries
from regiodash.storage.connection import open_warehouse
from regiodash.ui import composite_view, rankings_view
from regiodash.ui.ranking_table import csv_file_name
from tests.ui.test_pages import PAGE, app_factory, qp

GERD = "gerd_business_pct_gdp"


@pytest.fixture()
def make_app(demo_settings, monkeypatch):
    return app_factory(demo_settings, monkeypatch)


def rankings(make_app, **params):
    at = make_app(PAGE["rankings"], **params)
    at.run()
    assert not at.exception, at.exception
    return at


def column_config(at) -> dict:
    import json

    return json.loads(at.dataframe[0].proto.columns)


def test_table_has_human_column_names_and_shows_no_none(make_app):
    at = rankings(make_app)
    config = column_config(at)
    frame = at.dataframe[0].value
    # every column shown has a human label (no snake_case name reaches the header)
    labels = {c: config[c]["label"] for c in frame.columns}
    assert labels["geo_name"] == "Region" and labels["geo_code"] == "Code"
    assert all("_" not in label for label in labels.values()), labels
    # a missing cell (no start value, no flag) shows the placeholder, never "None"
    assert at.dataframe[0].proto.placeholder == "–"
    assert frame["rank_start"].isna().any() or frame["flag"].isna().any()


def test_innovation_group_and_rank_change_columns(make_app):
    at = rankings(make_app, year="2016..2022")
    frame = at.dataframe[0].value
    assert column_config(at)["group"]["label"] == "Innovation group 2022"
    assert frame["group"].notna().all()
    assert set(frame["group"].str.split(" ").str[0]) <= {"Leader", "Strong", "Moderate",
                                                         "Emerging"}
    both = frame.dropna(subset=["rank_start"])
    assert (both["rank_change"] == both["rank_start"] - both["rank"]).all()
    assert column_config(at)["rank_change"]["label"] == "Places gained since 2016"


def test_country_filter_lives_in_the_url_and_keeps_europe_wide_ranks(make_app):
    at = rankings(make_app)
    everyone = at.dataframe[0].value.set_index("geo_code")["rank"]
    at.selectbox(key="w_rank_country").set_value("PL").run()
    assert not at.exception and qp(at, "country") == "PL"
    poland = at.dataframe[0].value
    assert len(poland) and (poland["country_code"] == "PL").all()
    assert (poland.set_index("geo_code")["rank"] == everyone.reindex(poland["geo_code"])).all()
    again = rankings(make_app, country="PL")
    assert again.selectbox(key="w_rank_country").value == "PL"
    assert (again.dataframe[0].value["country_code"] == "PL").all()


def test_reweighted_ranking_shows_before_and_after_ranks_and_resets(make_app):
    plain = rankings(make_app).dataframe[0].value.set_index("geo_code")["rank"]
    at = rankings(make_app, weights=f"{GERD}:5")
    frame = at.dataframe[0].value
    assert column_config(at)["rank"]["label"] == "Rank, your weights"
    assert column_config(at)["rank_published"]["label"] == "Rank, published weights"
    # before = the ranking with the published weights; the difference is before - after
    assert (frame.set_index("geo_code")["rank_published"] == plain.reindex(frame["geo_code"])
            .to_numpy()).all()
    assert (frame["rank_vs_published"] == frame["rank_published"] - frame["rank"]).all()
    assert (frame["rank_vs_published"] != 0).any()
    at.button(key="w_rank_reset").click().run()
    assert not at.exception, at.exception
    assert qp(at, "weights") is None
    assert at.number_input(key=f"w_weight_{GERD}").value == 1.0
    assert "rank_published" not in at.dataframe[0].value.columns


def test_reversed_year_range_is_read_in_order_with_a_note(make_app):
    at = rankings(make_app, indicator="employment_rate_pct", year="2022..2016")
    assert at.select_slider(key="w_rank_years").value == (2016, 2022)
    assert any("read as 2016..2022" in i.value for i in at.info)
    assert qp(at, "year") in (None, "2016..2022")


def csv_of(settings, indicator, level, weights, span, country=None):
    from regiodash.ui import data

    version = data.data_version()
    return rankings_view.ranking_download(version, indicator, level, weights, span, country,
                                          "http://x/rankings?country=PL").decode()


def read_back(text: str) -> tuple[dict[str, str], pd.DataFrame]:
    header = dict(line[2:].split(": ", 1) for line in text.splitlines() if line.startswith("#"))
    return header, pd.read_csv(io.StringIO(text), comment="#")


def test_csv_names_indicator_unit_years_status_and_weights(demo_settings, monkeypatch):
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(demo_settings.data_dir))
    header, body = read_back(csv_of(demo_settings, "employment_rate_pct", 2, (), (2016, 2022)))
    assert header["indicator"].startswith("employment_rate_pct (Employment rate")
    assert header["unit"] == "% of population aged 20-64"
    assert header["years"] == "ranked in 2022; change since 2016"
    assert header["data status"].startswith("demo")
    assert header["weights"] == "not reweighted"
    assert header["converted values"] == "none"
    assert header["view"] == "http://x/rankings?country=PL"
    assert list(body.columns[:4]) == ["rank", "geo_code", "geo_name", "country_code"]
    # one decimal, as the catalog says for this indicator; no "None" anywhere
    raw = csv_of(demo_settings, "employment_rate_pct", 2, (), (2016, 2022))
    values = [line.split(",")[5] for line in raw.splitlines()[14:20]]
    assert all(len(v.split(".")[1]) == 1 for v in values if v), values
    assert "None" not in raw and "nan" not in raw
    full = tuple(sorted({**dict.fromkeys(COMPONENT_IDS, 1.0), GERD: 5.0}.items()))
    header, body = read_back(csv_of(demo_settings, INDEX_ID, 2, full, (2016, 2022), "PL"))
    assert header["weights"] == f"{GERD} 5, every other component 1"
    assert header["country"] == "PL" and (body["country_code"] == "PL").all()
    assert {"rank_published_weights", "rank_change_vs_published"} <= set(body.columns)


def test_csv_file_names_differ_for_reweighted_results():
    plain = csv_file_name(INDEX_ID, 2, (2016, 2022), None, ())
    full = tuple(sorted({**dict.fromkeys(COMPONENT_IDS, 1.0), GERD: 5.0}.items()))
    other = tuple(sorted({**dict.fromkeys(COMPONENT_IDS, 1.0), GERD: 3.0}.items()))
    names = {plain, csv_file_name(INDEX_ID, 2, (2016, 2022), None, full),
             csv_file_name(INDEX_ID, 2, (2016, 2022), None, other),
             csv_file_name(INDEX_ID, 2, (2016, 2022), "PL", ())}
    assert len(names) == 4
    assert plain == f"ranking_{INDEX_ID}_nuts2_2016-2022.csv"


def test_csv_on_real_data_counts_converted_values(real_settings, monkeypatch):
    """On the real warehouse (lifelong learning: published partly in older NUTS versions) the
    CSV names real data and marks exactly the values the warehouse converted that year."""
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(real_settings.data_dir))
    wh = open_warehouse(real_settings)
    try:
        found = wh.query_df(
            "select indicator_id, nuts_level, year, count(converted_from) as n "
            "from indicator_values where sex = 'T' and value is not null and converted_from "
            "is not null and nuts_level between 1 and 3 group by all order by n desc limit 1")
    finally:
        wh.close()
    assert len(found), "the real files give converted values (older NUTS versions)"
    indicator, level, year, n = found.iloc[0]
    header, body = read_back(csv_of(real_settings, str(indicator), int(level), (),
                                    (int(year), int(year))))
    assert header["data status"] == "real (published statistics)"
    assert int(body["converted_from_nuts"].notna().sum()) == int(n)
    assert header["converted values"] == (f"{int(n)} values of {int(year)} converted from "
                                          "another NUTS version (column converted_from_nuts)")


# --- composite specs ---------------------------------------------------------------------


def test_saved_spec_reads_back_with_the_weights():
    weights = {**dict.fromkeys(COMPONENT_IDS, 1.0), GERD: 2.5}
    name, text = composite_view.spec_download(weights, "my_index", "My index")
    assert name == "my_index.toml"
    spec = parse_spec(text, name)
    assert spec.weights == weights and spec.title == "My index"
    assert [i.id for i in spec.indicators] == [i.id for i in builtin_spec().indicators]


def open_panel(make_app, **params):
    at = make_app(PAGE["rankings"], **params)
    at.run()
    at.session_state["w_rank_reweight"] = True
    at.run()
    assert not at.exception, at.exception
    return at


def test_panel_offers_the_spec_download_and_refuses_a_bad_id(make_app):
    at = open_panel(make_app)
    assert [b for b in at.get("download_button") if "spec" in b.proto.label.lower()]
    at.text_input(key="w_rank_spec_id").set_value("Bad id!").run()
    assert any("Cannot save the spec" in w.value and "line" in w.value for w in at.warning)


def test_loading_a_spec_of_components_becomes_the_reweighting(make_app):
    at = open_panel(make_app)
    weights = {**dict.fromkeys(COMPONENT_IDS, 1.0), GERD: 3.0}
    _, text = composite_view.spec_download(weights, "mine", "Mine")
    at.file_uploader(key="w_rank_spec_file").upload("mine.toml", text.encode()).run()
    assert not at.exception, at.exception
    assert qp(at, "weights") == f"{GERD}:3"
    assert at.number_input(key=f"w_weight_{GERD}").value == 3.0
    assert any("Loaded" in s.value for s in at.success)


BAD_SPEC = """id = "x"
title = "**bold** [click](https://evil.example)"

[[indicators]]
id = "gerd_business_pct_gdp"
weight = -1
"""


def test_a_bad_spec_names_its_line_escaped_and_changes_nothing(make_app):
    at = open_panel(make_app)
    at.file_uploader(key="w_rank_spec_file").upload("bad.toml", BAD_SPEC.encode()).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any(e.startswith("The spec could not be read: line 6\\:") for e in errors), errors
    assert qp(at, "weights") is None


def test_a_spec_of_other_indicators_says_how_to_register_it(make_app):
    at = open_panel(make_app)
    text = BAD_SPEC.replace("weight = -1", "weight = 1").replace(
        'id = "gerd_business_pct_gdp"', 'id = "employment_rate_pct"')
    at.file_uploader(key="w_rank_spec_file").upload("other.toml", text.encode()).run()
    warning = next(w.value for w in at.warning if "regiodash composite" in w.value)
    assert "`--register`" in warning and "employment\\_rate\\_pct" in warning
    assert "](https" not in warning and "**bold**" not in warning  # the title is text
    assert qp(at, "weights") is None


def test_methodology_page_renders_registered_specs(demo_settings, tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    shutil.copytree(demo_settings.data_dir, data_dir)
    weights = {**dict.fromkeys(COMPONENT_IDS, 1.0), GERD: 2.0}
    _, text = composite_view.spec_download(weights, "smart_index", "Smart *index*")
    (data_dir / "composites").mkdir()
    (data_dir / "composites" / "smart_index.toml").write_text(text, encoding="utf-8")
    from regiodash.config import load_settings

    at = app_factory(load_settings({"REGIODASH_DATA_DIR": str(data_dir)}),
                     monkeypatch)(PAGE["methodology"])
    at.run()
    assert not at.exception, at.exception
    assert any(s.value == "Registered composite indices" for s in at.subheader)
    assert any("Smart \\*index\\* (smart\\_index)" in e.label for e in at.expander)
    table = next(d.value for d in at.dataframe if "weight" in d.value.columns)
    assert dict(zip(table["indicator"], table["weight"], strict=True)) == weights
    assert set(table["direction"]) == {"higher"}
    assert any(c.value.strip() == text.strip() for c in at.code)


# --- speed: the inputs are read and normalised once per data version and level ------------


def test_reweighting_from_the_prepared_base_equals_computing_again(demo_settings):
    wh = open_warehouse(demo_settings)
    try:
        inputs = queries.load_component_inputs(wh, 2)
        kept = inputs.copy(deep=True)
        prepared = queries.prepare_reweighted_index(wh, 2)
        norm = prepared.norm.copy()
        for weights in ({**dict.fromkeys(COMPONENT_IDS, 1.0), GERD: 4.0},
                        {GERD: 1.0, COMPONENT_IDS[3]: 0.5},
                        {**dict.fromkeys(COMPONENT_IDS, 2.0), COMPONENT_IDS[1]: 0.0}):
            given = queries.load_reweighted_index(wh, 2, weights, prepared)
            again = innovation_index.compute_index_rows(inputs, weights, 2)
            again = again[["geo_code", "year", "value", "flag", "source"]].reset_index(drop=True)
            pd.testing.assert_frame_equal(given, again, check_exact=True)
            assert len(given) > 100
        assert inputs.equals(kept)  # shared between sessions: never modified
        assert np.array_equal(prepared.norm, norm)
    finally:
        wh.close()


def test_ui_cache_prepares_the_inputs_once(demo_settings, monkeypatch):
    from regiodash.ui import data

    monkeypatch.setenv("REGIODASH_DATA_DIR", str(demo_settings.data_dir))
    calls = []
    real = queries.load_component_inputs
    monkeypatch.setattr(queries, "load_component_inputs",
                        lambda wh, level: calls.append(level) or real(wh, level))
    data.reweighting_base.cache_clear()
    version = data.data_version()
    for w in (2.0, 3.0):
        data.reweighted_index.clear()
        data.reweighted_index(version, 2, ((GERD, w),))
    assert calls == [2]


def test_all_weights_zero_says_so_and_shows_the_published_index(make_app):
    """Zero for every component (a link or the weight inputs) leaves nothing to compute: the
    page says so and ranks by the published index instead of failing."""
    at = rankings(make_app, weights="~".join(f"{c}:0" for c in COMPONENT_IDS))
    assert any("Every component has weight 0" in w.value for w in at.warning)
    assert not any("recomputed with your weights" in i.value for i in at.info)
    assert len(at.dataframe[0].value) > 100
