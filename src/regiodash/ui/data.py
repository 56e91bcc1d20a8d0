"""Cached access to the warehouse for pages.

`st.cache_resource` holds the connection and the per-level GeoJSON; `st.cache_data` holds query
results. Every cache key includes the warehouse's data version (modification time and size of
indicator_values.parquet), so a rebuild shows up without a restart.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from regiodash.config import load_settings
from regiodash.storage import queries
from regiodash.storage.connection import Warehouse, open_warehouse
from regiodash.storage.warehouse import WarehousePaths
from regiodash.ui.maps import build_geojson


def data_version() -> str:
    settings = load_settings()
    path = WarehousePaths(settings.data_dir).indicator_values
    if not path.exists():
        return "empty"
    stat = path.stat()
    return f"{settings.data_dir}:{stat.st_mtime_ns}-{stat.st_size}"


@st.cache_resource(show_spinner=False)
def get_warehouse(version: str) -> Warehouse:
    return open_warehouse(load_settings())


def warehouse() -> Warehouse:
    return get_warehouse(data_version())


@st.cache_data(show_spinner=False)
def catalog(version: str) -> pd.DataFrame:
    return queries.load_catalog(get_warehouse(version))


@st.cache_data(show_spinner=False)
def coverage(version: str, indicator_id: str) -> pd.DataFrame:
    return queries.load_indicator_coverage(get_warehouse(version), indicator_id)


@st.cache_data(show_spinner=False)
def map_values(version: str, indicator_id: str, level: int, year: int, sex: str
               ) -> pd.DataFrame:
    return queries.load_map_values(get_warehouse(version), indicator_id, level, year, sex)


@st.cache_resource(show_spinner=False)
def geojson(version: str, level: int, nuts_version: str) -> dict:
    frame = queries.load_boundaries(get_warehouse(version), level, nuts_version)
    frame = frame[~frame["is_overseas"].astype(bool)]
    return build_geojson(frame)


@st.cache_data(show_spinner=False)
def has_demo(version: str) -> bool:
    return queries.has_demo_values(get_warehouse(version))
