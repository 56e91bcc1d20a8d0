"""The committed shapes of the countries outside NUTS (scripts/build_world.py) and their map
GeoJSON under static/geo/, checked against each other and against the NUTS reference."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import shapely

from regiodash.geometry import build_geojson
from regiodash.ingest.wdi_countries import (
    load_wdi_countries,
    load_world_countries,
    world_countries_outside_nuts,
    world_static_geo_name,
)

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = ROOT / "data" / "reference"
WORLD = REFERENCE_DIR / "world_countries.parquet"
STATIC_GEO = ROOT / "static" / "geo"
PARTNERS = {"MA", "TN", "EG", "JO", "LB", "PS", "DZ"}


def test_countries_outside_nuts_with_valid_shapes() -> None:
    table = pq.read_table(WORLD).to_pandas()
    codes = set(table["geo_code"])
    assert len(codes) == len(table) == 18
    assert PARTNERS <= codes and {"UA", "MD", "BA", "XK"} <= codes
    nuts = pq.read_table(REFERENCE_DIR / "nuts_regions.parquet",
                         columns=["geo_code", "nuts_level", "nuts_version"]).to_pandas()
    countries = nuts[nuts["nuts_level"] == 0].groupby("nuts_version")["geo_code"].apply(set)
    assert all(not codes & countries[v] for v in ("2013", "2016", "2021"))
    assert codes & countries["2024"] == {"BA", "UA", "XK"}  # GISCO's 2024 file has them
    geoms = shapely.from_wkb(table["geometry"].map(bytes).to_numpy())
    assert shapely.is_valid(geoms).all() and not shapely.is_empty(geoms).any()
    assert {g.geom_type for g in geoms} <= {"Polygon", "MultiPolygon"}
    coords = shapely.get_coordinates(geoms)
    assert abs(coords * 1000 - (coords * 1000).round()).max() < 1e-6  # 1e-3 degree grid
    # North Africa to the Caucasus: west of Morocco to east of Azerbaijan.
    west, south, east, north = shapely.total_bounds(geoms)
    assert west < -13 and south < 20 and east > 50 and north > 50
    points = shapely.points(table["lon"], table["lat"])
    assert (shapely.distance(points, geoms) < 0.05).all()
    meta = pq.read_schema(WORLD).metadata
    assert b"Natural Earth" in meta[b"attribution"] and b"geo" in meta


def test_iso3_agrees_with_the_wdi_code_table() -> None:
    countries = load_wdi_countries()
    for row in load_world_countries(REFERENCE_DIR).itertuples():
        assert countries[row.iso3].geo_code == row.geo_code, row.iso3


def test_countries_outside_a_nuts_version() -> None:
    assert len(world_countries_outside_nuts(REFERENCE_DIR, "2021")) == 18
    outside = set(world_countries_outside_nuts(REFERENCE_DIR, "2024")["geo_code"])
    assert PARTNERS <= outside and not outside & {"BA", "UA", "XK"}


def test_static_world_geojson_is_built_from_the_committed_shapes() -> None:
    name = world_static_geo_name(REFERENCE_DIR)
    assert [p.name for p in STATIC_GEO.glob("world_*.json")] == [name]
    frame = pq.read_table(WORLD, columns=["geo_code", "geometry"]).to_pandas()
    on_disk = json.loads((STATIC_GEO / name).read_text(encoding="utf-8"))
    assert on_disk == build_geojson(frame)
    assert [f["id"] for f in on_disk["features"]] == sorted(frame["geo_code"])


def test_provenance_readme_names_source_and_licence() -> None:
    text = (REFERENCE_DIR / "README_world.md").read_text(encoding="utf-8")
    for needle in ("world-atlas@2.0.2", "public domain", "scripts/build_world.py",
                   "wdi_countries.csv", "CC BY 4.0"):
        assert needle in text
