"""The `indicator_catalog` table: catalog specs and user-defined indicators as rows."""

from __future__ import annotations

import pandas as pd

from indicators.catalog import CATALOG
from indicators.registry import DERIVED_SPECS

CATALOG_COLUMNS = [
    "indicator_id", "title", "description", "domain", "unit", "decimals", "direction",
    "has_sex", "nuts_levels", "source_dataset", "licence", "caveats", "verified", "origin",
]


def catalog_frame(user_indicators: list[dict] | None = None) -> pd.DataFrame:
    """One row per indicator: the catalog's specs, then the user's own tidy-file indicators."""
    rows = [
        {
            "indicator_id": s.indicator_id,
            "title": s.title,
            "description": s.description,
            "domain": str(s.domain),
            "unit": s.unit,
            "decimals": s.decimals,
            "direction": str(s.direction),
            "has_sex": s.has_sex,
            "nuts_levels": ",".join(str(level) for level in s.nuts_levels),
            "source_dataset": s.source_dataset,
            "licence": s.sources[0].licence,
            "caveats": s.caveats,
            "verified": s.verified,
            "origin": "catalog",
        }
        for s in CATALOG
    ]
    rows += [
        {
            "indicator_id": s.indicator_id, "title": s.title, "description": s.description,
            "domain": str(s.domain), "unit": s.unit, "decimals": s.decimals,
            "direction": str(s.direction), "has_sex": s.has_sex,
            "nuts_levels": ",".join(str(level) for level in s.nuts_levels),
            "source_dataset": s.source_dataset, "licence": s.sources[0].licence
            if s.sources else "", "caveats": s.caveats, "verified": True, "origin": "derived",
        }
        for s in DERIVED_SPECS
    ]
    for u in user_indicators or []:
        rows.append({
            "indicator_id": u["indicator_id"], "title": u["title"],
            "description": u.get("description", "Imported from the user's own tidy file"),
            "domain": "context", "unit": u["unit"], "decimals": 2,
            "direction": u.get("direction", "neutral"), "has_sex": True,
            "nuts_levels": "0,1,2,3", "source_dataset": u["dataset"],
            "licence": "as provided by the user", "caveats": "", "verified": False,
            "origin": u.get("origin", "user"),  # 'composite' for a registered composite
        })
    return pd.DataFrame(rows, columns=CATALOG_COLUMNS)
