"""Map GeoJSON of the NUTS reference boundaries, and the names of its committed static files.

scripts/build_reference.py writes one compact GeoJSON per (NUTS version, level) into
static/geo/ with `build_geojson`; the map pages point plotly.js at that file by URL (served by
Streamlit's static serving), so a rerun sends values, not shapes, and the app never writes into
its own install. The file name carries a tag of the reference boundaries file's bytes, so a
rebuilt reference gets new URLs and a stale browser cache is never used.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import shapely

STATIC_GEO_SUBDIR = Path("static") / "geo"
STATIC_GEO_URL = "/app/static/geo"
BOUNDARIES_FILE = "nuts_boundaries.parquet"


def build_geojson(boundaries: pd.DataFrame) -> dict:
    """FeatureCollection with `id` = geo_code, from a frame with geo_code and WKB geometry."""
    # DuckDB returns GeoParquet geometry as bytearray; shapely wants bytes.
    geoms = shapely.from_wkb(boundaries["geometry"].map(bytes).to_numpy())
    # plotly draws with d3-geo, which takes a counter-clockwise exterior ring as "the whole
    # globe minus this region": exteriors must run clockwise (the reverse of RFC 7946).
    geoms = shapely.orient_polygons(geoms, exterior_cw=True)
    texts = shapely.to_geojson(geoms)
    features = [
        {"type": "Feature", "id": code, "properties": {}, "geometry": json.loads(text)}
        for code, text in zip(boundaries["geo_code"], texts, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def geojson_text(collection: dict) -> str:
    """The compact text of a FeatureCollection, as written to static/geo/."""
    return json.dumps(collection, separators=(",", ":"))


def reference_tag(boundaries_file: Path) -> str:
    """Ten hex digits of the SHA-256 of the boundaries file (content, not mtime: a clone
    of the repository gets the same tag as the machine that built the files)."""
    return hashlib.sha256(boundaries_file.read_bytes()).hexdigest()[:10]


def static_geo_name(nuts_version: str, level: int, tag: str) -> str:
    return f"nuts_{nuts_version}_level{level}_{tag}.json"
