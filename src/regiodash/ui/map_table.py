"""The map's alternatives to the picture: a text description, the "regions in this view"
table with its CSV, and a region picker (pure builders, no Streamlit, no I/O).

Grain: one row per region of the view (indicator, NUTS level, year, sex or gap, country), the
regions of the map's values frame (ui.data.map_values, merged with innovation groups for the
index), overseas regions included (they are in the table although off the map's frame).
A missing value stays missing: an empty cell in the table ("no data" shown), an empty field
in the CSV, never zero. Flags are described in words; a value moved from another NUTS version
is marked "converted from NUTS <v>" in the table and has `converted_from_nuts` in the CSV.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import pandas as pd

from indicators.innovation.specs import INDEX_ID
from regiodash.ui.maps import GROUP_COLOURS, MapSpec, format_value
from regiodash.ui.text import csv_header_block

PROFILE_PATH = "profile"  # app.py's url_path of the region profile (relative link)
GROUP_ORDER = tuple(GROUP_COLOURS)  # Leader, Strong, Moderate, Emerging
PLURALS = {"Innovation group": "innovation groups", "Category": "categories"}


@dataclass(frozen=True)
class TableMeta:
    """What the CSV's header block says about its rows (plain text, one value per line)."""

    indicator: str
    title: str
    unit: str
    level: int
    year: int
    sex: str
    country: str  # "" = all of Europe
    nuts_version: str
    source: str
    licence: str
    link: str = ""


def profile_params(code: str, indicator: str) -> dict[str, str]:
    """The profile's canonical parameters for a region opened from the map: `indicator` only
    when it is not the profile's default (the index)."""
    params = {"region": code}
    if indicator and indicator != INDEX_ID:
        params["indicator"] = indicator
    return params


def profile_link(code: str, indicator: str) -> str:
    """The profile's URL of a region, relative to the page (profile_params)."""
    return f"{PROFILE_PATH}?{urlencode(profile_params(code, indicator))}"


def _name(name: object, code: str) -> str:
    return name if isinstance(name, str) and name else code


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def class_labels(values: pd.DataFrame, categories: tuple[tuple[int, str], ...],
                 grouped: bool) -> list[str | None]:
    """Per row: the innovation group (with its +/- subgroup) of a group map, the category label
    of a category map ("not a category (<v>)" for a code the spec does not know), else None
    everywhere. None = no value."""
    if grouped:
        return [None if _missing(g) else f"{g} {'' if _missing(s) else s}".strip()
                for g, s in zip(values["grp"], values["subgroup"], strict=True)]
    if categories:
        labels = {float(code): label for code, label in categories}
        return [None if _missing(v) else labels.get(float(v), f"not a category ({v:g})")
                for v in values["value"]]
    return [None] * len(values)


def _class_rank(label: str | None, categories: tuple[tuple[int, str], ...],
                grouped: bool) -> int:
    order = GROUP_ORDER if grouped else tuple(lbl for _, lbl in categories)
    if _missing(label):
        return len(order) + 1
    head = label.split(" ")[0] if grouped else label
    return order.index(head) if head in order else len(order)


def region_rows(values: pd.DataFrame, spec: MapSpec, indicator: str,
                categories: tuple[tuple[int, str], ...], grouped: bool,
                describe_flag: Callable[[str], str]) -> pd.DataFrame:
    """The table's rows in their reading order: by class (group or category, in the legend's
    order) then by value, the better end first (highest, or lowest for "lower is better"),
    regions without a value last. Columns: geo_code, geo_name, country_code, value (rounded
    to the indicator's decimals; NaN = no data), cls (group / category label or None), flag,
    flag_meaning, source, nuts_version, converted_from, profile."""
    frame = values.reset_index(drop=True)
    converted = (frame["converted_from"] if "converted_from" in frame
                 else pd.Series([None] * len(frame)))
    out = pd.DataFrame({
        "geo_code": frame["geo_code"].astype(str),
        "geo_name": [_name(n, c) for n, c in zip(frame["geo_name"], frame["geo_code"],
                                                 strict=True)],
        "country_code": frame["country_code"].astype(str),
        "value": pd.to_numeric(frame["value"], errors="coerce").round(spec.decimals),
        "cls": class_labels(frame, categories, grouped),
        "flag": [f if isinstance(f, str) and f else None for f in frame["flag"]],
        "flag_meaning": [describe_flag(f) if isinstance(f, str) and f else None
                         for f in frame["flag"]],
        "source": [s if isinstance(s, str) else None for s in frame["source"]],
        "nuts_version": frame["nuts_version"].astype(str),
        "converted_from": [c if isinstance(c, str) and c else None for c in converted],
    })
    out["profile"] = [profile_link(c, indicator) for c in out["geo_code"]]
    better_low = spec.direction == "lower" and not spec.diverging
    key = out["value"] if better_low else -out["value"]
    order = pd.DataFrame({
        "missing": out["value"].isna(),
        "cls": [_class_rank(c, categories, grouped) for c in out["cls"]],
        "key": key, "name": out["geo_name"]})
    by = ["cls", "missing", "key", "name"] if (grouped or categories) else [
        "missing", "key", "name"]
    return out.loc[order.sort_values(by, kind="stable").index].reset_index(drop=True)


def class_title(categories: tuple[tuple[int, str], ...], grouped: bool) -> str:
    """The class column's name: "Innovation group", "Category" or "" (no classes)."""
    return "Innovation group" if grouped else ("Category" if categories else "")


