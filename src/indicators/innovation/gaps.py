"""Performance groups, innovation gaps, change since a base year and convergence statistics.

Every function reads the regional_innovation_index rows that `index.compute` produces (or a
frame with a relative_index column); the gap and change functions return tidy rows in
OUTPUT_COLUMNS, the convergence functions one row per NUTS level (and year).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.frames import OUTPUT_COLUMNS
from indicators.innovation.rows import (
    country_of,
    finish_rows,
    flag_letters,
    is_nuts_code,
    require_columns,
    tidy_rows,
)
from indicators.innovation.specs import (
    COMPARE_DECIMALS,
    GAP_TO_COUNTRY_BEST_ID,
    GAP_TO_EU_ID,
    GAP_TO_NEXT_GROUP_ID,
    INDEX_CHANGE_ID,
    INDEX_ID,
    LEADER_ABOVE,
    MODERATE_CUTS,
    MODERATE_FROM,
    NEXT_GROUP_THRESHOLD,
    SCORE_CHANGE_ID,
    SCORE_ID,
    STRONG_CUTS,
    STRONG_FROM,
)

# --- groups --------------------------------------------------------------------------------


def _relative_frame(relative: pd.DataFrame) -> pd.DataFrame:
    """geo_code, nuts_level, nuts_version, year, relative_index (+ flag, source) from either a
    frame with a relative_index column or tidy rows holding regional_innovation_index."""
    if "relative_index" in relative.columns:
        frame = relative.copy()
    elif {"indicator_id", "value"} <= set(relative.columns):
        frame = relative.loc[relative["indicator_id"] == INDEX_ID].rename(
            columns={"value": "relative_index"}
        )
    else:
        raise ValueError("expected a relative_index column or tidy regional_innovation_index rows")
    require_columns(frame, ["geo_code", "nuts_level", "year", "relative_index"], "relative")
    if "nuts_version" not in frame.columns:
        frame["nuts_version"] = None
    if "flag" not in frame.columns:
        frame["flag"] = None
    if "source" not in frame.columns:
        frame["source"] = "derived"
    frame = frame.assign(
        relative_index=pd.to_numeric(frame["relative_index"], errors="coerce").astype(float)
    )
    frame = frame.loc[np.isfinite(frame["relative_index"].to_numpy())]
    return frame.reset_index(drop=True)


def _with_bits(frame: pd.DataFrame) -> pd.DataFrame:
    has_e, has_p = flag_letters(frame["flag"])
    return frame.assign(has_e=has_e, has_p=has_p, is_demo=(frame["source"] == "demo").to_numpy())


def _thirds(x: np.ndarray, c1: np.ndarray, c2: np.ndarray) -> np.ndarray:
    """'+' above c2, '' above c1 up to c2, '-' at or below c1 (a cut point goes down)."""
    return np.where(x > c2, "+", np.where(x > c1, "", "-"))


def classify_groups(relative: pd.DataFrame) -> pd.DataFrame:
    """Performance group and subgroup per region-year.

    Input: a frame with geo_code, nuts_level, year, relative_index (and nuts_version), or the
    tidy output of `compute` (its regional_innovation_index rows are used). Grain of the
    output: one row per geo_code, nuts_level, year; columns geo_code, nuts_level,
    nuts_version, year, relative_index, grp, subgroup.

    Groups (relative index r, EU = 100): Leader r > 125; Strong 100 <= r <= 125; Moderate
    70 <= r < 100; Emerging r < 70. Subgroups ('+', '', '-'): Strong cut at 108.3 and 116.7,
    Moderate at 80 and 90; Leader thirds of [125, top] and Emerging thirds of [bottom, 70],
    where top/bottom are the highest/lowest index among regions (NUTS-shaped codes) of the same
    level and year (all rows when no region is a Leader/Emerging). A value exactly on a cut
    point belongs to the lower third, so 125 -> Strong '+', 116.7 -> Strong '', 108.3 ->
    Strong '-', 100 -> Strong '-', 90 -> Moderate '', 80 -> Moderate '-', 70 -> Moderate '-'.
    Values and cut points are compared after rounding to 9 decimals.
    """
    frame = _relative_frame(relative)
    columns = ["geo_code", "nuts_level", "nuts_version", "year", "relative_index"]
    if frame.empty:
        return pd.DataFrame(columns=[*columns, "grp", "subgroup"])
    x = frame["relative_index"].round(COMPARE_DECIMALS)
    by = [frame["nuts_level"], frame["year"]]
    region = pd.Series(is_nuts_code(frame["geo_code"]), index=frame.index)
    top_regions = x.where(region).groupby(by).transform("max")
    top = top_regions.where(top_regions > LEADER_ABOVE, x.groupby(by).transform("max"))
    bottom_regions = x.where(region).groupby(by).transform("min")
    bottom = bottom_regions.where(bottom_regions < MODERATE_FROM, x.groupby(by).transform("min"))
    xv = x.to_numpy()
    top_v, bottom_v = top.to_numpy(dtype="float64"), bottom.to_numpy(dtype="float64")
    leader_c1 = np.round(LEADER_ABOVE + (top_v - LEADER_ABOVE) / 3, COMPARE_DECIMALS)
    leader_c2 = np.round(LEADER_ABOVE + 2 * (top_v - LEADER_ABOVE) / 3, COMPARE_DECIMALS)
    emerging_c1 = np.round(bottom_v + (MODERATE_FROM - bottom_v) / 3, COMPARE_DECIMALS)
    emerging_c2 = np.round(bottom_v + 2 * (MODERATE_FROM - bottom_v) / 3, COMPARE_DECIMALS)
    grp = np.select(
        [xv > LEADER_ABOVE, xv >= STRONG_FROM, xv >= MODERATE_FROM],
        ["Leader", "Strong", "Moderate"],
        default="Emerging",
    )
    subgroup = np.select(
        [grp == "Leader", grp == "Strong", grp == "Moderate"],
        [
            _thirds(xv, leader_c1, leader_c2),
            _thirds(xv, np.full_like(xv, STRONG_CUTS[0]), np.full_like(xv, STRONG_CUTS[1])),
            _thirds(xv, np.full_like(xv, MODERATE_CUTS[0]), np.full_like(xv, MODERATE_CUTS[1])),
        ],
        default=_thirds(xv, emerging_c1, emerging_c2),
    )
    out = frame[columns].assign(grp=grp, subgroup=subgroup)
    out["nuts_level"] = out["nuts_level"].astype("int64")
    out["year"] = out["year"].astype("int64")
    return out.sort_values(["nuts_level", "geo_code", "year"]).reset_index(drop=True)


# --- gaps and change -----------------------------------------------------------------------


def compute_gap_to_eu(index_values: pd.DataFrame) -> pd.DataFrame:
    """innovation_gap_to_eu_points = regional_innovation_index - 100 (points; higher is
    better). Grain: one row per region-year with an index; flag, source and nuts_version are
    those of the index row."""
    frame = _with_bits(_relative_frame(index_values))
    return finish_rows(
        [tidy_rows(GAP_TO_EU_ID, frame.assign(value=frame["relative_index"] - 100.0))]
    )


def compute_gap_to_next_group(index_values: pd.DataFrame) -> pd.DataFrame:
    """innovation_gap_to_next_group_points: points to the lower threshold of the next group
    (Emerging -> 70, Moderate -> 100, Strong -> 125), 0 for Leaders (lower is better).
    A Strong region at exactly 125 gets 0: Leaders need strictly more than 125."""
    frame = _with_bits(_relative_frame(index_values))
    groups = classify_groups(frame)
    frame = frame.merge(groups[["geo_code", "nuts_level", "year", "grp"]], how="left")
    threshold = frame["grp"].map(NEXT_GROUP_THRESHOLD).astype("float64")
    gap = (threshold - frame["relative_index"]).where(frame["grp"] != "Leader", 0.0)
    return finish_rows([tidy_rows(GAP_TO_NEXT_GROUP_ID, frame.assign(value=gap))])


def compute_gap_to_country_best(index_values: pd.DataFrame) -> pd.DataFrame:
    """innovation_gap_to_country_best_points: best index among regions of the same country
    (first two letters of geo_code), level and year minus the region's index (>= 0; lower is
    better). Pseudo-regions and the EU are left out. The flag combines the region's and the
    best region's flags (ties for best: the first geo_code)."""
    frame = _with_bits(_relative_frame(index_values))
    frame = frame.loc[is_nuts_code(frame["geo_code"])]
    frame = frame.assign(country=country_of(frame["geo_code"]).to_numpy())
    keys = ["nuts_level", "year", "country"]
    best = frame.sort_values(
        [*keys, "relative_index", "geo_code"], ascending=[True, True, True, False, True]
    ).drop_duplicates(keys)
    best = best[[*keys, "relative_index", "has_e", "has_p", "is_demo"]].rename(
        columns={"relative_index": "best", "has_e": "b_e", "has_p": "b_p", "is_demo": "b_d"}
    )
    frame = frame.merge(best, on=keys, how="left")
    frame = frame.assign(
        value=frame["best"] - frame["relative_index"],
        has_e=frame["has_e"] | frame["b_e"],
        has_p=frame["has_p"] | frame["b_p"],
        is_demo=frame["is_demo"] | frame["b_d"],
    )
    return finish_rows([tidy_rows(GAP_TO_COUNTRY_BEST_ID, frame)])


