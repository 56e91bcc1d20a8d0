"""Peer regions: the structurally most similar regions, by distance on context indicators.

Grain of the input: one row per region (same NUTS level and year) and one column per context
indicator (GDP per head, population density, ...). Each column is standardised (z-score over
the regions present); the distance between two regions is the root mean square difference
over the columns both have (at least `min_common`), so a missing value never counts as zero.
Pure: no I/O.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PEER_CONTEXT = ("gdp_per_capita_pps", "population_density_per_km2", "population_persons",
                "high_tech_employment_pct", "knowledge_intensive_services_employment_pct",
                "tertiary_attainment_25_64_pct")


def find_peers(wide: pd.DataFrame, geo_code: str, k: int = 8, min_common: int = 2
               ) -> pd.DataFrame:
    """The k regions nearest to `geo_code`: columns geo_code, distance, n_common.

    `wide` is indexed by geo_code with one numeric column per context indicator. Skewed
    headcounts (population, density) are log-transformed before standardising.
    """
    if geo_code not in wide.index:
        return pd.DataFrame(columns=["geo_code", "distance", "n_common"])
    data = wide.astype("float64").copy()
    for col in data.columns:
        if col.startswith("population"):
            data[col] = np.log(data[col].where(data[col] > 0))
    sd = data.std(ddof=0).replace(0, np.nan)
    z = (data - data.mean()) / sd
    z = z.loc[:, sd.notna()]
    target = z.loc[geo_code]
    diff = z.sub(target, axis=1)
    common = diff.notna().sum(axis=1)
    dist = np.sqrt((diff**2).sum(axis=1, min_count=1) / common.replace(0, np.nan))
    out = pd.DataFrame({"geo_code": z.index, "distance": dist.to_numpy(),
                        "n_common": common.to_numpy()})
    out = out[(out["geo_code"] != geo_code) & (out["n_common"] >= min_common)]
    return out.dropna(subset=["distance"]).sort_values(["distance", "geo_code"]).head(k)\
        .reset_index(drop=True)
