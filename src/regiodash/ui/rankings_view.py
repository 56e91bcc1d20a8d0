"""The rankings page's view: indicator, NUTS level, index weights and years (kept in the
URL), and the ranking of a view, built once per data version and view.

app_pages/rankings.py runs `select_ranking()` (URL -> widgets -> URL), then draws `ranking(...)`
with `render_ranking`.
A rerun with an unchanged view runs no query, ranking, CSV export or chart build.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

from indicators.innovation.specs import INDEX_ID
from regiodash.errors import RegiodashError
from regiodash.ui import charts, data
from regiodash.ui.figures import FrozenFigure
from regiodash.ui.missing import indicator_without_values
from regiodash.ui.state import LEVELS, MAX_WEIGHT, ViewState
from regiodash.ui.url import read_view, render_copy_link, write_view
from regiodash.ui.widgets import arrow_table, render_demo_banner, render_notes
from regiodash.ui.years import default_span, ranking_note

PAGE = "rankings"
MAX_CACHED_VIEWS = 64

Weights = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class RankingView:
    version: str
    indicator: str
    level: int
    weights: Weights  # every component's weight when any differs from 1, else ()
    span: tuple[int, int]


def ranking_frame(version: str, indicator: str, level: int, weights: Weights) -> pd.DataFrame:
    """One row per region and year (sex T) of the indicator at the level: geo_code, geo_name,
    country_code, year, value, flag, source. With weights, the index recomputed with them.
    (Not cached itself: its queries are, and the years and rankings built from it are.)"""
    frame = data.level_year_values(version, indicator, level, "T")
    if weights:
        frame = data.reweighted_index(version, level, weights).merge(
            frame[["geo_code", "geo_name", "country_code"]].drop_duplicates(), on="geo_code")
    return frame


@dataclass(frozen=True)
class RankingYears:
    """The years a ranking can use: `counts` (year -> regions with a value), `level_regions`
    (regions with a value in any year), the default span (ui.years: the end is the latest
    year with 80 % of those regions) and the note about newer, sparser years."""

    years: tuple[int, ...]
    counts: Mapping[int, int]
    level_regions: int
    span: tuple[int, int]
    note: str | None


@data.rerun_cache(256)
def ranking_years(version: str, indicator: str, level: int, weights: Weights
                  ) -> RankingYears | None:
    """None when the indicator has no value at the level."""
    frame = ranking_frame(version, indicator, level, weights)
    present = frame[frame["value"].notna()]
    if present.empty:
        return None
    counts = {int(y): int(n) for y, n in present.groupby("year")["geo_code"].nunique().items()}
    total = int(present["geo_code"].nunique())
    span, note = default_span(counts, total, level)
    return RankingYears(years=tuple(sorted(counts)), counts=MappingProxyType(counts),
                        level_regions=total, span=span, note=note)


def select_ranking() -> RankingView:
    """Read the view from the URL, render the title and the widgets, write the view back.

    Stops the page when the indicator has no values at the level."""
    try:
        version = data.data_version()
        ctx = data.view_context(version)
        indicators = data.indicator_choices(version)
    except RegiodashError as exc:
        st.error(f"The warehouse could not be opened: {exc}")
        st.stop()
    default_id = indicators.default(INDEX_ID)
    defaults = ViewState(indicator=default_id, level=2)
    view, fresh = read_view(PAGE, defaults, ctx)
    if fresh:
        st.session_state["w_rank_indicator"] = view.indicator
        st.session_state["w_rank_level"] = view.level

    st.title("Rankings & trends")
    render_notes(view.notes)
    cols = st.columns([4, 1])
    indicator = cols[0].selectbox("Indicator", indicators.ids, key="w_rank_indicator",
                                  format_func=indicators.labels.__getitem__)
    level = cols[1].selectbox("NUTS level", list(LEVELS), key="w_rank_level")
    weights: Weights = ()
    full: Weights = ()
    if indicator == INDEX_ID:
        if fresh:  # a link's weights replace what the inputs held
            st.session_state["w_rank_reweight"] = bool(view.weights)
            st.session_state.update(weight_keys(view.weights, ctx.weight_ids))
        # Built only while open (a rerun opens or closes it); closed, the weights stay those
        # of the view, which the URL keeps.
        panel = st.expander("Reweight the innovation components", icon=":material/tune:",
                            key="w_rank_reweight", on_change="rerun")
        weights = view.weights
        if panel.open:
            with panel:
                weights = weight_inputs(view.weights, sorted(ctx.weight_ids), indicators)
        if weights:
            full = tuple(sorted({**dict.fromkeys(ctx.weight_ids, 1.0), **dict(weights)}.items()))
            st.info("Showing the index recomputed with your weights.", icon=":material/tune:")
    cover = ranking_years(version, indicator, level, full)
    if cover is None:
        title = str(indicators.rows[indicator]["title"])
        st.warning(f"No values at NUTS {level}. " + indicator_without_values(indicator, title)
                   if indicator not in data.indicators_with_data(version)
                   else f"{title} has no values at NUTS {level}; choose another level.")
        st.stop()
    years = cover.years
    lo, hi = ((view.year, view.year_to or view.year) if view.year in years else cover.span)
    if fresh and view.year is not None and (view.year not in years
                                            or (view.year_to or view.year) not in years):
        asked = f"{view.year}..{view.year_to}" if view.year_to else str(view.year)
        render_notes((f"No data for {asked}; showing {lo}..{hi if hi in years else years[-1]}.",))
    if (lo, hi) == cover.span and cover.note:
        st.info(cover.note, icon=":material/event_busy:")
    span = st.select_slider("Years (change is measured between them)", options=years,
                            value=(lo, hi if hi in years else years[-1]), key="w_rank_years")
    shown = ViewState(indicator=indicator, level=level, year=span[0],
                      year_to=span[1] if span[1] != span[0] else None, weights=weights)
    query = write_view(PAGE, shown, ViewState(
        indicator=default_id, level=2, year=cover.span[0],
        year_to=cover.span[1] if cover.span[1] != cover.span[0] else None))
    render_copy_link(query)
    return RankingView(version=version, indicator=indicator, level=level, weights=full,
                       span=(int(span[0]), int(span[1])))


def weight_keys(given: Weights, components) -> dict[str, float]:
    """The weight inputs' session-state keys and values for `given` (1 where not given)."""
    start = dict(given)
    return {f"w_weight_{c}": float(start.get(c, 1.0)) for c in components}


