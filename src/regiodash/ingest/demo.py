"""The synthetic demo panel: the offline default for every indicator without bundled real data.

Grain: one row per catalog indicator, region, year (2012-2023, fewer where the indicator's
profile says so) and sex (F, M, T where the indicator has a sex breakdown, else T). Regions:
the NUTS 2 regions of NUTS 2021 (extra-regio excluded), their NUTS 1 and NUTS 0 parents, and
NUTS 3 regions only for the indicators Eurostat publishes at NUTS 3 (catalog nuts_levels);
country-level indicators (nuts_levels (0,)) only for the countries of their calibration file.
A region-year the profile leaves out (years not published, countries reporting odd years
only, a few region-years at random) has no row: missing is missing, never zero. Every row has
flag null and source 'demo'; the dashboard labels demo values as synthetic, per value.

How values are made (profiles and calibration sources: ingest.demo_profiles):
- development: per NUTS 2 region, the z-score of log GDP per inhabitant in PPS (% of EU27,
  average 2017-2019) from the bundled real Eurostat table when given (`development`), else a
  fallback from country baselines, capital regions and hashed regional noise;
- level (sex T): a mix of development (`coupling`), a country effect and regional noise placed
  in the profile's range (log scale for skewed indicators), with a trend over the years and
  small year-to-year noise; the employment rates start from the real country rates by sex;
- gender gap (women minus men): the profile's base gap, larger or smaller with the country's
  real employment gap (labour-market indicators) and with development, plus regional noise,
  so gaps differ between regions and countries; women + men = total for head counts;
- parents: NUTS 1 and NUTS 0 values are means of the NUTS 2 children present (sums for head
  counts, only when every child is present); NUTS 3 values spread around their NUTS 2 parent
  (head counts split so that they add up).
Deterministic: seeded from the indicator id and region codes, so the same inputs always give
the same panel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from indicators.catalog import EUROSTAT_CATALOG
from indicators.spec import CatalogIndicator, Direction
from regiodash.config import Settings
from regiodash.ingest import demo_profiles as dp
from regiodash.ingest.bundled import BUNDLED_DIR
from regiodash.ingest.demo_profiles import (
    DEMO_YEARS,
    FALLBACK,
    DemoProfile,
    profile_for,
)
from regiodash.storage.files import write_parquet_atomic
from regiodash.storage.layout import (
    WarehousePaths,
    append_manifest,
    new_manifest_record,
    require_local,
)
from regiodash.storage.schema import OBSERVATIONS_SCHEMA

DEMO_NUTS_VERSION = "2021"
DEVELOPMENT_YEARS = ("2017", "2018", "2019")
DEVELOPMENT_UNIT = "PPS_HAB_EU27_2020"

__all__ = ["DEMO_NUTS_VERSION", "DEMO_YEARS", "FALLBACK", "DemoProfile", "build_demo_panel",
           "load_development", "profile_for", "write_demo_panel"]


def _unit_hash(*parts: str) -> float:
    """A deterministic number in [0, 1) from the given strings."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _rng(*parts: str) -> np.random.Generator:
    return np.random.default_rng(int(_unit_hash(*parts) * 2**63))


def _region_factor(codes: pd.Series) -> np.ndarray:
    """Fallback development factor per region in about [-1.2, 1.2] (no real GDP needed)."""
    base = codes.str[:2].map(dp.COUNTRY_BASE).fillna(0.0).to_numpy()
    noise = np.array([_unit_hash("region", c) for c in codes]) * 0.7 - 0.35
    capital = codes.isin(dp.CAPITALS).to_numpy() * 0.35
    return np.clip(base + noise + capital, -1.2, 1.2)


