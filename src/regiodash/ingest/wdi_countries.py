"""Countries outside the NUTS area: the World Bank's country codes and the committed shapes.

Two committed reference files, both written by scripts/build_world.py:

- `codelists/wdi_countries.csv` (package data): every code the World Bank's WDI bulk files and
  API use, one row per ISO3 code, with its kind ("economy", "aggregate", "not_classified")
  and, for economies, the two-letter code the dashboard uses: Eurostat's where Eurostat has
  one (EL for Greece, UK for the United Kingdom), ISO 3166-1 alpha-2 otherwise (MA, TN, EG,
  JO, LB, DZ, PS for West Bank and Gaza), the World Bank's own XK (Kosovo) and JG (Channel
  Islands) where ISO has none.
- `data/reference/world_countries.parquet` and `static/geo/world_<tag>.json`: simplified
  Natural Earth shapes (public domain) of the countries the map draws beside the NUTS regions
  (southern and eastern neighbourhood, Western Balkan countries without NUTS regions). One row
  per country; no values, so nothing here is ever missing or flagged.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from regiodash.geometry import reference_tag
from regiodash.nuts import load_known_codes

WDI_COUNTRIES_FILE = Path(__file__).resolve().parent / "codelists" / "wdi_countries.csv"
WORLD_COUNTRIES_FILE = "world_countries.parquet"
WORLD_ATTRIBUTION = "Country shapes: Made with Natural Earth (public domain)"
KINDS = ("economy", "aggregate", "not_classified")


@dataclass(frozen=True)
class WdiCountry:
    iso3: str
    geo_code: str
    """Two-letter code for an economy; "" for aggregates and "Not classified"."""
    kind: str
    name: str


@functools.cache
def load_wdi_countries() -> dict[str, WdiCountry]:
    """ISO3 (or aggregate code) -> WdiCountry, from the committed table. Read with the csv
    module: pandas would take Namibia's code "NA" for a missing value."""
    text = WDI_COUNTRIES_FILE.read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text, newline=""))
    return {row["iso3"]: WdiCountry(row["iso3"], row["geo_code"], row["kind"], row["name"])
            for row in rows}


def two_letter_codes() -> dict[str, str]:
    """Two-letter code -> ISO3 of every WDI economy (the reverse of the table)."""
    return {c.geo_code: c.iso3 for c in load_wdi_countries().values() if c.kind == "economy"}


def world_countries_path(reference_dir: str | Path) -> Path:
    return Path(reference_dir) / WORLD_COUNTRIES_FILE


def load_world_countries(reference_dir: str | Path) -> pd.DataFrame:
    """The drawn countries outside NUTS: one row per country with geo_code, geo_name, iso3,
    country_group ("southern_neighbourhood", "eastern_neighbourhood", "western_balkans") and
    lon/lat of a point inside it (degrees, for labels and markers). No geometry."""
    columns = ["geo_code", "geo_name", "iso3", "country_group", "lon", "lat"]
    return pq.read_table(world_countries_path(reference_dir), columns=columns).to_pandas()


def world_countries_outside_nuts(reference_dir: str | Path, nuts_version: str) -> pd.DataFrame:
    """`load_world_countries` less the countries that NUTS `nuts_version` draws itself (GISCO's
    NUTS 2024 has BA, UA and XK at level 0): a map draws these shapes beside that version's
    regions without drawing a country twice."""
    known = load_known_codes(reference_dir).get(str(nuts_version), set())
    countries = load_world_countries(reference_dir)
    return countries[~countries["geo_code"].isin(known)].reset_index(drop=True)


def world_static_geo_name(reference_dir: str | Path) -> str:
    """File name under static/geo/ of the countries' map GeoJSON (`id` = geo_code), tagged
    with the parquet's bytes like the NUTS files (see regiodash.geometry)."""
    return f"world_{reference_tag(world_countries_path(reference_dir))}.json"
