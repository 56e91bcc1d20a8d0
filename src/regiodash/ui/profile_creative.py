"""Two additions to the region profile (ui.profile_view calls them; issue 15):

- the "Creative economy" section: the region's cultural employment share (Eurostat cult_emp_reg,
  % of total employment, sex T), its change over the years with values, its rank in its
  country and in Europe among the regions of its level, its CCI specialisation (location
  quotient, EU27 = 1) and its innovation group; women and men only at country level (Eurostat
  publishes cultural employment by sex by country, cult_emp_sex), said so.
- the profile of a country outside the NUTS area (e.g. MA): the World Bank values stored for it
  and what does not exist for it (no NUTS regions, no Regional Innovation Index, no group).

Missing values stay missing (a metric shows "no data"); flags and sources are shown with the
values; demo values are named as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from indicators.creative import INPUT_ID, LQ_ID
from regiodash.ui import data
from regiodash.ui.neighbourhood import outside_names
from regiodash.ui.text import escape_markdown
from regiodash.ui.url import render_copy_link

BY_SEX_ID = "cultural_employment_by_sex_pct"
MAX_CACHED = 64
SEX_NAMES = {"T": "total", "F": "women", "M": "men"}


@dataclass(frozen=True)
class CreativeProfile:
    """The creative-economy figures of one region (None = no value)."""

    share: float | None  # % of total employment, latest year with a value
    year: int | None
    first_year: int | None
    change: float | None  # percentage points, first_year -> year
    rank_country: tuple[int, int] | None  # (rank, regions ranked), 1 = largest share
    rank_europe: tuple[int, int] | None
    lq: float | None  # location quotient, same year as the share when it has one
    women: float | None  # the country's share among employed women (cult_emp_sex)
    men: float | None
    sex_year: int | None
    group: str | None  # innovation group (latest year with one), None when none
    sources: tuple[str, ...]
    flags: tuple[str, ...]


def _latest(values: pd.DataFrame, indicator: str, sex: str = "T") -> pd.DataFrame:
    rows = values[(values["indicator_id"] == indicator) & (values["sex"] == sex)
                  & values["value"].notna()]
    return rows.sort_values("year")


def _rank(level_rows: pd.DataFrame, region: str) -> tuple[int, int] | None:
    """Rank by share, 1 = largest (ties share the better rank), among `level_rows`."""
    if region not in set(level_rows["geo_code"]):
        return None
    ranks = level_rows["value"].rank(ascending=False, method="min")
    mine = ranks[level_rows["geo_code"] == region].iloc[0]
    return int(mine), len(level_rows)


@data.rerun_cache(MAX_CACHED)
def creative_profile(version: str, region: str, level: int) -> CreativeProfile | None:
    """The section's figures, or None when the region has no cultural employment value."""
    values = data.region_values(version, region)
    share = _latest(values, INPUT_ID)
    if share.empty:
        return None
    last, first = share.iloc[-1], share.iloc[0]
    year = int(last["year"])
    level_rows = data.level_year_values(version, INPUT_ID, level, "T")
    level_rows = level_rows[level_rows["year"] == year].reset_index(drop=True)
    country = str(region)[:2]
    in_country = level_rows[level_rows["country_code"] == country].reset_index(drop=True)
    lq = _latest(values, LQ_ID)
    lq = lq[lq["year"] == year]
    by_sex = data.indicator_series(version, BY_SEX_ID, (country,))
    by_sex = by_sex[by_sex["value"].notna()]
    sex_year = int(by_sex["year"].max()) if len(by_sex) else None
    at: dict[str, float] = (dict(zip(by_sex.loc[by_sex["year"] == sex_year, "sex"],
                                     by_sex.loc[by_sex["year"] == sex_year, "value"],
                                     strict=True)) if sex_year else {})
    groups = data.innovation_groups(version, level)
    groups = groups[(groups["geo_code"] == region) & groups["grp"].notna()].sort_values("year")
    shown = pd.concat([share.tail(1), lq])
    return CreativeProfile(
        share=float(last["value"]), year=year, first_year=int(first["year"]),
        change=(float(last["value"] - first["value"]) if len(share) > 1 else None),
        rank_country=_rank(in_country, region) if len(in_country) > 1 else None,
        rank_europe=_rank(level_rows, region),
        lq=float(lq["value"].iloc[0]) if len(lq) else None,
        women=float(at["F"]) if "F" in at else None,
        men=float(at["M"]) if "M" in at else None, sex_year=sex_year,
        group=(f"{groups['grp'].iloc[-1]} ({int(groups['year'].iloc[-1])})"
               if len(groups) else None),
        sources=tuple(sorted(set(shown["source"].dropna().astype(str)))),
        flags=tuple(sorted(set(shown["flag"].dropna().astype(str)) - {""})))


def _pct(value: float | None) -> str:
    return "no data" if value is None else f"{value:.2f} %"


