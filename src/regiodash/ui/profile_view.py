"""The region profile's view: the region (kept in the URL) and everything shown for it.

app_pages/profile.py reads the region with `select_region()` and draws `region_profile(...)` with
`render_profile`.
A profile depends only on the data version and the region, so it is built once (tiles,
components and their strongest and weakest, trend charts, peers, the table and its CSV) and
shared by every rerun and session (data.rerun_cache: read-only). The gender and
sustainability tabs need the level's references (means of the EU27 regions), so they are built
when first opened (`gender_view`, `sustainability_view`). Every piece of catalog or file
text that reaches Markdown goes through ui.text.escape_markdown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd
import pyarrow as pa
import streamlit as st

from indicators.innovation.specs import COMPONENT_PREFIX, EU27_COUNTRY_CODES, INDEX_ID
from indicators.peers import PEER_CONTEXT, find_peers
from indicators.sustainability import DIMENSION_OF, SUSTAINABILITY_INDEX, score_id
from regiodash.errors import RegiodashError
from regiodash.ui import charts, data
from regiodash.ui.data import VERSIONS_KEPT
from regiodash.ui.figures import FrozenFigure
from regiodash.ui.missing import datasets_for, fetch_or_import
from regiodash.ui.neighbourhood import context_with_outside, outside_labels
from regiodash.ui.profile import (
    Tile,
    add_gender_reference,
    build_component_table,
    build_gender_rows,
    build_sustainability_table,
    build_tiles,
    format_tile_value,
    mean_of_eu_regions,
    short_component_title,
    strongest_and_weakest,
)
from regiodash.ui.profile_creative import (
    is_outside,
    render_creative_economy,
    render_outside_profile,
)
from regiodash.ui.profile_pdf import render_profile_pdf
from regiodash.ui.state import MAX_COMPARE, PROFILE_TABS, ViewState
from regiodash.ui.text import escape_markdown
from regiodash.ui.url import link_query, read_view, render_copy_link, write_view
from regiodash.ui.widgets import arrow_table, render_demo_banner, render_notes

PAGE = "profile"
TREND_DEFAULTS = (INDEX_ID, "gender_inclusion_index", "sustainability_index")
MAX_CACHED_PROFILES = 64
# The tabs (URL `tab` value -> label), in order. Only the open tab's content is built and sent.
TAB_LABELS = {"strengths": "Strengths & weaknesses", "trends": "Trends",
              "gender": "Gender gaps", "sustainability": "Sustainability",
              "peers": "Peer regions", "values": "All values"}
assert tuple(TAB_LABELS) == PROFILE_TABS  # the URL's tab values are the tabs drawn
TAB_BY_LABEL = {label: tab for tab, label in TAB_LABELS.items()}
# The indicators the headline tiles show (ui.profile.build_tiles).
TILE_IDS = frozenset({INDEX_ID, "innovation_gap_to_eu_points",
                      "innovation_gap_to_next_group_points", "gender_inclusion_index",
                      "sustainability_index"})
# The sustainability tab's indicators: the index, the dimension scores and their components.
SUSTAINABILITY_IDS = (SUSTAINABILITY_INDEX, *(score_id(d) for d in dict.fromkeys(
    DIMENSION_OF.values())), *DIMENSION_OF)


# What legends, table columns and words call the reference; captions define it in the same
# words (reference_definition).
REFERENCE = "EU reference"


def reference_definition(level: int) -> str:
    """"EU reference: the unweighted mean of the EU27 NUTS 2 regions", for captions."""
    pool = "EU27 countries" if level == 0 else f"EU27 NUTS {level} regions"
    return f"{REFERENCE}: the unweighted mean of the {pool}"


@dataclass(frozen=True)
class ProfileChoice:
    version: str
    region: str
    tab: str  # the open tab, a key of TAB_LABELS
    query: Mapping[str, str]


@dataclass(frozen=True)
class RegionOptions:
    """Regions of NUTS levels 0-3, by level then code, labelled "DE21 · Oberbayern (NUTS 2)"."""

    codes: tuple[str, ...]
    labels: Mapping[str, str]


@data.rerun_cache(VERSIONS_KEPT)
def region_options(version: str) -> RegionOptions:
    regs = data.region_choices(version)
    codes = sorted((c for c in regs.codes if regs.levels[c] <= 3),
                   key=lambda c: (regs.levels[c], c))
    extra = outside_labels(version)  # countries outside NUTS (ui.profile_creative)
    return RegionOptions(codes=(*codes, *extra), labels=MappingProxyType({
        c: f"{c} · {regs.names[c]} (NUTS {regs.levels[c]})" for c in codes} | extra))


def select_region() -> ProfileChoice:
    """Read the region from the URL, render the title and the region picker, write it back
    (ui.url.write_view also names the region in the browser tab's title)."""
    try:
        version = data.data_version()
        ctx = context_with_outside(version)  # a link may open MA (ui.neighbourhood)
        options = region_options(version)
    except RegiodashError as exc:
        st.error(f"The warehouse could not be opened: {exc}")
        st.stop()
    defaults = ViewState(indicator=INDEX_ID,
                         regions=("DE21",) if "DE21" in options.labels else (),
                         tab=PROFILE_TABS[0])
    view, fresh = read_view(PAGE, defaults, ctx)
    state = st.session_state
    if fresh:
        state["w_region"] = view.region or defaults.region
        state["w_tab"] = TAB_LABELS[view.tab or defaults.tab]
    if state.get("w_tab") not in TAB_BY_LABEL:
        state["w_tab"] = TAB_LABELS[defaults.tab]
    tab = TAB_BY_LABEL[state["w_tab"]]  # the tabs widget's value, drawn in render_profile
    st.title("Region profile")
    render_notes(view.notes)
    region = st.selectbox("Region", options.codes, key="w_region",
                          format_func=options.labels.__getitem__,
                          help="Type a code or a name to search")
    query = write_view(PAGE, ViewState(indicator=view.indicator, regions=(region,), tab=tab),
                       defaults)
    if is_outside(version, region):  # no NUTS region: its own profile (ui.profile_creative)
        render_outside_profile(version, region, query)
        st.stop()
    return ProfileChoice(version=version, region=region, tab=tab,
                         query=MappingProxyType(query))


@dataclass(frozen=True)
class Peer:
    code: str
    label: str
    better: bool  # a higher Regional Innovation Index than the profiled region


@dataclass(frozen=True)
class RegionProfile:
    """Everything the profile shows for one region (read-only: shared by every session).

    `values`: every value of the region (all indicators, years, sexes) with catalog columns;
    None fields mean "nothing to show" (the page says why). `strongest` / `weakest`: the
    components furthest above / below the reference (ui.profile.strongest_and_weakest)."""

    region: str
    name: str
    level: int
    values: pd.DataFrame
    demo_ids: frozenset[str]  # indicators with a synthetic demo value for this region
    shown_ids: Mapping[str, frozenset[str]]  # tab -> the indicators it shows (not trends)
    tiles: tuple[Tile, ...]
    latest: int
    strengths: FrozenFigure | None
    strongest: pd.DataFrame
    weakest: pd.DataFrame
    trend_options: tuple[str, ...]
    trend_defaults: tuple[str, ...]
    titles: Mapping[str, str]
    peers: tuple[Peer, ...] | None
    table: pa.Table | pd.DataFrame  # ui.widgets.arrow_table
    csv: bytes

    @property
    def compare_codes(self) -> tuple[str, ...]:
        """The region and its closest peers, as many as Compare takes."""
        return (self.region, *(p.code for p in self.peers or ()))[:MAX_COMPARE]


@data.rerun_cache(MAX_CACHED_PROFILES)
def region_profile(version: str, region: str) -> RegionProfile | None:
    """The profile of one region, or None when the region has no values."""
    values = data.region_values(version, region)
    if values.empty:
        return None
    regs = data.region_choices(version)
    name, level = regs.names[region], regs.levels[region]
    groups = data.innovation_groups(version, level)
    level_index = data.level_year_values(version, INDEX_ID, level, "T")
    tiles = build_tiles(values, groups, level_index, region)
    ids = set(values["indicator_id"])
    latest = (int(values.loc[values["indicator_id"] == INDEX_ID, "year"].max())
              if INDEX_ID in ids else int(values["year"].max()))

    components = data.level_values(version, level, latest, tuple(sorted(
        i for i in ids if i.startswith(COMPONENT_PREFIX))))
    table = build_component_table(components, region, data.catalog(version),
                                  reference_countries=EU27_COUNTRY_CODES)
    table["title"] = table["title"].map(short_component_title)
    strengths = (None if table.empty
                 else charts.build_component_bars(table, REFERENCE))
    strongest, weakest = strongest_and_weakest(table)

    catalog = data.indicator_choices(version).rows
    shown = values.drop(columns=["nuts_version"]).sort_values(
        ["domain", "indicator_id", "year", "sex"])
    return RegionProfile(
        region=region, name=name, level=level, values=values,
        demo_ids=frozenset(values.loc[values["source"] == "demo", "indicator_id"]),
        shown_ids=MappingProxyType({
            "strengths": frozenset(i for i in ids if i.startswith(COMPONENT_PREFIX)),
            "gender": frozenset(values.loc[values["sex"].isin(["F", "M"]), "indicator_id"]),
            "sustainability": frozenset(SUSTAINABILITY_IDS) & ids,
            "peers": frozenset({INDEX_ID, *PEER_CONTEXT}), "values": frozenset(ids)}),
        tiles=tuple(tiles), latest=latest,
        strengths=strengths, strongest=strongest, weakest=weakest,
        trend_options=tuple(sorted(ids & set(catalog))),
        trend_defaults=tuple(i for i in TREND_DEFAULTS if i in ids),
        titles=MappingProxyType({i: str(r["title"]) for i, r in catalog.items()}),
        peers=_find_peers(version, region, level, latest, groups),
        table=arrow_table(shown), csv=shown.to_csv(index=False).encode())


def _find_peers(version: str, region: str, level: int, latest: int, groups: pd.DataFrame
                ) -> tuple[Peer, ...] | None:
    context = data.level_values(version, level, latest, PEER_CONTEXT)
    found = find_peers(context, region, k=8)
    if found.empty:
        return None
    names = data.region_choices(version).names
    idx = groups[groups["year"] == latest].set_index("geo_code")["relative_index"]
    own = idx.get(region)
    peers = []
    for row in found.itertuples():
        code = str(row.geo_code)
        index = idx.get(code)
        better = own is not None and pd.notna(index) and index > own
        peers.append(Peer(code=code, better=bool(better), label=escape_markdown(
            f"{code} · {names.get(code)} (distance {row.distance:.2f}; index "
            f"{format_tile_value(index)})") + (" ▲ performs better" if better else "")))
    return tuple(peers)


@data.rerun_cache(4 * MAX_CACHED_PROFILES)
def trend_chart(version: str, region: str, indicator_id: str) -> FrozenFigure:
    """The region's values of one indicator over time (sex T)."""
    profile = region_profile(version, region)
    assert profile is not None
    values = profile.values
    series = values[(values["indicator_id"] == indicator_id) & (values["sex"] == "T")]
    series = series.assign(geo_code=region, geo_name=profile.name)
    row = data.indicator_choices(version).rows[indicator_id]
    return charts.build_trend_chart(series, str(row["unit"]), str(row["title"]))


GENDER_NUMBER_COLUMNS = ("Women", "Men", "Men minus women", f"{REFERENCE}: women",
                         f"{REFERENCE}: men")


@dataclass(frozen=True)
class GenderView:
    """Women and men per indicator with the reference for each (read-only)."""

    figure: FrozenFigure
    table: pa.Table | pd.DataFrame  # the numbers behind the figure (human column names)
    reference: str  # reference_definition(level)


@data.rerun_cache(MAX_CACHED_PROFILES)
def gender_view(version: str, region: str) -> GenderView | None:
    """The gender tab: None when no indicator has values for both women and men."""
    profile = region_profile(version, region)
    assert profile is not None
    rows = build_gender_rows(profile.values, profile.latest)
    if rows.empty:
        return None
    means = {(i, sex): mean_of_eu_regions(data.level_year_values(version, i, profile.level,
                                                                  sex))
             for i in rows["indicator_id"] for sex in ("F", "M")}
    rows = add_gender_reference(rows, means)
    numbers = (rows["F"], rows["M"], rows["M"] - rows["F"], rows["ref_F"], rows["ref_M"])
    table = pd.DataFrame({
        "Indicator": rows["title"], "Unit": rows["unit"], "Year": rows["year"].astype(int),
        # text cells: a missing reference reads "no value", not "None"
        **{name: [f"{v:,.1f}" if pd.notna(v) else "no value" for v in column]
           for name, column in zip(GENDER_NUMBER_COLUMNS, numbers, strict=True)}})
    return GenderView(figure=charts.build_gender_dumbbells(rows, REFERENCE),
                      table=arrow_table(table),
                      reference=reference_definition(profile.level))

@dataclass(frozen=True)
class SustainabilityView:
    """The sustainability index, its dimensions and the components behind each (read-only).

    `table`: ui.profile.build_sustainability_table's rows; `figure`: the dimension scores
    next to the reference, None when no dimension has a score; `sections`: per dimension,
    its heading ("Environmental: 45.2 (2022)") and its components' table (Arrow, built once)."""

    index: float | None
    index_year: int | None
    table: pd.DataFrame
    figure: FrozenFigure | None
    reference: str
    sections: tuple[tuple[str, str, pa.Table | pd.DataFrame], ...]


def _sustainability_sections(table: pd.DataFrame
                             ) -> tuple[tuple[str, str, pa.Table | pd.DataFrame], ...]:
    out = []
    for dim, rows in table.groupby("dimension", sort=False):
        score, parts = rows.iloc[0], rows.iloc[1:]
        head = (f"{score['value']:.1f} ({int(score['year'])})" if pd.notna(score["value"])
                else score["status"])
        # Text cells: a missing value says why ("not published at NUTS 3"), never "None".
        out.append((str(dim), f"{str(dim).capitalize()}: {head}", arrow_table(pd.DataFrame({
            "Component": parts["title"],
            "Value": [f"{v:,.1f} {u}" if pd.notna(v) else why for v, u, why in
                      zip(parts["value"], parts["unit"], parts["status"], strict=True)],
            "Year": [str(int(y)) if pd.notna(y) else "" for y in parts["year"]],
            "Better when": parts["better"] + " is better",
            REFERENCE: [f"{r:,.1f}" if pd.notna(r) else "" for r in parts["reference"]],
        }).reset_index(drop=True))))
    return tuple(out)


@data.rerun_cache(MAX_CACHED_PROFILES)
def sustainability_view(version: str, region: str) -> SustainabilityView:
    profile = region_profile(version, region)
    assert profile is not None
    with_data = data.indicators_with_data(version)
    means = {i: mean_of_eu_regions(data.level_year_values(version, i, profile.level, "T"))
             for i in SUSTAINABILITY_IDS[1:] if i in with_data}
    table = build_sustainability_table(profile.values, profile.level, means)
    dims = table[(table["kind"] == "dimension")]
    figure = (None if dims["value"].isna().all() else charts.build_dimension_bars(
        dims.assign(reference=dims["reference"].astype(float)), REFERENCE))
    index = profile.values[(profile.values["indicator_id"] == SUSTAINABILITY_INDEX)
                           & profile.values["value"].notna()].sort_values("year")
    return SustainabilityView(
        index=float(index["value"].iloc[-1]) if len(index) else None,
        index_year=int(index["year"].iloc[-1]) if len(index) else None,
        table=table, figure=figure, reference=reference_definition(profile.level),
        sections=_sustainability_sections(table))


def render_profile(choice: ProfileChoice, profile: RegionProfile) -> None:
    """Draw a region's profile: headline tiles and the tabs (only the open one is built)."""
    render_demo_banner(shows_demo(choice, profile))
    head = st.columns([5, 1])
    head[0].subheader(f"{escape_markdown(profile.name)} ({profile.region}), "
                      f"NUTS {profile.level}")
    with head[1]:
        render_copy_link(dict(choice.query))
        render_profile_pdf(choice.version, profile.region)

    for col, tile in zip(st.columns(len(profile.tiles)), profile.tiles, strict=True):
        with col:
            # A delta only for a change over time, coloured by the indicator's direction;
            # what the figure means (group, rank in the country) is a plain caption.
            st.metric(tile.label, format_tile_value(tile), delta=tile.change_text,
                      delta_color=tile.delta_color, help=tile.help)
            if tile.note:
                st.caption(escape_markdown(tile.note))

    render_creative_economy(choice.version, profile.region, profile.level)  # issue 15
    tabs = dict(zip(TAB_LABELS, st.tabs(list(TAB_LABELS.values()), key="w_tab",
                                        on_change="rerun"), strict=True))
    with tabs[choice.tab]:  # the other tabs stay empty until opened (a rerun)
        TAB_RENDERERS[choice.tab](choice, profile)


def shows_demo(choice: ProfileChoice, profile: RegionProfile) -> bool:
    """Whether a synthetic value is on screen: in the tiles or in the open tab (for trends,
    the picked indicator or the default ones)."""
    if choice.tab == "trends":
        picked = st.session_state.get("w_trend")
        shown = frozenset([picked] if picked else profile.trend_defaults)
    else:
        shown = profile.shown_ids.get(choice.tab, frozenset())
    return bool(profile.demo_ids & (TILE_IDS | shown))


def _component_lines(rows: pd.DataFrame) -> str:
    """One Markdown list item per component: its score and how far from the reference."""
    return "\n".join(
        f"- {escape_markdown(r.title)}: {r.region:.2f}, {abs(r.difference):.2f} "
        f"{'above' if r.difference >= 0 else 'below'} the reference ({r.eu:.2f})"
        for r in rows.itertuples())


def _render_strengths(choice: ProfileChoice, profile: RegionProfile) -> None:
    if profile.strengths is None:
        st.info("No normalised innovation components for this region and year.")
        return
    if len(profile.strongest):
        cols = st.columns(2)
        cols[0].markdown(f"**Strongest** compared with the {REFERENCE}:\n\n"
                         + _component_lines(profile.strongest))
        cols[1].markdown(f"**Weakest** compared with the {REFERENCE}:\n\n"
                         + _component_lines(profile.weakest))
    st.caption(f"Normalised innovation components in {profile.latest} (0 = weakest region, "
               "1 = strongest over the reference window), next to the country mean (the "
               "unweighted mean of the country's regions) and the "
               f"{reference_definition(profile.level)}.")
    st.plotly_chart(profile.strengths, key="strengths")


def _render_trends(choice: ProfileChoice, profile: RegionProfile) -> None:
    picked = st.selectbox("Indicator", profile.trend_options, index=None,
                          placeholder="Choose an indicator (default: the indices)",
                          format_func=profile.titles.__getitem__, key="w_trend")
    for indicator_id in [picked] if picked else profile.trend_defaults:
        st.plotly_chart(trend_chart(choice.version, profile.region, indicator_id),
                        key=f"trend_{indicator_id}")


def _render_gender(choice: ProfileChoice, profile: RegionProfile) -> None:
    view = gender_view(choice.version, profile.region)
    if view is None:
        st.info("No indicators with values for both women and men in this region.")
        return
    st.caption(f"Filled markers: the region's women and men, latest year with both values "
               f"(up to {profile.latest}). Hollow markers: the {view.reference}, for women "
               "and for men in the same year.")
    st.plotly_chart(view.figure, key="dumbbell")
    st.dataframe(view.table, hide_index=True)


def _render_sustainability(choice: ProfileChoice, profile: RegionProfile) -> None:
    view = sustainability_view(choice.version, profile.region)
    if view.index is not None:
        st.markdown(f"**Sustainability index: {view.index:.1f}** ({view.index_year}), the mean "
                    "of the dimension scores below (0 = worst, 100 = best among regions of "
                    "this level over the reference window).")
    if view.figure is None:
        st.info("No sustainability dimension score for this region: each needs values of "
                "its components below; " + fetch_or_import(datasets_for(DIMENSION_OF)) + ".")
    else:
        st.caption(f"Bars: the region's dimension scores; black ticks: the {view.reference}, "
                   "same year.")
        st.plotly_chart(view.figure, key="sustainability")
    for dim, head, components in view.sections:
        st.markdown(f"**{head}**")  # our own words and numbers
        st.dataframe(components, hide_index=True, key=f"sustainability_{dim}")


def _render_peers(choice: ProfileChoice, profile: RegionProfile) -> None:
    if profile.peers is None:
        st.info("Not enough context indicators to find structurally similar regions.")
        return
    codes = profile.compare_codes
    st.page_link("app_pages/compare.py", label="Add these peers to Compare",
                 query_params=link_query(ViewState(compare=codes)),
                 icon=":material/compare_arrows:",
                 help=f"Opens Compare with {profile.region} and its {len(codes) - 1} closest "
                      f"peers (Compare takes up to {MAX_COMPARE} regions)")
    st.caption("The structurally most similar regions (GDP per head, population density and "
               "size, high-tech and knowledge-intensive employment, tertiary attainment; "
               "standardised distance). Those with a higher Regional Innovation Index are the "
               "ones to learn from.")
    for peer in profile.peers:
        st.page_link("app_pages/profile.py", label=peer.label,
                     query_params=link_query(ViewState(regions=(peer.code,), tab="peers")),
                     icon=":material/trending_up:" if peer.better else ":material/place:")


def _render_values(choice: ProfileChoice, profile: RegionProfile) -> None:
    st.dataframe(profile.table, hide_index=True, column_config={
        "value": st.column_config.NumberColumn(format="%.3f")})
    st.download_button("Download CSV", profile.csv, file_name=f"regiodash_{profile.region}.csv",
                       mime="text/csv", icon=":material/download:")


TAB_RENDERERS = {"strengths": _render_strengths, "trends": _render_trends,
                 "gender": _render_gender, "sustainability": _render_sustainability,
                 "peers": _render_peers, "values": _render_values}
