"""Named queries: one SQL file per relation in storage/sql/, values always bound as parameters."""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

from indicators.composite import Prepared
from indicators.innovation import areas as innovation_areas
from indicators.innovation import index as innovation_index
from indicators.innovation import specs as innovation_specs
from regiodash.storage import region_rows
from regiodash.storage.connection import Warehouse


@cache
def load_sql(name: str, package: str = "regiodash.storage") -> str:
    """The text of `sql/<name>.sql` in `package` (another package may keep its own SQL)."""
    return resources.files(package).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def run_named(wh: Warehouse, name: str, *, package: str = "regiodash.storage",
              **params: object) -> pd.DataFrame:
    """Run a named query (`sql/<name>.sql` of `package`); the result as a DataFrame with
    Arrow-backed string columns.

    Converted through Arrow rather than DuckDB's `.df()`: with pandas 3's Arrow-backed strings
    this halves the conversion cost of results with thousands of string cells (e.g. a region
    profile of a large panel). String columns are always `str` dtype, nulls NaN, also when a
    column is all null or the result is empty (`.df()` gives `object` then).
    """
    cur = wh.cursor()
    try:
        return cur.execute(load_sql(name, package), params).to_arrow_table().to_pandas()
    finally:
        cur.close()


def load_map_values(wh: Warehouse, indicator_id: str, level: int, year: int, sex: str,
                    nuts_version: str | None = None) -> pd.DataFrame:
    """One row per region of the level in the warehouse's NUTS version (or `nuts_version`):
    value, flag, source, converted_from (null value = missing)."""
    return run_named(wh, "map_values", indicator_id=indicator_id, level=level, year=year,
                     sex=sex, nuts_version=nuts_version or wh.nuts_version)


def load_indicator_coverage(wh: Warehouse, indicator_id: str) -> pd.DataFrame:
    return run_named(wh, "indicator_coverage", indicator_id=indicator_id)


def load_indicator_year_coverage(wh: Warehouse, indicator_id: str) -> pd.DataFrame:
    """One row per NUTS level, sex and year with values: regions with a value that year
    (`regions`) and in any year at that level and sex (`level_regions`)."""
    return run_named(wh, "indicator_year_coverage", indicator_id=indicator_id)


def load_indicator_value_counts(wh: Warehouse) -> pd.DataFrame:
    """One row per indicator with at least one non-missing value: n_values, n_regions,
    first_year, last_year, has_demo."""
    return run_named(wh, "indicator_value_counts")


def load_catalog(wh: Warehouse) -> pd.DataFrame:
    return wh.query_df("SELECT * FROM indicator_catalog ORDER BY domain, title")


def load_boundaries(wh: Warehouse, level: int, nuts_version: str) -> pd.DataFrame:
    """Simplified geometry (WKB) of one level and version, overseas flag included."""
    return wh.query_df(
        "SELECT geo_code, is_overseas, geometry FROM boundaries "
        "WHERE nuts_level = ? AND nuts_version = ? ORDER BY geo_code",
        [level, nuts_version],
    )


def has_demo_values(wh: Warehouse) -> bool:
    # EXISTS stops at the first demo row instead of counting them all.
    return bool(wh.query_rows(
        "SELECT EXISTS (SELECT 1 FROM indicator_values WHERE source = 'demo')")[0][0])


def load_conversion_counts(wh: Warehouse) -> pd.DataFrame:
    """How many indicator values were converted from each other NUTS version (one row per
    version converted from; no rows when every value was published in the build's)."""
    return wh.query_df(
        "SELECT converted_from, count(*) AS values_converted FROM indicator_values "
        "WHERE converted_from IS NOT NULL GROUP BY converted_from ORDER BY converted_from")


def load_regions(wh: Warehouse, nuts_version: str | None = None) -> pd.DataFrame:
    """The regions of the warehouse's NUTS version (or `nuts_version`), all levels."""
    return run_named(wh, "region_list", nuts_version=nuts_version or wh.nuts_version)


def load_region_values(wh: Warehouse, geo_code: str) -> pd.DataFrame:
    """Every value of one region (all indicators, years, sexes) with catalog metadata
    (region_rows.REGION_VALUE_COLUMNS), sorted by domain, indicator, year and sex.

    Read with pyarrow from a local by-region copy (storage.region_read), else with the same
    rows' SQL query."""
    if wh.region_file is not None:
        values = wh.region_file.read(geo_code)
    else:
        cur = wh.cursor()
        try:
            values = cur.execute(load_sql("region_values"),
                                 {"geo_code": geo_code}).to_arrow_table()
        finally:
            cur.close()
    return region_rows.join_catalog(values, wh.catalog_lookup).to_pandas()


def load_indicator_series(wh: Warehouse, indicator_id: str, geo_codes: list[str]
                          ) -> pd.DataFrame:
    return run_named(wh, "indicator_series", indicator_id=indicator_id, geo_codes=geo_codes)


