"""The region profile's view: the region (kept in the URL) and everything shown for it.

app_pages/profile.py reads the region with `select_region()` and draws `region_profile(...)` with
`render_profile`.
A profile depends only on the data version and the region, so it is built once (tiles,
component, gender and trend charts, peers, the table and its CSV) and shared by every rerun
and session (data.rerun_cache: read-only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd
import pyarrow as pa
import streamlit as st

from indicators.innovation.specs import COMPONENT_PREFIX, INDEX_ID
from indicators.peers import PEER_CONTEXT, find_peers
from regiodash.errors import RegiodashError
from regiodash.ui import charts, data
from regiodash.ui.data import VERSIONS_KEPT
from regiodash.ui.figures import FrozenFigure
from regiodash.ui.profile import (
    Tile,
    build_component_table,
    build_gender_table,
    build_tiles,
    format_tile_value,
)
from regiodash.ui.state import PROFILE_TABS, ViewState
from regiodash.ui.url import read_view, render_copy_link, write_view
from regiodash.ui.widgets import arrow_table, render_demo_banner, render_notes

PAGE = "profile"
TREND_DEFAULTS = (INDEX_ID, "gender_inclusion_index", "sustainability_index")
MAX_CACHED_PROFILES = 64
# The tabs (URL `tab` value -> label), in order. Only the open tab's content is built and sent.
TAB_LABELS = {"strengths": "Strengths & weaknesses", "trends": "Trends",
              "gender": "Gender gaps", "peers": "Peer regions", "values": "All values"}
TAB_BY_LABEL = {label: tab for tab, label in TAB_LABELS.items()}
# The indicators the headline tiles show (ui.profile.build_tiles).
TILE_IDS = frozenset({INDEX_ID, "innovation_gap_to_eu_points",
                      "innovation_gap_to_next_group_points", "gender_inclusion_index",
                      "sustainability_index"})


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
    return RegionOptions(codes=tuple(codes), labels=MappingProxyType({
        c: f"{c} · {regs.names[c]} (NUTS {regs.levels[c]})" for c in codes}))


def select_region() -> ProfileChoice:
    """Read the region from the URL, render the title and the region picker, write it back."""
    try:
        version = data.data_version()
        ctx = data.view_context(version)
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
    None fields mean "nothing to show" (the page says why)."""

    region: str
    name: str
    level: int
    values: pd.DataFrame
    demo_ids: frozenset[str]  # indicators with a synthetic demo value for this region
    shown_ids: Mapping[str, frozenset[str]]  # tab -> the indicators it shows (not trends)
    tiles: tuple[Tile, ...]
    latest: int
    strengths: FrozenFigure | None
    trend_options: tuple[str, ...]
    trend_defaults: tuple[str, ...]
    titles: Mapping[str, str]
    gender: FrozenFigure | None
    peers: tuple[Peer, ...] | None
    table: pa.Table | pd.DataFrame  # ui.widgets.arrow_table
    csv: bytes


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
    table = build_component_table(components, region, data.catalog(version))
    strengths = None if table.empty else charts.build_strengths_chart(table)

    catalog = data.indicator_choices(version).rows
    gaps = build_gender_table(values, latest)
    gender = None if gaps.empty else charts.build_dumbbell_chart(gaps)

    context = data.level_values(version, level, latest, PEER_CONTEXT)
    found = find_peers(context, region, k=8)
    peers = None
    if not found.empty:
        idx = groups[groups["year"] == latest].set_index("geo_code")["relative_index"]
        own = idx.get(region)
        peer_list = []
        for row in found.itertuples():
            code = str(row.geo_code)
            index = idx.get(code)
            better = own is not None and pd.notna(index) and index > own
            peer_list.append(Peer(code=code, better=bool(better), label=(
                f"{code} · {regs.names.get(code)} (distance "
                f"{row.distance:.2f}; index {format_tile_value(index)})"
                + (" ▲ performs better" if better else ""))))
        peers = tuple(peer_list)

    shown = values.drop(columns=["nuts_version"]).sort_values(
        ["domain", "indicator_id", "year", "sex"])
    return RegionProfile(
        region=region, name=name, level=level, values=values,
        demo_ids=frozenset(values.loc[values["source"] == "demo", "indicator_id"]),
        shown_ids=MappingProxyType({
            "strengths": frozenset(i for i in ids if i.startswith(COMPONENT_PREFIX)),
            "gender": frozenset(values.loc[values["sex"].isin(["F", "M"]), "indicator_id"]),
            "peers": frozenset({INDEX_ID, *PEER_CONTEXT}), "values": frozenset(ids)}),
        tiles=tuple(tiles), latest=latest,
        strengths=strengths, trend_options=tuple(sorted(ids & set(catalog))),
        trend_defaults=tuple(i for i in TREND_DEFAULTS if i in ids),
        titles=MappingProxyType({i: str(r["title"]) for i, r in catalog.items()}),
        gender=gender, peers=peers, table=arrow_table(shown),
        csv=shown.to_csv(index=False).encode())


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


