"""Build the reference data for countries outside the NUTS area.

Run from the repository root, with ../shared beside the repository:

    .venv/bin/python scripts/build_world.py [--tarball PATH] [--pycountry DIR] [--shared DIR]

Two outputs, each rebuilt identically from the same inputs:

1. Country shapes. Source: the npm package `world-atlas@2.0.2` (Natural Earth 1:50m admin-0
   countries as TopoJSON, public domain; the package itself is ISC-licensed). Without
   --tarball the script runs `npm pack world-atlas@2.0.2` in a temporary folder; either way the
   tarball is checked against the pinned npm integrity hash. Only the countries in
   `COUNTRIES` are kept (the southern and eastern neighbourhood and the Western Balkan
   countries without NUTS regions), simplified together with shapely.coverage_simplify so
   neighbours keep shared edges, on a 1e-3 degree grid. Writes
   - data/reference/world_countries.parquet: GeoParquet 1.1, one row per country (geo_code =
     the two-letter code the dashboard uses), WGS 84 lon/lat, with a representative point;
   - static/geo/world_<tag>.json: the map GeoJSON (tag = 10 hex digits of the parquet's
     SHA-256, as for the NUTS files), exterior rings clockwise for plotly.
2. The WDI country table, src/regiodash/ingest/codelists/wdi_countries.csv: every code the
   World Bank's bulk files and API use (ISO3, plus the aggregates), with its kind (economy,
   aggregate, not_classified) and, for economies, the two-letter code (Eurostat's EL for
   Greece and UK for the United Kingdom, the World Bank's own XK for Kosovo and JG for the
   Channel Islands, ISO 3166-1 alpha-2 from the `pycountry` package otherwise). Economies and
   aggregates come from the Metadata_Country files of the real WDI downloads under
   ../shared/data/real/worldbank (an empty Region marks an aggregate); INX ("Not
   classified") appears only in the data files. `pycountry` is looked for on sys.path and in
   --pycountry DIR (`pip install --target DIR pycountry`); it is needed only here.
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
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from regiodash.geometry import build_geojson, geojson_text, reference_tag  # noqa: E402

ATLAS_SPEC = "world-atlas@2.0.2"
ATLAS_INTEGRITY = (
    "sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5C"
    "hG0LQ=="
)
ATLAS_MEMBER = "package/countries-50m.json"
ATTRIBUTION = "Made with Natural Earth (public domain), via the npm package world-atlas 2.0.2"
DECIMALS = 3
TOLERANCE = 0.02
"""coverage_simplify tolerance in degrees (about 2 km): a 1:50m source drawn beside 1:10M NUTS."""

# two-letter code -> (Natural Earth name in world-atlas, ISO3, group)
COUNTRIES: dict[str, tuple[str, str, str]] = {
    "MA": ("Morocco", "MAR", "southern_neighbourhood"),
    "DZ": ("Algeria", "DZA", "southern_neighbourhood"),
    "TN": ("Tunisia", "TUN", "southern_neighbourhood"),
    "LY": ("Libya", "LBY", "southern_neighbourhood"),
    "EG": ("Egypt", "EGY", "southern_neighbourhood"),
    "IL": ("Israel", "ISR", "southern_neighbourhood"),
    "PS": ("Palestine", "PSE", "southern_neighbourhood"),
    "JO": ("Jordan", "JOR", "southern_neighbourhood"),
    "LB": ("Lebanon", "LBN", "southern_neighbourhood"),
    "SY": ("Syria", "SYR", "southern_neighbourhood"),
    "UA": ("Ukraine", "UKR", "eastern_neighbourhood"),
    "MD": ("Moldova", "MDA", "eastern_neighbourhood"),
    "BY": ("Belarus", "BLR", "eastern_neighbourhood"),
    "GE": ("Georgia", "GEO", "eastern_neighbourhood"),
    "AM": ("Armenia", "ARM", "eastern_neighbourhood"),
    "AZ": ("Azerbaijan", "AZE", "eastern_neighbourhood"),
    "BA": ("Bosnia and Herz.", "BIH", "western_balkans"),
    "XK": ("Kosovo", "XKX", "western_balkans"),
}

WDI_DIR = Path("data/real/worldbank/wdi_bulk_csv")
WDI_METADATA = (
    "Metadata_Country_API_SL.TLF.CACT.FE.ZS_DS2_en_csv_v2_13361.csv",
    "Metadata_Country_API_SP.POP.TOTL_DS2_en_csv_v2_246068.csv",
    "API_IT.NET.USER.ZS_DS2_en_csv_v2_33086/"
    "Metadata_Country_API_IT.NET.USER.ZS_DS2_en_csv_v2_33086.csv",
)
# Where the dashboard's two-letter code is not ISO 3166-1 alpha-2.
CODE_OVERRIDES = {"GRC": "EL", "GBR": "UK", "XKX": "XK", "CHI": "JG"}
NOT_CLASSIFIED = {"INX": "Not classified"}


def fetch_tarball(workdir: Path) -> Path:
    subprocess.run(["npm", "pack", ATLAS_SPEC, "--silent"], cwd=workdir, check=True,
                   stdout=subprocess.DEVNULL)
    return next(workdir.glob("world-atlas-*.tgz"))


def verify_integrity(tarball: Path) -> None:
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if f"sha512-{digest}" != ATLAS_INTEGRITY:
        raise SystemExit(f"{tarball}: integrity sha512-{digest} is not the pinned one")


def decode_topology(topology: dict) -> dict[str, shapely.Geometry]:
    """Natural Earth name -> shapely geometry of every country object (quantised TopoJSON)."""
    scale = np.array(topology["transform"]["scale"])
    translate = np.array(topology["transform"]["translate"])
    arcs = [np.cumsum(np.array(arc, dtype=float), axis=0) * scale + translate
            for arc in topology["arcs"]]

    def ring(indexes: list[int]) -> np.ndarray:
        points = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.append(arc if not points else arc[1:])
        return np.concatenate(points)

    def polygon(rings: list[list[int]]) -> shapely.Polygon:
        coords = [ring(r) for r in rings]
        return shapely.Polygon(coords[0], coords[1:])

    shapes = {}
    for obj in topology["objects"]["countries"]["geometries"]:
        if obj["type"] == "Polygon":
            geom = polygon(obj["arcs"])
        elif obj["type"] == "MultiPolygon":
            geom = shapely.MultiPolygon([polygon(p) for p in obj["arcs"]])
        else:
            continue
        shapes[obj["properties"]["name"]] = shapely.make_valid(geom)
    return shapes


def build_shapes(topology: dict) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(codes, simplified geometries on the grid, representative points of the source)."""
    shapes = decode_topology(topology)
    missing = [name for name, _, _ in COUNTRIES.values() if name not in shapes]
    if missing:
        raise SystemExit(f"not in {ATLAS_MEMBER}: {missing}")
    codes = sorted(COUNTRIES)
    source = np.array([shapes[COUNTRIES[c][0]] for c in codes], dtype=object)
    points = shapely.point_on_surface(source)
    simplified = shapely.coverage_simplify(source, TOLERANCE)
    gridded = shapely.set_precision(simplified, 10.0**-DECIMALS)
    gridded = np.array([keep_polygonal(g) for g in gridded], dtype=object)
    bad = [c for c, g in zip(codes, gridded, strict=True) if g.is_empty or not g.is_valid]
    if bad:
        raise SystemExit(f"invalid or empty geometry after simplification: {bad}")
    return codes, gridded, points


