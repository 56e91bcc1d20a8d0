"""The one explicit registry of indicators: catalog specs and each module's derived specs."""

from __future__ import annotations

from indicators import gender_inclusion, innovation_gap, sustainability
from indicators.catalog import CATALOG
from indicators.spec import IndicatorSpec

DERIVED_MODULES = (innovation_gap, gender_inclusion, sustainability)
DERIVED_SPECS: tuple[IndicatorSpec, ...] = tuple(
    spec for module in DERIVED_MODULES for spec in module.DERIVED_SPECS)
ALL_SPECS: tuple[IndicatorSpec, ...] = (*CATALOG, *DERIVED_SPECS)
SPECS_BY_ID: dict[str, IndicatorSpec] = {s.indicator_id: s for s in ALL_SPECS}
