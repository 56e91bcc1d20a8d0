"""What the warehouse says about partner regions: innovation groups and indicator values.

Read through the app's `Warehouse` (its locked-down read-only connection, local or at a URL)
with the named SQL of projects/sql/; values always bound as parameters.

Innovation groups: the latest-year group per region (any NUTS level), from the warehouse's
innovation_groups (written by `regiodash build`). Indicator values: the latest value (sex T) of
a few indicators for the partner regions, from indicator_values.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from indicators.innovation.specs import INDEX_ID as INNOVATION_INDEX_ID
from regiodash.storage.connection import Warehouse
from regiodash.storage.queries import run_named

SQL_PACKAGE = "regiodash.projects"
REGION_INDICATORS = ("gender_inclusion_index", "sustainability_index")
GROUP_COLUMNS = ("geo_code", "nuts_level", "year", "grp")
VALUE_COLUMNS = ["indicator_id", "geo_code", "year", "value", "flag", "source"]


def load_innovation_groups(wh: Warehouse) -> pd.DataFrame | None:
    """Latest-year group per region (geo_code, nuts_level, year, grp); None when absent.

    None when the warehouse has no innovation groups (no innovation_groups.parquet, or one
    without rows) or when they lack the columns geo_code, nuts_level, year and grp.
    """
    columns = set(run_named(wh, "innovation_groups_columns", package=SQL_PACKAGE)["column_name"])
    if not set(GROUP_COLUMNS) <= columns:
        return None
    if not wh.query_rows("SELECT EXISTS (SELECT 1 FROM innovation_groups)")[0][0]:
        return None
    return run_named(wh, "latest_innovation_groups", package=SQL_PACKAGE)


def innovation_groups_are_demo(wh: Warehouse) -> bool:
    """True when the regional innovation index behind the groups comes from the demo panel."""
    return bool(run_named(wh, "indicator_is_demo", package=SQL_PACKAGE,
                          indicator_id=INNOVATION_INDEX_ID)["demo"].iloc[0])


def available_indicator_ids(wh: Warehouse) -> list[str]:
    """Indicator ids with values in the warehouse (empty when there are none)."""
    return run_named(wh, "indicator_ids", package=SQL_PACKAGE)["indicator_id"].tolist()


def load_region_indicator_values(wh: Warehouse, geo_codes: Sequence[str],
                                 indicator_ids: Sequence[str]) -> pd.DataFrame:
    """Latest value (sex T) of each indicator for each region: indicator_id, geo_code, year,
    value, flag, source. Empty when the warehouse has none of these values."""
    if not geo_codes or not indicator_ids:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    return run_named(wh, "partner_region_values", package=SQL_PACKAGE,
                     geo_codes=list(geo_codes), indicator_ids=list(indicator_ids))
