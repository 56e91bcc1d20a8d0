"""The Projects page's "Cohesion funding" view: queries over the warehouse and pure summaries.

Warehouse reads (bound parameters, named SQL in projects/sql/):
- `load_region_funding`: one row per region of a NUTS level with the Kohesio totals of
  funding.REFERENCE_YEAR, the population of that year (and whether it is synthetic), the
  latest innovation group and cohesion-policy category up to that year;
- `load_largest_beneficiaries`: the largest beneficiaries of a region, searchable, with the
  name in its original script and in Latin script.
Pure functions over `load_region_funding`'s frame (tested on inline rows):
- `funding_per_inhabitant_by_class`: EUR per inhabitant per innovation group or category;
- `share_reaching`: the share of the EU contribution reaching some classes (by default the
  Moderate and Emerging Innovator regions);
- `lorenz_points` and `gini`: the concentration of funding per inhabitant.
Missing stays missing: a region without population or class is left out of the per-head
figures and counted separately, never read as zero. Totals flagged partial (a truncated
export) are lower bounds; every summary says how many partial regions it contains.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from indicators.cohesion import CATEGORIES
from indicators.funding import REFERENCE_YEAR
from regiodash.ingest.region_names import strip_accents, transliterate_cyrillic
from regiodash.storage.connection import Warehouse
from regiodash.storage.queries import run_named

SQL_PACKAGE = "regiodash.projects"
TARGET_GROUPS = ("Moderate", "Emerging")
CATEGORY_LABELS = dict(CATEGORIES)
BENEFICIARY_TABLE = "raw_kohesio_beneficiaries"


def load_region_funding(wh: Warehouse, level: int = 2,
                        year: int = REFERENCE_YEAR) -> pd.DataFrame:
    """One row per region of `level` with funding (module doc). Columns: geo_code, geo_name,
    country_code, eu_contribution_eur, total_budget_eur, beneficiaries, partial,
    population, population_source ('demo' = synthetic), innovation_group, group_year,
    cohesion_category, category_year, category_source ('demo' = synthetic, 'derived' = from
    the warehouse's GDP). Empty without Kohesio data."""
    return run_named(wh, "cohesion_region_funding", package=SQL_PACKAGE, level=level,
                     year=year, nuts_version=wh.nuts_version)


def search_key(text: str) -> str:
    """The form names are searched in: Latin script, no accents, lower case, trimmed."""
    return strip_accents(transliterate_cyrillic(text)).lower().strip()


def load_largest_beneficiaries(wh: Warehouse, geo_code: str, search: str = "",
                               limit: int = 50) -> pd.DataFrame:
    """The `limit` largest beneficiaries of a country or region (by EU contribution), names
    containing `search` (in any script or case, accents ignored) when given. Columns:
    beneficiary_name (original script), name_latin, region, geo_code, eu_contribution_eur,
    total_budget_eur, projects, is_cluster, region_partial, multi_region, line (in the
    imported file). Empty when no Kohesio export was imported."""
    if BENEFICIARY_TABLE not in wh.view_names():
        return pd.DataFrame(columns=["beneficiary_name", "name_latin", "region", "geo_code",
                                     "eu_contribution_eur", "total_budget_eur", "projects",
                                     "is_cluster", "region_partial", "multi_region", "line"])
    return run_named(wh, "cohesion_largest_beneficiaries", package=SQL_PACKAGE,
                     geo_code=geo_code.strip().upper(), search=search_key(search),
                     limit=max(1, min(int(limit), 1000)))


def funding_per_inhabitant_by_class(regions: pd.DataFrame, class_column: str,
                                    amount: str = "eu_contribution_eur") -> pd.DataFrame:
    """One row per class (e.g. innovation_group, cohesion_category): regions, amount (EUR),
    population, eur_per_inhabitant (sum of amounts / sum of populations over regions with
    both), partial_regions; regions without a class form the row with class None."""
    usable = regions[regions[amount].notna() & (regions["population"] > 0)]
    grouped = usable.groupby(usable[class_column].astype(object).where(
        usable[class_column].notna(), None), dropna=False, sort=True)
    out = pd.DataFrame({
        "regions": grouped.size(),
        amount: grouped[amount].sum(),
        "population": grouped["population"].sum(),
        "partial_regions": grouped["partial"].sum().astype(int),
    })
    out["eur_per_inhabitant"] = out[amount] / out["population"]
    out.index.name = class_column
    return out.reset_index()


def share_reaching(regions: pd.DataFrame, class_column: str = "innovation_group",
                   targets: Sequence[object] = TARGET_GROUPS,
                   amount: str = "eu_contribution_eur") -> dict[str, float | int]:
    """Share of the amount reaching regions of the `targets` classes, among regions with a
    class: share (0-1, NaN when no amount), amount_in_targets, amount_classified,
    amount_unclassified (regions without a class: outside the share), regions_in_targets,
    partial_regions (of all regions counted)."""
    have = regions[regions[amount].notna()]
    classified = have[have[class_column].notna()]
    hit = classified[classified[class_column].isin(list(targets))]
    total = float(classified[amount].sum())
    return {
        "share": float(hit[amount].sum()) / total if total > 0 else float("nan"),
        "amount_in_targets": float(hit[amount].sum()),
        "amount_classified": total,
        "amount_unclassified": float(have.loc[have[class_column].isna(), amount].sum()),
        "regions_in_targets": len(hit),
        "partial_regions": int(have["partial"].sum()),
    }


def lorenz_points(regions: pd.DataFrame, amount: str = "eu_contribution_eur") -> pd.DataFrame:
    """Lorenz curve of funding over population: regions sorted by EUR per inhabitant
    (ascending); columns geo_code, population_share, funding_share (cumulative, from (0, 0)
    to (1, 1)). Regions without amount or population are left out."""
    usable = regions[regions[amount].notna() & (regions["population"] > 0)].copy()
    if usable.empty or usable[amount].sum() <= 0:
        return pd.DataFrame(columns=["geo_code", "population_share", "funding_share"])
    usable["per_head"] = usable[amount] / usable["population"]
    usable = usable.sort_values(["per_head", "geo_code"], kind="stable")
    pop = np.concatenate([[0.0], usable["population"].cumsum() / usable["population"].sum()])
    fund = np.concatenate([[0.0], usable[amount].cumsum() / usable[amount].sum()])
    return pd.DataFrame({"geo_code": [None, *usable["geo_code"]],
                         "population_share": pop, "funding_share": fund})


def gini(points: pd.DataFrame) -> float:
    """Gini coefficient from `lorenz_points` (1 - twice the area under the curve); NaN when
    there are no points."""
    if len(points) < 2:
        return float("nan")
    x = points["population_share"].to_numpy(dtype=float)
    y = points["funding_share"].to_numpy(dtype=float)
    return float(1.0 - np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1])))
