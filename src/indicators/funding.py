"""Cohesion-policy funding per region from Kohesio beneficiary exports (pure, no I/O).

`compute_totals` reads the beneficiary table (one row per beneficiary and region as Kohesio
exports it; see regiodash.ingest.kohesio_import) and gives, per region and level:
- `cohesion_eu_contribution_eur`: EU contribution, EUR (sum over the region's beneficiaries);
- `cohesion_total_budget_eur`: total eligible budget, EUR;
- `cohesion_beneficiaries`: number of beneficiaries; `cohesion_projects`: number of projects
  (a project with several beneficiaries is counted once per beneficiary, as exported);
- `cohesion_cluster_beneficiaries`: beneficiaries whose name marks them as a cluster.
Levels: the level each region name was matched at (NUTS 3 for most countries, NUTS 2 for
Polish voivodeships and Romanian development regions), NUTS 2 (sum of its matched regions),
and the country (every row of the country, matched or not). A beneficiary listed identically
(same name, amounts and project count) in several regions of one NUTS 2 region or country is
counted once there (Kohesio repeats multi-region operations under every region with their
whole amount); the regional values keep it in each region.

`compute_per_inhabitant` divides the two amounts by `population_persons` (Eurostat
demo_r_pjangrp3, population on 1 January) of REFERENCE_YEAR, region by region. No population
for that year: no value (nothing is imputed). In the demo warehouse the population is
synthetic: the value's source is then `demo`.

Year: every value is stamped REFERENCE_YEAR (2020), the last year of the 2014-2020
programming period the exports cover; the amounts are commitments over the whole period.

Flags: `t` (partial: the export looks truncated, so the value is a lower bound) when a
region of the sum holds the exporter's page cap of rows, when an amount is missing on some of
the rows summed, or - for NUTS 2 - when a region name of the country is unmatched; per
inhabitant values add `e` / `p` from the population's flag. Missing amounts are left out of
sums, never read as zero; a sum with no amount at all gives no value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.frames import OUTPUT_COLUMNS
from indicators.innovation.specs import POPULATION_ID
from indicators.spec import Direction, Domain, IndicatorSpec, Source

REFERENCE_YEAR = 2020
PARTIAL_FLAG = "t"
SOURCE_NAME = "kohesio"
EU_ID = "cohesion_eu_contribution_eur"
BUDGET_ID = "cohesion_total_budget_eur"
BENEFICIARIES_ID = "cohesion_beneficiaries"
PROJECTS_ID = "cohesion_projects"
CLUSTERS_ID = "cohesion_cluster_beneficiaries"
EU_PER_HEAD_ID = "cohesion_eu_contribution_eur_per_inhabitant"
BUDGET_PER_HEAD_ID = "cohesion_total_budget_eur_per_inhabitant"
PER_HEAD_OF = {EU_PER_HEAD_ID: EU_ID, BUDGET_PER_HEAD_ID: BUDGET_ID}
INPUT_IDS = frozenset({EU_ID, BUDGET_ID, POPULATION_ID})
TOTAL_IDS = (EU_ID, BUDGET_ID, BENEFICIARIES_ID, PROJECTS_ID, CLUSTERS_ID)

KOHESIO = Source(
    dataset="kohesio_beneficiaries",
    publisher="European Commission (Kohesio)",
    licence="CC BY 4.0 (European Commission, Kohesio / Cohesion Open Data)",
    url="https://kohesio.ec.europa.eu/",
)
POPULATION = Source(dataset="demo_r_pjangrp3")
_CAVEATS = (
    "Kohesio exports page their results: a region with 200 exported beneficiaries is cut "
    "off, its totals are lower bounds (flag t). Region names are matched to NUTS codes by "
    "name (overrides listed in ingest/codelists/kohesio_region_overrides.csv). Beneficiaries "
    "of multi-region operations appear in every region they serve with their whole amount; "
    "NUTS 2 and country totals count them once. 2014-2020 programmes; amounts in EUR."
)


def _spec(indicator_id: str, title: str, description: str, unit: str, decimals: int,
          per_head: bool = False) -> IndicatorSpec:
    return IndicatorSpec(
        indicator_id=indicator_id, title=title, description=description, unit=unit,
        direction=Direction.NEUTRAL, domain=Domain.DERIVED,
        sources=(KOHESIO, POPULATION) if per_head else (KOHESIO,), decimals=decimals,
        nuts_levels=(0, 2, 3),
        caveats=_CAVEATS + (f" Population on 1 January {REFERENCE_YEAR}; synthetic in the "
                            "demo warehouse (source demo)." if per_head else ""),
        formula=(f"{PER_HEAD_OF.get(indicator_id, '')} / population_persons "
                 f"({REFERENCE_YEAR})" if per_head else "sum over the region's beneficiaries"),
    )


DERIVED_SPECS: tuple[IndicatorSpec, ...] = (
    _spec(EU_ID, "EU cohesion-policy contribution", "EU contribution to the region's "
          "cohesion-policy beneficiaries, 2014-2020 programmes (Kohesio).", "EUR", 0),
    _spec(BUDGET_ID, "Cohesion-policy total budget", "Total eligible budget (EU and national) "
          "of the region's beneficiaries, 2014-2020 programmes (Kohesio).", "EUR", 0),
    _spec(BENEFICIARIES_ID, "Cohesion-policy beneficiaries", "Number of beneficiaries listed "
          "for the region by Kohesio.", "beneficiaries", 0),
    _spec(PROJECTS_ID, "Cohesion-policy projects", "Number of projects of the region's "
          "beneficiaries (one per beneficiary and project).", "projects", 0),
    _spec(CLUSTERS_ID, "Cluster organisations among beneficiaries", "Beneficiaries whose "
          "name marks them as a cluster or cluster organisation.", "beneficiaries", 0),
    _spec(EU_PER_HEAD_ID, "EU cohesion-policy contribution per inhabitant", "EU contribution "
          f"divided by the population on 1 January {REFERENCE_YEAR}.", "EUR per inhabitant",
          0, per_head=True),
    _spec(BUDGET_PER_HEAD_ID, "Cohesion-policy budget per inhabitant", "Total budget divided "
          f"by the population on 1 January {REFERENCE_YEAR}.", "EUR per inhabitant", 0,
          per_head=True),
)

_DEDUP_KEY = ["beneficiary_name", "total_budget_eur", "eu_contribution_eur", "projects"]


def _units(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (unit, beneficiary row) for the three kinds of unit (module doc)."""
    matched = rows[rows["geo_code"].notna()]
    level = matched["nuts_level"].astype("float").to_numpy()
    unresolved = set(rows.loc[rows["geo_code"].isna(), "country_code"])
    region = matched[level == 3].assign(unit=lambda f: f["geo_code"], unit_level=3,
                                        country_partial=False)
    nuts2 = matched[level >= 2].assign(
        unit=lambda f: f["geo_code"].str[:4], unit_level=2,
        country_partial=lambda f: f["country_code"].isin(unresolved))
    nuts2 = nuts2.drop_duplicates(["unit", *_DEDUP_KEY])
    country = rows.assign(unit=rows["country_code"], unit_level=0, country_partial=False)
    country = country.drop_duplicates(["unit", *_DEDUP_KEY])
    return pd.concat([region, nuts2, country], ignore_index=True)


