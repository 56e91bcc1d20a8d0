"""Pure builders for the region profile (tiles, components, gender and sustainability tables).
No Streamlit.

Frames come from the warehouse queries (ui.data): `values` is storage's region_values (one row
per indicator, year and sex of one region, with the catalog's title, unit, domain and
direction); level frames are level_year_values rows (one row per region of a level and year:
geo_code, country_code, year, value). Missing values stay missing: a component or year without
a value is shown as "no value", never as 0, and is never averaged into a reference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from indicators.innovation.specs import EU27_COUNTRY_CODES, INDEX_ID
from indicators.sustainability import COMPONENTS as SUSTAINABILITY_COMPONENTS
from indicators.sustainability import SUSTAINABILITY_INDEX, score_id

# st.metric's delta_color for a catalog direction: a rise is good (normal: green), a fall is
# good (inverse), or neither (off: grey, e.g. a target such as 50 % or a context figure).
DELTA_COLORS = {"higher": "normal", "lower": "inverse"}
DIMENSIONS = tuple(SUSTAINABILITY_COMPONENTS)  # environmental, social, digital


@dataclass(frozen=True)
class Tile:
    """One headline figure.

    `note`: what the figure means in words (innovation group, rank in the country), shown
    under the value without an arrow. `change`: the change since the year `since` (the
    previous year with a value), the only thing drawn as a delta; coloured by `direction` (the
    catalog's: higher or lower is better, else neutral)."""

    label: str
    value: float | str | None
    unit: str = ""
    note: str | None = None
    help: str = ""
    change: float | None = None
    since: int | None = None
    direction: str = "neutral"
    change_unit: str = ""

    @property
    def delta(self) -> str | None:
        """The note (the printed report shows it under the value)."""
        return self.note

    @property
    def change_text(self) -> str | None:
        """"+1.2 since 2021" (a sign first, so st.metric points the arrow), or None."""
        if self.change is None or self.since is None:
            return None
        number = (f"{self.change:+,.0f}" if self.change_unit else f"{self.change:+,.1f}")
        unit = f" {self.change_unit}" if self.change_unit else ""
        return f"{number}{unit} since {self.since}"

    @property
    def delta_color(self) -> str:
        if self.change is None or self.change == 0:
            return "off"
        return DELTA_COLORS.get(self.direction, "off")


def format_tile_value(tile_or_value) -> str:
    value = tile_or_value.value if isinstance(tile_or_value, Tile) else tile_or_value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    if isinstance(value, str):
        return value
    return f"{value:,.1f}"


def _series(values: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    rows = values[(values["indicator_id"] == indicator_id) & (values["sex"] == "T")
                  & values["value"].notna()]
    return rows.sort_values("year")


def _latest(values: pd.DataFrame, indicator_id: str) -> tuple[float | None, int | None]:
    rows = _series(values, indicator_id)
    if rows.empty:
        return None, None
    last = rows.iloc[-1]
    return float(last["value"]), int(last["year"])


def _direction(values: pd.DataFrame, indicator_id: str) -> str:
    if "direction" not in values:
        return "neutral"
    found = values.loc[values["indicator_id"] == indicator_id, "direction"].dropna()
    return str(found.iloc[0]) if len(found) else "neutral"


def _index_tile(values: pd.DataFrame, label: str, indicator_id: str, help_text: str,
                note: str | None = None) -> Tile:
    """A tile of one index: its latest value and the change since the previous year with one."""
    rows = _series(values, indicator_id)
    if rows.empty:
        return Tile(label, None, note=note, help=help_text)
    last, prev = rows.iloc[-1], rows.iloc[-2] if len(rows) > 1 else None
    return Tile(label, float(last["value"]), note=note,
                help=help_text.format(year=int(last["year"])),
                change=None if prev is None else float(last["value"]) - float(prev["value"]),
                since=None if prev is None else int(prev["year"]),
                direction=_direction(values, indicator_id))


def _ranks(level_index: pd.DataFrame, year: int) -> pd.DataFrame:
    same_year = level_index[level_index["year"] == year].copy()
    same_year["rank"] = same_year["value"].rank(ascending=False, method="min")
    same_year["country_rank"] = same_year.groupby("country_code")["value"].rank(
        ascending=False, method="min")
    return same_year.set_index("geo_code")


def _rank_tile(level_index: pd.DataFrame, region: str, year: int) -> Tile | None:
    """Rank by the index at the level; the change in places since the previous year."""
    now = _ranks(level_index, year)
    if region not in now.index:
        return None
    mine = now.loc[region]
    country = mine["country_code"]
    n_country = int((now["country_code"] == country).sum())
    earlier = level_index[(level_index["geo_code"] == region) & (level_index["year"] < year)
                          & level_index["value"].notna()]
    change = since = None
    if len(earlier):
        since = int(earlier["year"].max())
        change = float(_ranks(level_index, since).loc[region, "rank"] - mine["rank"])
    return Tile("Rank", f"{int(mine['rank'])} of {len(now)}",
                note=f"{int(mine['country_rank'])} of {n_country} in {country}",
                help=f"Rank by Regional Innovation Index among the regions of this NUTS level "
                     f"in {year}; the change counts places gained (+) or lost (-) since the "
                     "previous year with an index",
                change=change, since=since, direction="higher", change_unit="places")


def build_tiles(values: pd.DataFrame, groups: pd.DataFrame, level_index: pd.DataFrame,
                region: str) -> list[Tile]:
    """Headline tiles: index (and group), gap to the EU, gender and sustainability indices,
    rank. Changes over time only where a previous year has a value; no value is "no data"."""
    _, year = _latest(values, INDEX_ID)
    grp = groups[(groups["geo_code"] == region) & (groups["year"] == year)]
    group_text = None
    leader = False
    if len(grp):
        g = grp.iloc[0]
        group_text = f"{g['grp']} {g['subgroup']}".strip() + " innovator"
        leader = g["grp"] == "Leader"
    tiles = [_index_tile(values, "Regional Innovation Index", INDEX_ID,
                         "EU = 100, {year}. Group (RIS thresholds): Leader > 125, Strong "
                         "100-125, Moderate 70-100, Emerging < 70, with +/- thirds.",
                         note=group_text)]
    gap_eu, _ = _latest(values, "innovation_gap_to_eu_points")
    gap_next, _ = _latest(values, "innovation_gap_to_next_group_points")
    if leader:  # the gap to the next group is 0 by definition: there is none
        next_text = "top group"
    elif gap_next is not None:
        next_text = f"{format_tile_value(gap_next)} pts to next group"
    else:
        next_text = None
    # The gap moves exactly as the index does: its change would repeat the index tile's.
    tiles.append(Tile("Gap to EU average", gap_eu, note=next_text,
                      help="Index minus 100 (points); and points needed to reach the next "
                           "group (Leaders are the top group)"))
    tiles.append(_index_tile(values, "Gender Inclusion Index", "gender_inclusion_index",
                             "1-100, EIGE-style metrics, {year}"))
    tiles.append(_index_tile(values, "Sustainability Index", SUSTAINABILITY_INDEX,
                             "0-100, mean of the environmental, social and digital dimension "
                             "scores, {year}"))
    if year is not None and len(level_index):
        rank = _rank_tile(level_index, region, year)
        if rank is not None:
            tiles.append(rank)
    return tiles


def short_component_title(title: str) -> str:
    """A component's title without the "normalised" wording the chart axis already says."""
    return (str(title).replace("Normalised component: ", "").removesuffix(" (normalised)")
            .strip())


def build_component_table(components: pd.DataFrame, region: str, catalog: pd.DataFrame,
                          reference_countries: frozenset[str] | None = None) -> pd.DataFrame:
    """One row per component: title, region, eu (mean of regions), country (mean).

    `components`: level_values' wide frame (one row per region of the level, one column per
    component, NaN = no value, skipped by the means). `eu` averages the regions of
    `reference_countries` (None: every region of the level)."""
    if components.empty or region not in components.index:
        return pd.DataFrame(columns=["title", "region", "eu", "country"])
    titles = catalog.set_index("indicator_id")["title"]
    country = components[components.index.str[:2] == region[:2]]
    pool = (components if reference_countries is None
            else components[components.index.str[:2].isin(reference_countries)])
    table = pd.DataFrame({
        "region": components.loc[region],
        "eu": pool.mean(),
        "country": country.mean(),
    })
    table["title"] = [str(titles.get(i, i)).replace("Normalised component: ", "")
                      for i in table.index]
    return table.dropna(subset=["region"]).sort_values("region").reset_index(drop=True)


def strongest_and_weakest(table: pd.DataFrame, k: int = 3
                          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The k components where the region is furthest above and below the reference.

    `table`: build_component_table's rows (title, region, eu: the mean of the level's regions).
    Ranked by region - eu (column `difference`), strongest first and weakest first; with
    fewer than 2k components each list takes half, so no component is in both. Components
    without a reference are left out."""
    rows = table.dropna(subset=["region", "eu"]).assign(
        difference=lambda t: t["region"] - t["eu"])
    n = min(k, len(rows) // 2)
    ranked = rows.sort_values("difference", ascending=False, kind="stable")
    return (ranked.head(n).reset_index(drop=True),
            ranked.tail(n).iloc[::-1].reset_index(drop=True))


def mean_of_eu_regions(level: pd.DataFrame) -> pd.Series:
    """Unweighted mean per year of the values of EU27 countries' regions (level_year_values
    rows); regions without a value do not count. Index: year."""
    eu = level[level["country_code"].isin(EU27_COUNTRY_CODES) & level["value"].notna()]
    return eu.groupby("year")["value"].mean()


def build_gender_rows(values: pd.DataFrame, year: int) -> pd.DataFrame:
    """Women vs men per indicator in % units, at the latest year (<= `year`) with both.

    One row per indicator: indicator_id, title, unit, year, F, M."""
    columns = ["indicator_id", "title", "unit", "year", "F", "M"]
    fm = values[values["sex"].isin(["F", "M"]) & values["value"].notna()
                & (values["year"] <= year)]
    if fm.empty:
        return pd.DataFrame(columns=columns)
    wide = fm.pivot_table(index=["indicator_id", "title", "unit", "year"], columns="sex",
                          values="value", aggfunc="first").reset_index()
    if not {"F", "M"} <= set(wide.columns):
        return pd.DataFrame(columns=columns)
    wide = wide.dropna(subset=["F", "M"])
    if wide.empty:
        return pd.DataFrame(columns=columns)
    latest = wide.loc[wide.groupby("indicator_id")["year"].idxmax()]
    same_unit = latest[latest["unit"].str.startswith("%")]
    return same_unit[columns].reset_index(drop=True)


def build_gender_table(values: pd.DataFrame, year: int) -> pd.DataFrame:
    """Women vs men per indicator at the latest year (<= `year`) that has both."""
    return build_gender_rows(values, year)[["title", "unit", "F", "M"]]


def add_gender_reference(rows: pd.DataFrame, means: Mapping[tuple[str, str], pd.Series]
                         ) -> pd.DataFrame:
    """build_gender_rows plus ref_F and ref_M: the reference for women and for men in the
    row's year (`means[(indicator_id, sex)]`: mean_of_eu_regions' series); NaN when there is
    none (then no reference marker is drawn)."""
    out = rows.copy()
    for sex in ("F", "M"):
        out[f"ref_{sex}"] = [
            means.get((i, sex), pd.Series(dtype=float)).get(y, float("nan"))
            for i, y in zip(out["indicator_id"], out["year"], strict=True)]
    return out


def build_sustainability_table(values: pd.DataFrame, level: int,
                               means: Mapping[str, pd.Series]) -> pd.DataFrame:
    """The sustainability dimensions and the components behind each, for one region.

    One row per dimension (kind "dimension": its score, 0-100, latest year) followed by one
    row per component of that dimension in the catalog (kind "component": latest value in
    its own unit and year). Columns: dimension, kind, indicator_id, title, value, unit, year,
    better ("higher" / "lower"), reference (`means[indicator_id]` in the same year: the mean
    of the EU27 regions of the level), status ("" when there is a value, else why not: not
    published at this NUTS level, or no value)."""
    titles = values.drop_duplicates("indicator_id").set_index("indicator_id")["title"]
    rows: list[dict[str, object]] = []
    for dim in DIMENSIONS:
        entries = SUSTAINABILITY_COMPONENTS[dim]
        sid = score_id(dim)
        rows.append(_sustainability_row(values, dim, "dimension", sid,
                                        f"{dim.capitalize()} dimension", "score 0-100",
                                        "higher", means, status_if_missing=(
                                            "no score: too few components with a value")))
        for e in entries:
            published = level in e.nuts_levels
            rows.append(_sustainability_row(
                values, dim, "component", e.indicator_id,
                str(titles.get(e.indicator_id, e.title)), e.unit, str(e.direction), means,
                status_if_missing=("no value" if published
                                   else f"not published at NUTS {level}")))
    return pd.DataFrame(rows)


def _sustainability_row(values: pd.DataFrame, dim: str, kind: str, indicator_id: str,
                        title: str, unit: str, better: str, means: Mapping[str, pd.Series],
                        status_if_missing: str) -> dict[str, object]:
    value, year = _latest(values, indicator_id)
    ref = means.get(indicator_id, pd.Series(dtype=float))
    return {"dimension": dim, "kind": kind, "indicator_id": indicator_id, "title": title,
            "value": value, "unit": unit, "year": year, "better": better,
            "reference": float(ref.get(year, float("nan"))) if year is not None else None,
            "status": "" if value is not None else status_if_missing}
