"""Pure chart builders (plotly) for profile, compare and rankings pages. No Streamlit.

Every builder returns a frozen figure (ui.figures): pages cache it per view and draw it on
every rerun without re-serialising its dict.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from regiodash.ui.figures import FrozenFigure
from regiodash.ui.maps import GROUP_COLOURS  # noqa: F401 - one palette for groups, re-exported

# Okabe-Ito: a categorical palette readable with the common colour-vision deficiencies.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
             "#000000"]
WOMEN, MEN = "#CC79A7", "#009E73"


def _layout(fig: FrozenFigure, height: int = 380, **kw: object) -> FrozenFigure:
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      legend={"orientation": "h", "y": -0.15}, **kw)
    return fig.freeze()


def build_strengths_chart(components: pd.DataFrame) -> FrozenFigure:
    """Horizontal bars: a region's normalised components (0-1) next to EU and country.

    `components`: one row per component with columns title, region, eu, country.
    """
    fig = FrozenFigure()
    names = [html.escape(t) for t in components["title"]]
    for col, label, colour in (("region", "This region", OKABE_ITO[0]),
                               ("country", "Country", OKABE_ITO[1]),
                               ("eu", "EU reference", "#7f7f7f")):
        if col in components and components[col].notna().any():
            fig.add_trace(go.Bar(y=names, x=components[col], name=label, orientation="h",
                                 marker_color=colour,
                                 hovertemplate="%{y}: %{x:.2f}<extra>" + label + "</extra>"))
    fig.update_xaxes(range=[0, 1], title="normalised score (0 = weakest, 1 = strongest)")
    return _layout(fig, height=max(300, 40 * len(components) + 100), barmode="group")


def build_trend_chart(series: pd.DataFrame, unit: str, title: str = "") -> FrozenFigure:
    """Lines over time, one per region (columns geo_code, geo_name, year, value)."""
    fig = FrozenFigure()
    for i, (code, rows) in enumerate(series.groupby("geo_code", sort=False)):
        name = html.escape(f"{rows['geo_name'].iloc[0] or code} ({code})")
        fig.add_trace(go.Scatter(x=rows["year"], y=rows["value"], mode="lines+markers",
                                 name=name, line={"color": OKABE_ITO[i % len(OKABE_ITO)]},
                                 connectgaps=False,
                                 hovertemplate="%{x}: %{y:,.2f} " + html.escape(unit)
                                 + "<extra>" + name + "</extra>"))
    fig.update_yaxes(title=html.escape(unit))
    fig.update_xaxes(title="year", dtick=1)
    return _layout(fig, title=html.escape(title))


def build_dumbbell_chart(gaps: pd.DataFrame) -> FrozenFigure:
    """Women vs men per indicator (columns title, F, M, unit): a dumbbell per row."""
    fig = FrozenFigure()
    names = [html.escape(f"{t} ({u})") for t, u in zip(gaps["title"], gaps["unit"],
                                                        strict=True)]
    for (_, row), name in zip(gaps.iterrows(), names, strict=True):
        fig.add_trace(go.Scatter(x=[row["F"], row["M"]], y=[name, name], mode="lines",
                                 line={"color": "#bbbbbb", "width": 3}, showlegend=False,
                                 hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=gaps["F"], y=names, mode="markers", name="Women",
                             marker={"color": WOMEN, "size": 12, "symbol": "circle"}))
    fig.add_trace(go.Scatter(x=gaps["M"], y=names, mode="markers", name="Men",
                             marker={"color": MEN, "size": 12, "symbol": "diamond"}))
    return _layout(fig, height=max(260, 45 * len(gaps) + 100))


def build_bar_chart(frame: pd.DataFrame, unit: str) -> FrozenFigure:
    """Bars for one year, one per region (columns geo_code, geo_name, value)."""
    names = [html.escape(f"{n or c} ({c})") for c, n in zip(frame["geo_code"],
                                                             frame["geo_name"], strict=True)]
    fig = FrozenFigure(go.Bar(x=names, y=frame["value"],
                           marker_color=[OKABE_ITO[i % 8] for i in range(len(frame))],
                           hovertemplate="%{x}: %{y:,.2f} " + html.escape(unit)
                           + "<extra></extra>"))
    fig.update_yaxes(title=html.escape(unit))
    return _layout(fig)


def build_strip_chart(frame: pd.DataFrame, unit: str) -> FrozenFigure:
    """Distribution strip per country (columns country_code, geo_code, geo_name, value)."""
    fig = FrozenFigure(go.Box(
        x=frame["country_code"], y=frame["value"], boxpoints="all", jitter=0.4, pointpos=0,
        fillcolor="rgba(0,0,0,0)", line={"color": "rgba(0,0,0,0)"},
        marker={"color": OKABE_ITO[0], "size": 5},
        text=[html.escape(f"{n} ({c})") for c, n in zip(frame["geo_code"], frame["geo_name"],
                                                         strict=True)],
        hovertemplate="%{text}: %{y:,.2f}<extra></extra>"))
    fig.update_yaxes(title=html.escape(unit))
    return _layout(fig, showlegend=False)


def build_convergence_chart(frame: pd.DataFrame, start: int, end: int) -> FrozenFigure:
    """Initial level vs annual growth (columns geo_code, geo_name, initial, growth)."""
    fig = FrozenFigure(go.Scatter(
        x=frame["initial"], y=frame["growth"], mode="markers",
        marker={"color": OKABE_ITO[0], "size": 7, "opacity": 0.75},
        text=[html.escape(f"{n} ({c})") for c, n in zip(frame["geo_code"], frame["geo_name"],
                                                         strict=True)],
        hovertemplate="%{text}<br>initial %{x:.1f}, growth %{y:.2f} %/yr<extra></extra>"))
    fig.update_xaxes(title=f"index in {start}")
    fig.update_yaxes(title=f"average annual growth {start}-{end} (%)")
    return _layout(fig)