def keep_polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def write_shapes(codes: list[str], geoms: np.ndarray, points: np.ndarray,
                 reference_dir: Path, static_dir: Path) -> Path:
    bounds = shapely.total_bounds(geoms)
    geo = {"version": "1.1.0", "primary_column": "geometry", "columns": {"geometry": {
        "encoding": "WKB", "geometry_types": sorted({g.geom_type for g in geoms}),
        "bbox": [round(float(b), DECIMALS) for b in bounds]}}}
    table = pa.table({
        "geo_code": pa.array(codes, pa.string()),
        "geo_name": pa.array([COUNTRIES[c][0].replace("Herz.", "Herzegovina") for c in codes]),
        "iso3": pa.array([COUNTRIES[c][1] for c in codes]),
        "country_group": pa.array([COUNTRIES[c][2] for c in codes]),
        "lon": pa.array(np.round(shapely.get_x(points), 4)),
        "lat": pa.array(np.round(shapely.get_y(points), 4)),
        "geometry": pa.array(shapely.to_wkb(geoms), pa.binary()),
    }).replace_schema_metadata({"geo": json.dumps(geo), "attribution": ATTRIBUTION})
    target = reference_dir / "world_countries.parquet"
    tmp = target.with_name(f".{target.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, target)
    for old in static_dir.glob("world_*.json"):
        old.unlink()
    frame = table.select(["geo_code", "geometry"]).to_pandas()
    out = static_dir / f"world_{reference_tag(target)}.json"
    out.write_text(geojson_text(build_geojson(frame)), encoding="utf-8")
    return out


def read_metadata_countries(shared: Path) -> dict[str, tuple[str, str]]:
    """ISO3 -> (kind, name) from the WDI Metadata_Country files (a real CSV parser: their
    SpecialNotes hold line breaks)."""
    found: dict[str, tuple[str, str]] = {}
    for name in WDI_METADATA:
        text = (shared / WDI_DIR / name).read_text(encoding="utf-8-sig")
        for row in csv.DictReader(io.StringIO(text, newline="")):
            kind = "economy" if row["Region"].strip() else "aggregate"
            found.setdefault(row["Country Code"], (kind, row["TableName"]))
    return found


def write_wdi_countries(shared: Path, target: Path) -> int:
    import pycountry  # only this step needs it (see the module docstring)

    rows = []
    countries = read_metadata_countries(shared)
    for iso3, (kind, name) in sorted(countries.items()):
        code = ""
        if kind == "economy":
            code = CODE_OVERRIDES.get(iso3) or pycountry.countries.get(alpha_3=iso3).alpha_2
        rows.append((iso3, code, kind, name))
    rows += [(iso3, "", "not_classified", name) for iso3, name in NOT_CLASSIFIED.items()]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["iso3", "geo_code", "kind", "name"])
    writer.writerows(sorted(rows))
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(buffer.getvalue(), encoding="utf-8")
    os.replace(tmp, target)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="a local world-atlas-2.0.2.tgz")
    parser.add_argument("--pycountry", type=Path, help="folder holding the pycountry package")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    if args.pycountry:
        sys.path.insert(0, str(args.pycountry))
    with tempfile.TemporaryDirectory() as work:
        tarball = args.tarball or fetch_tarball(Path(work))
        verify_integrity(tarball)
        with tarfile.open(tarball) as tar:
            member = tar.extractfile(ATLAS_MEMBER)
            assert member is not None
            topology = json.load(member)
    codes, geoms, points = build_shapes(topology)
    out = write_shapes(codes, geoms, points, ROOT / "data" / "reference", ROOT / "static" / "geo")
    print(f"{len(codes)} countries -> data/reference/world_countries.parquet, {out.name} "
          f"({out.stat().st_size:,} bytes)")
    table = ROOT / "src" / "regiodash" / "ingest" / "codelists" / "wdi_countries.csv"
    print(f"{write_wdi_countries(args.shared, table)} WDI codes -> {table.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