def compute_totals(beneficiaries: pd.DataFrame) -> pd.DataFrame:
    """Funding totals per region and level (module doc), in OUTPUT_COLUMNS, source kohesio."""
    if beneficiaries.empty:
        return pd.DataFrame(columns=list(OUTPUT_COLUMNS))
    units = _units(beneficiaries)
    units["one"] = 1.0
    units["cluster"] = units["is_cluster"].astype(float)
    grouped = units.groupby(["unit", "unit_level"], sort=True)
    partial = grouped["region_partial"].any() | grouped["country_partial"].any()
    version = grouped["nuts_version"].agg(lambda v: v.mode().iloc[0] if v.notna().any()
                                          else None)
    parts = []
    for indicator_id, column in ((EU_ID, "eu_contribution_eur"),
                                 (BUDGET_ID, "total_budget_eur"), (BENEFICIARIES_ID, "one"),
                                 (PROJECTS_ID, "projects"), (CLUSTERS_ID, "cluster")):
        value = grouped[column].sum(min_count=1)
        gaps = grouped[column].apply(lambda v: bool(v.isna().any()))
        flag = np.where(partial | gaps, PARTIAL_FLAG, None)
        parts.append(pd.DataFrame({
            "indicator_id": indicator_id,
            "geo_code": value.index.get_level_values(0),
            "nuts_level": value.index.get_level_values(1).astype("int64"),
            "nuts_version": version.to_numpy(), "year": REFERENCE_YEAR, "sex": "T",
            "value": value.to_numpy(dtype=float), "flag": flag, "source": SOURCE_NAME}))
    out = pd.concat(parts, ignore_index=True)
    out = out[np.isfinite(out["value"].to_numpy(dtype=float))]
    return out.sort_values(["indicator_id", "nuts_level", "geo_code"],
                           kind="stable").reset_index(drop=True)[list(OUTPUT_COLUMNS)]


