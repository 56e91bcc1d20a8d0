"""The rankings page's table and its CSV (pure builders: no Streamlit, no I/O).

Grain: one row per region of one NUTS level with a value in the end year of the span (sex T),
the regions of ui.data.level_year_values (or of the reweighted index). A region without a value
in the start year keeps its row; its start rank and change stay missing (shown as "–" in the
table, an empty field in the CSV), never zero. Ranks are among every region of the level with
a value that year (1 = best; ties share the better rank), also when a country filter shows one
country's rows. With user weights the table also holds each region's rank under the published
(equal) weights, so before / after can be read side by side.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from indicators.innovation.gaps import classify_groups
from regiodash.ui.text import csv_header_block

MISSING = "–"  # what the table shows in a cell without a value (st.dataframe placeholder)
Weights = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class RankingMeta:
    """What the CSV's header block says about its rows (one `# key: value` line each)."""

    indicator: str
    title: str
    unit: str
    decimals: int
    level: int
    span: tuple[int, int]
    country: str  # "" = every country
    weights: Weights  # every component's weight when reweighted, else ()
    data_status: str
    converted: str
    source: str
    link: str = ""


def rank_of(values: pd.Series, ascending: bool) -> pd.Series:
    """1 = best (highest, or lowest when `ascending`); missing values get no rank."""
    return values.rank(ascending=ascending, method="min").astype("Int64")


def group_labels(groups: pd.DataFrame) -> pd.Series:
    """'Strong +' / 'Moderate' / 'Emerging -' per geo_code (columns geo_code, grp, subgroup)."""
    if groups.empty:
        return pd.Series(dtype="str")
    labels = [f"{g} {s if isinstance(s, str) else ''}".strip()
              for g, s in zip(groups["grp"], groups["subgroup"], strict=True)]
    return pd.Series(labels, index=groups["geo_code"].astype(str), dtype="str")


def groups_of_values(frame: pd.DataFrame, level: int, year: int) -> pd.Series:
    """Innovation group labels of index values (columns geo_code, value) of one year, with the
    scoreboard's thresholds (indicators.innovation.gaps.classify_groups)."""
    rows = frame.loc[frame["value"].notna(), ["geo_code", "value"]]
    if rows.empty:
        return pd.Series(dtype="str")
    groups = classify_groups(rows.rename(columns={"value": "relative_index"}).assign(
        nuts_level=level, year=year))
    return group_labels(groups)


