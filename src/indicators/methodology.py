"""docs/methodology.md, generated from the indicator specs (so docs and code cannot drift).

    .venv/bin/python -m indicators.methodology > docs/methodology.md

A test regenerates the text and compares it with the committed file.
"""

from __future__ import annotations

from indicators.catalog import CATALOG
from indicators.registry import DERIVED_MODULES

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


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\\\|")


def render_methodology() -> str:
    lines = [HEADER, "## Catalog indicators", "",
             "| id | title | unit | direction | domain | dataset | filters | verified |",
             "|---|---|---|---|---|---|---|---|"]
    for s in CATALOG:
        filters = ", ".join(f"{k}={v}" for k, v in s.filters)
        lines.append(f"| `{s.indicator_id}` | {_cell(s.title)} | {_cell(s.unit)} | "
                     f"{s.direction} | {s.domain} | {s.dataset} | {filters} | "
                     f"{'yes' if s.verified else 'no'} |")
    for module in DERIVED_MODULES:
        name = module.__name__.rsplit(".", 1)[-1].replace("_", " ")
        lines += ["", f"## Derived: {name}", ""]
        for s in module.DERIVED_SPECS:
            lines += [
                f"### `{s.indicator_id}`: {_cell(s.title)}",
                "",
                f"- Definition: {_cell(s.description)}",
                f"- Unit: {_cell(s.unit)}; direction: {s.direction}",
                f"- Formula: {_cell(s.formula)}",
                f"- Sources: {', '.join(sorted({src.dataset for src in s.sources}))}",
            ]
            if s.caveats:
                lines.append(f"- Caveats: {_cell(s.caveats)}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(render_methodology(), end="")
