"""What a printed region profile shows, read once from the warehouse.

The same named queries as the Region profile page (storage.queries) and the same builders
(ui.profile for the tiles and tables, ui.charts for the figures, ui.maps for the map,
indicators.peers for the structural peers). Grain: one region, its values up to the profile
year (all indicators, years and sexes); comparisons are with the regions of its NUTS level in
the index year. Missing values stay missing (printed "no data", never zero); every value keeps
its flag, source and NUTS conversion.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd

from indicators.innovation.specs import COMPONENT_PREFIX, INDEX_ID
from indicators.peers import PEER_CONTEXT, find_peers
from regiodash.geometry import build_geojson
from regiodash.report.common import ReportError, records
from regiodash.storage import queries
from regiodash.storage.connection import Warehouse
from regiodash.ui import charts, maps
from regiodash.ui.figures import FrozenFigure
from regiodash.ui.profile import Tile, build_component_table, build_gender_table, build_tiles

# The page's default trends (the three indices), and GDP per head as context.
TREND_IDS = (INDEX_ID, "gender_inclusion_index", "sustainability_index",
             "gdp_per_capita_pps_pct_eu27")
HEADLINE_IDS = (INDEX_ID, "innovation_gap_to_eu_points", "innovation_gap_to_next_group_points",
                "gender_inclusion_index", "sustainability_index")
SUSTAINABILITY_IDS = ("sustainability_index", "sustainability_environmental_score",
                      "sustainability_social_score", "sustainability_digital_score")
HIGHLIGHT = "#000000"
T = TypeVar("T")


@dataclass(frozen=True)
class RegionData:
    """One region's printed profile. `values`: its values up to `year` with catalog columns;
    `latest`: the year of the index (the comparison year); frames of rows to print."""

    code: str
    name: str
    level: int
    nuts_version: str
    country: str
    country_name: str
    year: int
    latest: int
    values: pd.DataFrame
    catalog: pd.DataFrame
    tiles: tuple[Tile, ...]
    group: Mapping[str, object]  # grp, subgroup, relative_index (empty without an index)
    components: pd.DataFrame  # title, region, eu, country (build_component_table)
    strengths: FrozenFigure | None
    trends: tuple[tuple[str, FrozenFigure], ...]  # (indicator_id, chart)
    gender: pd.DataFrame  # title, unit, year, F, M, flags, source
    gender_chart: FrozenFigure | None
    peers: pd.DataFrame  # geo_code, geo_name, distance, index, grp, better
    map: FrozenFigure
    map_has_groups: bool


class Shared:
    """Query results a batch of profiles shares (regions, catalog, a level's groups, values
    and boundaries): each read once per batch instead of once per region. One instance per
    warehouse; `None` where a single profile is made (nothing kept)."""

    def __init__(self) -> None:
        self._kept: dict[tuple, object] = {}

    def get(self, key: tuple, compute: Callable[[], T]) -> T:
        if key not in self._kept:
            self._kept[key] = compute()
        return self._kept[key]  # type: ignore[return-value]


def _shared(shared: Shared | None, key: tuple, compute: Callable[[], T]) -> T:
    return compute() if shared is None else shared.get(key, compute)


def check_region(regions: pd.DataFrame, code: str, nuts_version: str) -> pd.Series:
    """The region's row of the region list, or a ReportError naming close codes."""
    found = regions[regions["geo_code"] == code]
    if found.empty:
        close = difflib.get_close_matches(code.upper(), regions["geo_code"].tolist(), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ReportError(f"unknown region {code!r}: not a NUTS {nuts_version} code in this "
                          f"warehouse{hint}")
    return found.iloc[0]


def values_up_to(values: pd.DataFrame, code: str, year: int | None) -> tuple[pd.DataFrame, int]:
    """The region's values up to `year` (default: its latest year with a value) and that year;
    a ReportError when the region has no value at all or none in `year`."""
    present = values[values["value"].notna()]
    if present.empty:
        raise ReportError(f"region {code} has no values in this warehouse")
    years = sorted(int(y) for y in present["year"].unique())
    if year is None:
        index_years = present.loc[present["indicator_id"] == INDEX_ID, "year"]
        year = int(index_years.max()) if len(index_years) else years[-1]
    elif year not in years:
        raise ReportError(f"region {code} has no values in {year}; years with values: "
                          f"{years[0]}-{years[-1]}")
    return values[values["year"] <= year].reset_index(drop=True), year


def latest_value(values: pd.DataFrame, indicator_id: str, sex: str = "T") -> pd.Series | None:
    """The latest row with a value of one indicator (None when there is none)."""
    rows = values[(values["indicator_id"] == indicator_id) & (values["sex"] == sex)
                  & values["value"].notna()]
    return None if rows.empty else rows.sort_values("year").iloc[-1]


def gender_rows(values: pd.DataFrame, latest: int) -> pd.DataFrame:
    """build_gender_table's rows (women and men, latest year <= `latest` with both, units
    in %) with that year, the flags and the sources of the two values."""
    table = build_gender_table(values, latest)
    rows = []
    for r in records(table):
        fm = values[(values["title"] == r.title) & values["sex"].isin(["F", "M"])
                    & values["value"].notna() & (values["year"] <= latest)]
        both = fm.groupby("year")["sex"].nunique()
        year = int(both[both == 2].index.max())
        pair = fm[fm["year"] == year].set_index("sex")
        flags = sorted({str(f) for f in pair["flag"].dropna()})
        rows.append({"title": r.title, "unit": r.unit, "year": year, "F": r.F, "M": r.M,
                     "flags": flags, "source": str(pair["source"].iloc[0]),
                     "converted_from": pair["converted_from"].dropna().iloc[0]
                     if pair["converted_from"].notna().any() else None})
    return pd.DataFrame(rows, columns=["title", "unit", "year", "F", "M", "flags", "source",
                                       "converted_from"])


def peer_rows(wh: Warehouse, region: pd.Series, latest: int, groups: pd.DataFrame,
              shared: Shared | None = None) -> pd.DataFrame:
    """The eight structurally nearest regions (indicators.peers) with their index and group
    in `latest`, and whether they do better than the region."""
    level = int(region["nuts_level"])
    context = _shared(shared, ("peer_context", level, latest), lambda: queries.load_level_values(
        wh, level, latest, list(PEER_CONTEXT)))
    found = find_peers(context, str(region["geo_code"]), k=8)
    same_year = groups[groups["year"] == latest].set_index("geo_code")
    own = same_year["relative_index"].get(region["geo_code"])
    out = found.merge(same_year[["geo_name", "relative_index", "grp", "subgroup"]],
                      left_on="geo_code", right_index=True, how="left")
    out["better"] = [own is not None and pd.notna(own) and pd.notna(i) and i > own
                     for i in out["relative_index"]]
    return out.reset_index(drop=True)


def country_geojson(wh: Warehouse, level: int, country: str) -> dict:
    """The boundaries of the country's regions at `level` (every country's at level 0),
    overseas regions left off, as a FeatureCollection."""
    bounds = queries.load_boundaries(wh, level, wh.nuts_version)
    bounds = bounds[~bounds["is_overseas"].astype(bool)]
    if level > 0:
        bounds = bounds[bounds["geo_code"].str[:2] == country]
    return build_geojson(bounds.reset_index(drop=True))


def locator_map(wh: Warehouse, region: pd.Series, latest: int, groups: pd.DataFrame,
                shared: Shared | None = None) -> tuple[FrozenFigure, bool]:
    """The region's country at its level (Europe for a country), coloured by innovation group
    in `latest` (ui.maps.build_group_map) or, without groups, plain; the region outlined."""
    level, code = int(region["nuts_level"]), str(region["geo_code"])
    geojson = _shared(shared, ("geojson", level, code[:2]),
                      lambda: country_geojson(wh, level, code[:2]))
    drawn = {f["id"] for f in geojson["features"]}
    frame = _shared(shared, ("map_values", level, latest),
                    lambda: queries.load_map_values(wh, INDEX_ID, level, latest, "T"))
    frame = frame[frame["geo_code"].isin(drawn)]
    same_year = groups[groups["year"] == latest][["geo_code", "grp", "subgroup"]]
    frame = frame.merge(same_year, on="geo_code", how="left")
    has_groups = bool(frame["grp"].notna().any())
    if has_groups:
        fig, _ = maps.build_group_map(geojson, frame)
    else:
        mine = frame["geo_code"] == code
        fig = maps.build_categorical_map(
            geojson, [maps.Category("this region", charts.OKABE_ITO[0], frame[mine]),
                      maps.Category("other regions", maps.MISSING_COLOUR, frame[~mine])],
            frame.iloc[0:0], "", lambda rows: {}, "", "Regions")
    fig.add_trace(dict(type="choropleth", geojson=maps.subset_geojson(geojson, [code]),
                       featureidkey="id", locations=[code], z=[1], showscale=False,
                       colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                       marker={"line": {"color": HIGHLIGHT, "width": 2.2}},
                       name=f"{region['geo_name']} ({code})", showlegend=True))
    return fig, has_groups


def trend_charts(values: pd.DataFrame, name: str, code: str
                 ) -> tuple[tuple[str, FrozenFigure], ...]:
    """charts.build_trend_chart of the TREND_IDS with values (sex T)."""
    out = []
    for indicator_id in TREND_IDS:
        series = values[(values["indicator_id"] == indicator_id) & (values["sex"] == "T")]
        if series["value"].notna().any():
            first = series.iloc[0]
            out.append((indicator_id, charts.build_trend_chart(
                series.assign(geo_code=code, geo_name=name), str(first["unit"]),
                str(first["title"]))))
    return tuple(out)


def load_region_data(wh: Warehouse, code: str, year: int | None = None,
                     shared: Shared | None = None) -> RegionData:
    """Everything the printed profile of `code` shows, up to `year` (default: the latest
    year of its innovation index, else of any value). `shared`: a batch's shared reads."""
    regions = _shared(shared, ("regions",), lambda: queries.load_regions(wh))
    region = check_region(regions, code, wh.nuts_version)
    level = int(region["nuts_level"])
    values, year = values_up_to(queries.load_region_values(wh, code), code, year)
    groups = _shared(shared, ("groups", level), lambda: queries.load_innovation_groups(wh, level))
    level_index = _shared(shared, ("level_index", level), lambda: queries.load_level_year_values(
        wh, INDEX_ID, level, "T"))
    tiles = build_tiles(values, groups, level_index, code)
    index_row = latest_value(values, INDEX_ID)
    latest = int(index_row["year"]) if index_row is not None else year
    catalog = _shared(shared, ("catalog",), lambda: queries.load_catalog(wh))
    ids = sorted(i for i in set(values["indicator_id"]) if i.startswith(COMPONENT_PREFIX))
    level_components = _shared(shared, ("components", level, latest, *ids),
                               lambda: queries.load_level_values(wh, level, latest, ids))
    components = build_component_table(level_components, code, catalog)
    gender = gender_rows(values, latest)
    mine = groups[(groups["geo_code"] == code) & (groups["year"] == latest)]
    fig, has_groups = locator_map(wh, region, latest, groups, shared)
    country = regions[(regions["geo_code"] == code[:2])]
    return RegionData(
        code=code, name=str(region["geo_name"]), level=level, nuts_version=wh.nuts_version,
        country=code[:2],
        country_name=str(country["geo_name"].iloc[0]) if len(country) else code[:2],
        year=year, latest=latest, values=values, catalog=catalog, tiles=tuple(tiles),
        group={str(k): v for k, v in mine.iloc[0].to_dict().items()} if len(mine) else {},
        components=components,
        strengths=None if components.empty else charts.build_strengths_chart(components),
        trends=trend_charts(values, str(region["geo_name"]), code), gender=gender,
        gender_chart=None if gender.empty else charts.build_dumbbell_chart(gender),
        peers=peer_rows(wh, region, latest, groups, shared), map=fig, map_has_groups=has_groups)
