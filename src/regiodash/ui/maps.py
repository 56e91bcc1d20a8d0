"""Pure builders for choropleth maps (no Streamlit, no I/O).

Geometry comes as WKB from the `boundaries` view and is turned into a GeoJSON
FeatureCollection keyed by geo_code once per (NUTS level, version); values come per view.
Overseas regions are left off the default European frame (they would zoom the map out to the
Caribbean) and listed separately. Regions without a value are drawn grey and listed.
The builders return frozen figures (ui.figures): cached once per view, drawn on every rerun.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from regiodash.ui.figures import FrozenFigure

# Colour-blind-safe sequential scale (viridis); reversed for "lower is better" so that the
# better end always has the same colour.
SEQUENTIAL_SCALE = "Viridis"
DIVERGING_SCALE = "PuOr"  # colour-blind-safe diverging (ColorBrewer), for gaps around zero
MISSING_COLOUR = "#c8c8c8"
EMPTY_TOPOJSON_URL = "/app/static/"
# Plotly config for every map: never reach a CDN for the base topology.
# Tall enough for Europe at the page's width, short enough that the map sits above the fold
# at 1440x900 under the title and one row of controls.
MAP_HEIGHT = 540
MAP_CONFIG = {"topojsonURL": EMPTY_TOPOJSON_URL, "displaylogo": False,
              "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


@dataclass(frozen=True)
class MapSpec:
    """What a map needs to know about the indicator it shows."""

    title: str
    unit: str
    decimals: int
    direction: str
    diverging: bool = False  # e.g. gender gaps: centred on zero
    midpoint: float = 0.0  # the centre of a diverging map (1 for a location quotient)


def subset_geojson(geojson: dict | str, codes: list[str]) -> dict | str:
    """The features of `codes` only: each trace carries just its own shapes, so a map with
    several traces (no-data, groups) sends every shape once, not once per trace. A URL (the
    geometry served as a static file, fetched once and cached by the browser) is shared."""
    if isinstance(geojson, str):
        return geojson
    wanted = set(codes)
    return {"type": "FeatureCollection",
            "features": [f for f in geojson["features"] if f["id"] in wanted]}


def format_value(value: float | None, decimals: int, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    return f"{value:,.{decimals}f} {unit}".strip()


def compact_hover(template: str, columns: dict[str, list[str]]) -> dict[str, Any]:
    """`hovertemplate` and `customdata` of one trace from per-row tooltip columns.

    `template` names the columns as {{name}}. A column with the same value on every row is
    written into the template once instead of into every row: the same tooltip in fewer
    bytes (a NUTS 3 map sends ~1,500 rows, most with the same flag, source and NUTS version).
    Values must be HTML-escaped already; one holding plotly's own `%{` stays in customdata.
    """
    rows = len(next(iter(columns.values()), []))
    varying: list[list[str]] = []

    def fill(match: re.Match[str]) -> str:
        values = columns[match.group(1)]
        if rows and "%{" not in values[0] and values.count(values[0]) == rows:
            return values[0]
        varying.append(values)
        return f"%{{customdata[{len(varying) - 1}]}}"

    hovertemplate = PLACEHOLDER.sub(fill, template)
    customdata = [list(row) for row in zip(*varying, strict=True)] if varying else None
    return {"hovertemplate": hovertemplate, "customdata": customdata}


PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def _names(rows: pd.DataFrame) -> list[str]:
    """The region's name, or its code when the name is missing (None or NaN)."""
    return [html.escape(name if isinstance(name, str) and name else str(code))
            for name, code in zip(rows["geo_name"], rows["geo_code"], strict=True)]


def _provenance(rows: pd.DataFrame, describe_flag: Callable[[str], str]
                ) -> dict[str, list[str]]:
    """Tooltip columns flag (described; "none"), source ("-" when unknown), NUTS version
    (with "converted from NUTS <v>" where the value was moved from another version)."""
    converted = rows["converted_from"] if "converted_from" in rows else [None] * len(rows)
    return {
        "flag": [html.escape(describe_flag(f) if isinstance(f, str) else "none")
                 for f in rows["flag"]],
        "source": [html.escape(str(x) if isinstance(x, str) else "-") for x in rows["source"]],
        "nuts": [html.escape(str(x) + (f", converted from NUTS {c} (JRC NUTS converter)"
                                       if isinstance(c, str) and c else ""))
                 for x, c in zip(rows["nuts_version"], converted, strict=True)],
    }


