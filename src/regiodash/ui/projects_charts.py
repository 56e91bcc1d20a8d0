"""Pure chart and map builders for the Projects & KPIs page (no Streamlit, no I/O).

Colours: the Okabe-Ito palette, which stays distinguishable with the common colour-vision
deficiencies; innovation groups and KPI statuses are categorical and get one fixed colour each.
Partner counts are sequential and use Viridis like the other maps. Text from data reaches
plotly only HTML-escaped (hover labels render a subset of HTML) and reaches Streamlit markdown
only through `ui.text.escape_markdown`. Builders return frozen figures (ui.figures): the page
caches them per view and draws them on every rerun.

Money is written one way everywhere (bars, hover, tables, metrics): `format_eur`, e.g.
"€1.92 m", and "unknown" for a budget that is not known (never zero, never "None").
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
import textwrap
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from regiodash.projects.queries import GROUP_ORDER, NO_GROUP
from regiodash.ui.figures import FrozenFigure
from regiodash.ui.maps import subset_geojson
from regiodash.ui.text import text_or

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
GROUP_COLOURS = {
    "Leader": OKABE_ITO["blue"],
    "Strong": OKABE_ITO["sky_blue"],
    "Moderate": OKABE_ITO["orange"],
    "Emerging": OKABE_ITO["vermillion"],
    NO_GROUP: "#8c8c8c",
}
STATUS_COLOURS = {
    "on track": OKABE_ITO["green"],
    "not started": "#8c8c8c",
    "at risk": OKABE_ITO["orange"],
    "off track": OKABE_ITO["vermillion"],
    "no data": "#8c8c8c",
}
# st.badge colours for the same statuses (Streamlit's named palette).
STATUS_BADGES = {"on track": "green", "not started": "gray", "at risk": "orange",
                 "off track": "red", "no data": "gray"}
BACKGROUND_COLOUR = "#e6e6e6"
OUTSIDE_RIS = "Outside the RIS coverage"
OUTSIDE_RIS_COLOUR = OKABE_ITO["purple"]


def format_eur(value: Any) -> str:
    if value is None or pd.isna(value):
        return "unknown"
    value = float(value)
    if abs(value) >= 1e9:
        return f"€{value / 1e9:,.2f} bn"
    if abs(value) >= 1e6:
        return f"€{value / 1e6:,.2f} m"
    if abs(value) >= 1e3:
        return f"€{value / 1e3:,.0f} k"
    return f"€{value:,.0f}"


def format_share(value: float | None) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{100 * value:.0f} %"


def format_number(value: Any, decimals: int = 1, missing: str = "no data") -> str:
    """A value with `decimals` decimals and thousands separators; `missing` when missing."""
    if value is None or pd.isna(value):
        return missing
    return f"{float(value):,.{decimals}f}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def profile_link(geo_code: object) -> str | None:
    """Relative link to the region profile page (codes are validated NUTS codes)."""
    if not isinstance(geo_code, str) or not re.fullmatch(r"[A-Z]{2}[A-Z0-9]{0,3}", geo_code):
        return None
    return f"/profile?region={geo_code}"


PROFILE_LINK_PATTERN = r"/profile\?region=(.*)"


# ------------------------------------------------------------------------------- bars ---

def label_room(lengths: pd.Series) -> list[float]:
    """An x range that leaves room right of the longest bar for its label (labels sit
    outside the bars, so every bar reads the same way and none is cut off)."""
    longest = float(lengths.max()) if len(lengths) else 1.0
    return [0, max(longest, 1.0) * 2.4]


def count_ticks(lengths: pd.Series) -> list[int]:
    """Whole-number ticks from 0 to the longest bar (about six of them), none beyond it."""
    longest = int(lengths.max()) if len(lengths) else 1
    return list(range(0, longest + 1, max(1, math.ceil(longest / 6))))


def build_programme_chart(by_programme: pd.DataFrame) -> FrozenFigure:
    """Horizontal bars: the bar length is the number of projects of a programme; the bar
    label says so and adds the known total budget (format_eur; "unknown" when none is)."""
    frame = by_programme.sort_values("projects")
    # long programme names wrap, so the bars and their labels keep room beside them
    labels = ["<br>".join(textwrap.wrap(html.escape(str(p) + (" (illustrative)" if ill else "")),
                                        24))
              for p, ill in zip(frame["programme"], frame["illustrative"], strict=True)]
    hover = [
        f"{html.escape(str(p))}<br>{n} project(s), {k} with a known budget<br>"
        f"budget {html.escape(format_eur(b))}, EU {html.escape(format_eur(e))}"
        for p, n, k, b, e in zip(frame["programme"], frame["projects"],
                                 frame["projects_with_budget"], frame["total_budget_eur"],
                                 frame["eu_cofinancing_eur"], strict=True)
    ]
    fig = FrozenFigure(go.Bar(
        x=frame["projects"].tolist(), y=labels, orientation="h",
        marker_color=OKABE_ITO["blue"], hovertext=hover, hoverinfo="text",
        text=[f"{plural(int(n), 'project')}, budget {format_eur(b)}"
              for n, b in zip(frame["projects"], frame["total_budget_eur"], strict=True)],
        textposition="outside", cliponaxis=False,
    ))
    fig.update_layout(
        height=max(220, 48 * len(frame) + 80), margin={"l": 0, "r": 10, "t": 30, "b": 30},
        xaxis_title="number of projects", yaxis_title=None,
        title={"text": "Projects by programme", "font": {"size": 14}},
    )
    fig.update_xaxes(range=label_room(frame["projects"]), tickvals=count_ticks(frame["projects"]))
    return fig.freeze()


def build_region_chart(by_region: pd.DataFrame, level: int, top: int = 15) -> FrozenFigure:
    """Horizontal bars: the bar length is the number of partners in a region (NUTS 2 or
    country, named with its code); the bar label says so and adds the allocated budget."""
    frame = by_region.head(top).iloc[::-1]
    names = [f"{html.escape(text_or(n, c))} ({c})" for n, c in
             zip(frame["geo_name"], frame["geo_code"], strict=True)]
    hover = [
        f"{name}<br>{p} partner(s) in {n} project(s)<br>budget {html.escape(format_eur(b))}"
        + (f"<br>{i} illustrative partner(s)" if i else "")
        for name, p, n, b, i in zip(names, frame["partners"], frame["projects"],
                                    frame["budget_eur"], frame["illustrative_partners"],
                                    strict=True)
    ]
    fig = FrozenFigure(go.Bar(
        x=frame["partners"].tolist(), y=names, orientation="h",
        marker_color=OKABE_ITO["green"], hovertext=hover, hoverinfo="text",
        text=[f"{plural(int(p), 'partner')}, budget {format_eur(b)}"
              for p, b in zip(frame["partners"], frame["budget_eur"], strict=True)],
        textposition="outside", cliponaxis=False,
    ))
    what = "NUTS 2 regions" if level == 2 else "countries"
    fig.update_layout(
        height=max(220, 28 * len(frame) + 80), margin={"l": 0, "r": 10, "t": 30, "b": 30},
        xaxis_title="number of partners",
        title={"text": f"Partners by {what} (top {min(top, len(by_region))})",
               "font": {"size": 14}},
    )
    fig.update_xaxes(range=label_room(frame["partners"]), tickvals=count_ticks(frame["partners"]))
    return fig.freeze()


# -------------------------------------------------------------------------------- map ---

@dataclass(frozen=True)
class CountryLayer:
    """Partner countries outside the NUTS area drawn on a partner map: `countries` one row
    per country (projects.queries.country_map_frame), `geojson` the world country shapes (a
    FeatureCollection or the URL of their static file) and `ids` the codes it holds."""

    countries: pd.DataFrame
    geojson: dict | str
    ids: frozenset[str]


def _hover(rows: pd.DataFrame) -> list[list[str]]:
    """customdata of a partner map trace: name, projects, budget, and the innovation group
    (rows with a `cities` column are countries outside NUTS: no group; their cities)."""
    def group(r: Any) -> str:
        if "cities" not in rows:
            return html.escape(str(r.grp) if isinstance(r.grp, str) else NO_GROUP)
        cities = text_or(r.cities, "")
        return ("none, outside the NUTS area"
                + (f" (partners in {html.escape(cities)})" if cities else ""))

    return [[html.escape(text_or(r.geo_name, str(r.geo_code))), html.escape(str(r.acronyms)),
             html.escape(format_eur(r.budget_eur)), group(r)] for r in rows.itertuples()]


def build_partner_map(geojson: dict | str, regions: pd.DataFrame, colour_by: str = "group",
                      background: set[str] | None = None, height: int = 560,
                      ids: Collection[str] | None = None,
                      outside: CountryLayer | None = None) -> FrozenFigure:
    """Choropleth of partner regions (NUTS 2), and of partner countries outside NUTS.

    `geojson`: a FeatureCollection, or the URL of the static geometry file (what the pages
    pass: the browser fetches it once), in which case `ids` lists its region codes.

    `regions`: one row per region with geo_code, geo_name, partners, projects, budget_eur,
    grp, acronyms. `colour_by` 'group' colours by innovation group (categorical, one trace and
    legend entry per group, 'No group data' in grey); 'partners' by partner count (Viridis).
    `background`: codes drawn light grey behind (e.g. every region, or the partners'
    countries); each trace carries only its own features, so the geometry is sent once.
    `outside`: partner countries outside the NUTS area, drawn with their country shapes in
    the same map (by group: 'Outside the RIS coverage' in purple; by partners: on the same
    Viridis scale); the map's extent then reaches them. Every location id is a region or
    country code (what a click selects).
    """
    if ids is None:
        if isinstance(geojson, str):
            raise ValueError("build_partner_map needs the region codes (ids) of a geometry URL")
        ids = [f["id"] for f in geojson["features"]]
    ids = set(ids)
    frame = regions[regions["geo_code"].isin(ids)]
    abroad = (outside.countries[outside.countries["geo_code"].isin(outside.ids)]
              if outside is not None else frame.iloc[0:0])
    fig = FrozenFigure()
    shapes: list[dict | str] = []  # each trace's own features (or the URL), attached below
    rest = (background or set()) & ids - set(frame["geo_code"])
    if rest:
        codes = sorted(rest)
        shapes.append(subset_geojson(geojson, codes))
        fig.add_trace(go.Choropleth(
            featureidkey="id", locations=codes,
            z=[0] * len(codes), colorscale=[[0, BACKGROUND_COLOUR], [1, BACKGROUND_COLOUR]],
            showscale=False, hoverinfo="skip", marker_line_color="white",
            marker_line_width=0.3, name="other regions", showlegend=False,
        ))

    template = ("<b>%{customdata[0]}</b> (%{location})<br>%{z} partner(s)" if colour_by != "group"
                else "<b>%{customdata[0]}</b> (%{location})")
    template += ("<br>Projects: %{customdata[1]}<br>Budget: %{customdata[2]}"
                 "<br>Innovation group: %{customdata[3]}<extra></extra>")
    layers = [(frame, geojson)] + ([(abroad, outside.geojson)] if outside is not None and len(
        abroad) else [])
    if colour_by == "group":
        for rows, group, shape in _group_layers(layers):
            colour = GROUP_COLOURS.get(group, OUTSIDE_RIS_COLOUR)
            shapes.append(subset_geojson(shape, rows["geo_code"].tolist()))
            fig.add_trace(go.Choropleth(
                featureidkey="id",
                locations=rows["geo_code"].tolist(), z=[1] * len(rows),
                colorscale=[[0, colour], [1, colour]], showscale=False,
                customdata=_hover(rows), hovertemplate=template, marker_line_color="white",
                marker_line_width=0.5,
                name=f"{group} Innovator" if group in GROUP_ORDER else group, showlegend=True,
            ))
    else:
        zmax = max([int(rows["partners"].max()) for rows, _ in layers if len(rows)] or [1])
        for i, (rows, shape) in enumerate(layer for layer in layers if len(layer[0])):
            shapes.append(subset_geojson(shape, rows["geo_code"].tolist()))
            fig.add_trace(go.Choropleth(
                featureidkey="id", locations=rows["geo_code"].tolist(),
                z=rows["partners"].astype(int).tolist(), colorscale="Viridis", zmin=0,
                zmax=zmax, showscale=i == 0,
                colorbar={"title": {"text": "partners"}, "thickness": 14, "len": 0.6},
                customdata=_hover(rows), hovertemplate=template, marker_line_color="white",
                marker_line_width=0.5, name="partners",
            ))
    # Assigning geometry to a trace already in the figure skips plotly's costly deep copy
    # and validation of large GeoJSON (0.3 s -> 0.01 s for all NUTS 2 regions).
    for trace, shape in zip(fig.data, shapes, strict=True):
        trace.geojson = shape
    fig.update_geos(visible=False, fitbounds="locations", projection_type="conic equal area",
                    projection_parallels=[35, 65], bgcolor="rgba(0,0,0,0)")
    fig.update_layout(
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=height, dragmode=False,
        legend={"title": {"text": "Innovation group"}, "orientation": "h", "y": -0.02},
    )
    return fig.freeze()


def _group_layers(layers: list[tuple[pd.DataFrame, dict | str]]
                  ) -> list[tuple[pd.DataFrame, str, dict | str]]:
    """(rows, group, geometry) per innovation group of the NUTS regions, then 'No group
    data', then the countries outside NUTS as 'Outside the RIS coverage'."""
    (frame, geojson), *abroad = layers
    grp = frame["grp"].where(frame["grp"].isin(GROUP_ORDER), NO_GROUP)
    out = [(frame[grp == group], group, geojson) for group in (*GROUP_ORDER, NO_GROUP)]
    out += [(rows, OUTSIDE_RIS, shape) for rows, shape in abroad]
    return [layer for layer in out if len(layer[0])]


