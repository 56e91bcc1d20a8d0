"""Deterministic synthetic panels for the benchmark, written as raw/demo/demo_panel.parquet.

Sizes (rows are observations, i.e. rows of the demo panel and of observations.parquet):

- `1x`: the synthetic demo panel `write_demo_panel` writes (every catalog indicator, none
  left out for the bundled real data): NUTS 2 of NUTS 2021 with NUTS 1 and NUTS 0 parents,
  NUTS 3 for the indicators Eurostat publishes there, 12 years (2012-2023) less the years
  each indicator's demo profile leaves out, by sex where the indicator has a sex breakdown:
  374,218 rows. (`regiodash demo` itself also imports the bundled real GDP table.)
- `10x` and `100x`: every region of NUTS 2021 at levels 0-3 (37 + 125 + 334 + 1514 = 2,010
  codes, extra-regio excluded), every catalog indicator at every level (more than Eurostat
  publishes: most catalog indicators stop at NUTS 2, so this is the worst case for the
  derived indices and for NUTS 3 maps), by sex where the catalog says so, plus synthetic
  extra indicators `bench_indicator_NNN` (by sex, unit 'index') to reach the target size:
  `10x` = 8 years (2016-2023) + 1 extra indicator = 996,960 rows (about 1 million);
  `100x` = 25 years (1999-2023) + 47 extra indicators = 10,050,000 rows (about 10 million).
  The names follow the brief's "about 1 and 10 million"; against the 1x panel they are
  2.8x and 28.6x, which the report states next to every growth ratio.

Grain: one row per indicator, region, year and sex, in the observations schema
(storage.schema.OBSERVATIONS_SCHEMA), source = 'demo', nuts_version = '2021', sorted like the
demo panel (indicator_id, nuts_level, year, geo_code, sex). Values follow the demo panel's
ranges (ingest.demo.profile_for, placed linearly) and its fallback regional development
factor (ingest.demo._region_factor); about 3 % of the values are null (missing stays
missing) and some carry flags ('p' for a share of the latest year, 'e' here and there), so
the build and the pages see missing and flagged values too.
Everything is seeded: the same size always gives the same file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from indicators.catalog import EUROSTAT_CATALOG
from indicators.spec import Direction
from regiodash.config import Settings
from regiodash.ingest.demo import FALLBACK, DemoProfile, _region_factor, profile_for
from regiodash.nuts import is_extra_regio
from regiodash.storage.files import atomic_path
from regiodash.storage.layout import WarehousePaths, append_manifest, new_manifest_record
from regiodash.storage.schema import OBSERVATIONS_SCHEMA

GENERATOR_VERSION = 2  # bump when the generated values change, so cached panels are rebuilt
NUTS_VERSION = "2021"
EXTRA_PREFIX = "bench_indicator_"
EXTRA_DATASET = "bench_synthetic"
EXTRA_UNIT = "index"
ROW_GROUP_SIZE = 64_000  # as write_parquet_atomic, which writes the 1x demo panel
NULL_SHARE = 0.03
ESTIMATE_SHARE = 0.01
PROVISIONAL_SHARE = 0.3  # of the latest year's values


@dataclass(frozen=True)
class PanelSpec:
    """One synthetic size. `years` None and `extra_indicators` 0 with demo=True is `1x`."""

    name: str
    demo: bool = False
    first_year: int = 2012
    last_year: int = 2023
    max_level: int = 2
    extra_indicators: int = 0

    @property
    def years(self) -> np.ndarray:
        return np.arange(self.first_year, self.last_year + 1, dtype=np.int16)

    def fingerprint(self) -> str:
        text = json.dumps({**asdict(self), "generator": GENERATOR_VERSION}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


SIZES: dict[str, PanelSpec] = {
    "1x": PanelSpec("1x", demo=True),
    "10x": PanelSpec("10x", first_year=2016, last_year=2023, max_level=3, extra_indicators=1),
    "100x": PanelSpec("100x", first_year=1999, last_year=2023, max_level=3,
                      extra_indicators=47),
}
# Optional, never in a default run (`make bench-1000x`): 1999-2023 at NUTS 0-3 as 100x, with
# 644 extra indicators: about 100 million rows, the scale of most of Eurostat's regional tables.
SIZES["1000x"] = PanelSpec("1000x", first_year=1999, last_year=2023, max_level=3,
                           extra_indicators=644)


@dataclass(frozen=True)
class _Series:
    indicator_id: str
    dataset: str
    unit: str
    decimals: int
    direction: str
    has_sex: bool
    profile: DemoProfile


def _series(spec: PanelSpec) -> list[_Series]:
    out = [
        _Series(c.indicator_id, c.dataset, c.unit, c.decimals, str(c.direction), c.has_sex,
                profile_for(c))
        for c in EUROSTAT_CATALOG
    ]
    out += [
        _Series(f"{EXTRA_PREFIX}{i:03d}", EXTRA_DATASET, EXTRA_UNIT, 2, str(Direction.HIGHER),
                True, FALLBACK)
        for i in range(1, spec.extra_indicators + 1)
    ]
    return sorted(out, key=lambda s: s.indicator_id)


def load_bench_regions(reference_dir: Path, max_level: int) -> pd.DataFrame:
    """NUTS 2021 regions at levels 0..max_level, extra-regio excluded, sorted by level, code."""
    regions = pd.read_parquet(reference_dir / "nuts_regions.parquet",
                              columns=["geo_code", "nuts_level", "nuts_version"])
    regions = regions[(regions["nuts_version"] == NUTS_VERSION)
                      & (regions["nuts_level"].between(0, max_level))]
    regions = regions[~regions["geo_code"].map(is_extra_regio)]
    return regions.sort_values(["nuts_level", "geo_code"]).reset_index(drop=True)


def _seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest()[:8], "big")


def _indicator_table(s: _Series, codes: np.ndarray, levels: np.ndarray, factor: np.ndarray,
                     years: np.ndarray) -> pa.Table:
    """All rows of one indicator, sorted by nuts_level, year, geo_code, sex."""
    prof = s.profile
    span = prof.high - prof.low
    sign = -1.0 if s.direction == str(Direction.LOWER) else 1.0
    rng = np.random.default_rng(_seed("bench", s.indicator_id))
    n_reg, n_years = len(codes), len(years)
    pos = 1 / (1 + np.exp(-2.2 * sign * factor))
    pos = np.clip(pos + rng.normal(0, 0.06, n_reg), 0.01, 0.99)
    t = (years - years[0]).astype(float)
    level = prof.low + span * pos[:, None] + sign * prof.trend * span * t[None, :]
    level = level + rng.normal(0, 0.015 * span, level.shape)
    level = np.clip(level, prof.low * 0.5, prof.high * 1.15)
    sexes = ("F", "M", "T") if s.has_sex else ("T",)
    female_share = float(np.clip(0.5 + prof.female_gap / 2, 0.05, 0.95))
    per_sex = []
    for sex in sexes:
        if s.unit == "persons":
            vals = level * {"T": 1.0, "F": female_share, "M": 1.0 - female_share}[sex]
        else:
            vals = level + {"T": 0.0, "F": prof.female_gap / 2,
                            "M": -prof.female_gap / 2}[sex] * span
        vals = np.maximum(vals, prof.low * 0.05)
        if s.unit.startswith("% of") and not any(w in s.unit for w in ("GDP", "average")):
            vals = np.clip(vals, 0.1, 99.9)
        per_sex.append(np.round(vals, s.decimals + 1))
    # Shape (region, year, sex) -> rows ordered by level, year, code, sex. Regions are already
    # sorted by (level, code), so within one level the order is (year, region, sex).
    cube = np.stack(per_sex, axis=-1)  # region x year x sex
    n_sex = len(sexes)
    reg_idx, year_idx, sex_idx = np.meshgrid(np.arange(n_reg), np.arange(n_years),
                                             np.arange(n_sex), indexing="ij")
    order = np.lexsort((sex_idx.ravel(), reg_idx.ravel(), year_idx.ravel(),
                        levels[reg_idx.ravel()]))
    r, y, x = reg_idx.ravel()[order], year_idx.ravel()[order], sex_idx.ravel()[order]
    value = cube[r, y, x]
    n = len(value)
    missing = rng.random(n) < NULL_SHARE
    flag = np.full(n, None, dtype=object)
    flag[rng.random(n) < ESTIMATE_SHARE] = "e"
    latest = (y == n_years - 1) & (rng.random(n) < PROVISIONAL_SHARE)
    flag[latest] = "p"
    flag[missing] = None  # a missing value carries no flag here (Eurostat's ':' alone)
    sex_names = np.array(sexes, dtype=object)
    columns = {
        "indicator_id": pa.array(np.full(n, s.indicator_id, dtype=object), pa.string()),
        "dataset": pa.array(np.full(n, s.dataset, dtype=object), pa.string()),
        "geo_code": pa.array(codes[r], pa.string()),
        "nuts_level": pa.array(levels[r].astype(np.int8), pa.int8()),
        "nuts_version": pa.array(np.full(n, NUTS_VERSION, dtype=object), pa.string()),
        "year": pa.array(years[y].astype(np.int16), pa.int16()),
        "sex": pa.array(sex_names[x], pa.string()),
        "value": pa.array(value, pa.float64(), mask=missing),
        "flag": pa.array(flag, pa.string()),
        "unit": pa.array(np.full(n, s.unit, dtype=object), pa.string()),
        "source": pa.array(np.full(n, "demo", dtype=object), pa.string()),
    }
    return pa.table(columns, schema=OBSERVATIONS_SCHEMA)


def expected_rows(spec: PanelSpec, reference_dir: Path) -> int:
    n_reg = len(load_bench_regions(reference_dir, spec.max_level))
    per_year = sum(3 if s.has_sex else 1 for s in _series(spec))
    return n_reg * per_year * len(spec.years)


def write_synthetic_panel(spec: PanelSpec, settings: Settings) -> int:
    """Write raw/demo/demo_panel.parquet for a synthetic size (atomically); return its rows."""
    regions = load_bench_regions(settings.reference_dir, spec.max_level)
    codes = regions["geo_code"].to_numpy(dtype=object)
    levels = regions["nuts_level"].to_numpy()
    factor = _region_factor(regions["geo_code"].astype(str))
    paths = WarehousePaths(settings.data_dir)
    rows = 0
    with atomic_path(paths.demo_panel) as tmp:
        with pq.ParquetWriter(tmp, OBSERVATIONS_SCHEMA, compression="zstd") as writer:
            for s in _series(spec):
                table = _indicator_table(s, codes, levels, factor, spec.years)
                writer.write_table(table, row_group_size=ROW_GROUP_SIZE)
                rows += table.num_rows
    append_manifest(paths, [new_manifest_record(
        dataset="demo_panel", source="demo", format="synthetic", location=f"bench {spec.name}",
        sha256=None, rows=rows, nuts_version=NUTS_VERSION, licence="synthetic (no licence needed)",
        note=f"SYNTHETIC benchmark panel {spec.name}: not real statistics",
    )])
    return rows


def ensure_panel(spec: PanelSpec, settings: Settings) -> tuple[int, float | None]:
    """Write the panel for `spec` unless an identical one is already there.

    Returns (rows, seconds spent writing it; None when the cached panel was reused). The
    fingerprint file next to the panel records which spec and generator version wrote it.
    """
    import time

    from regiodash.ingest.demo import write_demo_panel

    paths = WarehousePaths(settings.data_dir)
    stamp = settings.data_dir / "bench_panel.json"
    if paths.demo_panel.exists() and stamp.exists():
        meta = json.loads(stamp.read_text())
        if meta.get("fingerprint") == spec.fingerprint():
            return int(meta["rows"]), None
    if settings.data_dir.exists():
        import shutil

        shutil.rmtree(settings.data_dir)
    settings.data_dir.mkdir(parents=True)
    started = time.perf_counter()
    rows = write_demo_panel(settings) if spec.demo else write_synthetic_panel(spec, settings)
    seconds = time.perf_counter() - started
    stamp.write_text(json.dumps({"fingerprint": spec.fingerprint(), "rows": rows,
                                 "spec": asdict(spec), "write_s": seconds}, indent=2))
    return rows, seconds