NO_DATA_HOVER = "<b>{{name}}</b> (%{location})<br>no data<extra></extra>"
"""Tooltip of a region without a value: no value, so no flag and no source to name."""
OUTSIDE_HOVER = ("<b>{{name}}</b> (%{location})<br>{{value}}<br>Flag: {{flag}}<br>"
                 "Source: {{source}} · country outside the NUTS area<extra></extra>")
"""Tooltip of a country outside NUTS (no NUTS version to name: a country-level value)."""


def z_range(values: pd.Series, spec: MapSpec) -> dict[str, Any]:
    """The colour range of a choropleth: diverging maps centred on `spec.midpoint` (0 for a
    gap, 1 for a location quotient), with symmetric explicit bounds so that several traces
    (NUTS regions, countries outside NUTS) share one scale; sequential maps span the values."""
    present = values.dropna()
    if present.empty:
        return {"zmid": spec.midpoint} if spec.diverging else {}
    low, high = float(present.min()), float(present.max())
    if not spec.diverging:
        return {"zmin": low, "zmax": high} if low < high else {}
    half = max(abs(high - spec.midpoint), abs(spec.midpoint - low)) or 1.0
    return {"zmin": spec.midpoint - half, "zmax": spec.midpoint + half,
            "zmid": spec.midpoint}


def build_choropleth(
    geojson: dict | str,
    values: pd.DataFrame,
    spec: MapSpec,
    describe_flag=lambda flag: flag or "none",
    outside: tuple[dict | str, frozenset[str]] | None = None,
) -> tuple[FrozenFigure, pd.DataFrame]:
    """Choropleth of `values` (one row per region: geo_code, geo_name, value, flag, source,
    nuts_version, is_overseas). Returns the figure and the frame of regions with no value
    (on the European frame).

    `outside`: the shapes and codes of countries outside the NUTS area (ui.neighbourhood).
    Rows of those codes with a value are drawn as a second trace with those shapes on the
    same colour scale (tooltip: source, "outside the NUTS area"); fitbounds then frames them
    too ("Europe and neighbourhood"). Without a value they are not drawn (and not listed as
    missing), so a map without such values keeps the European extent."""
    frame = values[~values["is_overseas"].fillna(False).astype(bool)].copy()
    abroad = frame.iloc[0:0]
    if outside is not None:
        is_abroad = frame["geo_code"].isin(outside[1])
        abroad = frame[is_abroad & frame["value"].notna()]
        frame = frame[~is_abroad]
    have = frame[frame["value"].notna()]
    missing = frame[frame["value"].isna()]

    hover = ("<b>{{name}}</b> (%{location})<br>{{value}}<br>Flag: {{flag}}<br>"
             "Source: {{source}} · NUTS {{nuts}}<extra></extra>")

    def tooltip(rows: pd.DataFrame) -> dict[str, Any]:
        return compact_hover(hover, {
            "name": _names(rows),
            "value": [html.escape(format_value(v, spec.decimals, spec.unit))
                      for v in rows["value"]],
            **_provenance(rows, describe_flag)})

    fig = FrozenFigure()
    if len(missing):
        fig.add_trace(go.Choropleth(
            geojson=subset_geojson(geojson, missing["geo_code"].tolist()), featureidkey="id",
            locations=missing["geo_code"].tolist(),
            z=[0] * len(missing), colorscale=[[0, MISSING_COLOUR], [1, MISSING_COLOUR]],
            showscale=False, **compact_hover(NO_DATA_HOVER, {"name": _names(missing)}),
            marker_line_color="white", marker_line_width=0.4, name="no data",
        ))
    scale = {"colorscale": DIVERGING_SCALE if spec.diverging else SEQUENTIAL_SCALE,
             "reversescale": spec.direction == "lower" and not spec.diverging,
             **z_range(pd.concat([have["value"], abroad["value"]]), spec)}
    fig.add_trace(go.Choropleth(
        geojson=subset_geojson(geojson, have["geo_code"].tolist()),
        featureidkey="id", locations=have["geo_code"].tolist(),
        z=have["value"].round(spec.decimals + 2).tolist(), **scale,
        colorbar={"title": {"text": html.escape(spec.unit)}, "thickness": 14, "len": 0.75},
        **tooltip(have),
        marker_line_color="white", marker_line_width=0.4, name=html.escape(spec.title),
    ))
    if len(abroad) and outside is not None:
        fig.add_trace(go.Choropleth(
            geojson=subset_geojson(outside[0], abroad["geo_code"].tolist()),
            featureidkey="id", locations=abroad["geo_code"].tolist(),
            z=abroad["value"].round(spec.decimals + 2).tolist(), **scale, showscale=False,
            **compact_hover(OUTSIDE_HOVER, {
                "name": _names(abroad),
                "value": [html.escape(format_value(v, spec.decimals, spec.unit))
                          for v in abroad["value"]],
                **_provenance(abroad, describe_flag)}),
            marker_line_color="white", marker_line_width=0.4,
            name=html.escape(spec.title) + " (outside NUTS)"))
    fig.update_geos(
        # Equal-area conic fitted to Europe. (A rotated projection would break plotly's
        # fitbounds, which frames the drawn regions, e.g. one country when filtered.)
        visible=False, fitbounds="locations", projection_type="conic equal area",
        projection_parallels=[35, 65], bgcolor="rgba(0,0,0,0)",
    )
    fig.update_layout(
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=MAP_HEIGHT, dragmode=False,
        clickmode="event+select",
    )
    return fig.freeze(), missing[["geo_code", "geo_name"]].reset_index(drop=True)


