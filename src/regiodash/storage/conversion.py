"""Values published in one NUTS version, moved onto another with the JRC NUTS converter.

The reference file nuts_conversion.parquet (scripts/build_reference.py) holds, for each pair of
versions the JRC publishes (2013 -> 2021, 2016 -> 2021, 2016 -> 2024, 2021 -> 2024) and each
level 1-3, one row per intersection of an old region with a new one, with its area,
population (2011, 2021), artificial surface and built-up volume. A pair not published is
walked through the others (2013 -> 2021 -> 2024), and a pair is used backwards by swapping its
columns (intersections are symmetric), so every version reaches every other.

How a value moves (per indicator, region, year, sex and source), with w(s, t) the chosen weight
of the intersection of old region s with new region t:
- "mean" (rates, ratios, per-inhabitant values): v(t) = sum_s w(s, t) v(s) / sum_s w(s, t);
- "sum" (absolute counts): v(t) = sum_s v(s) w(s, t) / W(s), W(s) the weight of all of s.
Intersections holding less than SIGNIFICANT_SHARE of the new region's weight are slivers of
redrawn borders and are left out. A new region gets a value only when every old region that
matters for it has one: missing stays missing. A region whose code and extent do not change
(one significant intersection, same code, not split) keeps its value unchanged and is not
marked; every other moved value is marked with the version it came from (`converted_from`), and
its flag is the union of the flags of the values it was made from. Codes the tables do not
list are kept when the target version has the same code (countries outside the JRC tables,
unchanged regions), else dropped and counted.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from indicators.catalog import CATALOG
from regiodash.errors import WarehouseError
from regiodash.storage.arrow_codes import (
    concat_tables,
    dict_codes,
    dictionary_values,
    normalise_table,
    table_from_frame,
)
from regiodash.storage.layout import DEFAULT_NUTS_VERSION
from regiodash.storage.parquet_out import OBSERVATION_ORDER
from regiodash.storage.row_order import sorted_by
from regiodash.storage.schema import OBSERVATIONS_SCHEMA

CONVERSION_FILE = "nuts_conversion.parquet"
SIGNIFICANT_SHARE = 0.005
WEIGHTS = ("areaKm", "pop11", "pop21", "artif_surf12", "artif_surf18", "bu_vol")
METHODS = ("mean", "sum")
KEY = ["indicator_id", "source", "year", "sex"]
"""Besides the region: the columns that tell values apart (plus dataset and unit if present)."""


@dataclass(frozen=True)
class ConversionRule:
    """How one indicator's values move between NUTS versions (see the module docstring)."""

    method: str = "mean"
    weight: str = "pop21"

    def __post_init__(self) -> None:
        if self.method not in METHODS or self.weight not in WEIGHTS:
            raise ValueError(f"unknown conversion rule {self.method}/{self.weight}")

    def describe(self) -> str:
        what = {"areaKm": "area", "pop11": "population 2011", "pop21": "population 2021",
                "artif_surf12": "artificial surface 2012",
                "artif_surf18": "artificial surface 2018",
                "bu_vol": "built-up volume"}[self.weight]
        how = "weighted mean" if self.method == "mean" else "split of the total"
        return f"{how} by {what} (JRC NUTS converter)"


DEFAULT_RULE = ConversionRule()


@dataclass
class ConversionReport:
    """What a conversion did, for the build summary and the methodology page."""

    target: str
    converted: int = 0
    unchanged: int = 0
    dropped_unknown: dict[str, int] = field(default_factory=dict)
    missing_inputs: int = 0
    from_versions: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = []
        if self.converted:
            versions = ", ".join(f"{n:,} from NUTS {v}" for v, n in
                                 sorted(self.from_versions.items()))
            out.append(f"NUTS {self.target}: {self.converted:,} values converted ({versions})")
        if self.missing_inputs:
            out.append(f"NUTS {self.target}: {self.missing_inputs:,} regions left without a "
                       "value because an old region they overlap has none")
        for version, n in sorted(self.dropped_unknown.items()):
            out.append(f"NUTS {self.target}: {n:,} values of NUTS {version} codes that have no "
                       "counterpart were left out")
        return out