# ------------------------------------------------------------------------------- KPIs ---

def build_kpi_chart(kpi: dict, values: pd.DataFrame, start: dt.date,
                    until: dt.date | None = None, show_title: bool = True) -> FrozenFigure:
    """KPI progress: the straight-line expected trajectory, the target, and measured values.

    `kpi`: name, unit, baseline, target, target_date, cumulative. `values`: the KPI's rows
    of `kpi_progress` (date, value, expected, ratio, status, source, note). Illustrative
    values are drawn as open markers and named so in the legend.
    """
    target_date = kpi["target_date"]
    last = max([target_date, *(values["date"].tolist() if len(values) else [])])
    end = max(last, until or last)
    xs = [start, target_date] + ([end] if end > target_date else [])
    ys = [kpi["baseline"], kpi["target"]] + ([kpi["target"]] if end > target_date else [])
    fig = FrozenFigure()
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="lines", name="expected (straight line to target)",
        line={"color": "#6b6b6b", "dash": "dash", "width": 2},
        hovertemplate="expected %{y:,.1f} on %{x|%Y-%m-%d}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=[target_date], y=[kpi["target"]], mode="markers", name="target",
        marker={"symbol": "star", "size": 14, "color": OKABE_ITO["black"]},
        hovertemplate="target %{y:,.1f} by %{x|%Y-%m-%d}<extra></extra>",
    ))
    if len(values):
        ordered = values.sort_values("date")
        fig.add_trace(go.Scatter(
            x=ordered["date"].tolist(), y=ordered["value"].tolist(), mode="lines",
            # straight segments between measurements: the path in between is not known
            line={"color": OKABE_ITO["blue"], "width": 2},
            name="measured", hoverinfo="skip", showlegend=False,
        ))
        for illustrative in (False, True):
            rows = ordered[(ordered["source"] == "illustrative") == illustrative]
            if rows.empty:
                continue
            custom = [[
                html.escape(str(r["status"])),
                "-" if r["ratio"] is None or pd.isna(r["ratio"]) else f"{r['ratio']:.2f}",
                f"{r['expected']:,.1f}", html.escape(str(r["source"])),
                html.escape(text_or(r["note"], "")),
            ] for r in rows.to_dict("records")]
            fig.add_trace(go.Scatter(
                x=rows["date"].tolist(), y=rows["value"].tolist(), mode="markers",
                name="measured (illustrative)" if illustrative else "measured",
                marker={"size": 11, "symbol": "circle-open" if illustrative else "circle",
                        "line": {"width": 2.5},
                        "color": [STATUS_COLOURS.get(s, "#8c8c8c") for s in rows["status"]]},
                customdata=custom,
                hovertemplate=("%{x|%Y-%m-%d}: <b>%{y:,.1f}</b> (expected %{customdata[2]})"
                               "<br>%{customdata[0]}, ratio %{customdata[1]}"
                               "<br>source: %{customdata[3]} %{customdata[4]}<extra></extra>"),
            ))
    title = f"{html.escape(str(kpi['name']))} ({html.escape(str(kpi['unit']))})"
    fig.update_layout(
        height=300 if show_title else 270,
        margin={"l": 0, "r": 10, "t": 36 if show_title else 10, "b": 10},
        title={"text": title if show_title else "", "font": {"size": 14}},
        legend={"orientation": "h", "y": -0.15}, yaxis_title=html.escape(str(kpi["unit"])),
        hovermode="closest",
    )
    return fig.freeze()


def status_label(status: str, ratio: Any) -> str:
    if ratio is None or pd.isna(ratio):
        return status
    return f"{status} ({100 * ratio:.0f} % of expected progress)"
