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


# Row charts (profile): one row per item, its name written above its bars or markers rather
# than as a y-axis tick label, so a long name never pushes the plot off a phone's screen (a
# tick label takes its width from the plot; an annotation above the row spans the whole plot).
ROW_PX = 78  # pixels per row of bars: the name above, then the bars
LABEL_CHARS = 44  # wrap names at about this many characters (a 390 px phone fits ~55)
GREY = "#7f7f7f"


def wrap_label(text: str, width: int = LABEL_CHARS) -> str:
    """`text` HTML-escaped and wrapped at word boundaries with <br> (plotly's line break)."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(html.escape(line) for line in lines)


def _row_layout(fig: FrozenFigure, names: list[str], labels: list[str], x_title: str,
                row_px: int = ROW_PX, label_shift: float = ROW_PX * 0.3, **kw: object
                ) -> FrozenFigure:
    """`labels` (markup, escaped) above the rows named `names` (annotations at the plot's
    left edge, `label_shift` pixels above the row's centre), no y tick labels, the legend
    above the plot, one row every `row_px` pixels."""
    for name, label in zip(names, labels, strict=True):
        fig.add_annotation(x=0, xref="paper", xanchor="left", y=name, yref="y",
                           yanchor="bottom", yshift=label_shift, text=label,
                           showarrow=False, align="left", font={"size": 12})
    fig.update_yaxes(showticklabels=False, categoryorder="array", categoryarray=names,
                     fixedrange=True)
    fig.update_xaxes(title=x_title, automargin=True, fixedrange=True)
    fig.update_layout(height=row_px * len(names) + 150,
                      margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0,
                              "yanchor": "bottom"}, **kw)
    return fig.freeze()


def build_component_bars(components: pd.DataFrame, reference_label: str) -> FrozenFigure:
    """The region's normalised innovation components (0-1) as bars, each next to the
    reference (the eu column) and the country's mean; the weakest at the bottom.

    `components`: one row per component with columns title, region, eu, country (NaN: no
    bar); `reference_label` names the eu column in the legend (the caption says what it
    averages)."""
    names = [str(t) for t in components["title"]]
    fig = FrozenFigure()
    # Added last to first: plotly stacks a group's bars upwards, so the region's bar sits
    # right under the name; the legend lists them in reading order again.
    for col, label, colour in (("eu", reference_label, GREY),
                               ("country", "Country mean", OKABE_ITO[1]),
                               ("region", "This region", OKABE_ITO[0])):
        if col in components and components[col].notna().any():
            fig.add_trace(go.Bar(
                y=names, x=components[col], name=html.escape(label), orientation="h",
                marker_color=colour, customdata=[html.escape(n) for n in names],
                hovertemplate="%{customdata}: %{x:.2f}<extra>" + html.escape(label)
                + "</extra>"))
    fig.update_xaxes(range=[0, 1])
    fig.update_layout(legend={"traceorder": "reversed"})
    return _row_layout(fig, names, [wrap_label(n) for n in names], "normalised score, 0-1",
                       barmode="group", bargap=0.45, bargroupgap=0.05)


def _number(value: float) -> str:
    return "no value" if pd.isna(value) else f"{value:,.1f}"


def gender_row_label(title: str, unit: str, f: float, m: float, ref_f: float, ref_m: float,
                     reference_label: str) -> str:
    """The row's name, then its numbers in the markers' colours: "women 72.1 · men 85.2",
    then the reference's ("EU reference: women 70.0, men 80.9") when there is one."""
    numbers = (f'<span style="color:{WOMEN}">women {_number(f)}</span> · '
               f'<span style="color:{MEN}">men {_number(m)}</span>')
    lines = [wrap_label(f"{title} ({unit})"), numbers]
    if pd.notna(ref_f) or pd.notna(ref_m):
        lines.append(f"{html.escape(reference_label)}: women {_number(ref_f)}, "
                     f"men {_number(ref_m)}")
    return "<br>".join(lines)


def build_gender_dumbbells(rows: pd.DataFrame, reference_label: str) -> FrozenFigure:
    """Women and men per indicator (columns title, unit, F, M, ref_F, ref_M): a dumbbell per
    row, the numbers written above it, and the reference for women and for men as hollow
    markers (NaN: none drawn). All rows share one unit family (% of ...)."""
    names = [f"{t} ({u})" for t, u in zip(rows["title"], rows["unit"], strict=True)]
    refs = {sex: rows[f"ref_{sex}"] if f"ref_{sex}" in rows else pd.Series(float("nan"),
                                                                            index=rows.index)
            for sex in ("F", "M")}
    labels = [gender_row_label(t, u, f, m, rf, rm, reference_label) for t, u, f, m, rf, rm in
              zip(rows["title"], rows["unit"], rows["F"], rows["M"], refs["F"], refs["M"],
                  strict=True)]
    fig = FrozenFigure()
    for name, f, m in zip(names, rows["F"], rows["M"], strict=True):
        fig.add_trace(go.Scatter(x=[f, m], y=[name, name], mode="lines",
                                 line={"color": "#bbbbbb", "width": 3}, showlegend=False,
                                 hoverinfo="skip"))
    hover = [html.escape(n) for n in names]
    for sex, label, colour, symbol in (("F", "Women", WOMEN, "circle"),
                                       ("M", "Men", MEN, "diamond")):
        fig.add_trace(go.Scatter(
            x=rows[sex], y=names, mode="markers", name=label,
            marker={"color": colour, "size": 12, "symbol": symbol}, customdata=hover,
            hovertemplate="%{customdata}<br>" + label + ": %{x:,.1f}<extra></extra>"))
    for sex, label, colour, symbol in (("F", "women", WOMEN, "circle-open"),
                                       ("M", "men", MEN, "diamond-open")):
        if refs[sex].notna().any():
            ref_label = html.escape(f"{reference_label}: {label}")
            fig.add_trace(go.Scatter(
                x=refs[sex], y=names, mode="markers", name=ref_label,
                marker={"color": colour, "size": 13, "symbol": symbol, "line": {"width": 2}},
                customdata=hover,
                hovertemplate="%{customdata}<br>" + ref_label + ": %{x:,.1f}<extra></extra>"))
    return _row_layout(fig, names, labels, "% (each row in its own unit)", row_px=112,
                       label_shift=10)


def build_dimension_bars(dimensions: pd.DataFrame, reference_label: str) -> FrozenFigure:
    """Sustainability dimension scores (0-100) as bars with their values written at the bar
    end, and the reference as a black tick (columns title, value, reference; NaN: no bar or
    no tick)."""
    names = [str(t) for t in dimensions["title"]]
    hover = [html.escape(n) for n in names]
    fig = FrozenFigure(go.Bar(
        y=names, x=dimensions["value"], orientation="h", name="This region",
        marker_color=OKABE_ITO[2], text=[f"{v:.1f}" if pd.notna(v) else "no score"
                                         for v in dimensions["value"]],
        textposition="outside", cliponaxis=False, customdata=hover,
        hovertemplate="%{customdata}: %{x:.1f}<extra>This region</extra>"))
    if dimensions["reference"].notna().any():
        fig.add_trace(go.Scatter(
            y=names, x=dimensions["reference"], mode="markers",
            name=html.escape(reference_label),
            marker={"color": "#000000", "size": 22, "symbol": "line-ns-open",
                    "line": {"width": 3}},
            customdata=hover, hovertemplate="%{customdata}: %{x:.1f}<extra>"
            + html.escape(reference_label) + "</extra>"))
    fig.update_xaxes(range=[0, 112])
    return _row_layout(fig, names, [wrap_label(n) for n in names],
                       "score, 0 = worst, 100 = best", bargap=0.45)
