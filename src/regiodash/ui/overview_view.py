"""The overview page: its content is built once per data version (and country, for the
country table), so a rerun runs no query, count or chart build. The country lives in the URL.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from indicators.innovation.specs import INDEX_ID
from regiodash.errors import RegiodashError
from regiodash.ui import data
from regiodash.ui.charts import GROUP_COLOURS
from regiodash.ui.data import VERSIONS_KEPT
from regiodash.ui.figures import FrozenFigure
from regiodash.ui.missing import empty_domains, indicator_without_values, innovation_index_gap
from regiodash.ui.state import ViewState
from regiodash.ui.text import escape_markdown
from regiodash.ui.url import link_query, read_view, render_copy_link, write_view
from regiodash.ui.widgets import arrow_table, render_demo_banner, render_notes
from regiodash.ui.years import choose_default_year

PAGE = "overview"

GROUP_ORDER = ["Leader", "Strong", "Moderate", "Emerging"]
HEADLINES = (("gender_gap_employment_rate_pct", "Employment gap, men - women (pts)"),
             ("gender_inclusion_index", "Gender Inclusion Index (1-100)"),
             ("sustainability_index", "Sustainability Index (0-100)"))


@dataclass(frozen=True)
class Metric:
    label: str
    value: str
    help: str | None = None


@dataclass(frozen=True)
class Overview:
    """Read-only: shared by every session. `group_year` is None when there is no index;
    `is_demo`: a synthetic value is among those shown (index groups, headline medians)."""

    is_demo: bool
    totals: tuple[Metric, ...]
    group_year: int | None
    group_counts: FrozenFigure | None
    headlines: tuple[Metric, ...]
    index_gap: str | None  # why there is no innovation index (ui.missing), None if there is
    empty_domains: tuple[str, ...]  # "no <domain> indicators imported: fetch or import ..."


def build_group_count_chart(counts: pd.Series) -> FrozenFigure:
    """Bars: NUTS 2 regions per innovation group (index = group, in GROUP_ORDER)."""
    fig = FrozenFigure(go.Bar(x=counts.index, y=counts.values,
                              marker_color=[GROUP_COLOURS[g] for g in counts.index],
                              hovertemplate="%{x}: %{y} regions<extra></extra>"))
    fig.update_layout(height=280, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig.freeze()


def well_covered_year(frame: pd.DataFrame, level: int) -> int | None:
    """The year an overview figure shows: the latest year in which 80 % of the regions in
    `frame` (one row per region and year) have a value (ui.years), None when it is empty."""
    present = frame.dropna(subset=[c for c in ("value", "grp") if c in frame.columns][:1])
    if present.empty:
        return None
    counts = present.groupby("year")["geo_code"].nunique()
    return choose_default_year({int(y): int(n) for y, n in counts.items()},
                               int(present["geo_code"].nunique()), level).year


@data.rerun_cache(VERSIONS_KEPT)
def overview(version: str) -> Overview:
    summary = data.warehouse_summary(version).iloc[0]
    totals = (
        Metric("Regions with data", f"{int(summary['n_regions']):,}"),
        Metric("Indicators", f"{int(summary['n_indicators']):,}"),
        Metric("Years", f"{summary['first_year']}-{summary['last_year']}"),
        Metric("Last import", str(summary["last_import"] or "none")[:10],
               help=f"{int(summary['n_imports'])} imports recorded in the manifest"),
    )
    groups = data.innovation_groups(version, 2)
    group_year, chart = None, None
    if not groups.empty:
        group_year = well_covered_year(groups, 2)
        latest = groups[groups["year"] == group_year]
        chart = build_group_count_chart(
            latest["grp"].value_counts().reindex(GROUP_ORDER, fill_value=0))
    headlines = []
    demo = bool((data.level_year_values(version, INDEX_ID, 2, "T")["source"] == "demo").any())
    for indicator_id, label in HEADLINES:
        frame = data.level_year_values(version, indicator_id, 2, "T")
        if frame.empty:
            headlines.append(Metric(label, "no data", help=indicator_without_values(
                indicator_id, label)))
        else:
            last = frame[frame["year"] == well_covered_year(frame, 2)]
            demo = demo or bool((last["source"] == "demo").any())
            headlines.append(Metric(label, f"{last['value'].median():.1f}",
                                    help=f"{int(last['year'].iloc[0])}, {len(last)} regions"))
    with_values = data.indicators_with_data(version)
    titles = {i: str(r["title"]) for i, r in data.indicator_choices(version).rows.items()}
    return Overview(is_demo=demo, totals=totals, group_year=group_year,
                    group_counts=chart, headlines=tuple(headlines),
                    index_gap=innovation_index_gap(with_values, titles),
                    empty_domains=empty_domains(with_values))


@dataclass(frozen=True)
class CountryTable:
    """A country's NUTS 2 regions by innovation index (latest year of the groups), with their
    latest gender inclusion and sustainability indices; `links`: (code, label) of the first 12.
    """

    table: pa.Table | pd.DataFrame  # ui.widgets.arrow_table
    links: tuple[tuple[str, str], ...]


@data.rerun_cache(64)
def country_table(version: str, country: str) -> CountryTable | None:
    """None when there is no innovation index."""
    groups = data.innovation_groups(version, 2)
    if groups.empty:
        return None
    latest = groups[groups["year"] == well_covered_year(groups, 2)]
    mine = latest[latest["geo_code"].str.startswith(country)].sort_values(
        "relative_index", ascending=False)
    gii = data.level_year_values(version, "gender_inclusion_index", 2, "T")
    sus = data.level_year_values(version, "sustainability_index", 2, "T")
    table = mine[["geo_code", "geo_name", "relative_index", "grp", "subgroup"]].merge(
        gii[gii["year"] == well_covered_year(gii, 2)][["geo_code", "value"]].rename(
            columns={"value": "gender_inclusion_index"}), how="left").merge(
        sus[sus["year"] == well_covered_year(sus, 2)][["geo_code", "value"]].rename(
            columns={"value": "sustainability_index"}), how="left")
    names = data.region_choices(version).names
    return CountryTable(table=arrow_table(table), links=tuple(
        (code, f"{code} · {names.get(code, code)}") for code in table["geo_code"].head(12)))


def render_overview() -> None:
    """The whole page: totals, groups, a country at a glance (from the URL), headlines."""
    try:
        version = data.data_version()
        ctx = data.view_context(version)
        regions = data.region_choices(version)
        shown = overview(version)
    except RegiodashError as exc:
        st.error(f"The warehouse could not be opened: {exc}")
        st.stop()
    defaults = ViewState(indicator=INDEX_ID, level=2)
    view, fresh = read_view(PAGE, defaults, ctx)
    if fresh:
        st.session_state["w_ov_country"] = view.country or ""

    st.title("Where Europe's regions stand")
    render_notes(view.notes)
    render_demo_banner(shown.is_demo)
    for col, metric in zip(st.columns(4), shown.totals, strict=True):
        col.metric(metric.label, metric.value, help=metric.help)
    if shown.empty_domains:
        st.info("What this warehouse has no data for yet:\n"
                + "".join(f"\n- {line}" for line in shown.empty_domains),
                icon=":material/database:")
    if shown.group_counts is None:
        st.info(shown.index_gap or "No NUTS 2 region has a Regional Innovation Index.")
    else:
        st.subheader(f"NUTS 2 regions per innovation group, {shown.group_year}")
        st.plotly_chart(shown.group_counts, key="group_counts")
        st.caption("Groups after the Regional Innovation Scoreboard: relative to the EU "
                   "(= 100), Leader > 125, Strong 100-125, Moderate 70-100, Emerging < 70.")

    options = ["", *regions.countries]
    if st.session_state.get("w_ov_country") not in regions.country_labels:
        st.session_state["w_ov_country"] = ""
    country = st.selectbox("Country at a glance", options, key="w_ov_country",
                           format_func=lambda c: regions.country_labels.get(
                               c, "Choose a country"))
    query = write_view(PAGE, ViewState(indicator=INDEX_ID, level=2, country=country or None),
                       defaults)
    render_copy_link(query)
    table = country_table(version, country) if country else None
    if table is not None:
        st.dataframe(table.table, hide_index=True, column_config={
            "relative_index": st.column_config.NumberColumn("innovation index", format="%.1f"),
            "gender_inclusion_index": st.column_config.NumberColumn(format="%.1f"),
            "sustainability_index": st.column_config.NumberColumn(format="%.1f")})
        for code, label in table.links:  # names from the reference file: shown as text
            st.page_link("app_pages/profile.py", label=escape_markdown(label),
                         query_params=link_query(ViewState(regions=(code,))),
                         icon=":material/place:")

    st.subheader("Headline gender gaps and sustainability (NUTS 2, latest year, median region)")
    for col, metric in zip(st.columns(3), shown.headlines, strict=True):
        col.metric(metric.label, metric.value, help=metric.help)
