"""docs/methodology.md, generated from the indicator specs (so docs and code cannot drift).

    .venv/bin/python -m indicators.methodology > docs/methodology.md

Every indicator id gets the code that declares it, computes it and tests it (`CODE_REFS`), so
an id found in the docs leads to its code even when the id itself is built from a prefix.
Tests regenerate the text and compare it with the committed file, and resolve every named
function and test file.
"""

from __future__ import annotations

from dataclasses import dataclass

from indicators import cohesion as co
from indicators import creative as cr
from indicators import funding as fu
from indicators import gender_specs as gs
from indicators import sustainability as su
from indicators.catalog import CATALOG
from indicators.innovation import specs as inn
from indicators.registry import DERIVED_FAMILIES
from indicators.spec import IndicatorSpec

HEADER = """# Methodology

Generated from the indicator specs by `python -m indicators.methodology`; do not edit by hand.
Longer explanations, worked examples and sources: `methodology_innovation_gap.md` and
`methodology_gender_sustainability.md` beside this file; the evidence for every catalog
dataset code and filter: `catalog_verification.md`.

Conventions for every indicator: values carry their Eurostat flag, source and NUTS version;
a derived value built from an estimated (`e`) or provisional (`p`) input carries `e` / `p`;
one built from demo inputs carries source `demo`; missing inputs stay missing (no
imputation), and an index needs at least two thirds of its components.
"""


@dataclass(frozen=True)
class CodeRef:
    """Where the ids matched by `ids` or `prefix` are declared, computed and tested.

    Names are dotted paths (`package.module.name`); `tested` paths are relative to the repo.
    `prefix_name` names the constant holding `prefix` (ids built as prefix + catalog id).
    """

    defined: str
    computed: tuple[str, ...]
    tested: tuple[str, ...]
    ids: frozenset[str] = frozenset()
    prefix: str = ""
    prefix_name: str = ""

    def matches(self, indicator_id: str) -> bool:
        if self.prefix:
            return indicator_id.startswith(self.prefix)
        return indicator_id in self.ids


_INN = "indicators.innovation"
_INN_INDEX_TEST = "tests/indicators/innovation/test_index.py"
_INN_GAPS_TEST = "tests/indicators/innovation/test_gaps.py"
_GI, _GI_TEST = "indicators.gender_inclusion", "tests/indicators/test_gender_inclusion.py"
_SU, _SU_TEST = "indicators.sustainability", "tests/indicators/test_sustainability.py"
_CO, _CO_TEST = "indicators.cohesion", "tests/indicators/test_cohesion.py"
_FU, _FU_TEST = "indicators.funding", "tests/indicators/test_funding.py"
_CR, _CR_TEST = "indicators.creative", "tests/indicators/test_creative.py"


def _gender_prefix(prefix: str, name: str) -> CodeRef:
    return CodeRef(f"{gs.__name__}.indicator_specs", (f"{_GI}.compute", f"{_GI}._measure"),
                   (_GI_TEST,), prefix=prefix, prefix_name=f"{gs.__name__}.{name}")


