"""Run the indicator modules over the built indicator values (part of `regiodash build`).

Input: catalog indicator values (one row per indicator, region, year and sex). Output: the
derived rows (same columns) and the innovation groups table (one row per region, level and
year). The modules are pure; this is the one place that feeds them warehouse data.

Each module reads only some rows (MODULE_INPUTS: the indicators and sexes it selects); the
build hands each module just those rows, a fraction of a large panel. A test checks that this
gives the same result as passing every row, so MODULE_INPUTS must follow the modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import pandas as pd

from indicators import (
    cohesion,
    creative,
    funding,
    gender_inclusion,
    gender_specs,
    sustainability,
)
from indicators.innovation import gaps as innovation_gaps
from indicators.innovation import index as innovation_index
from indicators.innovation import specs as innovation_specs

DERIVED_COLUMNS = ["indicator_id", "geo_code", "nuts_level", "nuts_version", "year", "sex",
                   "value", "flag", "source"]
GROUP_COLUMNS = ["geo_code", "nuts_level", "nuts_version", "year", "relative_index", "grp",
                 "subgroup"]
MODULE_INPUTS: Mapping[str, tuple[frozenset[str], frozenset[str]]] = MappingProxyType({
    # module: (indicator ids, sexes) of the rows it reads; it ignores every other row
    "innovation": (frozenset({*innovation_specs.COMPONENT_IDS, innovation_specs.POPULATION_ID}),
                   frozenset({"T"})),
    "gender": (frozenset(e.indicator_id for e in gender_specs.SEX_INDICATORS),
               frozenset({"F", "M"})),
    "sustainability": (frozenset(sustainability.DIMENSION_OF), frozenset({"T"})),
    "cohesion": (cohesion.INPUT_IDS, frozenset({"T"})),
    "funding": (funding.INPUT_IDS, frozenset({"T"})),
    "creative": (creative.INPUT_IDS, frozenset({"T"})),
})


def select_inputs(values: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The rows of `values` each module reads (MODULE_INPUTS), in the order of `values`."""
    out = {}
    for module, (ids, sexes) in MODULE_INPUTS.items():
        keep = values["indicator_id"].isin(ids) & values["sex"].isin(sexes)
        out[module] = values.loc[keep.to_numpy(dtype=bool)].reset_index(drop=True)
    return out


def derive_parts(
    values: pd.DataFrame | Mapping[str, pd.DataFrame],
) -> tuple[list[pd.DataFrame], pd.DataFrame]:
    """(derived rows, one frame per measure, in DERIVED_COLUMNS; innovation groups).

    `values`: all indicator values, or the rows of each module already selected as
    `select_inputs` does (keyed like MODULE_INPUTS). The build converts the parts to Arrow one
    by one instead of concatenating them in pandas first.
    """
    inputs = values if isinstance(values, Mapping) else select_inputs(values)
    innovation = innovation_index.compute(inputs["innovation"])
    index_rows = innovation[innovation["indicator_id"] == innovation_specs.INDEX_ID]
    parts = [
        innovation,
        innovation_gaps.compute_gap_to_eu(index_rows),
        innovation_gaps.compute_gap_to_next_group(index_rows),
        innovation_gaps.compute_gap_to_country_best(index_rows),
        gender_inclusion.compute(inputs["gender"]),
        sustainability.compute(inputs["sustainability"]),
        cohesion.compute(inputs["cohesion"]),
        funding.compute(inputs["funding"]),
        creative.compute(inputs["creative"]),
    ]
    groups = innovation_gaps.classify_groups(index_rows) if len(index_rows) else pd.DataFrame(
        columns=GROUP_COLUMNS)
    return [p[DERIVED_COLUMNS] for p in parts if len(p)], groups[GROUP_COLUMNS]


def derive_indicators(
    values: pd.DataFrame | Mapping[str, pd.DataFrame],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(derived indicator rows, innovation groups) from catalog indicator values (see
    `derive_parts`); grain of the rows: one per derived indicator, region, level and year."""
    parts, groups = derive_parts(values)
    derived = (pd.concat(parts, ignore_index=True) if parts
               else pd.DataFrame(columns=DERIVED_COLUMNS))
    return derived, groups
