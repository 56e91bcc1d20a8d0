"""The map explorer's view: its widgets (kept in the URL), its cached figure, its rendering.

app_pages/map.py runs `select_map_view()` (URL -> widgets -> URL), `map_figure(...)` and
`render_map(...)`. Everything a rerun with an unchanged view needs is cached per data version:
the widget options and labels (ui.data), the years per level and sex, and the frozen figure
itself, so a rerun runs no query, merge or figure build and sends the figure's stored dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd
import pyarrow as pa
import streamlit as st

from indicators.creative import LQ_ID
from indicators.innovation.specs import INDEX_ID
from regiodash.errors import RegiodashError
from regiodash.flags import describe_flag
from regiodash.ui import data
from regiodash.ui.data import VERSIONS_KEPT
from regiodash.ui.figures import FrozenFigure
from regiodash.ui.map_table import (
    class_title,
    describe_map,
    picker_options,
    region_rows,
)
from regiodash.ui.maps import (
    MapSpec,
    build_category_map,
    build_choropleth,
    build_group_map,
    category_legend,
    gap_values,
)
from regiodash.ui.missing import SPECS, indicator_without_values
from regiodash.ui.neighbourhood import ATTRIBUTION, outside_layer, outside_year_values
from regiodash.ui.state import ViewContext, ViewState
from regiodash.ui.text import escape_markdown
from regiodash.ui.url import read_view, render_copy_link, write_view
from regiodash.ui.widgets import SEX_LABELS, arrow_table, render_notes
from regiodash.ui.years import DefaultYear, choose_default_year

PAGE = "map"
# Figures kept per process; a NUTS 3 view holds about 1-2 MB (figure and its frozen dict).
MAX_CACHED_VIEWS = 32
# Where the usual default indicator has no values, the root URL opens on the first of these
# with values (real GDP per head as % of the EU average, the first real map of the bundled
# default), else on the first indicator with values in menu order.
DEFAULT_ID = "gdp_per_capita_pps_pct_eu27"
FALLBACKS = (INDEX_ID, "gdp_per_capita_pps_pct_eu27", "gdp_per_capita_pps", "gdp_per_capita_eur")
# Indicator, level, (sex), country, year, copy link.
CONTROL_WIDTHS = [2.6, 0.9, 1.0, 1.3, 1.9, 1.1]
GROUP_LEGEND = ("Colours (Okabe-Ito, colour-blind safe): Leader dark blue, Strong light blue, "
                "Moderate orange, Emerging vermilion. ")


@dataclass(frozen=True)
class MapView:
    """One map: indicator, NUTS level, year, sex (T, F, M or gap) and country ("" = all)."""

    version: str
    indicator: str
    level: int
    year: int
    sex: str
    country: str


@dataclass(frozen=True)
class MapFigure:
    """What the page draws for one view (read-only: shared by every session).

    `missing`: regions on the European frame without a value (geo_code, geo_name);
    `overseas`: codes of regions with a row but left off the frame."""

    figure: FrozenFigure
    missing: pa.Table | pd.DataFrame  # ui.widgets.arrow_table
    spec: MapSpec
    caption: str  # the map in words (map_table.describe_map): caption and the chart's alt
    about: str  # source, licence, colours in words, how to open a profile
    grouped: bool
    is_demo: bool
    overseas: tuple[str, ...]
    rows: pd.DataFrame  # map_table.region_rows: the table's and the picker's regions
    class_name: str  # "Innovation group", "Category" or ""
    picker_codes: tuple[str, ...]
    picker_labels: Mapping[str, str]
    attribution: str = ""  # under the map: the country shapes and values outside NUTS


@dataclass(frozen=True)
class YearCoverage:
    """The years of one indicator, NUTS level and sex with values: `counts` (year -> regions
    with a value), `level_regions` (regions with a value in any year) and the default year
    with its note (ui.years: the latest year with 80 % of them)."""

    years: tuple[int, ...]
    counts: Mapping[int, int]
    level_regions: int
    default: DefaultYear


@data.rerun_cache(256)
def map_years(version: str, indicator: str) -> Mapping[int, Mapping[str, YearCoverage]]:
    """NUTS level -> sex -> the years with values and their coverage (read-only)."""
    cov = data.year_coverage(version, indicator)
    out: dict[int, dict[str, dict[int, int]]] = {}
    totals: dict[tuple[int, str], int] = {}
    for level, sex, year, regions, level_regions in cov[
            ["nuts_level", "sex", "year", "regions", "level_regions"]].itertuples(index=False):
        out.setdefault(int(level), {}).setdefault(str(sex), {})[int(year)] = int(regions)
        totals[(int(level), str(sex))] = int(level_regions)
    return MappingProxyType({level: MappingProxyType({
        sex: YearCoverage(years=tuple(sorted(counts)), counts=MappingProxyType(counts),
                          level_regions=totals[(level, sex)],
                          default=choose_default_year(counts, totals[(level, sex)], level))
        for sex, counts in by_sex.items()}) for level, by_sex in sorted(out.items())})


@data.rerun_cache(VERSIONS_KEPT)
def map_default_indicator(version: str) -> tuple[str, str | None]:
    """The indicator the root URL opens on, and a note when it is not the usual default.

    The usual default is real data: GDP per head in PPS as % of the EU27 average (the
    bundled Eurostat table of the embedded default; a newcomer's first map is real), else the
    Regional Innovation Index; when it has no values in this warehouse the map opens on the
    first of FALLBACKS with values, else the first indicator with values in menu order, and
    the note says which and why."""
    choices = data.indicator_choices(version)
    usual = choices.default(DEFAULT_ID, INDEX_ID, order=choices.by_domain)
    with_values = data.indicators_with_data(version)
    if usual in with_values or not with_values:
        return usual, None
    fallback = next((i for i in (*FALLBACKS, *choices.by_domain)
                     if i in with_values and i in choices.labels), usual)
    if fallback == usual:
        return usual, None
    return fallback, (
        f"Showing {escape_markdown(choices.rows[fallback]['title'])}: the default indicator, "
        f"{indicator_without_values(usual, str(choices.rows[usual]['title']))}")


def _open_warehouse() -> tuple[str, ViewContext, data.IndicatorChoices]:
    """The data version, URL context and indicator choices; stops the page with a message
    when there is no warehouse or no data."""
    try:
        version = data.data_version()
        ctx = data.view_context(version)
        choices = data.indicator_choices(version) if ctx.indicators else None
    except RegiodashError as exc:
        st.error(f"The warehouse could not be opened: {exc}")
        st.stop()
    if version == "empty" or choices is None:
        st.error("No data yet. Run `regiodash demo` (synthetic) or `regiodash import FILE`.")
        st.stop()
    return version, ctx, choices


def _choose_year(view: ViewState, fresh: bool, coverage: YearCoverage) -> list[str]:
    """Set the year slider's value; return the notes to show under the controls. The year
    follows the data (the coverage default) until the user or a link picks one; a link's
    year without data falls back with a note."""
    state = st.session_state
    years = list(coverage.years)
    notes = []
    auto = state.get("w_year") == state.get("_map_year_default")
    if fresh:
        auto = view.year is None
        if view.year is not None and view.year not in years:
            notes.append(f"No data for {view.year}; showing {coverage.default.year}.")
            auto = True
        state["w_year"] = view.year if not auto else coverage.default.year
    if auto or state.get("w_year") not in years:
        state["w_year"] = coverage.default.year
    state["_map_year_default"] = coverage.default.year
    return notes


def _render_year(coverage: YearCoverage) -> int:
    """The year slider (a caption when only one year has values)."""
    years = list(coverage.years)
    if len(years) > 1:
        return st.select_slider("Year", options=years, key="w_year")
    st.caption(f"Year: {years[0]} (the only year with values)")
    return years[0]


def _render_year_notes(notes: list[str], coverage: YearCoverage) -> None:
    render_notes(notes)
    if st.session_state["w_year"] == coverage.default.year and coverage.default.note:
        st.info(coverage.default.note, icon=":material/event_busy:")


def select_map_view() -> MapView:
    """Read the view from the URL, render the title and the widgets, write the view back.

    Stops the page (with a message) when there is no warehouse, no data, or no value for the
    chosen indicator / level / sex; a URL value with no data falls back with a visible note.
    """
    version, ctx, choices = _open_warehouse()
    default_id, fallback_note = map_default_indicator(version)
    defaults = ViewState(indicator=default_id, level=2)
    view, fresh = read_view(PAGE, defaults, ctx)
    state = st.session_state
    if fresh:
        state["w_indicator"] = view.indicator
        state["w_level"] = view.level
        state["w_sex"] = view.sex
        state["w_country"] = view.country or ""
        state.pop("w_year", None)
    if state.get("w_indicator") not in choices.labels:  # e.g. gone after a rebuild
        state["w_indicator"] = default_id
    # The indicator widget's value is already in the session state: the sex picker is
    # drawn only for indicators broken down by sex.
    by_sex = bool(choices.rows[state["w_indicator"]]["has_sex"])

    st.title("Map explorer")
    render_notes(view.notes)
    if fallback_note and state["w_indicator"] == default_id:
        st.info(fallback_note, icon=":material/swap_horiz:")
    # One row (the year slider included) keeps the map above the fold at 1440x900; on a
    # phone Streamlit stacks the columns.
    cols = st.columns(CONTROL_WIDTHS if by_sex else CONTROL_WIDTHS[:2] + CONTROL_WIDTHS[3:],
                      vertical_alignment="bottom")
    labels = indicator_labels(version)
    indicator = cols[0].selectbox(
        "Indicator", choices.by_domain, format_func=labels.__getitem__,
        key="w_indicator", help="Grouped by domain: innovation, gender, sustainability, "
        "social, digital, context and derived indices; '(no data)' marks indicators this "
        "warehouse has no values for")
    years_by_level = map_years(version, indicator)
    levels = list(years_by_level)
    if not levels:
        st.warning(indicator_without_values(indicator, str(choices.rows[indicator]["title"])))
        st.stop()
    if state.get("w_level") not in levels:
        if fresh and "level" in st.query_params:
            render_notes((f"NUTS level {state.get('w_level')} has no data for this "
                          "indicator; showing another level.",))
        state["w_level"] = 2 if 2 in levels else levels[-1]
    level = cols[1].selectbox("NUTS level", levels, key="w_level",
                              help="0 = countries; 1, 2, 3 = ever smaller regions")
    if by_sex:
        sexes = ["T", "F", "M", "gap"]
        if state.get("w_sex") not in sexes:
            state["w_sex"] = "T"
        sex = cols[2].selectbox("Sex", sexes, format_func=SEX_LABELS.__getitem__, key="w_sex",
                                help="'Gap' maps men minus women, in the indicator's unit")
    else:  # nothing to choose (the caption says "Total")
        sex = "T"
    regions = data.region_choices(version)
    country_options = ["", *regions.countries]
    if state.get("w_country") not in regions.country_labels:
        state["w_country"] = ""
    country = cols[-3].selectbox(
        "Country", country_options, key="w_country",
        format_func=lambda c: regions.country_labels.get(str(c), "All of Europe"))

    coverage = years_by_level[level].get("F" if sex == "gap" else sex)
    if coverage is None:
        st.warning("This indicator has no values at this NUTS level for this sex.")
        st.stop()
    year_notes = _choose_year(view, fresh, coverage)
    with cols[-2]:
        year = _render_year(coverage)
    shown = ViewState(indicator=indicator, level=level, year=year, sex=sex,
                      country=country or None)
    query = write_view(PAGE, shown, ViewState(indicator=default_id, level=2,
                                              year=coverage.default.year))
    with cols[-1]:
        render_copy_link(query)
    _render_year_notes(year_notes, coverage)
    return MapView(version=version, indicator=indicator, level=level, year=year, sex=sex,
                   country=country or "")


@data.rerun_cache(VERSIONS_KEPT)
def indicator_labels(version: str) -> Mapping[str, str]:
    """The indicator picker's labels: "Domain · Title", with " (no data)" for indicators
    without a value in this warehouse (still listed: choosing one says what to import)."""
    choices = data.indicator_choices(version)
    with_values = data.indicators_with_data(version)
    return MappingProxyType({i: label if i in with_values else f"{label} (no data)"
                             for i, label in choices.labels.items()})


@data.rerun_cache(MAX_CACHED_VIEWS)
def map_figure(version: str, indicator: str, level: int, year: int, sex: str, country: str
               ) -> MapFigure:
    """The figure of one view, built once per data version and view (frozen, shared).

    Values are one row per region of the level (missing value = grey, listed in `missing`);
    the gap is men minus women where both exist; the Regional Innovation Index (total) is
    drawn as its innovation groups. `rows` are the same regions as the table and the region
    picker show them (map_table.region_rows), `description` the map in words."""
    row = data.indicator_choices(version).rows[indicator]
    values = view_values(version, indicator, level, year, sex, country)
    unit = str(row["unit"])
    spec = MapSpec(
        title=str(row["title"]),
        unit=f"points ({unit}), men - women" if sex == "gap" else unit,
        decimals=int(row["decimals"]), direction=str(row["direction"]),
        # A location quotient diverges around 1 (the EU share): below 1 the sector is
        # smaller than in the EU, above 1 larger.
        diverging=sex == "gap" or indicator == LQ_ID,
        midpoint=1.0 if indicator == LQ_ID and sex != "gap" else 0.0)
    geometry = data.geojson(version, level, data.nuts_version(version))
    grouped = indicator == INDEX_ID and sex == "T"
    layer = outside_layer(version) if level == 0 else None
    categories = category_labels(indicator) if sex == "T" else ()
    legend = ""
    if grouped:
        fig, missing = build_group_map(geometry, values, describe_flag=describe_flag)
        legend = GROUP_LEGEND
    elif categories:
        fig, missing = build_category_map(geometry, values, categories, spec.title,
                                          describe_flag=describe_flag)
        legend = category_legend(categories)
    else:
        fig, missing = build_choropleth(
            geometry, values, spec, describe_flag=describe_flag,
            outside=(layer.geojson, layer.ids) if layer is not None else None)
    # Countries outside NUTS drawn with their own shapes (the builder draws those with values).
    abroad = layer is not None and not (grouped or categories) and bool(
        (values["geo_code"].isin(layer.ids) & values["value"].notna()).any())
    on_frame = ~values["is_overseas"].fillna(False).astype(bool)
    class_name = class_title(categories, grouped)
    rows = region_rows(values, spec, indicator, categories, grouped, describe_flag)
    area = (data.region_choices(version).country_labels.get(country, country) if country
            else "all of Europe")
    what = f"{spec.title} ({spec.unit}), NUTS {level}, {year}, {SEX_LABELS[sex]}, {area}"
    description = describe_map(rows[rows["geo_code"].isin(set(values.loc[on_frame,
                                                                        "geo_code"]))],
                               spec, class_name, f"Map of {what}")
    about = (f"Source: {source_text(row)}. " + legend
             + ("Grey: no data. " if len(missing) else "Every region on the map has a value. ")
             + "Click a region, or choose it below, to open its profile.")
    codes, labels = picker_options(rows)
    return MapFigure(figure=fig, missing=arrow_table(missing), spec=spec,
                     caption=description, about=about, grouped=grouped or bool(categories),
                     is_demo=bool((values["source"] == "demo").any()),
                     overseas=tuple(values.loc[~on_frame, "geo_code"]), rows=rows,
                     class_name=class_name, picker_codes=codes,
                     picker_labels=MappingProxyType(labels),
                     attribution=ATTRIBUTION if abroad else "")


def view_values(version: str, indicator: str, level: int, year: int, sex: str,
                country: str) -> pd.DataFrame:
    """One row per region of the view (data.map_values; the gap from both sexes; the
    innovation groups merged for the index), only `country`'s when one is chosen.

    At level 0 (all of Europe) the drawn countries outside NUTS with a row of the indicator
    (World Bank values for MA, TN, EG...; ui.neighbourhood) join the NUTS countries; the map
    draws them with their own shapes."""
    if sex == "gap":
        values = gap_values(data.map_values(version, indicator, level, year, "F"),
                            data.map_values(version, indicator, level, year, "M"))
    else:
        values = data.map_values(version, indicator, level, year, sex)
    if level == 0 and not country:
        values = with_outside(values, version, indicator, year, sex)
    if country:
        values = values[values["country_code"] == country]
    if indicator == INDEX_ID and sex == "T":
        groups = data.innovation_groups(version, level)
        values = values.merge(groups.loc[groups["year"] == year, ["geo_code", "grp", "subgroup"]],
                              on="geo_code", how="left")
    return values


def category_labels(indicator: str) -> tuple[tuple[int, str], ...]:
    """(code, label) of an indicator whose values are categories (its spec's `categories`,
    e.g. cohesion_category), else ()."""
    spec = SPECS.get(indicator)
    return tuple(getattr(spec, "categories", ()) or ()) if spec is not None else ()


def with_outside(values: pd.DataFrame, version: str, indicator: str, year: int, sex: str
                 ) -> pd.DataFrame:
    """`values` (level 0) plus the countries outside NUTS with a value that year (the gap:
    men minus women where both exist). Countries without a value are left off: they would
    stretch the map to North Africa for nothing."""
    if sex == "gap":
        women = outside_year_values(version, indicator, year, "F")
        extra = gap_values(women, outside_year_values(version, indicator, year, "M"))
    else:
        extra = outside_year_values(version, indicator, year, sex)
    extra = extra[extra["value"].notna()]
    if extra.empty:
        return values
    return pd.concat([values, extra.astype({"is_overseas": bool})], ignore_index=True)


def source_text(row: Mapping) -> str:
    """The publisher, dataset code and licence of a catalog row (World Bank for WDI codes)."""
    dataset = str(row["source_dataset"])
    publisher = "World Bank" if dataset.startswith("WDI ") else "Eurostat"
    return f"{publisher} {dataset} ({row['licence']})"
