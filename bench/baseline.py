"""The naive approach common in Streamlit dashboards, measured next to ours by bench.run.

Every call reads the whole `indicator_values.parquet` with pandas, filters in pandas, merges
region names, and for maps reads the boundaries with geopandas and merges them in, then
plotly express builds the figure from the GeoDataFrame's GeoJSON. Nothing is cached between
calls (the pattern of a page that calls `pd.read_parquet` at the top of the script).

The geometry is the committed simplified GeoParquet (data/reference/nuts_boundaries.parquet):
the full-resolution GISCO/atlas geometry is not available offline. A real naive dashboard
would merge much heavier geometry, so this baseline is favoured: the ratios we report are a
lower bound of the real gap. When geopandas is not installed, shapely + pandas stand in for it
(`GEOPANDAS` says which ran).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from indicators.peers import PEER_CONTEXT, find_peers
from regiodash.storage.catalog_table import catalog_frame

try:  # geopandas is optional (only the baseline uses it)
    import geopandas as gpd

    GEOPANDAS = True
except ImportError:  # pragma: no cover - depends on the environment
    gpd = None
    GEOPANDAS = False


def _values(data_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(Path(data_dir) / "indicator_values.parquet")


def _regions(reference_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(Path(reference_dir) / "nuts_regions.parquet")


def _boundaries(reference_dir: Path):
    path = Path(reference_dir) / "nuts_boundaries.parquet"
    if GEOPANDAS:
        return gpd.read_parquet(path)
    import shapely

    frame = pd.read_parquet(path)
    frame["geometry"] = shapely.from_wkb(frame["geometry"].map(bytes).to_numpy())
    return frame


def naive_map_data(data_dir: Path, reference_dir: Path, indicator_id: str, level: int,
                   year: int, sex: str, nuts_version: str = "2021"):
    """One row per region of the level with its value, name and geometry (GeoDataFrame)."""
    values = _values(data_dir)
    values = values[(values["indicator_id"] == indicator_id) & (values["nuts_level"] == level)
                    & (values["year"] == year) & (values["sex"] == sex)]
    regions = _regions(reference_dir)
    regions = regions[(regions["nuts_level"] == level)
                      & (regions["nuts_version"] == nuts_version)]
    shapes = _boundaries(reference_dir)
    shapes = shapes[(shapes["nuts_level"] == level) & (shapes["nuts_version"] == nuts_version)
                    & ~shapes["is_overseas"].astype(bool)]
    merged = regions[["geo_code", "geo_name", "country_code"]].merge(
        values[["geo_code", "value", "flag", "source"]], on="geo_code", how="left")
    return shapes[["geo_code", "geometry"]].merge(merged, on="geo_code", how="left")


def _geojson(frame) -> dict:
    if GEOPANDAS:
        return json.loads(frame[["geo_code", "geometry"]].to_json())
    import shapely

    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"geo_code": code},
         "geometry": json.loads(shapely.to_geojson(geom))}
        for code, geom in zip(frame["geo_code"], frame["geometry"], strict=True)]}


def naive_map_figure(data_dir: Path, reference_dir: Path, indicator_id: str, level: int,
                     year: int, sex: str) -> int:
    """Map data + plotly express choropleth + the figure's JSON; returns its size in bytes."""
    import plotly.express as px

    frame = naive_map_data(data_dir, reference_dir, indicator_id, level, year, sex)
    fig = px.choropleth(frame, geojson=_geojson(frame), locations="geo_code",
                        featureidkey="properties.geo_code", color="value",
                        hover_name="geo_name", hover_data=["flag", "source"],
                        color_continuous_scale="Viridis")
    fig.update_geos(fitbounds="locations", visible=False)
    return len(fig.to_json().encode())


def naive_region_values(data_dir: Path, geo_code: str) -> pd.DataFrame:
    """Every value of one region with the catalog's title, domain, unit and direction."""
    values = _values(data_dir)
    values = values[values["geo_code"] == geo_code]
    catalog = catalog_frame()[["indicator_id", "title", "domain", "unit", "direction",
                               "source_dataset"]]
    out = values.merge(catalog, on="indicator_id", how="left")
    return out.sort_values(["domain", "indicator_id", "year", "sex"])


def naive_ranking(data_dir: Path, reference_dir: Path, indicator_id: str, level: int,
                  sex: str) -> pd.DataFrame:
    values = _values(data_dir)
    values = values[(values["indicator_id"] == indicator_id) & (values["nuts_level"] == level)
                    & (values["sex"] == sex) & values["value"].notna()]
    regions = _regions(reference_dir)[["geo_code", "nuts_version", "geo_name", "country_code"]]
    out = values.merge(regions, on=["geo_code", "nuts_version"], how="inner")
    return out.sort_values(["year", "geo_code"])


def naive_peers(data_dir: Path, level: int, year: int, geo_code: str) -> pd.DataFrame:
    values = _values(data_dir)
    values = values[(values["nuts_level"] == level) & (values["year"] == year)
                    & (values["sex"] == "T") & values["indicator_id"].isin(PEER_CONTEXT)
                    & values["value"].notna()]
    wide = values.pivot(index="geo_code", columns="indicator_id", values="value")
    return find_peers(wide.astype(np.float64), geo_code, k=8)
