"""The rankings page's view: indicator, NUTS level, index weights, years and a country
filter (kept in the URL), and the ranking of a view, built once per data version and view.

app_pages/rankings.py runs `select_ranking()` (URL -> widgets -> URL), then draws `ranking(...)`
with `render_ranking`. The table and its CSV are built by ui.ranking_table; saving and loading
the reweighting as a composite spec by ui.composite_view.
A rerun with an unchanged view runs no query, ranking, CSV export or chart build.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

from indicators.innovation.specs import INDEX_ID
from regiodash.errors import RegiodashError
from regiodash.ui import charts, data
from regiodash.ui.composite_view import SPEC_MESSAGE_KEY, render_spec_tools
from regiodash.ui.figures import FrozenFigure
from regiodash.ui.missing import indicator_without_values
from regiodash.ui.neighbourhood import outside_values
from regiodash.ui.ranking_table import (
    MISSING,
    RankingMeta,
    column_labels,
    csv_file_name,
    filter_country,
    group_labels,
    groups_of_values,
    ranking_csv,
    ranking_rows,
)
from regiodash.ui.state import LEVELS, MAX_WEIGHT, ViewState
from regiodash.ui.text import escape_markdown
from regiodash.ui.url import canonical_url, read_view, render_copy_link, write_view
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
    country: str | None = None  # NUTS 0 code: the table and CSV show its regions only
    query: tuple[tuple[str, str], ...] = ()  # the view's URL parameters (the CSV's link)


def ranking_frame(version: str, indicator: str, level: int, weights: Weights) -> pd.DataFrame:
    """One row per region and year (sex T) of the indicator at the level: geo_code, geo_name,
    country_code, year, value, flag, source. With weights, the index recomputed with them.
    (Not cached itself: its queries are, and the years and rankings built from it are.)
    At level 0 the drawn countries outside NUTS with values (World Bank: MA, TN, EG...;
    ui.neighbourhood) are ranked beside the NUTS countries, named from Natural Earth."""
    frame = data.level_year_values(version, indicator, level, "T")
    if level == 0:
        extra = outside_values(version, indicator)
        extra = extra[(extra["sex"] == "T") & extra["value"].notna()]
        if len(extra):
            frame = pd.concat([frame, extra[frame.columns.tolist()]], ignore_index=True)
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
        regions = data.region_choices(version)
    except RegiodashError as exc:
        st.error(f"The warehouse could not be opened: {escape_markdown(exc)}")
        st.stop()
    default_id = indicators.default(INDEX_ID)
    defaults = ViewState(indicator=default_id, level=2)
    view, fresh = read_view(PAGE, defaults, ctx)
    if fresh:
        st.session_state["w_rank_indicator"] = view.indicator
        st.session_state["w_rank_level"] = view.level
        st.session_state["w_rank_country"] = view.country or ""

    st.title("Rankings & trends")
    render_notes(view.notes)
    cols = st.columns([4, 1, 2])
    indicator = cols[0].selectbox("Indicator", indicators.ids, key="w_rank_indicator",
                                  format_func=indicators.labels.__getitem__)
    level = cols[1].selectbox("NUTS level", list(LEVELS), key="w_rank_level")
    country = cols[2].selectbox("Country", ("", *regions.countries), key="w_rank_country",
                                format_func=lambda c: regions.country_labels.get(
                                    c, "All countries"))
    weights: Weights = ()
    full: Weights = ()
    if indicator == INDEX_ID:
        weights = reweighting_panel(view, fresh, sorted(ctx.weight_ids), indicators)
        if weights:
            full = tuple(sorted({**dict.fromkeys(ctx.weight_ids, 1.0), **dict(weights)}.items()))
        if full and not any(w > 0 for _, w in full):  # nothing would count: no index at all
            st.warning("Every component has weight 0, so no index can be computed: showing "
                       "the published index. Give at least one component a weight above 0.",
                       icon=":material/tune:")
            full = ()
        if full:
            st.info("Showing the index recomputed with your weights: the table shows each "
                    "region's rank with your weights and with the published (equal) weights.",
                    icon=":material/tune:")
    cover = ranking_years(version, indicator, level, full)
    if cover is None:
        title = str(indicators.rows[indicator]["title"])
        st.warning(f"No values at NUTS {level}. " + indicator_without_values(indicator, title)
                   if indicator not in data.indicators_with_data(version)
                   else f"{escape_markdown(title)} has no values at NUTS {level}; choose another "
                   "level.")
        st.stop()
    span = year_slider(view, fresh, cover)
    shown = ViewState(indicator=indicator, level=level, year=span[0],
                      year_to=span[1] if span[1] != span[0] else None, weights=weights,
                      country=country or None)
    query = write_view(PAGE, shown, ViewState(
        indicator=default_id, level=2, year=cover.span[0],
        year_to=cover.span[1] if cover.span[1] != cover.span[0] else None))
    render_copy_link(query)
    return RankingView(version=version, indicator=indicator, level=level, weights=full,
                       span=(int(span[0]), int(span[1])), country=country or None,
                       query=tuple(query.items()))


def year_slider(view: ViewState, fresh: bool, cover: RankingYears) -> tuple[int, int]:
    """The years slider, starting from the URL's span when it has data, else the default
    span (with a note saying which years were asked for)."""
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
    return int(span[0]), int(span[1])


def reweighting_panel(view: ViewState, fresh: bool, components: list[str],
                      indicators: data.IndicatorChoices) -> Weights:
    """The "Reweight" expander of the index: the changed weights (the view's when closed)."""
    state = st.session_state
    if fresh:  # a link's weights replace what the inputs held
        state["w_rank_reweight"] = bool(view.weights)
        state.update(weight_keys(view.weights, components))
        state.pop(SPEC_MESSAGE_KEY, None)
    # Built only while open (a rerun opens or closes it); closed, the weights stay those
    # of the view, which the URL keeps.
    panel = st.expander("Reweight the innovation components", icon=":material/tune:",
                        key="w_rank_reweight", on_change="rerun")
    if not panel.open:
        return view.weights
    with panel:
        weights = weight_inputs(view.weights, components, indicators)
        st.button("Reset to equal weights", on_click=reset_weights, args=(components,),
                  icon=":material/restart_alt:", key="w_rank_reset",
                  disabled=not weights, help="Back to the published method (every weight 1)")
        render_spec_tools({**dict.fromkeys(components, 1.0), **dict(weights)},
                          frozenset(components))
    return weights


def reset_weights(components: list[str]) -> None:
    """on_click of the reset button (runs before the page): every weight back to 1."""
    st.session_state.update(weight_keys((), components))
    st.session_state.pop(SPEC_MESSAGE_KEY, None)


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

    `rows`: ui.ranking_table.ranking_rows of the end year (every country; read-only);
    `labels`: their human column names; `meta`: what the CSV header says (without country
    and link, which `ranking_download` adds)."""

    rows: pd.DataFrame
    labels: Mapping[str, str]
    meta: RankingMeta
    caption: str
    missing_note: str | None  # how many regions the end year leaves unranked (ui.years)
    is_demo: bool
    strip: FrozenFigure
    convergence: FrozenFigure | None  # the index over more than one year only


def published_groups(version: str, level: int, end: int) -> tuple[pd.Series, int | None]:
    """The published innovation groups of the end year (or of the latest year before it, or
    the earliest after it, when the index has no groups that year) and their year."""
    groups = data.innovation_groups(version, level)
    if groups.empty:
        return pd.Series(dtype="str"), None
    years = sorted(int(y) for y in groups["year"].unique())
    year = max((y for y in years if y <= end), default=years[0])
    return group_labels(groups[groups["year"] == year]), year


def data_status(sources: pd.Series) -> str:
    """"demo (synthetic ...)", "real (published statistics)" or "mixed: ..." of a ranking."""
    demo = int((sources == "demo").sum())
    if demo == 0:
        return "real (published statistics)"
    if demo == len(sources):
        return "demo (synthetic values, not real statistics)"
    return f"mixed: {demo} of {len(sources)} values are synthetic demo values"


@data.rerun_cache(MAX_CACHED_VIEWS)
def ranking(version: str, indicator: str, level: int, weights: Weights, span: tuple[int, int]
            ) -> Ranking:
    frame = ranking_frame(version, indicator, level, weights)
    row = data.indicator_choices(version).rows[indicator]
    start, end_year = span
    ascending = row["direction"] == "lower"
    decimals = int(row["decimals"]) if pd.notna(row["decimals"]) else 2
    published, converted, converted_text = None, None, "none"
    if weights:
        groups, group_year = groups_of_values(frame[frame["year"] == end_year], level,
                                              end_year), end_year
        index = data.level_year_values(version, INDEX_ID, level, "T")
        published = index[index["year"] == end_year].set_index("geo_code")["value"]
        converted_text = "the index is recomputed from the stored components"
    else:
        groups, group_year = published_groups(version, level, end_year)
        stored = data.map_values(version, indicator, level, end_year, "T")
        stored = stored[stored["converted_from"].notna() & stored["value"].notna()]
        converted = dict(zip(stored["geo_code"], stored["converted_from"], strict=True))
        if converted:
            converted_text = (f"{len(converted)} values of {end_year} converted from another "
                              "NUTS version (column converted_from_nuts)")
    rows = ranking_rows(frame, span, ascending, decimals, groups, published, converted)
    labels = column_labels(span, str(row["unit"]), bool(weights))
    if group_year is not None and not weights:
        labels["group"] = f"Innovation group {group_year}"
    in_span = frame[frame["year"].between(start, end_year) & frame["value"].notna()]
    meta = RankingMeta(
        indicator=indicator, title=str(row["title"]), unit=str(row["unit"]),
        decimals=decimals, level=level, span=span, country="", weights=weights,
        data_status=data_status(in_span["source"]), converted=converted_text,
        source=f"{row['source_dataset']} ({row['licence']})")
    missing_note = ranking_note(len(rows), int(frame.loc[frame["value"].notna(), "geo_code"]
                                               .nunique()), level, end_year)
    caption = (f"{row['title']} ({row['unit']}), NUTS {level}, {end_year}. Rank 1 = best "
               f"({'lowest' if ascending else 'highest'}); ranks are among all NUTS {level} "
               f"regions, also with a country chosen. {MISSING} = no data. Click a column to "
               "sort.")
    return Ranking(rows=rows, labels=MappingProxyType(labels), meta=meta,
                   caption=escape_markdown(caption), missing_note=missing_note,
                   is_demo=bool((in_span["source"] == "demo").any()),
                   strip=charts.build_strip_chart(rows, str(row["unit"])),
                   convergence=convergence_chart(frame, indicator, span))


def convergence_chart(frame: pd.DataFrame, indicator: str, span: tuple[int, int]
                      ) -> FrozenFigure | None:
    """Initial level vs growth, for the index over more than one year."""
    start, end_year = span
    if indicator != INDEX_ID or start >= end_year:
        return None
    begin = frame[frame["year"] == start].set_index("geo_code")["value"]
    end = frame[frame["year"] == end_year].set_index("geo_code")
    both = begin.to_frame("initial").join(end[["value", "geo_name"]], how="inner")
    both = both[(both["initial"] > 0) & (both["value"] > 0)]
    both["growth"] = (np.power(both["value"] / both["initial"], 1 / (end_year - start))
                      - 1) * 100
    return charts.build_convergence_chart(both.reset_index(), start, end_year)


@data.rerun_cache(4 * MAX_CACHED_VIEWS)
def ranking_table(version: str, indicator: str, level: int, weights: Weights,
                  span: tuple[int, int], country: str | None) -> pa.Table | pd.DataFrame:
    """The rows shown for a country (or all), as the Arrow table st.dataframe sends."""
    rows = ranking(version, indicator, level, weights, span).rows
    return arrow_table(filter_country(rows, country))


@data.rerun_cache(4 * MAX_CACHED_VIEWS)
def ranking_download(version: str, indicator: str, level: int, weights: Weights,
                     span: tuple[int, int], country: str | None, link: str) -> bytes:
    """The CSV of the rows shown (ui.ranking_table.ranking_csv), its header naming the view."""
    shown = ranking(version, indicator, level, weights, span)
    meta = replace(shown.meta, country=country or "", link=link)
    return ranking_csv(filter_country(shown.rows, country), meta).encode()


def render_ranking(view: RankingView, shown: Ranking) -> None:
    """Draw the ranking table (with its CSV), the country strips and the convergence chart."""
    key = (view.version, view.indicator, view.level, view.weights, view.span, view.country)
    render_demo_banner(shown.is_demo)
    if shown.missing_note:
        st.info(shown.missing_note, icon=":material/rule:")
    st.caption(shown.caption)
    fmt = f"%.{shown.meta.decimals}f"
    config: dict[str, object] = {
        name: st.column_config.Column(label) for name, label in shown.labels.items()}
    config |= {
        "rank": st.column_config.NumberColumn(shown.labels["rank"], format="%d"),
        "value": st.column_config.NumberColumn(shown.labels["value"], format=fmt),
        "change": st.column_config.NumberColumn(shown.labels["change"],
                                                format=fmt.replace("%", "%+", 1)),
        "rank_change": st.column_config.NumberColumn(
            shown.labels["rank_change"], format="%+d",
            help="Rank at the start minus rank at the end: positive = moved up"),
        "rank_vs_published": st.column_config.NumberColumn(
            shown.labels["rank_vs_published"], format="%+d",
            help="Rank with the published weights minus rank with yours: positive = moved up"),
    }
    st.dataframe(ranking_table(*key), hide_index=True, column_config=config,
                 placeholder=MISSING, key="rank_table")
    link = canonical_url(dict(view.query))
    st.download_button("Download CSV", ranking_download(*key, link),
                       file_name=csv_file_name(view.indicator, view.level, view.span,
                                               view.country, view.weights),
                       mime="text/csv", icon=":material/download:", on_click="ignore",
                       help="Values with the indicator's decimals; the lines starting with # "
                            "name the indicator, unit, years, data status and weights")
    st.subheader("Distribution per country")
    st.plotly_chart(shown.strip, key="strip")
    if shown.convergence is not None:
        st.subheader("Convergence: initial level vs growth")
        st.caption("Each dot is a region. A downward slope (weaker regions growing faster) means "
                   "beta convergence.")
        st.plotly_chart(shown.convergence, key="convergence")
