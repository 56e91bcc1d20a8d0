"""The synthetic demo panel: the offline default when no real data is loaded.

Grain: one row per catalog indicator, region, year (2012-2023) and sex (F, M, T where the
indicator has a sex breakdown, else T). Regions: every NUTS 2 region of NUTS 2021 (extra-regio
excluded) and, as plain means of their children, their NUTS 1 and NUTS 0 parents.

Values are deterministic (seeded from the indicator id and region code) and plausible, not
real: a regional "development" factor (country baseline + capital-region boost + regional
noise) drives every indicator in its direction, with a gentle trend over time and a sex gap
that has the usual sign for the indicator. Every row carries source = 'demo'; the dashboard
shows a "synthetic demo data" banner whenever any displayed value is demo.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from indicators.catalog import CATALOG
from indicators.spec import CatalogIndicator, Direction
from regiodash.config import Settings
from regiodash.storage.files import write_parquet_atomic
from regiodash.storage.layout import (
    WarehousePaths,
    append_manifest,
    new_manifest_record,
    require_local,
)
from regiodash.storage.schema import OBSERVATIONS_SCHEMA

DEMO_YEARS = tuple(range(2012, 2024))
DEMO_NUTS_VERSION = "2021"

# Rough country baselines in [-1, 1] (innovation and income level, loosely after the European
# Innovation Scoreboard groups); only the demo panel's regional structure depends on them.
COUNTRY_BASE = {
    "SE": 0.9, "DK": 0.85, "FI": 0.85, "NL": 0.8, "BE": 0.7, "CH": 0.95, "DE": 0.7, "LU": 0.7,
    "AT": 0.65, "IE": 0.6, "NO": 0.6, "IS": 0.45, "FR": 0.45, "EE": 0.35, "UK": 0.55,
    "SI": 0.25, "CY": 0.2, "CZ": 0.1, "IT": 0.05, "MT": 0.1, "ES": 0.0, "PT": 0.0,
    "LT": -0.05, "EL": -0.15, "HU": -0.2, "HR": -0.25, "SK": -0.3, "PL": -0.25, "LV": -0.35,
    "BG": -0.6, "RO": -0.65, "TR": -0.6, "RS": -0.55, "ME": -0.55, "MK": -0.65, "AL": -0.7,
    "LI": 0.6,
}
CAPITALS = {"AT13", "BE10", "BG41", "CZ01", "DE30", "DK01", "EE00", "EL30", "ES30", "FI1B",
            "FR10", "HR05", "HU11", "IE06", "ITI4", "LT01", "LU00", "LV00", "NL32", "PL91",
            "PT17", "RO32", "SE11", "SI04", "SK01", "NO08", "CH01", "UKI3"}


@dataclass(frozen=True)
class DemoProfile:
    """Plausible range of an indicator: low/high for the weakest/strongest regions."""

    low: float
    high: float
    trend: float = 0.0  # change per year as a share of (high - low), in the "better" direction
    female_gap: float = 0.0  # women minus men as a share of (high - low)


# Profiles by unit, then by indicator id for the ones whose unit alone says too little.
UNIT_PROFILES = {
    "% of GDP": DemoProfile(0.2, 3.5, 0.01),
}
ID_HINTS: list[tuple[str, DemoProfile]] = [
    ("gerd_business", DemoProfile(0.05, 2.6, 0.01)),
    ("gerd_government", DemoProfile(0.02, 0.6, 0.0)),
    ("gerd_higher", DemoProfile(0.05, 0.9, 0.005)),
    ("gerd", DemoProfile(0.2, 3.6, 0.01)),
    ("researchers_headcount", DemoProfile(300.0, 40_000.0, 0.01, -0.3)),
    ("rd_personnel", DemoProfile(0.4, 3.2, 0.015, -0.2)),
    ("scientists_engineers", DemoProfile(3.0, 14.0, 0.01, -0.1)),
    ("hrst", DemoProfile(25.0, 62.0, 0.01, 0.08)),
    ("high_tech", DemoProfile(1.0, 9.0, 0.01, -0.25)),
    ("knowledge_intensive", DemoProfile(25.0, 55.0, 0.01, 0.1)),
    ("tertiary", DemoProfile(14.0, 58.0, 0.012, 0.15)),
    ("lifelong", DemoProfile(1.0, 32.0, 0.01, 0.08)),
    ("patent", DemoProfile(2.0, 400.0, 0.0)),
    ("pct_eu27", DemoProfile(30.0, 220.0, 0.005)),
    ("gdp_per_capita_eur", DemoProfile(4_000.0, 75_000.0, 0.012)),
    ("gdp", DemoProfile(9_000.0, 60_000.0, 0.012)),
    ("employment_rate", DemoProfile(55.0, 84.0, 0.008, -0.25)),
    ("neet", DemoProfile(4.0, 30.0, 0.008, 0.1)),
    ("unemployment", DemoProfile(2.5, 25.0, 0.01, 0.04)),
    ("life_expectancy", DemoProfile(74.0, 84.5, 0.006, 0.5)),
    ("waste", DemoProfile(250.0, 750.0, 0.004)),
    ("poverty", DemoProfile(9.0, 45.0, 0.008, 0.05)),
    ("early_leavers", DemoProfile(2.0, 22.0, 0.01, -0.2)),
    ("broadband", DemoProfile(55.0, 99.0, 0.03)),
    ("internet", DemoProfile(50.0, 98.0, 0.03, -0.03)),
    ("density", DemoProfile(15.0, 1_500.0, 0.0)),
    ("population", DemoProfile(250_000.0, 5_000_000.0, 0.0)),
]
FALLBACK = DemoProfile(10.0, 90.0, 0.005)


def profile_for(spec: CatalogIndicator) -> DemoProfile:
    for hint, profile in ID_HINTS:
        if hint in spec.indicator_id:
            return profile
    if spec.unit in UNIT_PROFILES:
        return UNIT_PROFILES[spec.unit]
    return FALLBACK


def _unit_hash(*parts: str) -> float:
    """A deterministic number in [0, 1) from the given strings."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _region_factor(codes: pd.Series) -> np.ndarray:
    """Development factor per region in about [-1, 1]."""
    base = codes.str[:2].map(COUNTRY_BASE).fillna(0.0).to_numpy()
    noise = np.array([_unit_hash("region", c) for c in codes]) * 0.7 - 0.35
    capital = codes.isin(CAPITALS).to_numpy() * 0.35
    return np.clip(base + noise + capital, -1.2, 1.2)