CATALOG_REF = CodeRef(
    defined="indicators.catalog.CATALOG",
    # the SELECT (dataset, dimension filters, sex dimension, scale) of each catalog id
    computed=("regiodash.storage.observations._select_indicator",),
    tested=("tests/indicators/test_catalog.py", "tests/storage/test_build.py"),
    ids=frozenset(e.indicator_id for e in CATALOG),
)
CODE_REFS: tuple[CodeRef, ...] = (
    CodeRef(f"{_INN}.specs.DERIVED_SPECS", (f"{_INN}.index.compute_innovation_index",),
            (_INN_INDEX_TEST,), ids=frozenset({inn.SCORE_ID, inn.INDEX_ID})),
    CodeRef(f"{_INN}.specs.component_spec", (f"{_INN}.index.compute_innovation_index",),
            (_INN_INDEX_TEST,), prefix=inn.COMPONENT_PREFIX,
            prefix_name=f"{_INN}.specs.COMPONENT_PREFIX"),
    CodeRef(f"{_INN}.specs.DERIVED_SPECS", (f"{_INN}.gaps.compute_gap_to_eu",),
            (_INN_GAPS_TEST,), ids=frozenset({inn.GAP_TO_EU_ID})),
    CodeRef(f"{_INN}.specs.DERIVED_SPECS", (f"{_INN}.gaps.compute_gap_to_next_group",),
            (_INN_GAPS_TEST,), ids=frozenset({inn.GAP_TO_NEXT_GROUP_ID})),
    CodeRef(f"{_INN}.specs.DERIVED_SPECS", (f"{_INN}.gaps.compute_gap_to_country_best",),
            (_INN_GAPS_TEST,), ids=frozenset({inn.GAP_TO_COUNTRY_BEST_ID})),
    CodeRef(f"{_INN}.specs.DERIVED_SPECS", (f"{_INN}.gaps.compute_change_since",),
            (_INN_GAPS_TEST,), ids=frozenset({inn.INDEX_CHANGE_ID, inn.SCORE_CHANGE_ID})),
    _gender_prefix(gs.GAP_PREFIX, "GAP_PREFIX"),
    _gender_prefix(gs.RATIO_PREFIX, "RATIO_PREFIX"),
    _gender_prefix(gs.SHARE_PREFIX, "SHARE_PREFIX"),
    _gender_prefix(gs.EIGE_PREFIX, "EIGE_PREFIX"),
    CodeRef(f"{gs.__name__}.composite_specs", (f"{_GI}.compute", f"{_GI}._composites"),
            (_GI_TEST,), ids=frozenset({gs.GENDER_INCLUSION_INDEX, gs.FEMALE_ACHIEVEMENT_INDEX,
                                        gs.FEMALE_DISADVANTAGE_INDEX})),
    CodeRef(f"{_SU}.build_derived_specs", (f"{_SU}.compute", f"{_SU}._dimension_scores"),
            (_SU_TEST,), ids=frozenset(su.score_id(d) for d in su.DIMENSION_DOMAINS)),
    CodeRef(f"{_SU}.build_derived_specs", (f"{_SU}.compute", f"{_SU}._overall_index"),
            (_SU_TEST,), ids=frozenset({su.SUSTAINABILITY_INDEX})),
    CodeRef(f"{_CO}.DERIVED_SPECS", (f"{_CO}.compute", f"{_CO}.classify"), (_CO_TEST,),
            ids=frozenset({co.AVERAGE_ID, co.CATEGORY_ID})),
    CodeRef(f"{_FU}.DERIVED_SPECS", (f"{_FU}.compute_totals",
                                     "regiodash.storage.funding_step.add_funding_values"),
            (_FU_TEST,), ids=frozenset(fu.TOTAL_IDS)),
    CodeRef(f"{_FU}.DERIVED_SPECS", (f"{_FU}.compute_per_inhabitant",), (_FU_TEST,),
            ids=frozenset(fu.PER_HEAD_OF)),
    CodeRef(f"{_CR}.DERIVED_SPECS", (f"{_CR}.compute", f"{_CR}.eu_reference"), (_CR_TEST,),
            ids=frozenset({cr.LQ_ID})),
)


def code_ref(indicator_id: str) -> CodeRef:
    """The one CodeRef matching a derived id (KeyError when none or several match)."""
    found = [ref for ref in CODE_REFS if ref.matches(indicator_id)]
    if len(found) != 1:
        raise KeyError(f"{len(found)} code references match {indicator_id!r}")
    return found[0]


def _code_line(indicator_id: str, ref: CodeRef) -> str:
    built = ""
    if ref.prefix:
        rest = indicator_id.removeprefix(ref.prefix)
        built = f" (id = `{ref.prefix_name}` + catalog id `{rest}`)"
    computed = ", ".join(f"`{name}`" for name in ref.computed)
    tested = ", ".join(f"`{path}`" for path in ref.tested)
    return f"- Code: declared by `{ref.defined}`{built}; computed by {computed}; tested in {tested}"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\\\|")


def _derived_section(s: IndicatorSpec) -> list[str]:
    lines = [
        f"### `{s.indicator_id}`: {_cell(s.title)}",
        "",
        f"- Definition: {_cell(s.description)}",
        f"- Unit: {_cell(s.unit)}; direction: {s.direction}",
        f"- Formula: {_cell(s.formula)}",
        f"- Sources: {', '.join(sorted({src.dataset for src in s.sources}))}",
    ]
    if s.caveats:
        lines.append(f"- Caveats: {_cell(s.caveats)}")
    return [*lines, _code_line(s.indicator_id, code_ref(s.indicator_id)), ""]


def render_methodology() -> str:
    ref = CATALOG_REF
    lines = [HEADER, "## Catalog indicators", "",
             f"Every catalog id below is declared in `{ref.defined}`; the SQL selecting its rows "
             f"(dataset, dimension filters, sex dimension, unit scale) is built by "
             f"`{ref.computed[0]}`; tested in {', '.join(f'`{p}`' for p in ref.tested)}.", "",
             "| id | title | unit | direction | domain | dataset | filters | verified |",
             "|---|---|---|---|---|---|---|---|"]
    for s in CATALOG:
        filters = ", ".join(f"{k}={v}" for k, v in s.filters)
        lines.append(f"| `{s.indicator_id}` | {_cell(s.title)} | {_cell(s.unit)} | "
                     f"{s.direction} | {s.domain} | {s.dataset} | {filters} | "
                     f"{'yes' if s.verified else 'no'} |")
    for name, module in DERIVED_FAMILIES:
        lines += ["", f"## Derived: {name}", ""]
        for s in module.DERIVED_SPECS:
            lines += _derived_section(s)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(render_methodology(), end="")