GROUP_COLOURS = {"Leader": "#0072B2", "Strong": "#56B4E9", "Moderate": "#E69F00",
                 "Emerging": "#D55E00"}  # Okabe-Ito: safe for common colour-vision deficiencies
# Okabe-Ito again, for indicators whose values are category codes (in the order of the spec's
# categories: e.g. cohesion's less developed, transition, more developed).
CATEGORY_COLOURS = ("#D55E00", "#E69F00", "#0072B2", "#56B4E9", "#009E73", "#CC79A7",
                    "#F0E442", "#000000")
OTHER_COLOUR = "#666666"  # a value that is none of the spec's categories (a data error)


@dataclass(frozen=True)
class Category:
    """One class of a categorical map: its legend label (plain text), colour and regions
    (rows of the values frame, already on the European frame)."""

    label: str
    colour: str
    rows: pd.DataFrame


def _layout_categorical(fig: FrozenFigure, legend_title: str) -> None:
    fig.update_geos(visible=False, fitbounds="locations", projection_type="conic equal area",
                    projection_parallels=[35, 65], bgcolor="rgba(0,0,0,0)")
    fig.update_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=MAP_HEIGHT, dragmode=False,
                      clickmode="event+select", showlegend=True, legend={
                          "title": {"text": html.escape(legend_title)}, "x": 0, "y": 1,
                          "xanchor": "left", "yanchor": "top",
                          "bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 13},
                          "borderwidth": 0,
                          # A click hides or shows a class, a double click shows it alone:
                          # all in the browser, no rerun (they are not selections).
                          "itemclick": "toggle", "itemdoubleclick": "toggleothers"})


def build_categorical_map(geojson: dict | str, classes: list[Category], missing: pd.DataFrame,
                          hover: str, columns, missing_hover: str, legend_title: str
                          ) -> FrozenFigure:
    """One trace (one colour, one legend entry) per class, plus grey for `missing`.

    `hover` is a compact_hover template; `columns(rows)` gives its tooltip columns (escaped)
    for a class's rows; `missing_hover` the template of regions without a value ({{name}})."""
    fig = FrozenFigure()
    if len(missing):
        fig.add_trace(go.Choropleth(
            geojson=subset_geojson(geojson, missing["geo_code"].tolist()), featureidkey="id",
            locations=missing["geo_code"].tolist(), z=[1] * len(missing),
            colorscale=[[0, MISSING_COLOUR], [1, MISSING_COLOUR]], showscale=False,
            **compact_hover(missing_hover, {"name": _names(missing)}),
            name="no data", showlegend=True, legendrank=10_000,
            marker_line_color="white", marker_line_width=0.4))
    for rank, cls in enumerate(classes):
        if not len(cls.rows):
            continue
        fig.add_trace(go.Choropleth(
            geojson=subset_geojson(geojson, cls.rows["geo_code"].tolist()), featureidkey="id",
            locations=cls.rows["geo_code"].tolist(), z=[1] * len(cls.rows),
            colorscale=[[0, cls.colour], [1, cls.colour]], showscale=False,
            **compact_hover(hover, columns(cls.rows)), name=html.escape(cls.label),
            showlegend=True, legendrank=rank, marker_line_color="white",
            marker_line_width=0.4))
    _layout_categorical(fig, legend_title)
    return fig.freeze()