def load_conversion_table(reference_dir: Path) -> pd.DataFrame:
    """nuts_conversion.parquet, or an empty table when the reference folder has none."""
    path = Path(reference_dir) / CONVERSION_FILE
    columns = ["from_version", "to_version", "nuts_level", "code_from", "code_to", *WEIGHTS]
    if not path.is_file():
        return pd.DataFrame(columns=columns)
    return pd.read_parquet(path, columns=columns)


def conversion_steps(source: str, target: str, table: pd.DataFrame
                     ) -> list[tuple[str, str]] | None:
    """The shortest chain of published pairs (used either way) from `source` to `target`."""
    if source == target:
        return []
    pairs = set(zip(table["from_version"], table["to_version"], strict=True))
    edges: dict[str, set[str]] = {}
    for a, b in pairs:
        edges.setdefault(a, set()).add(b)
        edges.setdefault(b, set()).add(a)
    previous: dict[str, str] = {source: source}
    queue = deque([source])
    while queue:
        here = queue.popleft()
        for there in sorted(edges.get(here, ())):
            if there not in previous:
                previous[there] = here
                queue.append(there)
    if target not in previous:
        return None
    chain = [target]
    while chain[-1] != source:
        chain.append(previous[chain[-1]])
    chain.reverse()
    return list(zip(chain[:-1], chain[1:], strict=True))


def step_edges(table: pd.DataFrame, source: str, target: str, level: int, weight: str,
               target_codes: set[str]) -> pd.DataFrame:
    """Significant intersections of one step: code_from, code_to, w, share_from, identity.

    share_from is w over the weight of all of code_from (for "sum"); identity marks a region
    that neither changes code nor extent.
    """
    forward = table[(table["from_version"] == source) & (table["to_version"] == target)
                    & (table["nuts_level"] == level)]
    if forward.empty:
        backward = table[(table["from_version"] == target) & (table["to_version"] == source)
                         & (table["nuts_level"] == level)]
        forward = backward.rename(columns={"code_from": "code_to", "code_to": "code_from"})
    edges = forward[["code_from", "code_to"]].copy()
    edges["w"] = forward[weight].astype("float64").to_numpy()
    edges = edges[edges["code_to"].isin(target_codes)]
    total_to = edges.groupby("code_to")["w"].transform("sum")
    share_to = np.where(total_to > 0, edges["w"] / total_to.where(total_to > 0, 1), 0.0)
    edges["share_from"] = edges["w"] / edges.groupby("code_from")["w"].transform("sum").where(
        lambda s: s > 0, 1)
    edges = edges[share_to >= SIGNIFICANT_SHARE].copy()
    n_to = edges.groupby("code_to")["code_from"].transform("size")
    n_from = edges.groupby("code_from")["code_to"].transform("size")
    edges["identity"] = (edges["code_from"] == edges["code_to"]) & (n_to == 1) & (n_from == 1)
    edges["needed"] = n_to
    return edges.reset_index(drop=True)


def merge_flags(flags: pd.Series) -> str | None:
    """The union of Eurostat flag letters, in alphabetical order; None when none."""
    letters = sorted({ch for f in flags.dropna() for ch in str(f)})
    return "".join(letters) or None