def ranking_rows(frame: pd.DataFrame, span: tuple[int, int], ascending: bool, decimals: int,
                 groups: pd.Series, published: pd.Series | None = None,
                 converted: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The ranking of the end year of `span`, best first.

    `frame`: one row per region and year (geo_code, geo_name, country_code, year, value, flag);
    `groups`: innovation group label per geo_code (ui: the published groups of the end year, or
    the groups of the reweighted values); `published`: the published index per geo_code in the
    end year when the ranking is reweighted; `converted`: geo_code -> NUTS version the end
    year's value was converted from. Columns: rank, geo_name, geo_code, country_code, group,
    value, flag, rank_start, rank_change (start rank - end rank: > 0 moved up), change (end
    value - start value), converted_from, and with `published`: rank_published,
    rank_vs_published (published rank - this rank: > 0 moved up with these weights). Values and
    changes are rounded to the indicator's `decimals`.
    """
    start, end = span
    this = frame[frame["year"] == end].drop_duplicates("geo_code").set_index("geo_code")
    this = this[this["value"].notna()]
    first = frame[(frame["year"] == start) & frame["value"].notna()]
    first = first.drop_duplicates("geo_code").set_index("geo_code")["value"]
    out = pd.DataFrame(index=this.index)
    out["rank"] = rank_of(this["value"], ascending)
    out["geo_name"] = [n if isinstance(n, str) and n else c
                       for c, n in zip(this.index, this["geo_name"], strict=True)]
    out["country_code"] = this["country_code"].astype("str")
    out["group"] = groups.reindex(this.index)
    out["value"] = this["value"].astype(float).round(decimals)
    out["flag"] = [f if isinstance(f, str) and f else None for f in this["flag"]]
    start_rank = rank_of(first, ascending).reindex(this.index)
    if start < end:
        out["rank_start"] = start_rank
        out["rank_change"] = (start_rank - out["rank"]).astype("Int64")
        out["change"] = (this["value"] - first.reindex(this.index)).astype(float).round(decimals)
    out["converted_from"] = pd.Series(dict(converted or {}), dtype="str").reindex(this.index)
    if published is not None:
        before = rank_of(published, ascending).reindex(this.index)
        out["rank_published"] = before
        out["rank_vs_published"] = (before - out["rank"]).astype("Int64")
    out = out.rename_axis("geo_code").reset_index()
    out.insert(2, "geo_code", out.pop("geo_code"))  # rank, region, code, country...
    order = out.sort_values(["rank", "geo_name"], na_position="last", kind="stable").index
    return out.loc[order].reset_index(drop=True)


def column_labels(span: tuple[int, int], unit: str, reweighted: bool) -> dict[str, str]:
    """The table's human column names (st.column_config labels) by ranking_rows column."""
    start, end = span
    unit_part = f" ({unit})" if unit else ""
    return {
        "rank": "Rank, your weights" if reweighted else f"Rank {end}",
        "geo_name": "Region", "geo_code": "Code", "country_code": "Country",
        "group": "Innovation group" + (", your weights" if reweighted else f" {end}"),
        "value": f"Value {end}{unit_part}", "flag": "Flag",
        "rank_start": f"Rank {start}", "rank_change": f"Places gained since {start}",
        "change": f"Change since {start}{unit_part}",
        "converted_from": "Converted from NUTS",
        "rank_published": "Rank, published weights",
        "rank_vs_published": "Places gained by your weights",
    }


def filter_country(rows: pd.DataFrame, country: str | None) -> pd.DataFrame:
    """The rows of one country (NUTS 0 code), or all rows; ranks stay Europe-wide."""
    if not country:
        return rows
    return rows[rows["country_code"] == country].reset_index(drop=True)


def weights_text(weights: Weights) -> str:
    """'published (equal weights)' or 'gerd_business_pct_gdp 5, lifelong_learning_pct 0, others
    1'."""
    changed = [(k, w) for k, w in weights if w != 1.0]
    if not changed:
        return "published (equal weights)"
    return ", ".join(f"{k} {w:g}" for k, w in changed) + ", every other component 1"


def weights_tag(weights: Weights) -> str:
    """A short, stable tag of a reweighting for file names ('' when not reweighted)."""
    changed = [(k, w) for k, w in weights if w != 1.0]
    if not changed:
        return ""
    digest = hashlib.sha256(repr(sorted(changed)).encode()).hexdigest()[:8]
    return f"_reweighted-{digest}"


def csv_file_name(indicator: str, level: int, span: tuple[int, int], country: str | None,
                  weights: Weights) -> str:
    """ranking_<indicator>_nuts<level>_<start>-<end>[_<country>][_reweighted-<hash>].csv: a
    reweighted result never overwrites the published one (or another reweighting's)."""
    start, end = span
    years = f"{start}-{end}" if start != end else str(end)
    where = f"_{country}" if country else ""
    return f"ranking_{indicator}_nuts{level}_{years}{where}{weights_tag(weights)}.csv"


def ranking_csv(rows: pd.DataFrame, meta: RankingMeta) -> str:
    """The rows as CSV: a header block of `# key: value` lines (what, unit, years, level,
    country, data status, converted values, weights, source, missing values, link), then one
    row per region with machine column names. Values carry the indicator's decimals; a
    missing value is an empty field. Read back with pandas.read_csv(path, comment="#")."""
    start, end = meta.span
    header = [
        ("dataset", "RegioDash ranking" + (" (index recomputed with user weights)"
                                           if meta.weights else "")),
        ("indicator", f"{meta.indicator} ({meta.title})"), ("unit", meta.unit or "none"),
        ("years", f"ranked in {end}; change since {start}" if start != end else str(end)),
        ("NUTS level", str(meta.level)), ("country", meta.country or "all"),
        ("ranks", "1 = best, among every region of the level with a value that year"),
        ("data status", meta.data_status), ("converted values", meta.converted),
        ("weights", weights_text(meta.weights) if meta.weights else "not reweighted"),
        ("source", meta.source),
        ("missing values", "empty field (no data); never zero"),
    ]
    out = csv_header_block(header, meta.link)
    names = {"rank": "rank", "geo_code": "geo_code", "geo_name": "geo_name",
             "country_code": "country_code", "group": "innovation_group", "value": "value",
             "flag": "flag", "rank_start": f"rank_{start}", "rank_change": "rank_change",
             "change": f"change_since_{start}", "converted_from": "converted_from_nuts",
             "rank_published": "rank_published_weights",
             "rank_vs_published": "rank_change_vs_published"}
    columns = [c for c in names if c in rows.columns]
    rows[columns].rename(columns=names).to_csv(
        out, index=False, float_format=f"%.{max(0, meta.decimals)}f", lineterminator="\n",
        quoting=csv.QUOTE_MINIMAL)
    return out.getvalue()