def weight_inputs(given: Weights, components: list[str], indicators: data.IndicatorChoices
                  ) -> Weights:
    """One number input per innovation component (starting from `given`); the changed ones."""
    st.caption("Equal weights (1) reproduce the published method; 0 drops a component. "
               "Changed weights go into the link.")
    for key, value in weight_keys(given, components).items():
        st.session_state.setdefault(key, value)  # Streamlit dropped it while the panel was closed
    cols = st.columns(3)
    chosen = {}
    for i, component in enumerate(components):
        row = indicators.rows.get(component)
        chosen[component] = cols[i % 3].number_input(
            str(row["title"]) if row is not None else component, min_value=0.0,
            max_value=MAX_WEIGHT, step=0.5, key=f"w_weight_{component}")
    return tuple(sorted((k, v) for k, v in chosen.items() if v != 1.0))


@dataclass(frozen=True)
class Ranking:
    """What the rankings page shows for one view (read-only: shared by every session).

    `table`: one row per region with a row in the end year: geo_code, geo_name, country_code,
    value, flag, rank (1 = best; missing value = no rank) and the change since the start."""

    table: pa.Table | pd.DataFrame  # ui.widgets.arrow_table
    csv: bytes
    caption: str
    missing_note: str | None  # how many regions the end year leaves unranked (ui.years)
    is_demo: bool
    strip: FrozenFigure
    convergence: FrozenFigure | None  # the index over more than one year only


@data.rerun_cache(MAX_CACHED_VIEWS)
def ranking(version: str, indicator: str, level: int, weights: Weights, span: tuple[int, int]
            ) -> Ranking:
    frame = ranking_frame(version, indicator, level, weights)
    row = data.indicator_choices(version).rows[indicator]
    start, end_year = span
    end = frame[frame["year"] == end_year].set_index("geo_code")
    begin = frame[frame["year"] == start].set_index("geo_code")["value"]
    ascending = row["direction"] == "lower"
    table = end[["geo_name", "country_code", "value", "flag"]].copy()
    table["rank"] = table["value"].rank(ascending=ascending, method="min").astype("Int64")
    table[f"change since {start}"] = table["value"] - begin.reindex(table.index)
    table = table.sort_values("rank").reset_index()
    ranked = int(table["value"].notna().sum())
    missing_note = ranking_note(ranked, int(frame.loc[frame["value"].notna(), "geo_code"]
                                            .nunique()), level, end_year)
    caption = (f"{row['title']} ({row['unit']}), NUTS {level}, {end_year}. Rank 1 = best "
               f"({'lowest' if ascending else 'highest'}). Click a column to sort.")
    convergence = None
    if indicator == INDEX_ID and start < end_year:
        both = begin.to_frame("initial").join(end[["value", "geo_name"]], how="inner")
        both = both[(both["initial"] > 0) & (both["value"] > 0)]
        both["growth"] = (np.power(both["value"] / both["initial"], 1 / (end_year - start))
                          - 1) * 100
        convergence = charts.build_convergence_chart(both.reset_index(), start, end_year)
    return Ranking(table=arrow_table(table), csv=table.to_csv(index=False).encode(),
                   caption=caption, missing_note=missing_note,
                   is_demo=bool((frame.loc[frame["year"].between(start, end_year), "source"]
                                 == "demo").any()),
                   strip=charts.build_strip_chart(end.reset_index(), str(row["unit"])),
                   convergence=convergence)


def render_ranking(view: RankingView, shown: Ranking) -> None:
    """Draw the ranking table (with its CSV), the country strips and the convergence chart."""
    start, end = view.span
    render_demo_banner(shown.is_demo)
    if shown.missing_note:
        st.info(shown.missing_note, icon=":material/rule:")
    st.caption(shown.caption)
    st.dataframe(shown.table, hide_index=True, column_config={
        "value": st.column_config.NumberColumn(format="%.2f"),
        f"change since {start}": st.column_config.NumberColumn(format="%+.2f")})
    st.download_button("Download CSV", shown.csv,
                       file_name=f"ranking_{view.indicator}_nuts{view.level}_{end}.csv",
                       mime="text/csv", icon=":material/download:")
    st.subheader("Distribution per country")
    st.plotly_chart(shown.strip, key="strip")
    if shown.convergence is not None:
        st.subheader("Convergence: initial level vs growth")
        st.caption("Each dot is a region. A downward slope (weaker regions growing faster) means "
                   "beta convergence.")
        st.plotly_chart(shown.convergence, key="convergence")