def build_group_map(geojson: dict | str, values: pd.DataFrame, describe_flag=lambda f: f or "none"
                    ) -> tuple[FrozenFigure, pd.DataFrame]:
    """Categorical choropleth of innovation groups: one trace (one colour) per group.

    `values` as for build_choropleth plus grp and subgroup (null when no index)."""
    frame = values[~values["is_overseas"].fillna(False).astype(bool)].copy()
    missing = frame[frame["grp"].isna()]
    hover = ("<b>{{name}}</b> (%{location})<br>{{group}}<br>Index (EU = 100): {{value}}<br>"
             "Flag: {{flag}}<br>Source: {{source}} · NUTS {{nuts}}<extra></extra>")

    def columns(rows: pd.DataFrame) -> dict[str, list[str]]:
        return {"name": _names(rows),
                "group": [html.escape(f"{g} {sub}".strip())
                          for g, sub in zip(rows["grp"], rows["subgroup"], strict=True)],
                "value": [html.escape(format_value(v, 1, "")) for v in rows["value"]],
                **_provenance(rows, describe_flag)}

    classes = [Category(grp, colour, frame[frame["grp"] == grp])
               for grp, colour in GROUP_COLOURS.items()]
    fig = build_categorical_map(
        geojson, classes, missing, hover, columns,
        "<b>{{name}}</b> (%{location})<br>no index (insufficient data)<extra></extra>",
        "Innovation group")
    return fig, missing[["geo_code", "geo_name"]].reset_index(drop=True)


def build_category_map(geojson: dict | str, values: pd.DataFrame,
                       categories: tuple[tuple[int, str], ...], legend_title: str,
                       describe_flag=lambda f: f or "none"
                       ) -> tuple[FrozenFigure, pd.DataFrame]:
    """Categorical choropleth of an indicator whose values are category codes (the spec's
    `categories`: (code, label) pairs, e.g. cohesion_category 1/2/3): one colour and legend
    entry per category, in the spec's order. `values` as for build_choropleth. A missing
    value is grey ("no data"); a value that is no category of the spec is drawn dark grey as
    "not a category (<value>)" rather than dropped. Returns the figure and the regions with
    no value (on the European frame)."""
    frame = values[~values["is_overseas"].fillna(False).astype(bool)].copy()
    missing = frame[frame["value"].isna()]
    labels = {float(code): label for code, label in categories}
    hover = ("<b>{{name}}</b> (%{location})<br>{{category}}<br>Flag: {{flag}}<br>"
             "Source: {{source}} · NUTS {{nuts}}<extra></extra>")

    def columns(rows: pd.DataFrame) -> dict[str, list[str]]:
        return {"name": _names(rows),
                "category": [html.escape(labels.get(float(v), f"not a category ({v:g})"))
                             for v in rows["value"]],
                **_provenance(rows, describe_flag)}

    have = frame[frame["value"].notna()]
    classes = [Category(label, CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)],
                        have[have["value"].astype(float) == float(code)])
               for i, (code, label) in enumerate(categories)]
    other = have[~have["value"].astype(float).isin(list(labels))]
    if len(other):
        classes.append(Category("not a category of this indicator", OTHER_COLOUR, other))
    fig = build_categorical_map(geojson, classes, missing, hover, columns, NO_DATA_HOVER,
                                legend_title)
    return fig, missing[["geo_code", "geo_name"]].reset_index(drop=True)


def category_legend(categories: tuple[tuple[int, str], ...]) -> str:
    """The colours of a category map in words (for the caption: the legend for readers who
    cannot tell the colours apart or do not see the map)."""
    names = {"#D55E00": "vermilion", "#E69F00": "orange", "#0072B2": "dark blue",
             "#56B4E9": "light blue", "#009E73": "green", "#CC79A7": "pink",
             "#F0E442": "yellow", "#000000": "black"}
    parts = [f"{label} {names[CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)]]}"
             for i, (_, label) in enumerate(categories)]
    return "Colours (Okabe-Ito, colour-blind safe): " + ", ".join(parts) + ". "


def gap_values(women: pd.DataFrame, men: pd.DataFrame) -> pd.DataFrame:
    """Men minus women per region (points), from two map_values frames of the same view.

    A region gets a gap only when both values exist; the flag is the union of both flags.
    """
    merged = women.merge(men[["geo_code", "value", "flag"]], on="geo_code",
                         suffixes=("_f", "_m"), how="left")
    out = merged.drop(columns=["value_f", "value_m", "flag_f", "flag_m"]).copy()
    out["value"] = merged["value_m"] - merged["value_f"]
    flags = merged["flag_f"].fillna("") + merged["flag_m"].fillna("")
    out["flag"] = flags.map(lambda f: "".join(sorted(set(f))) or None)
    return out


def figure_json_bytes(fig: go.Figure) -> int:
    """Size of the figure as sent to the browser (for the benchmark and tests)."""
    return len(fig.to_json().encode())