def load_development(gdp: pd.DataFrame) -> pd.Series:
    """Mean GDP per inhabitant in PPS, % of EU27, over DEVELOPMENT_YEARS, per geo code.

    `gdp`: nama_10r_3gdp rows in the raw layout (unit, geo, time_period, value). A region
    without a value in those years is left out (its country's mean stands in later)."""
    rows = gdp[(gdp["unit"] == DEVELOPMENT_UNIT) & gdp["time_period"].isin(DEVELOPMENT_YEARS)]
    return rows.groupby("geo")["value"].mean().dropna().sort_index()


def _development(codes: pd.Series, development: pd.Series | None) -> np.ndarray:
    """z-score per region: log of real GDP per head (PPS) where known, else the country's
    mean z, else the fallback factor scaled to z units."""
    fallback = _region_factor(codes) * 1.6 - 0.3
    if development is None or development.empty:
        return fallback
    pct = codes.map(development).to_numpy(dtype=float)
    logs = np.log(pct)
    known = np.isfinite(logs)
    if known.sum() < 2:
        return fallback
    z = (logs - logs[known].mean()) / logs[known].std()
    country = codes.str[:2]
    country_z = pd.Series(z).groupby(country.to_numpy()).transform("mean").to_numpy()
    z = np.where(known, z, np.where(np.isfinite(country_z), country_z, fallback))
    return np.clip(z, -2.5, 2.5)


def _country_effect(countries: np.ndarray, sd: float, rng: np.random.Generator) -> np.ndarray:
    names, index = np.unique(countries, return_inverse=True)
    return rng.normal(0.0, sd, len(names))[index]


def _level(spec: CatalogIndicator, prof: DemoProfile, countries: np.ndarray, dev: np.ndarray,
           rng: np.random.Generator) -> np.ndarray:
    """Sex-T values, region x year, before missing years are removed."""
    sign = -1.0 if spec.direction == Direction.LOWER else 1.0
    n = len(dev)
    t = np.array(DEMO_YEARS, dtype=float) - dp.CALIBRATION_YEAR
    if spec.indicator_id == "employment_rate_pct":
        return _employment_level(countries, dev, prof, t, rng)
    span = prof.high - prof.low
    own = rng.normal(0.0, 1.0, n)
    z = (prof.coupling * dev + np.sqrt(1 - prof.coupling**2) * own
         + _country_effect(countries, prof.country_sd, rng))
    pos = 1 / (1 + np.exp(-1.7 * sign * z))
    if prof.log:
        base = prof.low * (prof.high / prof.low) ** pos
        growth = (1 + sign * prof.trend) ** t
        noise = np.exp(rng.normal(0.0, prof.noise * 3, (n, len(t))))
        return base[:, None] * growth[None, :] * noise
    base = prof.low + span * pos
    return (base[:, None] + sign * prof.trend * span * t[None, :]
            + rng.normal(0.0, prof.noise * span, (n, len(t))))