def render_creative_economy(version: str, region: str, level: int) -> None:
    """The profile's "Creative economy" section (an expander, closed at first)."""
    cp = creative_profile(version, region, level)
    with st.expander("Creative economy", icon=":material/palette:"):
        if cp is None:
            st.caption("No cultural employment value for this region (Eurostat cult_emp_reg "
                       "covers NUTS 0-2); import or fetch it to see the creative economy.")
            return
        cols = st.columns(4)
        cols[0].metric(f"Cultural employment {cp.year}", _pct(cp.share),
                       delta=(f"{cp.change:+.2f} since {cp.first_year}"
                              if cp.change is not None else None), delta_color="off",
                       help="% of total employment (Eurostat cult_emp_reg, both sexes); the change "
                       "in percentage points since the first year with a value")
        cols[1].metric("CCI specialisation (EU27 = 1)",
                       "no data" if cp.lq is None else f"{cp.lq:.2f}",
                       help="Location quotient: the region's share over the EU27 share")
        cols[2].metric("Rank in its country", _rank_text(cp.rank_country),
                       help="Among regions of the same NUTS level, 1 = largest share")
        cols[3].metric("Rank in Europe", _rank_text(cp.rank_europe),
                       help="Among all regions of the same NUTS level with a value")
        sex = (f"Women {_pct(cp.women)}, men {_pct(cp.men)} in {cp.sex_year} "
               f"({region[:2]} as a whole: Eurostat publishes cultural employment by sex "
               "by country only)" if cp.sex_year else
               "Women and men: no value (published by country only).")
        flags = f" Flags: {', '.join(cp.flags)}." if cp.flags else ""
        st.caption(escape_markdown(
            f"{sex} Innovation group: {cp.group or 'none (no index for this region)'}. "
            f"Source: {', '.join(cp.sources)}.{flags}"))


def _rank_text(rank: tuple[int, int] | None) -> str:
    return "–" if rank is None else f"{rank[0]} of {rank[1]}"


# ------------------------------------------------------------------ countries outside NUTS ---

def is_outside(version: str, region: str) -> bool:
    """Whether `region` is a drawn country outside NUTS (ui.neighbourhood)."""
    return region in outside_names(version)


@data.rerun_cache(MAX_CACHED)
def outside_profile_table(version: str, region: str) -> pd.DataFrame:
    """The latest value of each indicator and sex stored for a country outside NUTS: title,
    sex, year, value, unit, flag, source, first year (missing values are left out)."""
    values = data.region_values(version, region)
    values = values[values["value"].notna()].sort_values("year")
    if values.empty:
        return pd.DataFrame(columns=["title", "sex", "year", "value", "unit", "flag",
                                     "source", "since"])
    first = values.groupby(["indicator_id", "sex"])["year"].min().rename("since")
    latest = values.groupby(["indicator_id", "sex"]).tail(1).join(
        first, on=["indicator_id", "sex"])
    latest = latest.assign(sex=latest["sex"].map(SEX_NAMES).fillna(latest["sex"]))
    return latest[["title", "sex", "year", "value", "unit", "flag", "source", "since"]
                  ].reset_index(drop=True)


def render_outside_profile(version: str, region: str, query: Mapping[str, str]) -> None:
    """The profile of a country outside NUTS: what exists (its stored values, World Bank
    WDI) and what does not (NUTS regions, the innovation index and group, NUTS peers)."""
    name = outside_names(version)[region]
    head = st.columns([5, 1])
    head[0].subheader(f"{escape_markdown(name)} ({region}), country outside the NUTS area")
    with head[1]:
        render_copy_link(dict(query))
    st.info(escape_markdown(
        f"{name} has no NUTS regions: no regional values, no Regional Innovation Index or "
        "innovation group (they cover NUTS regions), no strengths, gender or sustainability "
        "scores and no peers. Shown: the country values stored for it (World Bank World "
        "Development Indicators, CC BY 4.0, where imported)."), icon=":material/public:")
    table = outside_profile_table(version, region)
    if table.empty:
        st.warning(escape_markdown(
            f"No values for {name} in this warehouse: import World Bank WDI files "
            "(`regiodash import API_...csv`) or fetch them (`regiodash fetch`)."))
        return
    st.dataframe(table, hide_index=True, column_config={
        "title": "Indicator", "sex": "Sex", "year": "Latest year", "value": "Value",
        "unit": "Unit", "flag": "Flag", "source": "Source", "since": "First year"})


# ------------------------------------------------------------------ partner regions (Projects) ---

@data.rerun_cache(MAX_CACHED)
def cci_columns(version: str, codes: tuple[str, ...], level: int) -> dict[str, list[str]]:
    """The CCI profile of partner regions for the Projects regions table, one entry per code
    in order: "CCI share" (the latest cultural employment share at the level, "4.20 % (2023)";
    "no data" when none, "outside NUTS" for a country outside the NUTS area) and "innovation
    group" (latest year with one; "-" at country level or without an index)."""
    shares = data.level_year_values(version, INPUT_ID, level, "T").sort_values("year")
    tail = shares.groupby("geo_code").tail(1)
    latest = dict(zip(tail["geo_code"], zip(tail["value"], tail["year"], strict=True),
                      strict=True))
    groups = data.innovation_groups(version, level)
    groups = groups[groups["grp"].notna()].sort_values("year").groupby("geo_code").tail(1)
    group_of = dict(zip(groups["geo_code"], groups["grp"], strict=True))
    outside = outside_names(version)

    def share(code: str) -> str:
        if code in latest:
            value, year = latest[code]
            return f"{float(value):.2f} % ({int(year)})"
        return "outside NUTS" if code in outside else "no data"

    return {"CCI share": [share(c) for c in codes],
            "innovation group": [str(group_of.get(c, "-")) for c in codes]}
