"""Build step: the Kohesio beneficiary table into funding indicator values.

Reads raw/kohesio/beneficiaries.parquet (written by `regiodash import --format kohesio`),
computes the funding totals with `indicators.funding.compute_totals` and appends them to the
build's indicator values, already on the build's NUTS version: a region code that version
does not know is left out and named in the build summary (the totals are sums, and the
converter's default rule averages; leaving them out is honest, converting them would not be).
Per-inhabitant values follow in the derive step (indicators.funding.compute). Deterministic:
the same table gives the same rows in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pyarrow as pa

from indicators import funding
from regiodash.storage.arrow_codes import concat_tables, table_from_frame
from regiodash.storage.layout import WarehousePaths
from regiodash.storage.schema import INDICATOR_VALUES_SCHEMA

SOURCE, DATASET = "kohesio", "beneficiaries"
COLUMNS = ["country_code", "geo_code", "nuts_level", "nuts_version", "region_partial",
           "beneficiary_name", "total_budget_eur", "eu_contribution_eur", "projects",
           "is_cluster"]


def funding_totals(paths: WarehousePaths, version: str, known: Mapping[str, set[str]],
                   skipped: list[str]) -> pd.DataFrame:
    """Funding totals (indicators.funding OUTPUT_COLUMNS plus converted_from) on NUTS
    `version`; empty when nothing was imported. Regions unknown in `version` are dropped and
    reported in `skipped`."""
    path = paths.raw_file(SOURCE, DATASET)
    if not path.exists():
        return pd.DataFrame()
    totals = funding.compute_totals(pd.read_parquet(path, columns=COLUMNS))
    codes = known.get(version, set())
    regional = totals["nuts_level"] >= 1
    unknown = regional & ~totals["geo_code"].isin(codes)
    if unknown.any():
        names = sorted(set(totals.loc[unknown, "geo_code"]))
        skipped.append(f"cohesion funding: {len(names)} regions are not NUTS {version} codes "
                       f"and have no funding values on this map: {', '.join(names[:20])}")
    return totals[~unknown].assign(nuts_version=version, converted_from=None)


def add_funding_values(values: pa.Table, paths: WarehousePaths, version: str,
                       known: Mapping[str, set[str]], skipped: list[str]) -> pa.Table:
    """`values` (INDICATOR_VALUE_COLUMNS) with the funding totals appended."""
    totals = funding_totals(paths, version, known, skipped)
    if totals.empty:
        return values
    return concat_tables([values, table_from_frame(totals, INDICATOR_VALUES_SCHEMA)])
