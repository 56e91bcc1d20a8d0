"""Cached access to the warehouse for pages.

`st.cache_resource` holds the connection and the per-level GeoJSON; `st.cache_data` holds query
results. Every cache key includes the warehouse's data version (modification time and size of
indicator_values.parquet), so a rebuild shows up without a restart.

What a page needs on every rerun but never changes within a data version (the widget options
and their labels, the URL validation context, each view's figures and tables) is computed once
and held by `rerun_cache` as immutable objects (frozen dataclasses, tuples, read-only
mappings): `st.cache_data` would unpickle a fresh copy on every rerun, and a `format_func`
doing a DataFrame lookup per option costs more than the widget itself.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from indicators.composite import Prepared
from indicators.innovation.specs import COMPONENT_IDS
from regiodash.config import REPO_ROOT, Settings, load_settings
from regiodash.geometry import (
    BOUNDARIES_FILE,
    STATIC_GEO_SUBDIR,
    STATIC_GEO_URL,
    build_geojson,
    reference_tag,
    static_geo_name,
)
from regiodash.storage import queries
from regiodash.storage.connection import Warehouse, open_warehouse
from regiodash.storage.layout import WarehousePaths
from regiodash.ui.state import ViewContext
from regiodash.ui.widgets import DOMAIN_LABELS

# Per-version resources kept: old data versions drop out after a few rebuilds.
VERSIONS_KEPT = 4
GEOMETRY_ENTRIES = VERSIONS_KEPT * 8  # 4 NUTS levels x 2 NUTS versions per data version
QUERY_ENTRIES = 512  # per cached query: views differ by indicator, level, year, sex, region

F = TypeVar("F")


def rerun_cache(maxsize: int) -> Callable[[F], F]:
    """A process-wide cache of the read-only objects a page looks up on every rerun.

    `st.cache_resource` hashes the function and every argument on each call, a noticeable
    share of a rerun for a page making several look-ups. These functions take only strings,
    numbers and tuples (the data version first), so a plain `functools.lru_cache` is enough
    and a hit costs next to nothing. Values are shared by
    every session and must not be mutated. Two sessions missing at once may both compute
    the value; they get equal results and the cache keeps one.
    """
    return functools.lru_cache(maxsize=maxsize)  # type: ignore[return-value]


def current_settings() -> Settings:
    """`load_settings()` of the current environment, computed once per distinct REGIODASH_*
    environment and working directory: it resolves paths on the file system, and the data
    version is read on every rerun of every page."""
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("REGIODASH_")))
    return _settings_for(env, os.getcwd())


@functools.lru_cache(maxsize=16)
def _settings_for(env: tuple[tuple[str, str], ...], cwd: str) -> Settings:
    return load_settings(dict(env))


def data_version() -> str:
    """Changes whenever the warehouse is rebuilt; part of every cache key."""
    settings = current_settings()
    if settings.data_url:
        return remote_data_version(settings.data_url)
    try:
        stat = WarehousePaths(settings.data_dir).indicator_values.stat()
    except FileNotFoundError:
        return "empty"
    return f"{settings.data_dir}:{stat.st_mtime_ns}-{stat.st_size}"


@st.cache_data(ttl=60, show_spinner=False)
def remote_data_version(data_url: str) -> str:
    """ETag / Last-Modified of the remote indicator_values.parquet, checked once a minute."""
    import urllib.request

    if not data_url.startswith(("http://", "https://")):
        return f"{data_url}:static"
    request = urllib.request.Request(f"{data_url}/indicator_values.parquet", method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310
            tag = response.headers.get("ETag") or response.headers.get("Last-Modified") or ""
    except OSError:
        tag = "unreachable"
    return f"{data_url}:{tag}"


@st.cache_resource(show_spinner=False, max_entries=VERSIONS_KEPT)
def get_warehouse(version: str) -> Warehouse:
    return open_warehouse(load_settings())


def warehouse() -> Warehouse:
    return get_warehouse(data_version())


@st.cache_data(show_spinner=False, max_entries=QUERY_ENTRIES)
def conversion_counts(version: str) -> pd.DataFrame:
    return queries.load_conversion_counts(get_warehouse(version))


def nuts_version(version: str) -> str:
    """The NUTS version of every region in this data version (maps draw its geometry)."""
    return get_warehouse(version).nuts_version


@st.cache_data(show_spinner=False, max_entries=QUERY_ENTRIES)
def catalog(version: str) -> pd.DataFrame:
    return queries.load_catalog(get_warehouse(version))


@st.cache_data(show_spinner=False, max_entries=QUERY_ENTRIES)
def coverage(version: str, indicator_id: str) -> pd.DataFrame:
    return queries.load_indicator_coverage(get_warehouse(version), indicator_id)


@st.cache_data(show_spinner=False, max_entries=QUERY_ENTRIES)
def year_coverage(version: str, indicator_id: str) -> pd.DataFrame:
    """One row per NUTS level, sex and year with values: `regions` (with a value that year)
    and `level_regions` (with a value in any year at that level and sex)."""
    return queries.load_indicator_year_coverage(get_warehouse(version), indicator_id)


@st.cache_data(show_spinner=False, max_entries=QUERY_ENTRIES)
def value_counts(version: str) -> pd.DataFrame:
    """One row per indicator with at least one value (n_values, n_regions, years, has_demo)."""
    return queries.load_indicator_value_counts(get_warehouse(version))


@rerun_cache(VERSIONS_KEPT)
def indicators_with_data(version: str) -> frozenset[str]:
    """The ids of the indicators with at least one non-missing value."""
    return frozenset(value_counts(version)["indicator_id"])


@st.cache_data(show_spinner=False, max_entries=QUERY_ENTRIES)
def map_values(version: str, indicator_id: str, level: int, year: int, sex: str
               ) -> pd.DataFrame:
    return queries.load_map_values(get_warehouse(version), indicator_id, level, year, sex)


@st.cache_resource(show_spinner=False, max_entries=GEOMETRY_ENTRIES)
def geojson_dict(version: str, level: int, nuts_version: str) -> dict:
    """The simplified geometry as a FeatureCollection (for maps that draw a subset)."""
    frame = queries.load_boundaries(get_warehouse(version), level, nuts_version)
    return build_geojson(frame[~frame["is_overseas"].astype(bool)])


STATIC_GEO = REPO_ROOT / STATIC_GEO_SUBDIR


@functools.cache
def _reference_tag(boundaries_file: Path) -> str | None:
    return reference_tag(boundaries_file) if boundaries_file.is_file() else None


@st.cache_resource(show_spinner=False, max_entries=GEOMETRY_ENTRIES)
def geojson(version: str, level: int, nuts_version: str) -> str | dict:
    """The simplified geometry of one level and version: the URL of its static GeoJSON file
    when the install ships one for the reference data in use, else the FeatureCollection.

    With the URL the figure carries no shapes: plotly.js fetches the geometry once from this
    server (never a CDN) and the browser caches it, so a rerun sends values, not shapes. The
    files are written by scripts/build_reference.py, never by the app (it may run from a
    read-only install); a reference folder of one's own gets its shapes inline.
    """
    tag = _reference_tag(load_settings().reference_dir / BOUNDARIES_FILE)
    name = static_geo_name(nuts_version, level, tag) if tag else ""
    if tag and (STATIC_GEO / name).is_file():
        return f"{STATIC_GEO_URL}/{name}"
    return geojson_dict(version, level, nuts_version)


@st.cache_data(show_spinner=False, max_entries=QUERY_ENTRIES)
def has_demo(version: str) -> bool:
    return queries.has_demo_values(get_warehouse(version))


@st.cache_data(show_spinner=False, max_entries=QUERY_ENTRIES)
def regions(version: str) -> pd.DataFrame:
    return queries.load_regions(get_warehouse(version))


@st.cache_data(show_spinner=False, max_entries=QUERY_ENTRIES)
def region_values(version: str, geo_code: str) -> pd.DataFrame:
    return queries.load_region_values(get_warehouse(version), geo_code)


@st.cache_data(show_spinner=False, max_entries=QUERY_ENTRIES)
def indicator_series(version: str, indicator_id: str, geo_codes: tuple[str, ...]
                     ) -> pd.DataFrame:
    return queries.load_indicator_series(get_warehouse(version), indicator_id, list(geo_codes))


@st.cache_data(show_spinner=False, max_entries=QUERY_ENTRIES)
def level_year_values(version: str, indicator_id: str, level: int, sex: str) -> pd.DataFrame:
    return queries.load_level_year_values(get_warehouse(version), indicator_id, level, sex)


@st.cache_data(show_spinner=False, max_entries=QUERY_ENTRIES)
def warehouse_summary(version: str) -> pd.DataFrame:
    return queries.load_warehouse_summary(get_warehouse(version))


@st.cache_data(show_spinner=False, max_entries=QUERY_ENTRIES)
def manifest(version: str) -> pd.DataFrame:
    return queries.load_manifest(get_warehouse(version))


@rerun_cache(VERSIONS_KEPT)
def view_context(version: str) -> ViewContext:
    """Everything URL parameters are validated against (catalog ids, region codes...).

    A frozen dataclass of frozensets: shared (rerun_cache), never copied."""
    cat = catalog(version)
    regs = regions(version)
    weight_ids = frozenset(COMPONENT_IDS) & frozenset(cat["indicator_id"])
    return ViewContext(
        indicators=frozenset(cat["indicator_id"]),
        regions=frozenset(regs["geo_code"]),
        countries=frozenset(regs.loc[regs["nuts_level"] == 0, "geo_code"]),
        year_range=(1990, 2100),
        weight_ids=weight_ids,
    )


@st.cache_data(show_spinner=False, max_entries=QUERY_ENTRIES)
def innovation_groups(version: str, level: int) -> pd.DataFrame:
    return queries.load_innovation_groups(get_warehouse(version), level)


@st.cache_data(show_spinner=False, max_entries=QUERY_ENTRIES)
def level_values(version: str, level: int, year: int, indicator_ids: tuple[str, ...]
                 ) -> pd.DataFrame:
    return queries.load_level_values(get_warehouse(version), level, year, list(indicator_ids))


@rerun_cache(VERSIONS_KEPT)
def reweighting_base(version: str, level: int) -> Prepared | None:
    """The reweighted index's inputs at one level, read, normalised and sorted once per data
    version and level (queries.prepare_reweighted_index): a new set of weights then costs only
    the weighted sums. Shared by every session: read-only."""
    return queries.prepare_reweighted_index(get_warehouse(version), level)


@st.cache_data(show_spinner="Recomputing the index with your weights...", max_entries=32)
def reweighted_index(version: str, level: int, weights: tuple[tuple[str, float], ...]
                     ) -> pd.DataFrame:
    base = reweighting_base(version, level)
    if base is None:
        return pd.DataFrame(columns=["geo_code", "year", "value", "flag", "source"])
    return queries.load_reweighted_index(get_warehouse(version), level, dict(weights), base)


@st.cache_data(show_spinner=False, max_entries=QUERY_ENTRIES)
def area_series(version: str, indicator_id: str, geo_codes: tuple[str, ...], name: str
                ) -> tuple[pd.DataFrame, str]:
    return queries.load_area_series(get_warehouse(version), indicator_id, list(geo_codes), name)


@dataclass(frozen=True)
class IndicatorChoices:
    """The catalog as widget options, one entry per indicator id (read-only).

    `ids`: catalog order (domain id, then title); `by_domain`: the domains in DOMAIN_LABELS
    order (indices first), then title; `labels`: "Domain · Title"; `rows`: every catalog column
    of an indicator (title, unit, decimals, direction, has_sex, source_dataset, licence...).
    """

    ids: tuple[str, ...]
    by_domain: tuple[str, ...]
    labels: Mapping[str, str]
    rows: Mapping[str, Mapping[str, Any]]

    def default(self, *preferred: str, order: tuple[str, ...] | None = None) -> str:
        """The first of `preferred` in the catalog, else the first of `order` (default: ids)."""
        return next((i for i in preferred if i in self.labels), (order or self.ids)[0])


@rerun_cache(VERSIONS_KEPT)
def indicator_choices(version: str) -> IndicatorChoices:
    cat = catalog(version)
    order = list(DOMAIN_LABELS)
    rank = {d: order.index(d) if d in order else len(order) for d in cat["domain"].unique()}
    rows: dict[str, Mapping[str, Any]] = {
        str(r["indicator_id"]): MappingProxyType({str(k): v for k, v in r.items()})
        for r in cat.to_dict("records")}
    by_domain = sorted(rows, key=lambda i: (rank[rows[i]["domain"]], rows[i]["title"]))
    labels = {i: f"{DOMAIN_LABELS.get(r['domain'], r['domain'])} · {r['title']}"
              for i, r in rows.items()}
    return IndicatorChoices(ids=tuple(rows), by_domain=tuple(by_domain),
                            labels=MappingProxyType(labels), rows=MappingProxyType(rows))


@dataclass(frozen=True)
class RegionChoices:
    """The regions as widget options (read-only), NUTS version 2021.

    `codes`: every region, by level then code; `names`, `labels` ("DE21 · Oberbayern") and
    `levels` per code; `countries`: the NUTS 0 codes sorted; `country_labels`: "DE · Germany"
    (names title-cased)."""

    codes: tuple[str, ...]
    names: Mapping[str, str]
    labels: Mapping[str, str]
    levels: Mapping[str, int]
    countries: tuple[str, ...]
    country_labels: Mapping[str, str]


@rerun_cache(VERSIONS_KEPT)
def region_choices(version: str) -> RegionChoices:
    regs = regions(version)
    names = dict(zip(regs["geo_code"], regs["geo_name"], strict=True))
    levels = dict(zip(regs["geo_code"], (int(x) for x in regs["nuts_level"]), strict=True))
    countries = tuple(sorted(regs.loc[regs["nuts_level"] == 0, "geo_code"]))
    return RegionChoices(
        codes=tuple(regs["geo_code"]), names=MappingProxyType(names),
        labels=MappingProxyType({c: f"{c} · {n}" for c, n in names.items()}),
        levels=MappingProxyType(levels), countries=countries,
        country_labels=MappingProxyType({c: f"{c} · {str(names[c]).title()}" for c in countries}))
