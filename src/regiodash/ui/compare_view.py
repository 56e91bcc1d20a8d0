"""The compare page's view: indicator, regions and a user-defined area (kept in the URL), and
the charts of a comparison, built once per data version and view.

app_pages/compare.py runs `select_comparison()` (URL -> widgets -> URL), then draws
`comparison(...)` and `bar_chart(...)` for the chosen year with `render_comparison`. Both
charts carry a reference (`reference_series`): EU = 100 for the innovation index, else the
EU27 aggregate where the warehouse has it, else the country when every region compared is in
one country; the caption says which (or that there is none). Widget
labels come precomputed (ui.data), so a rerun with an unchanged view runs no query, reshaping
or chart build.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from indicators.innovation.specs import EU_CODE, INDEX_ID
from regiodash.errors import RegiodashError
from regiodash.ui import charts, data
from regiodash.ui.figures import FrozenFigure
from regiodash.ui.neighbourhood import context_with_outside, name_outside, region_options
from regiodash.ui.state import MAX_COMPARE, ViewState, is_valid_area_name
from regiodash.ui.text import escape_markdown
from regiodash.ui.url import read_view, render_copy_link, write_view
from regiodash.ui.widgets import render_demo_banner, render_notes
from regiodash.ui.years import DefaultYear, choose_default_year

PAGE = "compare"
START = ("DE21", "FR10", "PL91", "RO32")
MAX_CACHED_VIEWS = 64


@dataclass(frozen=True)
class CompareView:
    version: str
    indicator: str
    regions: tuple[str, ...]
    area: tuple[str, ...]  # empty unless the area is valid (members and a valid name)
    area_name: str


def select_comparison() -> CompareView:
    """Read the view from the URL, render the title, the widgets and the copy-link control,
    write the view back."""
    try:
        version = data.data_version()
        # Countries outside NUTS (World Bank values) can be compared with NUTS regions.
        ctx = context_with_outside(version)
        codes, labels = region_options(version)
        regions = data.region_choices(version)
        indicators = data.indicator_choices(version)
    except RegiodashError as exc:
        st.error(f"The warehouse could not be opened: {exc}")
        st.stop()
    default_id = indicators.default(INDEX_ID)
    defaults = ViewState(indicator=default_id,
                         compare=tuple(c for c in START if c in regions.names))
    view, fresh = read_view(PAGE, defaults, ctx)
    state = st.session_state
    if fresh:
        state["w_cmp_indicator"] = view.indicator
        state["w_compare"] = list(view.compare or defaults.compare)
        state["w_area"] = list(view.area)
        state["w_area_name"] = view.area_name
        state["w_cmp_area_open"] = bool(view.area)
        state.pop("w_cmp_year", None)  # the bar year comes from the URL (below)

    st.title("Compare regions")
    render_notes(view.notes)
    cols = st.columns([3, 4])
    indicator = cols[0].selectbox("Indicator", indicators.ids, key="w_cmp_indicator",
                                  format_func=indicators.labels.__getitem__)
    picked = cols[1].multiselect("Regions (up to 8)", codes, key="w_compare",
                                 max_selections=MAX_COMPARE, format_func=labels.__getitem__)
    # Built only while open (a rerun opens or closes it); closed, the area stays that of the
    # view, which the URL keeps.
    panel = st.expander("Add a user-defined area (a group of regions of one level)",
                        icon=":material/join:", key="w_cmp_area_open", on_change="rerun")
    area, area_name = list(view.area), view.area_name
    if panel.open:
        state.setdefault("w_area", list(view.area))  # widget state is dropped while closed
        state.setdefault("w_area_name", view.area_name)
        with panel:
            area_name = st.text_input("Area name", key="w_area_name", max_chars=40,
                                      placeholder="e.g. SPECTRA partner regions")
            area = st.multiselect("Member regions", regions.codes, key="w_area",
                                  format_func=regions.labels.__getitem__)
            st.caption("Members are averaged with population weights when every member has "
                       "a population that year (counts are summed); a year in which a member "
                       "has no value gives no area value.")
    area_ok = bool(area) and is_valid_area_name(area_name.strip())
    shown = ViewState(indicator=indicator, compare=tuple(picked),
                      area=tuple(area) if area_ok else (),
                      area_name=area_name.strip() if area_ok else "")
    # The bar chart's year (its slider is drawn further down) is part of the view and of the
    # link: chosen here from the URL, the slider's value or the default year of what is shown.
    year, default_year = (bar_year(view, comparison(version, indicator, shown.compare,
                                                    shown.area, shown.area_name))
                          if shown.compare or shown.area else (None, None))
    shown = replace(shown, year=year)
    query = write_view(PAGE, shown, replace(defaults, year=default_year))
    render_copy_link(query)
    if area and area_name and not area_ok:
        st.warning("Area names may hold up to 40 letters, digits, spaces and .,'()- only.")
    return CompareView(version=version, indicator=indicator, regions=tuple(picked),
                       area=shown.area, area_name=shown.area_name)


def bar_year(view: ViewState, shown: Comparison) -> tuple[int | None, int | None]:
    """(year of the bar chart, its default year): the slider's value when it is one of the
    years shown, else the URL's year when it is, else the default (80 % rule, ui.years); the
    slider (key w_cmp_year) is seeded with it. (None, None) when nothing has values."""
    if not shown.years:
        return None, None
    state = st.session_state
    if state.get("w_cmp_year") not in shown.years:
        state["w_cmp_year"] = view.year if view.year in shown.years else shown.bar_year.year
    return int(state["w_cmp_year"]), shown.bar_year.year


@dataclass(frozen=True)
class Comparison:
    """What the compare page shows for one view (read-only: shared by every session).

    `total`: one row per region (and the area), year, sex T; `missing`: picked regions
    without any value; `area_caption`: how the area was formed, or why it has no values."""

    total: pd.DataFrame
    years: tuple[int, ...]
    bar_year: DefaultYear  # the bar chart's first year: 80 % of the regions shown (ui.years)
    missing: tuple[str, ...]
    area_caption: str | None
    is_demo: bool
    lines: FrozenFigure
    gap: FrozenFigure | None  # men - women, when the indicator has sexes and both exist
    reference: Reference | None = None  # EU / country line, drawn on both charts


@dataclass(frozen=True)
class Reference:
    """A reference for the compared regions: `label` (legend), `values` (year -> value, sex
    T, missing years absent) and `caption` (what it is)."""

    label: str
    values: tuple[tuple[int, float], ...]
    caption: str


REFERENCE_COLOUR = "#7f7f7f"


def reference_series(version: str, indicator: str, regions: tuple[str, ...]
                     ) -> Reference | None:
    """EU = 100 for the innovation index; else the EU27 aggregate (EU27_2020) of the
    indicator; else, when every region compared lies in one country, that country (NUTS 0);
    else None. Only published values: missing years stay missing."""
    if indicator == INDEX_ID:
        years = range(1990, 2101)
        return Reference("EU = 100", tuple((y, 100.0) for y in years),
                         "Dashed line: the EU (= 100 by construction of the index).")
    eu = _series(version, indicator, EU_CODE)
    if eu:
        return Reference("EU27", eu, "Dashed line: the EU27 aggregate (EU27_2020) as "
                         "published.")
    countries = {r[:2] for r in regions}
    if len(countries) == 1:
        country = countries.pop()
        values = _series(version, indicator, country)
        if values:
            name = str(data.region_choices(version).names.get(country, country)).title()
            return Reference(name, values, f"Dashed line: {escape_markdown(name)} "
                             f"({country}) as a whole; no EU27 value in the data.")
    return None


def _series(version: str, indicator: str, code: str) -> tuple[tuple[int, float], ...]:
    rows = data.indicator_series(version, indicator, (code,))
    rows = rows[(rows["sex"] == "T") & rows["value"].notna()]
    return tuple((int(y), float(v)) for y, v in zip(rows["year"], rows["value"], strict=True))


def with_reference_line(fig: FrozenFigure, ref: Reference, years: tuple[int, ...]
                        ) -> FrozenFigure:
    """`fig` (lines over time) with the reference as a dashed grey line over `years`."""
    values = dict(ref.values)
    shown = [y for y in years if y in values]
    fig.add_trace(go.Scatter(x=shown, y=[values[y] for y in shown], mode="lines",
                             name=html_text(ref.label), connectgaps=False,
                             line={"color": REFERENCE_COLOUR, "dash": "dash"},
                             hovertemplate="%{x}: %{y:,.2f}<extra>" + html_text(ref.label)
                             + "</extra>"))
    return fig.freeze()


def html_text(text: str) -> str:
    """Plotly renders trace names and annotations as HTML: names from data are escaped."""
    return html.escape(text)


@data.rerun_cache(MAX_CACHED_VIEWS)
def comparison(version: str, indicator: str, regions: tuple[str, ...], area: tuple[str, ...],
               area_name: str) -> Comparison:
    row = data.indicator_choices(version).rows[indicator]
    unit, title = str(row["unit"]), str(row["title"])
    series = name_outside(data.indicator_series(version, indicator, regions), version)
    area_caption = None
    if area:
        area_rows, weighting = data.area_series(version, indicator, area, area_name)
        if area_rows.empty:
            area_caption = (f"The area '{area_name}' has no complete year for this indicator "
                            "(its members must share one NUTS level and all have values).")
        else:
            area_caption = (f"Area '{area_name}': {len(area)} regions, "
                            f"{weighting.replace('_', ' ')}.")
            series = pd.concat([series, area_rows.assign(geo_code=f"AREA:{area_name}")],
                               ignore_index=True)
    total = series[series["sex"] == "T"]
    with_values = total.dropna(subset=["value"])
    present = set(with_values["geo_code"])
    gap = None
    if bool(row["has_sex"]):
        both = series[series["sex"].isin(["F", "M"])].pivot_table(
            index=["geo_code", "geo_name", "year"], columns="sex", values="value").reset_index()
        if {"F", "M"} <= set(both.columns):
            gap = charts.build_trend_chart(both.assign(value=both["M"] - both["F"]),
                                           f"points ({unit})")
    counts = with_values.groupby("year")["geo_code"].nunique()
    bar_year = (choose_default_year({int(y): int(n) for y, n in counts.items()},
                                    len(present), 0, regions="compared regions with values")
                if len(present) else DefaultYear(0, None))
    years = tuple(sorted(int(y) for y in with_values["year"].unique()))
    reference = reference_series(version, indicator, regions) if regions else None
    lines = charts.build_trend_chart(total, unit, title)
    if reference is not None:
        lines = with_reference_line(lines, reference, years)
    return Comparison(
        bar_year=bar_year, total=total, years=years,
        missing=tuple(c for c in regions if c not in present), area_caption=area_caption,
        is_demo=bool((series["source"] == "demo").any()),
        lines=lines, gap=gap, reference=reference)


@data.rerun_cache(4 * MAX_CACHED_VIEWS)
def bar_chart(version: str, indicator: str, regions: tuple[str, ...], area: tuple[str, ...],
              area_name: str, year: int) -> FrozenFigure:
    """Bars for one year of a comparison, with the reference's value that year as a dashed
    line (none when the reference has no value that year)."""
    shown = comparison(version, indicator, regions, area, area_name)
    total = shown.total
    unit = str(data.indicator_choices(version).rows[indicator]["unit"])
    fig = charts.build_bar_chart(total[total["year"] == year], unit)
    value = dict(shown.reference.values).get(year) if shown.reference else None
    if value is None:
        return fig
    fig.add_hline(y=value, line={"color": REFERENCE_COLOUR, "dash": "dash"},
                  annotation_text=html_text(f"{shown.reference.label}: {value:,.2f}"),
                  annotation_position="top left")
    return fig.freeze()


def render_comparison(view: CompareView, shown: Comparison) -> None:
    """Draw the lines over time, the bars of the chosen year and the gender gap."""
    if shown.area_caption:
        st.caption(shown.area_caption)
    render_demo_banner(shown.is_demo)
    if shown.missing:
        st.caption(f"No values for: {', '.join(shown.missing)}")
    if shown.reference is not None:
        st.caption(shown.reference.caption)
    elif view.regions:
        st.caption("No reference line: the data has no EU27 value for this indicator and the "
                   "regions compared are in more than one country.")
    st.plotly_chart(shown.lines, key="cmp_lines")
    if shown.years:
        if shown.bar_year.note:
            st.caption(shown.bar_year.note)
        year = st.select_slider("Year for the bar chart", options=shown.years,
                                key="w_cmp_year")  # seeded by bar_year (URL, default)
        st.plotly_chart(bar_chart(view.version, view.indicator, view.regions, view.area,
                                  view.area_name, year), key="cmp_bars")
    if shown.gap is not None:
        st.subheader("Gender gap (men - women)")
        st.plotly_chart(shown.gap, key="cmp_gap")
