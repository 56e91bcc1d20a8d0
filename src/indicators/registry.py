"""The one explicit registry of indicators: catalog specs and each family's derived specs."""

from __future__ import annotations

from types import ModuleType

from indicators import cohesion, creative, funding, gender_specs, sustainability
from indicators.catalog import CATALOG
from indicators.innovation import specs as innovation_specs
from indicators.spec import IndicatorSpec

# (family name, module declaring the family's DERIVED_SPECS), in the order of the docs.
DERIVED_FAMILIES: tuple[tuple[str, ModuleType], ...] = (
    ("innovation gap", innovation_specs),
    ("gender inclusion", gender_specs),
    ("sustainability", sustainability),
    ("cohesion policy", cohesion),
    ("cohesion funding (Kohesio)", funding),
    ("creative economy", creative),
)
DERIVED_MODULES: tuple[ModuleType, ...] = tuple(module for _, module in DERIVED_FAMILIES)
DERIVED_SPECS: tuple[IndicatorSpec, ...] = tuple(
    spec for module in DERIVED_MODULES for spec in module.DERIVED_SPECS)
ALL_SPECS: tuple[IndicatorSpec, ...] = (*CATALOG, *DERIVED_SPECS)
SPECS_BY_ID: dict[str, IndicatorSpec] = {s.indicator_id: s for s in ALL_SPECS}
