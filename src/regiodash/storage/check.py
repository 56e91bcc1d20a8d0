"""Validation of a built warehouse: schemas, unique keys, known NUTS codes, value ranges.

Also the losses an import must not hide: a catalog indicator whose dataset is imported (a raw
file exists) but which has no Eurostat observation with a value is a problem, with the reason
read from the raw file (`storage.coverage`); a dimension column of a Eurostat raw file holding
label text instead of codes is a warning (`CheckReport.warnings`, also shown in the facts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb
import pyarrow.parquet as pq

from regiodash.storage.connection import Warehouse
from regiodash.storage.coverage import (
    CATALOG_DATASETS,
    catalog_indicators,
    count_observations,
    explain_empty,
    show_values,
)
from regiodash.storage.layout import WarehousePaths, quote_ident
from regiodash.storage.schema import INDICATOR_VALUES_SCHEMA, OBSERVATIONS_SCHEMA

_NOT_DIMENSIONS = {"time_period", "value", "flag", "nuts_version"}
_CODE = re.compile(r"[A-Z0-9_.\-]+")  # what a dimension code looks like (as sdmx_csv reads it)


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    facts: dict[str, object] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    """Not fatal, but the user should see them (label text kept where codes belong)."""

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
    by_region_used = wh.by_region_used
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
    check_catalog_coverage(wh, report)
    check_label_columns(paths, report)
    return report


def check_catalog_coverage(wh: Warehouse, report: CheckReport) -> None:
    """A problem per catalog indicator whose dataset has a raw file but which has no Eurostat
    observation with a value, with the reason the raw file gives."""
    paths = wh.paths
    fed = {row[0] for row in wh.query_rows(
        "SELECT DISTINCT indicator_id FROM observations "
        "WHERE source = 'eurostat' AND value IS NOT NULL")}
    for dataset in sorted(CATALOG_DATASETS):
        raw = paths.raw_file("eurostat", dataset)
        empty = [e for e in catalog_indicators(dataset) if e.indicator_id not in fed]
        if not empty or not raw.exists():
            continue
        frame = pq.read_table(raw).to_pandas()
        where = raw.relative_to(paths.root)
        for entry in empty:
            if count_observations(frame, entry):  # the build dropped them: see its output
                why = "the raw file has matching rows, but the build kept none"
            else:
                why = explain_empty(frame, entry)[0]
            report.problems.append(
                f"catalog indicator {entry.indicator_id}: {dataset} is imported ({where}) "
                f"but gives it no observation: {why}")
    report.facts["catalog_datasets_imported"] = sum(
        paths.raw_file("eurostat", d).exists() for d in CATALOG_DATASETS)


def check_label_columns(paths: WarehousePaths, report: CheckReport) -> None:
    """A warning per dimension column of a Eurostat raw file that holds label text (values
    that are no code), e.g. `indic_em` of a label-only file the catalog does not read."""
    found = []
    con = duckdb.connect()
    try:
        for source, dataset, path in paths.raw_files():
            if source != "eurostat":
                continue
            names = pq.read_schema(path).names
            for column in (n for n in names if n not in _NOT_DIMENSIONS):
                values = [row[0] for row in con.execute(
                    f"SELECT DISTINCT CAST({quote_ident(column)} AS VARCHAR) AS v "  # noqa: S608
                    "FROM read_parquet(?) WHERE NOT regexp_full_match(v, ?) ORDER BY v "
                    "LIMIT 1000", [str(path), _CODE.pattern]).fetchall()]
                if values:
                    found.append(f"{dataset}.{column}: {show_values(values)}")
    finally:
        con.close()
    report.warnings.extend(f"label text kept instead of codes in {item}" for item in found)
    if found:
        report.facts["label_columns_kept_as_text"] = "; ".join(found)
