"""Map builders: tooltips written compactly mean the same; the figures come frozen."""

from __future__ import annotations

import json
import re

import pandas as pd

from regiodash.ui.maps import MapSpec, build_choropleth, build_group_map, compact_hover


def render_tooltips(fig) -> dict[str, str]:
    """What plotly shows on hover per location (customdata and location substituted)."""
    out = {}
    for trace in json.loads(fig.to_json())["data"]:
        rows = trace.get("customdata")
        for i, loc in enumerate(trace["locations"]):
            def sub(m: re.Match, i=i, loc=loc, rows=rows) -> str:
                if m.group(1) == "location":
                    return loc
                return rows[i][int(re.fullmatch(r"customdata\[(\d+)\]", m.group(1)).group(1))]
            out[loc] = re.sub(r"%\{([^}]+)\}", sub, trace["hovertemplate"])
    return out


def values(**overrides) -> pd.DataFrame:
    frame = pd.DataFrame({
        "geo_code": ["DE21", "DE22", "FR10", "PL91"],
        "geo_name": ["Oberbayern", "Niederbayern", "Île-de-France <i>", None],
        "country_code": ["DE", "DE", "FR", "PL"],
        "is_overseas": [False, False, False, False],
        "value": [1.234, None, 3.5, 4.0],
        "flag": ["p", None, "p", "p"],
        "source": ["eurostat", "eurostat", "eurostat", "eurostat"],
        "nuts_version": ["2021"] * 4,
    })
    return frame.assign(**overrides)


def test_constant_columns_go_into_the_template_once():
    out = compact_hover("<b>{{name}}</b> {{source}} · {{flag}}",
                        {"name": ["A", "B"], "source": ["demo", "demo"], "flag": ["p", "e"]})
    assert out["hovertemplate"] == "<b>%{customdata[0]}</b> demo · %{customdata[1]}"
    assert out["customdata"] == [["A", "p"], ["B", "e"]]


def test_template_syntax_in_a_value_stays_in_customdata():
    out = compact_hover("{{name}}", {"name": ["%{x}", "%{x}"]})
    assert out["hovertemplate"] == "%{customdata[0]}"
    assert out["customdata"] == [["%{x}"], ["%{x}"]]


def test_no_rows_keep_the_placeholders():
    out = compact_hover("{{name}} {{flag}}", {"name": [], "flag": []})
    assert out["hovertemplate"] == "%{customdata[0]} %{customdata[1]}"
    assert out["customdata"] == []


def test_choropleth_tooltips_read_as_one_row_per_region():
    spec = MapSpec(title="Employment", unit="%", decimals=1, direction="higher")
    fig, missing = build_choropleth("/app/static/geo/x.json", values(), spec,
                                    describe_flag=lambda f: {"p": "provisional"}[f])
    tips = render_tooltips(fig)
    assert tips["DE21"] == ("<b>Oberbayern</b> (DE21)<br>1.2 %<br>Flag: provisional<br>"
                            "Source: eurostat · NUTS 2021<extra></extra>")
    # No value: no flag and no source to name (the publisher's row had ":").
    assert tips["DE22"] == "<b>Niederbayern</b> (DE22)<br>no data<extra></extra>"
    assert tips["FR10"].startswith("<b>Île-de-France &lt;i&gt;</b> (FR10)")
    assert tips["PL91"].startswith("<b>PL91</b> (PL91)")  # no name: the code
    assert list(missing["geo_code"]) == ["DE22"]
    assert fig.is_frozen


def test_group_map_tooltips_and_missing_groups():
    frame = values(grp=["Leader", None, "Strong", "Strong"], subgroup=["+", None, "", "-"])
    fig, missing = build_group_map("/app/static/geo/x.json", frame)
    tips = render_tooltips(fig)
    assert tips["DE21"] == ("<b>Oberbayern</b> (DE21)<br>Leader +<br>Index (EU = 100): 1.2<br>"
                            "Flag: p<br>Source: eurostat · NUTS 2021<extra></extra>")
    assert tips["DE22"] == ("<b>Niederbayern</b> (DE22)<br>no index (insufficient data)"
                            "<extra></extra>")
    assert "Strong -" in tips["PL91"] and "Strong<br>" in tips["FR10"]
    assert list(missing["geo_code"]) == ["DE22"]
    assert fig.is_frozen