def build_demo_panel(regions: pd.DataFrame) -> pd.DataFrame:
    """Demo observations for every catalog indicator.

    `regions` needs geo_code, nuts_level, country_code for NUTS 2021 (levels 0-2).
    """
    nuts2 = regions[(regions["nuts_level"] == 2)].copy()
    nuts2 = nuts2[~nuts2["geo_code"].str.endswith("Z")].sort_values("geo_code")
    codes = nuts2["geo_code"].reset_index(drop=True)
    factor = _region_factor(codes)
    years = np.array(DEMO_YEARS)
    frames = []
    for spec in CATALOG:
        prof = profile_for(spec)
        span = prof.high - prof.low
        sign = -1.0 if spec.direction == Direction.LOWER else 1.0
        rng = np.random.default_rng(int(_unit_hash("demo", spec.indicator_id) * 2**32))
        # Level: position in the range from the factor (sign follows the direction).
        pos = 1 / (1 + np.exp(-2.2 * sign * factor))
        pos = np.clip(pos + rng.normal(0, 0.06, len(codes)), 0.01, 0.99)
        t = years - years[0]
        level = prof.low + span * pos[:, None] + sign * prof.trend * span * t[None, :]
        level = level + rng.normal(0, 0.015 * span, level.shape)
        level = np.clip(level, prof.low * 0.5, prof.high * 1.15)
        sexes = ("T", "F", "M") if spec.has_sex else ("T",)
        headcount = spec.unit == "persons"
        female_share = float(np.clip(0.5 + prof.female_gap / 2, 0.05, 0.95))
        for sex in sexes:
            if headcount:
                # Counts add up: women + men = total.
                share = {"T": 1.0, "F": female_share, "M": 1.0 - female_share}[sex]
                vals = level * share
            else:
                gap = {"T": 0.0, "F": prof.female_gap / 2, "M": -prof.female_gap / 2}[sex]
                vals = level + gap * span
            vals = np.maximum(vals, prof.low * 0.05)
            if spec.unit.startswith("% of") and not any(
                    word in spec.unit for word in ("GDP", "average")):
                vals = np.clip(vals, 0.1, 99.9)  # shares stay shares
            frame = pd.DataFrame({
                "geo_code": np.repeat(codes.to_numpy(), len(years)),
                "year": np.tile(years, len(codes)),
                "value": np.round(vals.reshape(-1), spec.decimals + 1),
            })
            frame["sex"] = sex
            frame["indicator_id"] = spec.indicator_id
            frame["dataset"] = spec.dataset
            frame["unit"] = spec.unit
            frames.append(frame)
    panel = pd.concat(frames, ignore_index=True)
    # Parents: plain means of their NUTS 2 children (NUTS 1 = first 3 chars, NUTS 0 = first 2).
    parents = []
    for width in (3, 2):
        grouped = panel.assign(geo_code=panel["geo_code"].str[:width]).groupby(
            ["indicator_id", "dataset", "unit", "geo_code", "year", "sex"], as_index=False
        )["value"].mean()
        grouped["value"] = grouped["value"].round(3)
        parents.append(grouped)
    panel = pd.concat([panel, *parents], ignore_index=True)
    known = set(regions["geo_code"])
    panel = panel[panel["geo_code"].isin(known)]
    panel["nuts_level"] = panel["geo_code"].str.len().map({2: 0, 3: 1, 4: 2}).astype("int8")
    panel["nuts_version"] = DEMO_NUTS_VERSION
    panel["flag"] = None
    panel["source"] = "demo"
    panel["year"] = panel["year"].astype("int16")
    return panel[list(OBSERVATIONS_SCHEMA.names)].sort_values(
        ["indicator_id", "nuts_level", "year", "geo_code", "sex"]).reset_index(drop=True)


def write_demo_panel(settings: Settings) -> int:
    """Write raw/demo/demo_panel.parquet (atomically) and record it in the manifest."""
    require_local(settings, "writing the demo panel")
    regions = pd.read_parquet(
        settings.reference_dir / "nuts_regions.parquet",
        columns=["geo_code", "nuts_level", "country_code", "nuts_version"],
    )
    regions = regions[(regions["nuts_version"] == DEMO_NUTS_VERSION)
                      & (regions["nuts_level"] <= 2)]
    panel = build_demo_panel(regions)
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