def _apply_step(rows: pd.DataFrame, edges: pd.DataFrame, rule: ConversionRule,
                target_codes: set[str], key: list[str]) -> tuple[pd.DataFrame, int, int]:
    """One step for rows of one level and rule: (moved rows, dropped unknown, left missing).

    `rows` carry `changed` (True once a value was made from other regions); unlisted codes
    that the target version also has are kept as they are.
    """
    columns = [*key, "geo_code", "value", "flag", "changed"]
    listed = set(edges["code_from"])
    unlisted = rows[~rows["geo_code"].isin(listed)]
    same = unlisted[unlisted["geo_code"].isin(target_codes)]
    dropped = len(unlisted) - len(same)
    joined = rows.merge(edges, left_on="geo_code", right_on="code_from", how="inner")
    if joined.empty:
        return same[columns], dropped, 0
    if rule.method == "mean":
        joined["part"] = joined["w"] * joined["value"]
        joined["base"] = joined["w"].where(joined["value"].notna())
    else:
        joined["part"] = joined["value"] * joined["share_from"]
        joined["base"] = 1.0
    joined["moved"] = joined["changed"] | ~joined["identity"]
    groups = joined.groupby([*key, "code_to"], sort=False, dropna=False)
    out = groups.agg(part=("part", "sum"), base=("base", "sum"), have=("value", "count"),
                     needed=("needed", "first"), changed=("moved", "any")).reset_index()
    flags = groups["flag"].agg(merge_flags).astype(object)
    out["flag"] = flags.where(flags.notna(), None).to_numpy()
    complete = out["have"] >= out["needed"]
    if rule.method == "mean":
        out["value"] = out["part"] / out["base"].where(out["base"] > 0)
    else:
        out["value"] = out["part"]
    moved = out[complete].rename(columns={"code_to": "geo_code"})[columns]
    return pd.concat([same[columns], moved], ignore_index=True), dropped, int((~complete).sum())


def convert_frame(
    frame: pd.DataFrame,
    target: str,
    table: pd.DataFrame,
    rules: Mapping[str, ConversionRule],
    known: Mapping[str, set[str]],
) -> tuple[pd.DataFrame, ConversionReport]:
    """Rows of `frame` (levels 1-3, any NUTS version) moved onto NUTS `target`.

    `frame` has KEY columns, geo_code, nuts_level, nuts_version, value, flag (and optionally
    dataset and unit, carried along). Returns the rows in NUTS `target` with a
    `converted_from` column (the original version, or None where nothing changed) and a
    report. Rows of unknown version (None) are dropped and counted.
    """
    report = ConversionReport(target)
    extra = [c for c in ("dataset", "unit") if c in frame.columns]
    key = [*KEY, *extra]
    parts = []
    for (version, level, indicator), rows in frame.groupby(
            ["nuts_version", "nuts_level", "indicator_id"], sort=True, dropna=False):
        if version is None or pd.isna(version):
            report.dropped_unknown["unknown"] = (report.dropped_unknown.get("unknown", 0)
                                                 + len(rows))
            continue
        rule = rules.get(str(indicator), DEFAULT_RULE)
        current = rows[[*key, "geo_code", "value", "flag"]].assign(changed=False)
        steps = conversion_steps(str(version), target, table)
        if steps is None:
            report.dropped_unknown[str(version)] = (report.dropped_unknown.get(str(version), 0)
                                                    + len(rows))
            continue
        for source, step_target in steps:
            codes = known.get(step_target, set())
            edges = step_edges(table, source, step_target, int(level), rule.weight, codes)
            current, dropped, missing = _apply_step(current, edges, rule, codes, key)
            if dropped:
                report.dropped_unknown[str(version)] = (
                    report.dropped_unknown.get(str(version), 0) + dropped)
            report.missing_inputs += missing
        current["nuts_level"] = level
        current["converted_from"] = np.where(current["changed"], str(version), None)
        marked = int(current["changed"].sum())
        report.converted += marked
        report.unchanged += len(current) - marked
        if marked:
            report.from_versions[str(version)] = report.from_versions.get(str(version),
                                                                          0) + marked
        parts.append(current)
    columns = [*key, "geo_code", "nuts_level", "value", "flag", "converted_from"]
    if not parts:
        return pd.DataFrame(columns=[*columns, "nuts_version"]), report
    out = pd.concat(parts, ignore_index=True)[columns]
    out["nuts_version"] = target
    return out, report


