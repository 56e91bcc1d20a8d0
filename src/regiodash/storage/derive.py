"""Run the indicator modules over the built indicator values (part of `regiodash build`).

Input: catalog indicator values (one row per indicator, region, year and sex). Output: the
derived rows (same columns) and the innovation groups table (one row per region, level and
year). The modules are pure; this is the one place that feeds them warehouse data.
"""

from __future__ import annotations

import pandas as pd

from indicators import gender_inclusion, innovation_gap, sustainability

DERIVED_COLUMNS = ["indicator_id", "geo_code", "nuts_level", "nuts_version", "year", "sex",
                   "value", "flag", "source"]
GROUP_COLUMNS = ["geo_code", "nuts_level", "nuts_version", "year", "relative_index", "grp",
                 "subgroup"]


def derive_indicators(values: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(derived indicator rows, innovation groups) from catalog indicator values."""
    innovation = innovation_gap.compute(values)
    index_rows = innovation[innovation["indicator_id"] == innovation_gap.INDEX_ID]
    parts = [
        innovation,
        innovation_gap.compute_gap_to_eu(index_rows),
        innovation_gap.compute_gap_to_next_group(index_rows),
        innovation_gap.compute_gap_to_country_best(index_rows),
        gender_inclusion.compute(values),
        sustainability.compute(values),
    ]
    parts = [p[DERIVED_COLUMNS] for p in parts if len(p)]
    derived = (pd.concat(parts, ignore_index=True) if parts
               else pd.DataFrame(columns=DERIVED_COLUMNS))
    groups = innovation_gap.classify_groups(index_rows) if len(index_rows) else pd.DataFrame(
        columns=GROUP_COLUMNS)
    return derived, groups[GROUP_COLUMNS]