def render_profile(choice: ProfileChoice, profile: RegionProfile) -> None:
    """Draw a region's profile: headline tiles and the five tabs."""
    render_demo_banner(shows_demo(choice, profile))
    head = st.columns([5, 1])
    head[0].subheader(f"{profile.name} ({profile.region}), NUTS {profile.level}")
    with head[1]:
        render_copy_link(dict(choice.query))

    for col, tile in zip(st.columns(len(profile.tiles)), profile.tiles, strict=True):
        col.metric(tile.label, format_tile_value(tile), delta=tile.delta, help=tile.help,
                   delta_color="off" if tile.neutral_delta else "normal")

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


def _render_strengths(choice: ProfileChoice, profile: RegionProfile) -> None:
    if profile.strengths is None:
        st.info("No normalised innovation components for this region and year.")
        return
    st.caption(f"Normalised innovation components in {profile.latest} (0 = weakest region, "
               "1 = strongest over the reference window), next to the mean of all regions at "
               "this level and of the region's country.")
    st.plotly_chart(profile.strengths, key="strengths")


def _render_trends(choice: ProfileChoice, profile: RegionProfile) -> None:
    picked = st.selectbox("Indicator", profile.trend_options, index=None,
                          placeholder="Choose an indicator (default: the indices)",
                          format_func=profile.titles.__getitem__, key="w_trend")
    for indicator_id in [picked] if picked else profile.trend_defaults:
        st.plotly_chart(trend_chart(choice.version, profile.region, indicator_id),
                        key=f"trend_{indicator_id}")


def _render_gender(choice: ProfileChoice, profile: RegionProfile) -> None:
    if profile.gender is None:
        st.info("No indicators with values for both women and men in this region.")
        return
    st.caption(f"Women and men, latest year with both values (up to {profile.latest}).")
    st.plotly_chart(profile.gender, key="dumbbell")


def _render_peers(choice: ProfileChoice, profile: RegionProfile) -> None:
    if profile.peers is None:
        st.info("Not enough context indicators to find structurally similar regions.")
        return
    st.caption("The structurally most similar regions (GDP per head, population density and "
               "size, high-tech and knowledge-intensive employment, tertiary attainment; "
               "standardised distance). Those with a higher Regional Innovation Index are the "
               "ones to learn from.")
    for peer in profile.peers:
        st.page_link("app_pages/profile.py", label=peer.label,
                     query_params={"region": peer.code, "tab": "peers"},
                     icon=":material/trending_up:" if peer.better else ":material/place:")


def _render_values(choice: ProfileChoice, profile: RegionProfile) -> None:
    st.dataframe(profile.table, hide_index=True, column_config={
        "value": st.column_config.NumberColumn(format="%.3f")})
    st.download_button("Download CSV", profile.csv, file_name=f"regiodash_{profile.region}.csv",
                       mime="text/csv", icon=":material/download:")


TAB_RENDERERS = {"strengths": _render_strengths, "trends": _render_trends,
                 "gender": _render_gender, "peers": _render_peers, "values": _render_values}