def test_converted_values_say_so_in_the_tooltip():
    spec = MapSpec(title="Employment", unit="%", decimals=1, direction="higher")
    frame = values(converted_from=[None, None, "2016", None])
    tips = render_tooltips(build_choropleth("/app/static/geo/x.json", frame, spec)[0])
    assert tips["FR10"].endswith("Source: eurostat · NUTS 2021, converted from NUTS 2016 "
                                 "(JRC NUTS converter)<extra></extra>")
    assert tips["DE21"].endswith("Source: eurostat · NUTS 2021<extra></extra>")


COHESION = ((1, "less developed (< 75 %)"), (2, "transition (75-100 %)"),
            (3, "more developed (>= 100 %)"))


def test_category_map_draws_one_legend_entry_per_category_in_spec_order():
    from regiodash.ui.maps import CATEGORY_COLOURS, build_category_map, category_legend

    frame = values(value=[3.0, None, 1.0, 3.0], converted_from=[None, None, "2016", None])
    fig, missing = build_category_map("/app/static/geo/x.json", frame, COHESION,
                                      "Cohesion <b>category</b>")
    traces = json.loads(fig.to_json())["data"]
    drawn = [(t["name"], t["colorscale"][0][1], t["locations"]) for t in traces]
    assert drawn == [
        ("no data", "#c8c8c8", ["DE22"]),
        ("less developed (&lt; 75 %)", CATEGORY_COLOURS[0], ["FR10"]),
        ("more developed (&gt;= 100 %)", CATEGORY_COLOURS[2], ["DE21", "PL91"]),
    ]  # transition has no region: no empty legend entry
    assert all(t["showlegend"] for t in traces)
    assert fig.layout.showlegend and fig.layout.legend.title.text == (
        "Cohesion &lt;b&gt;category&lt;/b&gt;")
    tips = render_tooltips(fig)
    assert tips["FR10"] == ("<b>Île-de-France &lt;i&gt;</b> (FR10)<br>less developed (&lt; 75 %)"
                            "<br>Flag: p<br>Source: eurostat · NUTS 2021, converted from NUTS "
                            "2016 (JRC NUTS converter)<extra></extra>")
    assert tips["DE22"] == "<b>Niederbayern</b> (DE22)<br>no data<extra></extra>"
    assert list(missing["geo_code"]) == ["DE22"] and fig.is_frozen
    assert category_legend(COHESION).startswith(
        "Colours (Okabe-Ito, colour-blind safe): less developed (< 75 %) vermilion, "
        "transition (75-100 %) orange, more developed (>= 100 %) dark blue")


def test_a_value_that_is_no_category_is_drawn_and_named_not_dropped():
    from regiodash.ui.maps import OTHER_COLOUR, build_category_map

    fig, missing = build_category_map("/app/static/geo/x.json",
                                      values(value=[1.0, 7.0, 2.0, 2.0]), COHESION, "c")
    traces = {t["name"]: t for t in json.loads(fig.to_json())["data"]}
    assert traces["not a category of this indicator"]["locations"] == ["DE22"]
    assert traces["not a category of this indicator"]["colorscale"][0][1] == OTHER_COLOUR
    assert "not a category (7)" in render_tooltips(fig)["DE22"]
    assert missing.empty


def test_group_map_has_a_legend_of_the_groups():
    frame = values(grp=["Leader", None, "Strong", "Emerging"], subgroup=["+", None, "", "-"])
    fig, _ = build_group_map("/app/static/geo/x.json", frame)
    names = [t["name"] for t in json.loads(fig.to_json())["data"] if t["showlegend"]]
    assert names == ["no data", "Leader", "Strong", "Emerging"]


def test_categorical_legends_sit_on_the_map_readable_and_toggle_in_the_browser():
    """Inside the plot area (x, y in [0, 1], anchored top left), 13 px text on a light box;
    a click hides a class and a double click shows it alone (plotly, no rerun)."""
    from regiodash.ui.maps import MAP_HEIGHT, build_category_map

    group_fig, _ = build_group_map("/app/static/geo/x.json",
                                   values(grp=["Leader", None, "Strong", "Emerging"],
                                          subgroup=["+", None, "", "-"]))
    category_fig, _ = build_category_map("/app/static/geo/x.json",
                                         values(value=[1.0, None, 2.0, 3.0]), COHESION, "c")
    for fig in (group_fig, category_fig):
        legend = json.loads(fig.to_json())["layout"]["legend"]
        assert 0 <= legend["x"] <= 1 and 0 <= legend["y"] <= 1
        assert (legend["xanchor"], legend["yanchor"]) == ("left", "top")
        assert legend["font"]["size"] >= 12 and legend["bgcolor"].startswith("rgba(255")
        assert (legend["itemclick"], legend["itemdoubleclick"]) == ("toggle", "toggleothers")
        assert fig.layout.height == MAP_HEIGHT
