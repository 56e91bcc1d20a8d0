"""Pure chart builders for the Projects page's "Cohesion funding" view (no Streamlit, no I/O).

Input frames are projects.cohesion_funding's summaries: per-class EUR per inhabitant
(`funding_per_inhabitant_by_class`) and the Lorenz points (`lorenz_points`). Colours follow
the other Projects charts: innovation groups in their fixed Okabe-Ito colours, cohesion-policy
categories in three more. Missing classes are drawn as "no group" / "no category" in grey,
never dropped; a class with partial regions (a truncated export, flag t) says so in its label.
Text from data reaches plotly only HTML-escaped.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from regiodash.projects.queries import GROUP_ORDER
from regiodash.ui.figures import FrozenFigure
from regiodash.ui.projects_charts import GROUP_COLOURS, OKABE_ITO, format_eur, format_number
from regiodash.ui.text import text_or

CATEGORY_COLOURS = {1: OKABE_ITO["vermillion"], 2: OKABE_ITO["orange"],
                    3: OKABE_ITO["blue"]}
MISSING_COLOUR = "#8c8c8c"


def format_per_head(value: object) -> str:
    """EUR per inhabitant with no decimals, e.g. "€2,500"; "no data" when missing."""
    text = format_number(value, 0)
    return text if text == "no data" else f"€{text}"


def class_rows(by_class: pd.DataFrame, class_column: str, labels: dict[object, str]
               ) -> pd.DataFrame:
    """`by_class` in a fixed order (the order of `labels`, then any other class) with
    `label` (from `labels`; the key None labels the regions without a class) and `colour`."""
    frame = by_class.copy()
    order = {key: i for i, key in enumerate(labels)}
    keys = [None if pd.isna(k) else k for k in frame[class_column].astype(object)]
    frame["rank"] = [order.get(k, len(order)) for k in keys]
    frame["label"] = [labels.get(k, "no class") for k in keys]
    colours: dict[object, str] = dict(GROUP_COLOURS.items())
    colours.update(CATEGORY_COLOURS.items())
    frame["colour"] = [colours.get(k, MISSING_COLOUR) for k in keys]
    return frame.sort_values("rank", kind="stable").reset_index(drop=True)


def build_per_head_chart(by_class: pd.DataFrame, class_column: str,
                         labels: dict[object, str], title: str,
                         amount: str = "eu_contribution_eur") -> FrozenFigure:
    """Horizontal bars: the bar length is the EU contribution per inhabitant (EUR) of the
    regions of each class (sum of contributions / sum of populations); the label gives the
    value, the regions counted and how many of them are partial (lower bounds)."""
    frame = class_rows(by_class, class_column, labels).iloc[::-1]
    text = [f"{format_per_head(v)} · {n} regions" + (f", {p} partial" if p else "")
            for v, n, p in zip(frame["eur_per_inhabitant"], frame["regions"],
                               frame["partial_regions"], strict=True)]
    hover = [f"<b>{html.escape(str(label))}</b><br>{format_per_head(v)} per inhabitant"
             f"<br>EU contribution {html.escape(format_eur(a))}"
             f"<br>population {format_number(pop, 0)}<br>{n} regions, {p} partial"
             for label, v, a, pop, n, p in zip(
                 frame["label"], frame["eur_per_inhabitant"], frame[amount],
                 frame["population"], frame["regions"], frame["partial_regions"], strict=True)]
    fig = FrozenFigure(go.Bar(
        x=frame["eur_per_inhabitant"].tolist(), y=[html.escape(str(x)) for x in frame["label"]],
        orientation="h", marker_color=frame["colour"].tolist(), text=text,
        textposition="outside", cliponaxis=False, hovertext=hover, hoverinfo="text"))
    fig.update_layout(
        height=max(200, 44 * len(frame) + 90), margin={"l": 0, "r": 10, "t": 30, "b": 30},
        title={"text": html.escape(title), "font": {"size": 14}},
        xaxis_title="bar length: EU contribution per inhabitant (EUR)", yaxis_title=None)
    fig.update_xaxes(range=[0, float(frame["eur_per_inhabitant"].max() or 1) * 1.9])
    return fig.freeze()


def build_lorenz_chart(points: pd.DataFrame, gini: float, names: dict[str, str]
                       ) -> FrozenFigure:
    """Lorenz curve of the EU contribution over population: regions from the least to the
    most funded per inhabitant, cumulative population share (x) against cumulative funding
    share (y), with the line of equal funding per head; the Gini in the title."""
    fig = FrozenFigure()
    fig.add_trace(go.Scatter(
        x=[0, 1], y=[0, 1], mode="lines", name="equal funding per inhabitant",
        line={"color": "#6b6b6b", "dash": "dash", "width": 1.5}, hoverinfo="skip"))
    codes = points["geo_code"].tolist()
    hover = [("start" if not isinstance(code, str) else
              f"<b>{html.escape(text_or(names.get(code), code))}</b> ({html.escape(code)})")
             + f"<br>{100 * x:.1f} % of the population<br>{100 * y:.1f} % of the funding"
             for code, x, y in zip(codes, points["population_share"], points["funding_share"],
                                   strict=True)]
    fig.add_trace(go.Scatter(
        x=points["population_share"].tolist(), y=points["funding_share"].tolist(),
        mode="lines+markers", name="regions, least to most funded per inhabitant",
        line={"color": OKABE_ITO["blue"], "width": 2}, marker={"size": 4},
        hovertext=hover, hoverinfo="text"))
    gini_text = "n/a" if pd.isna(gini) else f"{gini:.2f}"
    fig.update_layout(
        height=360, margin={"l": 0, "r": 10, "t": 36, "b": 10},
        title={"text": f"Concentration of the EU contribution (Gini {gini_text})",
               "font": {"size": 14}},
        xaxis={"title": "cumulative share of the population", "tickformat": ".0%",
               "range": [0, 1]},
        yaxis={"title": "cumulative share of the EU contribution", "tickformat": ".0%",
               "range": [0, 1]},
        legend={"orientation": "h", "y": -0.2}, hovermode="closest")
    return fig.freeze()


GROUP_LABELS: dict[object, str] = {**{g: f"{g} Innovators" for g in GROUP_ORDER},
                                   None: "no innovation group"}
