"""Declarative indicator specifications.

An `IndicatorSpec` carries everything a chart, a tooltip or the methodology page needs to
describe a number: title, unit, direction, domain, sources with licences and caveats. Specs are
frozen; ids are stable snake_case nouns and are never reused for a different meaning.

`CatalogIndicator` adds how the indicator is selected from a published dataset: the dataset
code, fixed dimension filters, which dimension carries sex, and a unit-normalisation factor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

EUROSTAT_LICENCE = "CC BY 4.0 (Source: Eurostat, (c) European Union)"


class Direction(StrEnum):
    HIGHER = "higher"  # higher is better
    LOWER = "lower"  # lower is better
    TARGET = "target"  # closeness to `target` is better
    NEUTRAL = "neutral"  # context indicator, no normative reading


class Domain(StrEnum):
    INNOVATION = "innovation"
    GENDER = "gender"
    SUSTAINABILITY = "sustainability"
    SOCIAL = "social"
    DIGITAL = "digital"
    CONTEXT = "context"
    CREATIVE = "creative"  # cultural and creative industries
    DERIVED = "derived"


@dataclass(frozen=True)
class Source:
    dataset: str
    publisher: str = "Eurostat"
    licence: str = EUROSTAT_LICENCE
    url: str = ""

    def __post_init__(self) -> None:
        if not self.url and self.publisher == "Eurostat":
            object.__setattr__(
                self,
                "url",
                f"https://ec.europa.eu/eurostat/databrowser/view/{self.dataset}/default/table",
            )


@dataclass(frozen=True)
class IndicatorSpec:
    indicator_id: str
    title: str
    description: str
    unit: str
    direction: Direction
    domain: Domain
    sources: tuple[Source, ...]
    decimals: int = 1
    nuts_levels: tuple[int, ...] = (0, 1, 2)
    has_sex: bool = False
    target: float | None = None
    caveats: str = ""
    formula: str = ""
    categories: tuple[tuple[int, str], ...] = ()
    """For a categorical indicator: (value, label) of every category, in order (a page draws
    it as a categorical map with these labels); empty for numeric indicators."""

    @property
    def source_dataset(self) -> str:
        return ",".join(s.dataset for s in self.sources)


@dataclass(frozen=True)
class CatalogIndicator(IndicatorSpec):
    """An indicator read directly from one published dataset.

    `filters` fixes every non-geo, non-time, non-sex dimension of `dataset` to one code; rows
    matching them become the indicator's observations. `sex_dim` names the dimension holding
    F/M/T (None when the indicator has no sex breakdown; then `filters` may fix sex to T).
    `scale` multiplies published values into `unit` (e.g. 1e-3 for thousands -> millions).
    `verified` records whether the code and filters were checked against Eurostat's
    documentation available to us; `verification_note` says what was checked or not.

    `conversion` says how a value published in another NUTS version is moved onto the
    build's version with the JRC NUTS converter weights: "mean" for rates, ratios and
    per-inhabitant values (the weighted mean of the old regions a new region overlaps), "sum"
    for absolute counts (each old region's value split by its share of the weight).
    `conversion_weight` names the JRC weight used: "pop21" (population 2021), "areaKm" (area),
    "pop11", "artif_surf12", "artif_surf18" or "bu_vol".
    """

    dataset: str = ""
    filters: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    sex_dim: str | None = None
    scale: float = 1.0
    verified: bool = False
    verification_note: str = ""
    conversion: str = "mean"
    conversion_weight: str = "pop21"

    @property
    def filter_map(self) -> dict[str, str]:
        return dict(self.filters)
