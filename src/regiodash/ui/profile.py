"""Pure builders for the region profile (tiles, components, gender table). No Streamlit."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from indicators.innovation.specs import INDEX_ID


@dataclass(frozen=True)
class Tile:
    label: str
    value: float | str | None
    unit: str = ""
    delta: str | None = None
    help: str = ""
    neutral_delta: bool = True


def format_tile_value(tile_or_value) -> str:
    value = tile_or_value.value if isinstance(tile_or_value, Tile) else tile_or_value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    if isinstance(value, str):
        return value
    return f"{value:,.1f}"


def _latest(values: pd.DataFrame, indicator_id: str) -> tuple[float | None, int | None]:
    rows = values[(values["indicator_id"] == indicator_id) & (values["sex"] == "T")
                  & values["value"].notna()]
    if rows.empty:
        return None, None
    last = rows.loc[rows["year"].idxmax()]
    return float(last["value"]), int(last["year"])


def build_tiles(values: pd.DataFrame, groups: pd.DataFrame, level_index: pd.DataFrame,
                region: str) -> list[Tile]:
    """Headline tiles: index and group, gaps, gender and sustainability indices, ranks."""
    index, year = _latest(values, INDEX_ID)
    tiles: list[Tile] = []
    grp = groups[(groups["geo_code"] == region) & (groups["year"] == year)]
    group_text = None
    leader = False
    if len(grp):
        g = grp.iloc[0]
        group_text = f"{g['grp']} {g['subgroup']}".strip()
        leader = g["grp"] == "Leader"
    tiles.append(Tile("Regional Innovation Index", index, delta=group_text,
                      help=f"EU = 100, {year}. Group (RIS thresholds): Leader > 125, Strong "
                           "100-125, Moderate 70-100, Emerging < 70, with +/- thirds."))
    gap_eu, _ = _latest(values, "innovation_gap_to_eu_points")
    gap_next, _ = _latest(values, "innovation_gap_to_next_group_points")
    if leader:  # the gap to the next group is 0 by definition: there is none
        next_text = "top group"
    elif gap_next is not None:
        next_text = f"{format_tile_value(gap_next)} pts to next group"
    else:
        next_text = None
    tiles.append(Tile("Gap to EU average", gap_eu, delta=next_text,
                      help="Index minus 100 (points); and points needed to reach the next "
                           "group (Leaders are the top group)"))
    gii, gy = _latest(values, "gender_inclusion_index")
    tiles.append(Tile("Gender Inclusion Index", gii, help=f"1-100, EIGE-style metrics, {gy}"))
    sii, sy = _latest(values, "sustainability_index")
    tiles.append(Tile("Sustainability Index", sii, help=f"0-100, {sy}"))
    if index is not None and len(level_index):
        same_year = level_index[level_index["year"] == year].copy()
        same_year["rank"] = same_year["value"].rank(ascending=False, method="min")
        mine = same_year[same_year["geo_code"] == region]
        if len(mine):
            country = mine["country_code"].iloc[0]
            in_country = same_year[same_year["country_code"] == country].copy()
            in_country["rank"] = in_country["value"].rank(ascending=False, method="min")
            r_eu = int(mine["rank"].iloc[0])
            r_c = int(in_country.loc[in_country["geo_code"] == region, "rank"].iloc[0])
            tiles.append(Tile("Rank", f"{r_eu} of {len(same_year)}",
                              delta=f"{r_c} of {len(in_country)} in {country}",
                              help="Rank by Regional Innovation Index at this level"))
    return tiles


def build_component_table(components: pd.DataFrame, region: str, catalog: pd.DataFrame
                          ) -> pd.DataFrame:
    """One row per component: title, region, eu (mean of regions), country (mean)."""
    if components.empty or region not in components.index:
        return pd.DataFrame(columns=["title", "region", "eu", "country"])
    titles = catalog.set_index("indicator_id")["title"]
    country = components[components.index.str[:2] == region[:2]]
    table = pd.DataFrame({
        "region": components.loc[region],
        "eu": components.mean(),
        "country": country.mean(),
    })
    table["title"] = [str(titles.get(i, i)).replace("Normalised component: ", "")
                      for i in table.index]
    return table.dropna(subset=["region"]).sort_values("region").reset_index(drop=True)


def build_gender_table(values: pd.DataFrame, year: int) -> pd.DataFrame:
    """Women vs men per indicator at the latest year (<= `year`) that has both."""
    fm = values[values["sex"].isin(["F", "M"]) & values["value"].notna()
                & (values["year"] <= year)]
    if fm.empty:
        return pd.DataFrame(columns=["title", "unit", "F", "M"])
    wide = fm.pivot_table(index=["indicator_id", "title", "unit", "year"], columns="sex",
                          values="value", aggfunc="first").reset_index()
    wide = wide.dropna(subset=[c for c in ("F", "M") if c in wide.columns])
    if not {"F", "M"} <= set(wide.columns) or wide.empty:
        return pd.DataFrame(columns=["title", "unit", "F", "M"])
    latest = wide.loc[wide.groupby("indicator_id")["year"].idxmax()]
    same_unit = latest[latest["unit"].str.startswith("%")]
    return same_unit[["title", "unit", "F", "M"]].reset_index(drop=True)
