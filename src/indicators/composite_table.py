"""Run a composite spec and shape its result: the table `regiodash composite` writes.

`run_spec` checks the spec against the indicators available (ids and directions), applies
the scoreboard method (`indicators.composite`) and refuses a result no unit can use: a
coverage rule that no unit-year meets, or a reference unit with no score (in the base year).
Every refusal is a `SpecError` naming the spec line. `composite_table` gives one row per
scored unit-year: geo_code, year, value (the index), group and subgroup (the scoreboard's
performance groups on the same-year relative index, empty without a reference that year),
coverage (share of the indicators present, 0-1).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from indicators.composite import CompositeResult, OutputIds, compute_composite, resolve_method
from indicators.composite_spec import CompositeSpec, SpecError, check_indicators
from indicators.innovation.gaps import classify_groups
from indicators.innovation.specs import EU27_COUNTRY_CODES, EU_CODE, POPULATION_ID

TABLE_COLUMNS = ["geo_code", "year", "value", "group", "subgroup", "coverage"]


def run_spec(values: pd.DataFrame, spec: CompositeSpec,
             directions: Mapping[str, str | None]) -> CompositeResult:
    """The composite of `spec` over tidy `values` (INPUT_COLUMNS; see indicators.composite).

    `directions`: every indicator id available (catalog, derived, user, WDI) -> its declared
    direction ('higher'/'lower', or None when it declares none). SpecError (naming the line)
    for an unknown id, an id without direction, no rows for any indicator, a coverage rule no
    unit-year meets, or no reference score (in the base year)."""
    checked = check_indicators(spec, directions)
    method = resolve_method(spec, checked, eu_code=EU_CODE, eu_members=EU27_COUNTRY_CODES)
    result = compute_composite(values, method, OutputIds.for_spec(spec),
                               population_id=POPULATION_ID)
    if result.coverage.empty:
        where = spec.line_of("options.years") or spec.line_of("options.levels") or (
            spec.indicators[0].line)
        raise SpecError(f"no values for any indicator of {spec.id} at NUTS level(s) "
                        f"{list(spec.levels)}" + (f" in {spec.years[0]}-{spec.years[1]}"
                                                  if spec.years else ""), spec.source, where)
    if not result.coverage["meets_coverage"].any():
        best = result.coverage["n_present"].max()
        need = int(np.ceil(spec.min_coverage * len(method.ids) - 1e-9))
        raise spec.error(
            f"no unit-year meets the coverage rule: min_coverage {spec.min_coverage:.3g} of "
            f"{len(method.ids)} indicators needs {need}, the best unit-year has {best}",
            "options.min_coverage")
    if result.values.empty or not (result.values["indicator_id"] == spec.id).any():
        where = f" in base year {spec.base_year}" if spec.base_year is not None else ""
        raise spec.error(f"no reference score{where}: reference {spec.reference!r} has no score "
                         "meeting the coverage rule there", "options.base_year"
                         if spec.base_year is not None else "options.reference")
    return result


def composite_table(result: CompositeResult, spec: CompositeSpec) -> pd.DataFrame:
    """One row per scored unit-year with an index (TABLE_COLUMNS), sorted by geo_code, year.
    Units keep their own level (a geo code names it). Missing group: no same-year reference."""
    index = result.values.loc[result.values["indicator_id"] == spec.id,
                              ["geo_code", "nuts_level", "year", "value"]]
    scored = result.scored
    coverage = scored.assign(coverage=scored["n_present"] / len(
        [i for i in spec.indicators if i.weight > 0]))
    same = scored[["geo_code", "nuts_level", "year", "same_year_index"]].rename(
        columns={"same_year_index": "relative_index"})
    groups = classify_groups(same.loc[np.isfinite(same["relative_index"].to_numpy(float))])
    out = index.merge(coverage[["geo_code", "nuts_level", "year", "coverage"]],
                      on=["geo_code", "nuts_level", "year"], how="left")
    out = out.merge(groups[["geo_code", "nuts_level", "year", "grp", "subgroup"]],
                    on=["geo_code", "nuts_level", "year"], how="left")
    out = out.rename(columns={"grp": "group"}).sort_values(["geo_code", "year"])
    return out[TABLE_COLUMNS].reset_index(drop=True)