def compute_change_since(values: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """Change since `base_year`, for every later year of each region with a base-year row.

    From the tidy output of `compute`: innovation_index_change_points = index(year) -
    index(base) and innovation_score_change = score(year) - score(base). Grain: one row per
    indicator, region and year > base_year. The flag combines both years' flags.
    """
    require_columns(values, OUTPUT_COLUMNS, "values")
    frames = []
    for source_id, change_id in ((INDEX_ID, INDEX_CHANGE_ID), (SCORE_ID, SCORE_CHANGE_ID)):
        rows = _with_bits(values.loc[values["indicator_id"] == source_id])
        base = rows.loc[
            rows["year"] == base_year,
            ["geo_code", "nuts_level", "value", "has_e", "has_p", "is_demo"],
        ]
        base = base.rename(
            columns={"value": "base", "has_e": "b_e", "has_p": "b_p", "is_demo": "b_d"}
        )
        later = rows.loc[rows["year"] > base_year].merge(
            base, on=["geo_code", "nuts_level"], how="inner"
        )
        later = later.assign(
            value=later["value"] - later["base"],
            has_e=later["has_e"] | later["b_e"],
            has_p=later["has_p"] | later["b_p"],
            is_demo=later["is_demo"] | later["b_d"],
        )
        frames.append(tidy_rows(change_id, later))
    return finish_rows(frames)


# --- convergence ---------------------------------------------------------------------------


def _region_index(index_values: pd.DataFrame) -> pd.DataFrame:
    frame = _relative_frame(index_values)
    return frame.loc[is_nuts_code(frame["geo_code"])]


def compute_sigma_convergence(index_values: pd.DataFrame) -> pd.DataFrame:
    """Dispersion of the index across regions, per NUTS level and year.

    Grain: one row per nuts_level, year. Columns: nuts_level, year, n_regions, mean, sd
    (population standard deviation, ddof 0), cv = sd / mean. A falling cv over time is sigma
    convergence. Pseudo-regions are left out.
    """
    frame = _region_index(index_values)
    stats = (
        frame.groupby(["nuts_level", "year"])["relative_index"]
        .agg(n_regions="size", mean="mean", sd=lambda s: s.std(ddof=0))
        .reset_index()
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        stats["cv"] = stats["sd"] / stats["mean"]
    return stats


def compute_beta_convergence(
    index_values: pd.DataFrame, start_year: int, end_year: int
) -> pd.DataFrame:
    """OLS of annualised log growth of the index on the log initial index, per NUTS level.

    y = (ln I_end - ln I_start) / (end_year - start_year), x = ln I_start, over regions with a
    positive index in both years. Grain: one row per nuts_level. Columns: nuts_level,
    start_year, end_year, n_regions, slope, intercept, r2 (NaN when n < 2, x has no spread, or
    y has no spread for r2). A negative slope is beta convergence. Using the score instead of
    the index changes the intercept only (the EU divisor is common to all regions).
    """
    if end_year <= start_year:
        raise ValueError("end_year must be after start_year")
    frame = _region_index(index_values)
    keys = ["geo_code", "nuts_level"]
    start = frame.loc[frame["year"] == start_year, [*keys, "relative_index"]]
    end = frame.loc[frame["year"] == end_year, [*keys, "relative_index"]]
    pair = start.merge(end, on=keys, suffixes=("_0", "_1"))
    pair = pair.loc[(pair["relative_index_0"] > 0) & (pair["relative_index_1"] > 0)]
    x = np.log(pair["relative_index_0"])
    y = (np.log(pair["relative_index_1"]) - x) / (end_year - start_year)
    pair = pair.assign(x=x, y=y)
    g = pair.groupby("nuts_level")
    pair = pair.assign(
        dx=pair["x"] - g["x"].transform("mean"), dy=pair["y"] - g["y"].transform("mean")
    )
    pair = pair.assign(sxy=pair["dx"] * pair["dy"], sxx=pair["dx"] ** 2, syy=pair["dy"] ** 2)
    s = (
        pair.groupby("nuts_level")
        .agg(
            n_regions=("x", "size"),
            mx=("x", "mean"),
            my=("y", "mean"),
            sxy=("sxy", "sum"),
            sxx=("sxx", "sum"),
            syy=("syy", "sum"),
        )
        .reset_index()
    )
    ok = (s["n_regions"] >= 2) & (s["sxx"] > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (s["sxy"] / s["sxx"]).where(ok)
        r2 = (s["sxy"] ** 2 / (s["sxx"] * s["syy"])).where(ok & (s["syy"] > 0))
    return pd.DataFrame(
        {
            "nuts_level": s["nuts_level"].astype("int64"),
            "start_year": int(start_year),
            "end_year": int(end_year),
            "n_regions": s["n_regions"].astype("int64"),
            "slope": slope,
            "intercept": s["my"] - slope * s["mx"],
            "r2": r2,
        }
    )
