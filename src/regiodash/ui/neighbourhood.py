"""Countries outside the NUTS area on the level-0 pages (map, rankings, compare).

The World Bank importer stores country values at NUTS level 0 (source `worldbank`) for
economies that have no NUTS region (MA, TN, EG, JO, LB, PS, ...). The `regions` table does not
know them, so every join to it would drop them; here they get their names from the committed
Natural Earth country table (ingest.wdi_countries) instead. Only the countries whose shapes the
map draws beside the warehouse's NUTS version are kept ("Europe and neighbourhood": southern
and eastern neighbourhood, Western Balkan countries without NUTS regions): a WDI file's other
economies (the United States, China...) stay in the warehouse but off these pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

import pandas as pd
import streamlit as st

from regiodash.config import load_settings
from regiodash.ingest.wdi_countries import (
    WORLD_ATTRIBUTION,
    world_countries_outside_nuts,
    world_countries_path,
)
from regiodash.storage import queries
from regiodash.ui import data
from regiodash.ui.data import VERSIONS_KEPT
from regiodash.ui.projects_data import world_geometry
from regiodash.ui.state import ViewContext

ATTRIBUTION = (f"{WORLD_ATTRIBUTION}; values of countries outside the NUTS area: World Bank, "
               "World Development Indicators (CC BY 4.0).")
VALUE_COLUMNS = ["geo_code", "geo_name", "country_code", "is_overseas", "year", "sex", "value",
                 "flag", "source", "nuts_version", "converted_from"]


@dataclass(frozen=True)
class OutsideLayer:
    """The shapes of the countries outside NUTS a map can draw: `geojson` (URL of the static
    file or a FeatureCollection, keyed by geo_code) and `ids` (their codes)."""

    geojson: dict | str
    ids: frozenset[str]


@data.rerun_cache(VERSIONS_KEPT)
def outside_names(version: str) -> Mapping[str, str]:
    """geo_code -> Natural Earth name of every drawn country outside the data version's NUTS
    version (empty without the committed reference file)."""
    reference = load_settings().reference_dir
    if not world_countries_path(reference).is_file():
        return MappingProxyType({})
    world = world_countries_outside_nuts(reference, data.nuts_version(version))
    return MappingProxyType(dict(zip(world["geo_code"], world["geo_name"], strict=True)))


@data.rerun_cache(VERSIONS_KEPT)
def outside_layer(version: str) -> OutsideLayer | None:
    """The country shapes for maps (shared with the Projects page), None without them."""
    found = world_geometry(version)
    return None if found is None else OutsideLayer(found[0], found[1])


@st.cache_data(show_spinner=False, max_entries=64)
def outside_values(version: str, indicator: str) -> pd.DataFrame:
    """One row per drawn country outside NUTS, year and sex with a stored row of the
    indicator (columns VALUE_COLUMNS; country_code is the country's own code, is_overseas
    False; a null value stays null). Empty for indicators no such country has."""
    names = outside_names(version)
    frame = queries.load_outside_nuts_values(data.get_warehouse(version), indicator,
                                             data.nuts_version(version))
    frame = frame[frame["geo_code"].isin(list(names))].reset_index(drop=True)
    frame["geo_name"] = frame["geo_code"].map(dict(names))
    frame["country_code"] = frame["geo_code"]
    frame["is_overseas"] = False
    return frame[VALUE_COLUMNS]


def outside_year_values(version: str, indicator: str, year: int, sex: str) -> pd.DataFrame:
    """`outside_values` of one year and sex, in the columns of data.map_values."""
    frame = outside_values(version, indicator)
    rows = frame[(frame["year"] == year) & (frame["sex"] == sex)]
    return rows.drop(columns=["year", "sex"]).reset_index(drop=True)


@data.rerun_cache(VERSIONS_KEPT)
def context_with_outside(version: str) -> ViewContext:
    """The URL context (data.view_context) with the drawn countries outside NUTS accepted as
    regions: a link may compare MA with DE."""
    ctx = data.view_context(version)
    return replace(ctx, regions=ctx.regions | frozenset(outside_names(version)))


def outside_labels(version: str) -> Mapping[str, str]:
    """geo_code -> picker label ("MA · Morocco (outside NUTS)") of the countries outside NUTS."""
    return {c: f"{c} · {n} (outside NUTS)" for c, n in outside_names(version).items()}


@data.rerun_cache(VERSIONS_KEPT)
def region_options(version: str) -> tuple[tuple[str, ...], Mapping[str, str]]:
    """A region picker's codes and labels: every NUTS region (data.region_choices), then the
    drawn countries outside NUTS ("MA · Morocco (outside NUTS)")."""
    regions = data.region_choices(version)
    extra = {c: label for c, label in outside_labels(version).items()
             if c not in regions.labels}
    return ((*regions.codes, *extra),
            MappingProxyType({**regions.labels, **extra}))


def name_outside(frame: pd.DataFrame, version: str) -> pd.DataFrame:
    """`frame` with geo_name filled from Natural Earth where the regions table has none (a
    country outside NUTS); other names unchanged."""
    names = outside_names(version)
    if frame.empty or not frame["geo_name"].isna().any():
        return frame
    return frame.assign(geo_name=frame["geo_name"].fillna(frame["geo_code"].map(dict(names))))