CONVERSION_RULES: dict[str, ConversionRule] = {
    ind.indicator_id: ConversionRule(ind.conversion, ind.conversion_weight) for ind in CATALOG
}
"""The catalog's rule per indicator; user indicators use DEFAULT_RULE (population-weighted
mean)."""


def choose_build_version(observations: pa.Table, wanted: str | None,
                         known: Mapping[str, set[str]]) -> str:
    """The NUTS version a build puts every value on: `wanted` (REGIODASH_NUTS_VERSION) when
    set, else the newest version among the regional rows (levels 1-3), else 2021."""
    if wanted is not None:
        if wanted not in known:
            raise WarehouseError(
                f"REGIODASH_NUTS_VERSION={wanted!r} is not a NUTS version of the reference "
                f"data (known: {', '.join(sorted(known))})")
        return wanted
    levels = observations.column("nuts_level").to_numpy()
    versions = observations.column("nuts_version")
    codes = dict_codes(versions)[levels >= 1]
    present = [dictionary_values(versions)[c] for c in np.unique(codes[codes >= 0])]
    return max(present, key=int) if present else DEFAULT_NUTS_VERSION


def _constant(value: str | None, n: int) -> pa.DictionaryArray:
    """`value` (or null) n times. The buffers are NumPy zeros, which the OS provides as pages
    it has not touched yet: reading them costs no memory (pa.nulls fills its buffer)."""
    zeros = pa.py_buffer(np.zeros(n, np.int8))
    if value is None:
        indices = pa.Array.from_buffers(pa.int8(), n, [pa.py_buffer(np.zeros(-(-n // 8), np.uint8)),
                                                       zeros], null_count=n)
        return pa.DictionaryArray.from_arrays(indices, pa.array([], pa.string()))
    return pa.DictionaryArray.from_arrays(pa.Array.from_buffers(pa.int8(), n, [None, zeros]),
                                          pa.array([value]))


def to_build_version(observations: pa.Table, target: str, reference_dir: Path,
                     known: Mapping[str, set[str]]) -> tuple[pa.Table, ConversionReport]:
    """Observations (OBSERVATION_ORDER) with every value on NUTS `target`, plus the
    `converted_from` column, again in OBSERVATION_ORDER.

    Country rows (level 0) keep their value whatever the table's version (a country's figure
    does not depend on the regional classification). Regional rows of another version, or of
    none (codes known in no version), go through `convert_frame`; when there are none, the
    table is only relabelled, which costs nothing per row at any size.
    """
    versions = observations.column("nuts_version")
    target_code = dictionary_values(versions).index(target) \
        if target in dictionary_values(versions) else -2
    move = (observations.column("nuts_level").to_numpy() >= 1) & (
        dict_codes(versions) != target_code)
    report = ConversionReport(target)
    stay = observations if not move.any() else observations.filter(pa.array(~move))
    n = stay.num_rows
    stay = stay.set_column(stay.schema.get_field_index("nuts_version"), "nuts_version",
                           _constant(target, n)).append_column("converted_from",
                                                               _constant(None, n))
    report.unchanged = n
    if not move.any():
        return stay, report
    moving = observations.filter(pa.array(move)).to_pandas()
    for column in moving.columns:
        if isinstance(moving[column].dtype, pd.CategoricalDtype):
            moving[column] = moving[column].astype(object).where(moving[column].notna(), None)
    table = load_conversion_table(reference_dir)
    moved, step_report = convert_frame(moving, target, table, CONVERSION_RULES, known)
    step_report.unchanged += report.unchanged
    schema = pa.schema([*OBSERVATIONS_SCHEMA, pa.field("converted_from", pa.string())])
    moved_table = table_from_frame(moved, schema)
    return sorted_by(concat_tables([normalise_table(stay), moved_table]),
                     OBSERVATION_ORDER), step_report