def load_level_year_values(wh: Warehouse, indicator_id: str, level: int, sex: str
                           ) -> pd.DataFrame:
    return run_named(wh, "level_year_values", indicator_id=indicator_id, level=level, sex=sex)


def load_warehouse_summary(wh: Warehouse) -> pd.DataFrame:
    return run_named(wh, "warehouse_summary")


def load_manifest(wh: Warehouse) -> pd.DataFrame:
    return wh.query_df("SELECT * FROM manifest ORDER BY imported_at DESC")


def load_innovation_groups(wh: Warehouse, level: int) -> pd.DataFrame:
    return run_named(wh, "innovation_groups", level=level)


def load_level_values(wh: Warehouse, level: int, year: int, indicator_ids: list[str]
                      ) -> pd.DataFrame:
    """Wide frame: one row per region of the level, one column per indicator (sex T)."""
    long = run_named(wh, "level_values", level=level, year=year, indicator_ids=indicator_ids)
    if long.empty:
        return pd.DataFrame(columns=indicator_ids)
    return long.pivot(index="geo_code", columns="indicator_id", values="value")


def load_component_inputs(wh: Warehouse, level: int) -> pd.DataFrame:
    """The input of a reweighted Regional Innovation Index at one NUTS level: every row (sex
    T, all years) of its components and the population at the level and of the EU27
    aggregate (level -1). Columns INPUT_COLUMNS (indicators.frames); missing values stay
    null."""
    ids = [*innovation_specs.COMPONENT_IDS, innovation_specs.POPULATION_ID]
    inputs = run_named(wh, "component_inputs", level=level, indicator_ids=ids)
    return inputs.astype({"nuts_level": "int64", "year": "int64"})


def prepare_reweighted_index(wh: Warehouse, level: int) -> Prepared | None:
    """The reweighted index's weight-independent part at one level (`load_component_inputs`,
    selected, normalised and sorted: innovation_index.prepare_reweighting); None when the
    warehouse has no component there. Pages keep it per data version and level
    (ui.data.reweighting_base), so a new set of weights costs only the weighted sums."""
    inputs = load_component_inputs(wh, level)
    if inputs.empty:
        return None
    return innovation_index.prepare_reweighting(inputs, level, innovation_specs.COMPONENT_IDS)


def load_reweighted_index(wh: Warehouse, level: int, weights: dict[str, float],
                          prepared: Prepared | None = None) -> pd.DataFrame:
    """Regional Innovation Index at one level recomputed with user weights.

    One row per region and year: geo_code, year, value (EU = 100), flag, source. The inputs
    are read and prepared (`prepare_reweighted_index`) unless `prepared` (what it returned
    for this level; never modified) is given; the computation is the composite method's.
    """
    if prepared is None:
        prepared = prepare_reweighted_index(wh, level)
    if prepared is None:
        return pd.DataFrame(columns=["geo_code", "year", "value", "flag", "source"])
    out = innovation_index.reweighted_index_rows(prepared, weights)  # index rows only
    return out[["geo_code", "year", "value", "flag", "source"]].reset_index(drop=True)


def load_area_series(wh: Warehouse, indicator_id: str, geo_codes: list[str], name: str
                     ) -> tuple[pd.DataFrame, str]:
    """A user-defined area (a list of regions of one level) as one pseudo-region.

    Returns (series with the columns of load_indicator_series, weighting method). Members
    are averaged with population weights when every member has a population that year
    (counts are summed); a year in which any member lacks a value gives no area value.
    """
    inputs = run_named(wh, "area_inputs", indicator_id=indicator_id, geo_codes=geo_codes)
    empty = pd.DataFrame(columns=["geo_code", "geo_name", "year", "sex", "value", "flag",
                                  "source", "nuts_level"])
    if inputs.empty or inputs["nuts_level"].nunique() != 1:
        return empty, "none"
    inputs = inputs.astype({"nuts_level": "int64", "year": "int64"})
    try:
        area = innovation_areas.aggregate_area(
            inputs, geo_codes, innovation_specs.AREA_PREFIX + name)
    except ValueError:
        return empty, "none"
    out = area.values
    out = out[out["indicator_id"] == indicator_id].assign(geo_name=name)
    return out[empty.columns.tolist()].reset_index(drop=True), str(area.weighting)


def load_outside_nuts_values(wh: Warehouse, indicator_id: str, nuts_version: str | None = None
                             ) -> pd.DataFrame:
    """One row per country, year and sex of the indicator at level 0 for countries that are
    no region of the NUTS version (e.g. the World Bank's values for MA, TN, EG): geo_code,
    year, sex, value (null = missing), flag, source, nuts_version, converted_from. No names:
    the regions table has none for them (ingest.wdi_countries does)."""
    return run_named(wh, "outside_nuts_values", indicator_id=indicator_id,
                     nuts_version=nuts_version or wh.nuts_version)
