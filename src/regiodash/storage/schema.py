"""Column dictionary and table schemas of the warehouse (each column defined once).

Grain of each table:
- observations: one row per indicator, region, year and sex, from one published dataset.
- indicator_values: one row per indicator, region, year and sex (real values take precedence
  over demo values for the same key; derived indicators are added by the indicator modules).
- manifest: one row per import or fetch.
"""

from __future__ import annotations

import pyarrow as pa

COLUMNS: dict[str, tuple[pa.DataType, str]] = {
    "indicator_id": (pa.string(), "stable id of an indicator in the catalog or a derived one"),
    "dataset": (pa.string(), "publisher's dataset code, lower case (e.g. nama_10r_2gdp)"),
    "geo_code": (pa.string(), "NUTS code (or EU aggregate such as EU27_2020)"),
    "nuts_level": (pa.int8(), "0 country .. 3; -1 for supranational aggregates (EU27_2020)"),
    "nuts_version": (pa.string(), "NUTS classification the code belongs to (2013, 2016, 2021, "
                     "2024); in indicator_values always the build's version"),
    "year": (pa.int16(), "reference year"),
    "sex": (pa.string(), "F women, M men, T total"),
    "value": (pa.float64(), "value in the indicator's unit; null when missing (never zero)"),
    "flag": (pa.string(), "Eurostat observation flag (e, p, b, c, ...), null when none"),
    "unit": (pa.string(), "unit of value after normalisation"),
    "source": (pa.string(), "eurostat, user, demo or derived"),
    "converted_from": (pa.string(), "NUTS version a value was converted from with the JRC "
                       "NUTS converter weights; null when published in the build's version"),
}

OBSERVATION_COLUMNS = [
    "indicator_id", "dataset", "geo_code", "nuts_level", "nuts_version", "year", "sex",
    "value", "flag", "unit", "source",
]
INDICATOR_VALUE_COLUMNS = [
    "indicator_id", "geo_code", "nuts_level", "nuts_version", "year", "sex", "value", "flag",
    "source", "converted_from",
]
INDICATOR_VALUE_KEY = ["indicator_id", "geo_code", "year", "sex"]

MANIFEST_SCHEMA = pa.schema(
    [
        ("import_id", pa.string()),
        ("dataset", pa.string()),
        ("source", pa.string()),
        ("format", pa.string()),
        ("location", pa.string()),
        ("sha256", pa.string()),
        ("imported_at", pa.string()),
        ("rows", pa.int64()),
        ("nuts_version", pa.string()),
        ("licence", pa.string()),
        ("note", pa.string()),
        ("imported_by", pa.string()),  # added later: null in rows of older manifests
    ]
)


def schema_for(columns: list[str]) -> pa.Schema:
    return pa.schema([(name, COLUMNS[name][0]) for name in columns])


OBSERVATIONS_SCHEMA = schema_for(OBSERVATION_COLUMNS)
INDICATOR_VALUES_SCHEMA = schema_for(INDICATOR_VALUE_COLUMNS)

GROUPS_SCHEMA = pa.schema([
    ("geo_code", pa.string()),
    ("nuts_level", pa.int8()),
    ("nuts_version", pa.string()),
    ("year", pa.int16()),
    ("relative_index", pa.float64()),
    ("grp", pa.string()),
    ("subgroup", pa.string()),
])
"""innovation_groups: one row per region, NUTS level and year with a Regional Innovation Index."""
