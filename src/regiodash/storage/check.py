"""Validation of a built warehouse: schemas, unique keys, known NUTS codes, value ranges."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow.parquet as pq

from regiodash.storage.connection import Warehouse
from regiodash.storage.schema import INDICATOR_VALUES_SCHEMA, OBSERVATIONS_SCHEMA


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    facts: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_warehouse(wh: Warehouse) -> CheckReport:
    report = CheckReport()
    paths = wh.paths
    for path, schema in ((paths.observations, OBSERVATIONS_SCHEMA),
                         (paths.indicator_values, INDICATOR_VALUES_SCHEMA)):
        if not path.exists():
            report.problems.append(f"{path.name} is missing: run `regiodash build`")
            continue
        found = pq.read_schema(path)
        for fld in schema:
            if fld.name not in found.names:
                report.problems.append(f"{path.name}: column {fld.name} missing")
            elif found.field(fld.name).type != fld.type:
                report.problems.append(
                    f"{path.name}: column {fld.name} is {found.field(fld.name).type}, "
                    f"expected {fld.type}")
    if report.problems:
        return report
    q = wh.query_rows
    report.facts["indicator_values"] = q("SELECT count(*) FROM indicator_values")[0][0]
    report.facts["observations"] = q("SELECT count(*) FROM observations")[0][0]
    report.facts["indicators"] = q(
        "SELECT count(DISTINCT indicator_id) FROM indicator_values")[0][0]
    report.facts["regions"] = q("SELECT count(DISTINCT geo_code) FROM indicator_values")[0][0]
    report.facts["years"] = q("SELECT min(year) || '-' || max(year) FROM indicator_values")[0][0]
    report.facts["by_source"] = dict(q(
        "SELECT source, count(*) FROM indicator_values GROUP BY ALL ORDER BY ALL"))
    dups = q(
        "SELECT indicator_id, geo_code, year, sex, count(*) n FROM indicator_values "
        "GROUP BY ALL HAVING n > 1 LIMIT 5")
    if dups:
        report.problems.append(f"indicator_values: duplicate keys, e.g. {dups}")
    # Observations keep one row per source and NUTS version (precedence picks later).
    dups = q(
        "SELECT indicator_id, geo_code, year, sex, source, nuts_version, count(*) n "
        "FROM observations GROUP BY ALL HAVING n > 1 LIMIT 5")
    if dups:
        report.problems.append(f"observations: duplicate keys, e.g. {dups}")
    by_region_used = paths.indicator_values_by_region.name in q(
        "SELECT sql FROM duckdb_views() WHERE view_name = 'indicator_values_by_region'")[0][0]
    report.facts["by_region_copy"] = "used" if by_region_used else "not used (profiles slower)"
    if paths.indicator_values_by_region.exists() and not by_region_used:
        report.problems.append(
            f"{paths.indicator_values_by_region.name} does not match "
            f"{paths.indicator_values.name} (one replaced without the other): run "
            "`regiodash build`, or publish both files of one build")
    unknown = q(
        "SELECT DISTINCT v.geo_code, v.nuts_version FROM indicator_values v "
        "ANTI JOIN regions r ON r.geo_code = v.geo_code AND r.nuts_version = v.nuts_version "
        "WHERE v.nuts_level >= 0 ORDER BY ALL")
    report.facts["codes_not_in_reference"] = len(unknown)
    if unknown:
        # Not fatal: Eurostat publishes some codes (e.g. NUTS 2024 ones) our geometry lacks.
        report.facts["codes_not_in_reference_sample"] = unknown[:10]
    bad_catalog = q(
        "SELECT DISTINCT v.indicator_id FROM indicator_values v "
        "ANTI JOIN indicator_catalog c USING (indicator_id)")
    if bad_catalog:
        report.problems.append(f"indicators missing from the catalog: {bad_catalog}")
    pct_out = q(
        "SELECT v.indicator_id, min(value), max(value) FROM indicator_values v "
        "JOIN indicator_catalog c USING (indicator_id) "
        "WHERE c.unit LIKE '\\% of %' ESCAPE '\\' AND c.unit NOT LIKE '%GDP%' "
        "AND c.unit NOT LIKE '%average%' "
        "AND (value < 0 OR value > 100) GROUP BY ALL")
    if pct_out:
        report.problems.append(f"percentages outside 0-100: {pct_out}")
    negative = q(
        "SELECT DISTINCT indicator_id FROM indicator_values v JOIN indicator_catalog c "
        "USING (indicator_id) WHERE value < 0 AND c.origin = 'catalog'")
    if negative:
        report.problems.append(f"negative values where none are expected: {negative}")
    zero_sex = q("SELECT count(*) FROM indicator_values WHERE sex NOT IN ('F', 'M', 'T')")[0][0]
    if zero_sex:
        report.problems.append(f"{zero_sex} rows with a sex other than F/M/T")
    return report