def _employment_level(countries: np.ndarray, dev: np.ndarray, prof: DemoProfile,
                      t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Employment rate 20-64: the real country rate (both sexes) plus the region's
    development relative to its country, a regional term and the trend."""
    known = {c: (f + m) / 2 + dp.EMPLOYMENT_20_64_OFFSET
             for c, (f, m) in dp.COUNTRY_EMPLOYMENT.items()}
    fallback = 62.0 + 6.0 * pd.Series(dev).groupby(countries).transform("mean").to_numpy()
    country_rate = np.array([known.get(c, np.nan) for c in countries])
    country_rate = np.where(np.isnan(country_rate), fallback, country_rate)
    dev_in_country = dev - pd.Series(dev).groupby(countries).transform("mean").to_numpy()
    base = country_rate + 2.0 * dev_in_country + rng.normal(0.0, 1.5, len(dev))
    span = prof.high - prof.low
    return (base[:, None] + prof.trend * span * t[None, :]
            + rng.normal(0.0, prof.noise * span, (len(dev), len(t))))


def _gap(spec: CatalogIndicator, prof: DemoProfile, countries: np.ndarray, dev: np.ndarray,
         rng: np.random.Generator) -> np.ndarray:
    """Women minus men per region (unit points; for head counts a share offset), constant
    over the years."""
    span = 1.0 if spec.unit == "persons" else prof.high - prof.low
    base = prof.female_gap * span
    if spec.indicator_id in ("employment_rate_pct",):
        real = {c: f - m for c, (f, m) in dp.COUNTRY_EMPLOYMENT.items()}
        base = np.array([real.get(c, -dp.EU_EMPLOYMENT_GAP) for c in countries])
        return base * np.exp(rng.normal(0.0, 0.25, len(dev)))
    ratio = np.array([dp.LABOUR_GAP_RATIO.get(c, 1.0) for c in countries])
    scale = abs(prof.female_gap) * span
    return (base + scale * prof.labour_slope * (ratio - 1.0) + scale * prof.dev_gap_slope * dev
            + rng.normal(0.0, prof.gap_sd * scale, len(dev)))


def _published(prof: DemoProfile, codes: np.ndarray, indicator_id: str,
               rng: np.random.Generator) -> np.ndarray:
    """Region x year mask of the values the demo publishes."""
    years = np.array(DEMO_YEARS)
    keep = (years >= prof.first_year) & (years <= prof.last_year)
    keep = np.repeat(keep[None, :], len(codes), axis=0)
    if prof.odd_years_share:
        odd_only = np.array([_unit_hash("odd", indicator_id, c[:2]) < prof.odd_years_share
                             for c in codes])
        keep &= ~(odd_only[:, None] & (years[None, :] % 2 == 0))
    return keep & (rng.random(keep.shape) >= prof.missing)


def _frame(codes: np.ndarray, values: np.ndarray, keep: np.ndarray, sex: str) -> pd.DataFrame:
    rows, cols = np.nonzero(keep)
    return pd.DataFrame({"geo_code": codes[rows], "year": np.array(DEMO_YEARS)[cols],
                         "sex": sex, "value": values[rows, cols]})


def _finish_values(spec: CatalogIndicator, values: np.ndarray) -> np.ndarray:
    if spec.unit.startswith("% of") and not any(w in spec.unit for w in ("GDP", "average")):
        values = np.clip(values, 0.1, 99.9)  # shares stay shares
    return np.round(np.maximum(values, 0.0), spec.decimals + 1)


def _indicator_rows(spec: CatalogIndicator, codes: np.ndarray, dev: np.ndarray) -> pd.DataFrame:
    """NUTS 2 rows of one indicator (all sexes)."""
    prof = profile_for(spec)
    rng = _rng("demo", spec.indicator_id)
    countries = np.array([c[:2] for c in codes])
    total = _level(spec, prof, countries, dev, rng)
    gap = _gap(spec, prof, countries, dev, rng)
    keep = _published(prof, codes, spec.indicator_id, rng)
    frames = [_frame(codes, _finish_values(spec, total), keep, "T")]
    if spec.has_sex:
        if spec.unit == "persons":
            share = np.clip(0.5 + gap / 2, 0.15, 0.6)[:, None]
            parts = {"F": total * share, "M": total * (1 - share)}
        else:
            parts = {"F": total + gap[:, None] / 2, "M": total - gap[:, None] / 2}
        frames += [_frame(codes, _finish_values(spec, v), keep, s) for s, v in parts.items()]
    return pd.concat(frames, ignore_index=True)


def _country_rows(spec: CatalogIndicator, countries: list[str]) -> pd.DataFrame:
    """A country-level indicator. The rural employment rate: the real 2022 rates by sex of
    the countries in the calibration file, with the profile's trend and small noise. Any
    other: the profile's range placed by the country's development, with its gender gap."""
    prof = profile_for(spec)
    rng = _rng("demo", spec.indicator_id)
    t = np.array(DEMO_YEARS, dtype=float) - dp.CALIBRATION_YEAR
    span = prof.high - prof.low
    trend = prof.trend * span * t[None, :]
    if spec.indicator_id == "employment_rate_rural_pct":
        codes = np.array(sorted(c for c in countries if c in dp.COUNTRY_RURAL_EMPLOYMENT))
        by_sex = {sex: np.array([dp.COUNTRY_RURAL_EMPLOYMENT[c][i] for c in codes])[:, None]
                  + trend + rng.normal(0.0, 0.6, (len(codes), len(t)))
                  for i, sex in enumerate(("F", "M"))}
    else:
        codes = np.array(sorted(countries))
        dev = np.array([dp.COUNTRY_BASE.get(c, 0.0) for c in codes])
        pos = 1 / (1 + np.exp(-1.7 * (prof.coupling * dev + rng.normal(0.0, 0.3, len(codes)))))
        base = (prof.low + span * pos)[:, None] + trend
        gap = prof.female_gap * span * np.exp(rng.normal(0.0, 0.3, len(codes)))[:, None]
        noise = rng.normal(0.0, prof.noise * span, (len(codes), len(t)))
        by_sex = {"F": base + gap / 2 + noise, "M": base - gap / 2 + noise}
    by_sex["T"] = (by_sex["F"] + by_sex["M"]) / 2
    keep = _published(prof, codes, spec.indicator_id, rng)
    return pd.concat([_frame(codes, _finish_values(spec, v), keep, s)
                      for s, v in by_sex.items()], ignore_index=True)


def _nuts3_rows(spec: CatalogIndicator, rows: pd.DataFrame, nuts3: np.ndarray) -> pd.DataFrame:
    """NUTS 3 values around their NUTS 2 parent's: head counts split into shares that add
    up, other values spread by a fixed per-region log factor (profile nuts3_sd)."""
    prof = profile_for(spec)
    rng = _rng("demo-nuts3", spec.indicator_id)
    parent = pd.Series([c[:4] for c in nuts3])
    if spec.unit == "persons":
        weight = pd.Series(rng.gamma(2.0, 1.0, len(nuts3)))
        factor = (weight / weight.groupby(parent).transform("sum")).to_numpy()
    else:
        factor = np.exp(rng.normal(0.0, prof.nuts3_sd, len(nuts3)))
    children = pd.DataFrame({"geo_code": nuts3, "parent": parent, "factor": factor})
    merged = rows.merge(children, left_on="geo_code", right_on="parent", suffixes=("_p", ""))
    merged["value"] = np.round(merged["value"] * merged["factor"], spec.decimals + 1)
    return merged[["geo_code", "year", "sex", "value"]]


def _parents(panel: pd.DataFrame, persons: set[str]) -> list[pd.DataFrame]:
    """NUTS 1 and NUTS 0 rows from the NUTS 2 rows: means of the children present; sums for
    head counts, only where every child is present."""
    nuts2 = panel[panel["geo_code"].str.len() == 4]
    n_children = {w: nuts2.groupby(nuts2["geo_code"].str[:w])["geo_code"].nunique()
                  for w in (3, 2)}
    out = []
    for width in (3, 2):
        keys = ["indicator_id", "dataset", "unit", "geo_code", "year", "sex"]
        grouped = nuts2.assign(geo_code=nuts2["geo_code"].str[:width]).groupby(
            keys, as_index=False)["value"].agg(["mean", "sum", "count"])
        is_sum = grouped["indicator_id"].isin(persons)
        count = grouped["count"] == grouped["geo_code"].map(n_children[width])
        grouped["value"] = np.where(is_sum, grouped["sum"], grouped["mean"]).round(3)
        out.append(grouped.loc[~is_sum | count, [*keys, "value"]])
    return out


def build_demo_panel(regions: pd.DataFrame, development: pd.Series | None = None,
                     exclude: Collection[str] = ()) -> pd.DataFrame:
    """Demo observations for every Eurostat catalog indicator not in `exclude` (module doc).

    World Bank (WDI) entries are left out: real WDI files exist for every country, and a
    synthetic value would compete with them for the same country and year.

    `regions`: geo_code and nuts_level of NUTS 2021 (levels 0-3; NUTS 3 only used for the
    indicators published there). `development`: GDP per head in PPS, % of EU27, by geo code
    (`load_development`); None uses the fallback development factor.
    """
    level = regions["nuts_level"]
    codes2 = regions.loc[level == 2, "geo_code"]
    codes2 = np.sort(codes2[~codes2.str.endswith("Z")].unique().astype(object))
    nuts3 = regions.loc[level == 3, "geo_code"]
    nuts3 = np.sort(nuts3[~nuts3.str.endswith("Z")].unique().astype(object))
    countries = sorted({c[:2] for c in codes2})
    dev = _development(pd.Series(codes2), development)
    frames, persons = [], set()
    for spec in EUROSTAT_CATALOG:
        if spec.indicator_id in exclude:
            continue
        if spec.nuts_levels == (0,):
            rows = _country_rows(spec, countries)
        else:
            rows = _indicator_rows(spec, codes2, dev)
            if 3 in spec.nuts_levels and len(nuts3):
                rows = pd.concat([rows, _nuts3_rows(spec, rows, nuts3)], ignore_index=True)
        if spec.unit == "persons":
            persons.add(spec.indicator_id)
        frames.append(rows.assign(indicator_id=spec.indicator_id, dataset=spec.dataset,
                                  unit=spec.unit))
    panel = pd.concat(frames, ignore_index=True)
    panel = pd.concat([panel, *_parents(panel, persons)], ignore_index=True)
    panel = panel[panel["geo_code"].isin(set(regions["geo_code"]))]
    panel["nuts_level"] = (panel["geo_code"].str.len() - 2).astype("int8")
    panel["nuts_version"] = DEMO_NUTS_VERSION
    panel["flag"] = None
    panel["source"] = "demo"
    panel["year"] = panel["year"].astype("int16")
    return panel[list(OBSERVATIONS_SCHEMA.names)].sort_values(
        ["indicator_id", "nuts_level", "year", "geo_code", "sex"]).reset_index(drop=True)


def _bundled_development(bundled_gdp: Path | None) -> pd.Series | None:
    if bundled_gdp is None or not bundled_gdp.is_file():
        return None
    gdp = pd.read_parquet(bundled_gdp, columns=["unit", "geo", "time_period", "value"])
    return load_development(gdp)


def write_demo_panel(settings: Settings, exclude: Collection[str] = (),
                     bundled_gdp: Path | None = None) -> int:
    """Write raw/demo/demo_panel.parquet (atomically) and record it in the manifest.

    `exclude`: catalog ids left out (those the bundled real default holds). `bundled_gdp`:
    the bundled nama_10r_3gdp Parquet for the development factor (default: the committed
    one under data/bundled/; the fallback factor when it is absent)."""
    require_local(settings, "writing the demo panel")
    regions = pd.read_parquet(
        settings.reference_dir / "nuts_regions.parquet",
        columns=["geo_code", "nuts_level", "country_code", "nuts_version"],
    )
    regions = regions[(regions["nuts_version"] == DEMO_NUTS_VERSION)
                      & (regions["nuts_level"] <= 3)]
    gdp_path = bundled_gdp if bundled_gdp is not None else BUNDLED_DIR / "nama_10r_3gdp.parquet"
    panel = build_demo_panel(regions, _bundled_development(gdp_path), exclude)
    paths = WarehousePaths(settings.data_dir)
    table = pa.Table.from_pandas(panel, preserve_index=False).cast(OBSERVATIONS_SCHEMA)
    write_parquet_atomic(table, paths.demo_panel)
    append_manifest(paths, [new_manifest_record(
        dataset="demo_panel", source="demo", format="synthetic", location="regiodash demo",
        sha256=None, rows=len(panel), nuts_version=DEMO_NUTS_VERSION,
        licence="synthetic (no licence needed)",
        note="SYNTHETIC demo data: not real statistics",
    )])
    return len(panel)