def _combine_flags(total_flag: object, population_flag: object) -> str | None:
    letters = set()
    if isinstance(total_flag, str) and PARTIAL_FLAG in total_flag:
        letters.add(PARTIAL_FLAG)
    if isinstance(population_flag, str):
        letters |= {c for c in "ep" if c in population_flag.lower()}
    return "".join(sorted(letters)) or None


def compute_per_inhabitant(values: pd.DataFrame) -> pd.DataFrame:
    """EUR per inhabitant for every region with a total and a REFERENCE_YEAR population
    (module doc); OUTPUT_COLUMNS, source 'derived' (or 'demo' on synthetic population)."""
    totals = values[values["indicator_id"].isin(list(PER_HEAD_OF.values()))
                    & (values["year"] == REFERENCE_YEAR) & (values["sex"] == "T")]
    pop = values[(values["indicator_id"] == POPULATION_ID) & (values["year"] == REFERENCE_YEAR)
                 & (values["sex"] == "T") & (values["value"] > 0)]
    pop = pop[["geo_code", "value", "flag", "source"]].drop_duplicates("geo_code")
    joined = totals.merge(pop, on="geo_code", suffixes=("", "_pop"))
    if joined.empty:
        return pd.DataFrame(columns=list(OUTPUT_COLUMNS))
    per_head = {total: head for head, total in PER_HEAD_OF.items()}
    out = pd.DataFrame({
        "indicator_id": joined["indicator_id"].map(per_head).to_numpy(),
        "geo_code": joined["geo_code"].to_numpy(),
        "nuts_level": joined["nuts_level"].astype("int64").to_numpy(),
        "nuts_version": joined["nuts_version"].to_numpy(), "year": REFERENCE_YEAR, "sex": "T",
        "value": (joined["value"] / joined["value_pop"]).to_numpy(dtype=float),
        "flag": [_combine_flags(a, b) for a, b in zip(joined["flag"], joined["flag_pop"],
                                                      strict=True)],
        "source": np.where(joined["source_pop"] == "demo", "demo", "derived"),
    })
    return out.sort_values(["indicator_id", "nuts_level", "geo_code"],
                           kind="stable").reset_index(drop=True)[list(OUTPUT_COLUMNS)]


def compute(values: pd.DataFrame) -> pd.DataFrame:
    """The derived step of the build: per-inhabitant values (compute_per_inhabitant)."""
    return compute_per_inhabitant(values)


__all__ = ["DERIVED_SPECS", "INPUT_IDS", "PARTIAL_FLAG", "REFERENCE_YEAR", "compute",
           "compute_per_inhabitant", "compute_totals"]
