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


def build_choropleth(
    geojson: dict | str,
    values: pd.DataFrame,
    spec: MapSpec,
    describe_flag=lambda flag: flag or "none",
) -> tuple[FrozenFigure, pd.DataFrame]:
    """Choropleth of `values` (one row per region: geo_code, geo_name, value, flag, source,
    nuts_version, is_overseas). Returns the figure and the frame of regions with no value
    (on the European frame)."""
    frame = values[~values["is_overseas"].fillna(False).astype(bool)].copy()
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
    fig.add_trace(go.Choropleth(
        geojson=subset_geojson(geojson, have["geo_code"].tolist()),
        featureidkey="id", locations=have["geo_code"].tolist(),
        z=have["value"].round(spec.decimals + 2).tolist(),
        colorscale=DIVERGING_SCALE if spec.diverging else SEQUENTIAL_SCALE,
        zmid=0 if spec.diverging else None,
        reversescale=spec.direction == "lower" and not spec.diverging,
        colorbar={"title": {"text": html.escape(spec.unit)}, "thickness": 14, "len": 0.75},
        **tooltip(have),
        marker_line_color="white", marker_line_width=0.4, name=html.escape(spec.title),
    ))
    fig.update_geos(
        # Equal-area conic fitted to Europe. (A rotated projection would break plotly's
        # fitbounds, which frames the drawn regions, e.g. one country when filtered.)
        visible=False, fitbounds="locations", projection_type="conic equal area",
        projection_parallels=[35, 65], bgcolor="rgba(0,0,0,0)",
    )
    fig.update_layout(
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=620, dragmode=False,
        clickmode="event+select",
    )
    return fig.freeze(), missing[["geo_code", "geo_name"]].reset_index(drop=True)


GROUP_COLOURS = {"Leader": "#0072B2", "Strong": "#56B4E9", "Moderate": "#E69F00",
                 "Emerging": "#D55E00"}  # Okabe-Ito: safe for common colour-vision deficiencies


def build_group_map(geojson: dict | str, values: pd.DataFrame, describe_flag=lambda f: f or "none"
                    ) -> tuple[FrozenFigure, pd.DataFrame]:
    """Categorical choropleth of innovation groups: one trace (one colour) per group.

    `values` as for build_choropleth plus grp and subgroup (null when no index)."""
    frame = values[~values["is_overseas"].fillna(False).astype(bool)].copy()
    missing = frame[frame["grp"].isna()]
    fig = FrozenFigure()
    hover = ("<b>{{name}}</b> (%{location})<br>{{group}}<br>Index (EU = 100): {{value}}<br>"
             "Flag: {{flag}}<br>Source: {{source}} · NUTS {{nuts}}<extra></extra>")

    def trace(rows: pd.DataFrame, name: str, colour: str) -> go.Choropleth:
        groups = [html.escape(f"{g} {sub}".strip()) if isinstance(g, str)
                  else "no index (insufficient data)"
                  for g, sub in zip(rows["grp"], rows["subgroup"], strict=True)]
        return go.Choropleth(
            geojson=subset_geojson(geojson, rows["geo_code"].tolist()), featureidkey="id",
            locations=rows["geo_code"].tolist(),
            z=[1] * len(rows), colorscale=[[0, colour], [1, colour]], showscale=False,
            **compact_hover(hover, {
                "name": _names(rows), "group": groups,
                "value": [html.escape(format_value(v, 1, "")) for v in rows["value"]],
                **_provenance(rows, describe_flag)}),
            name=name, showlegend=False, marker_line_color="white", marker_line_width=0.4)

    if len(missing):
        fig.add_trace(go.Choropleth(
            geojson=subset_geojson(geojson, missing["geo_code"].tolist()), featureidkey="id",
            locations=missing["geo_code"].tolist(), z=[1] * len(missing),
            colorscale=[[0, MISSING_COLOUR], [1, MISSING_COLOUR]], showscale=False,
            **compact_hover("<b>{{name}}</b> (%{location})<br>no index (insufficient data)"
                            "<extra></extra>", {"name": _names(missing)}),
            name="no data", showlegend=False, marker_line_color="white",
            marker_line_width=0.4))
    for grp, colour in GROUP_COLOURS.items():
        rows = frame[frame["grp"] == grp]
        if len(rows):
            fig.add_trace(trace(rows, grp, colour))
    fig.update_geos(visible=False, fitbounds="locations", projection_type="conic equal area",
                    projection_parallels=[35, 65], bgcolor="rgba(0,0,0,0)")
    fig.update_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=620, dragmode=False,
                      clickmode="event+select")
    return fig.freeze(), missing[["geo_code", "geo_name"]].reset_index(drop=True)


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