def display_table(rows: pd.DataFrame, spec: MapSpec, class_name: str) -> pd.DataFrame:
    """region_rows as the page shows them: human column names, the NUTS version with its
    conversion mark, the flag in words. A category map shows its category, not the code."""
    nuts = [v if _missing(c) else f"{v} (converted from NUTS {c})"
            for v, c in zip(rows["nuts_version"], rows["converted_from"], strict=True)]
    flag = ["" if _missing(f) else f"{f}: {m}"  # no flag is not "no data"
            for f, m in zip(rows["flag"], rows["flag_meaning"], strict=True)]
    shown = {"Region": rows["geo_name"], "Code": rows["geo_code"],
             "Country": rows["country_code"]}
    if class_name:
        shown[class_name] = rows["cls"]
    if class_name != "Category":
        shown[value_column(spec)] = rows["value"]
    shown |= {"Flag": flag, "Source": rows["source"], "NUTS version": nuts,
              "Profile": rows["profile"]}
    return pd.DataFrame(shown)


def value_column(spec: MapSpec) -> str:
    return f"Value ({spec.unit})" if spec.unit else "Value"


def data_status(sources: pd.Series, values: pd.Series) -> str:
    """"demo (synthetic ...)", "real" or "mixed: ..." over the rows with a value."""
    have = sources[values.notna()]
    demo = int((have == "demo").sum())
    if not len(have):
        return "no values"
    if demo == len(have):
        return "demo (synthetic values, not real statistics)"
    if demo == 0:
        return "real (published statistics)"
    return f"mixed: {demo} of {len(have)} values are synthetic demo values"


def table_csv(rows: pd.DataFrame, meta: TableMeta, class_name: str) -> str:
    """The table as CSV with a header block of `# key: value` lines (indicator, unit, year,
    level, sex, country, NUTS version, data status, converted values, source, link), then
    one row per region. Read it back with pandas.read_csv(path, comment="#"). Missing values
    are empty fields."""
    converted = int(rows["converted_from"].notna().sum())
    header = [
        ("dataset", "RegioDash: regions in this map view"),
        ("indicator", f"{meta.indicator} ({meta.title})"),
        ("unit", meta.unit), ("year", str(meta.year)), ("NUTS level", str(meta.level)),
        ("sex", meta.sex), ("country", meta.country or "all"),
        ("NUTS version", meta.nuts_version),
        ("data status", data_status(rows["source"], rows["value"])),
        ("converted values", f"{converted} (column converted_from_nuts names the NUTS "
                             "version a value was converted from)" if converted else "none"),
        ("source", f"{meta.source} ({meta.licence})"),
        ("missing values", "empty value field (no data); never zero"),
    ]
    out = csv_header_block(header, meta.link)
    columns = {"geo_code": "geo_code", "geo_name": "geo_name", "country_code": "country_code",
               "value": "value", "flag": "flag", "flag_meaning": "flag_meaning",
               "source": "source", "nuts_version": "nuts_version",
               "converted_from": "converted_from_nuts"}
    body = rows[list(columns)].rename(columns=columns)
    if class_name:
        body.insert(4, class_name.lower().replace(" ", "_"), rows["cls"])
    decimals = max(0, int(meta_decimals(rows)))
    body.to_csv(out, index=False, float_format=f"%.{decimals}f", lineterminator="\n",
                quoting=csv.QUOTE_MINIMAL)
    return out.getvalue()


def meta_decimals(rows: pd.DataFrame) -> int:
    """Decimals of the (already rounded) values: the CSV writes no more than the table."""
    values = rows["value"].dropna()
    for decimals in range(0, 7):
        if ((values.round(decimals) - values).abs() < 1e-9).all():
            return decimals
    return 6


def describe_map(rows: pd.DataFrame, spec: MapSpec, class_name: str, view: str) -> str:
    """The map in one or two sentences, for screen readers and as its visible caption: `view`
    (what is shown: title, level, year, sex, area), how many regions have a value, the lowest
    and highest (or the count per class), how many are grey."""
    have = rows[rows["value"].notna()]
    missing = len(rows) - len(have)
    counted = f"{len(have):,} of {len(rows):,} regions have a value"
    if not len(have):
        return f"{view}: no region has a value."
    if class_name:
        counts = have["cls"].dropna().map(lambda c: c.split(" ")[0] if class_name ==
                                          "Innovation group" else c).value_counts(sort=False)
        parts = ", ".join(f"{n:,} {label}" for label, n in counts.items())
        detail = f"{PLURALS.get(class_name, class_name)}: {parts}"
    else:
        low = have.loc[have["value"].idxmin()]
        high = have.loc[have["value"].idxmax()]

        def named(row: pd.Series) -> str:
            return (f"{row['geo_name']} ({row['geo_code']}, "
                    f"{format_value(float(row['value']), spec.decimals, spec.unit)})")
        detail = f"lowest {named(low)}, highest {named(high)}"
    grey = f"; {missing:,} grey (no data)" if missing else ""
    return f"{view}: {counted}; {detail}{grey}."


def picker_options(rows: pd.DataFrame) -> tuple[tuple[str, ...], Mapping[str, str]]:
    """The region picker's codes (by name) and labels ("Name (CODE)")."""
    ordered = rows.sort_values(["geo_name", "geo_code"])
    labels = {c: f"{n} ({c})" for c, n in zip(ordered["geo_code"], ordered["geo_name"],
                                             strict=True)}
    return tuple(labels), labels
