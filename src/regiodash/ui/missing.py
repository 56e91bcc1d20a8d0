"""What is missing from a warehouse, said in terms a user can act on (pure: no Streamlit).

Pages use these sentences where a view has nothing to show: which indicators or domains have
no values and which Eurostat datasets (from the indicator specs' sources) would fill them.
Dataset codes come from the registry, never from the warehouse or the URL.
"""

from __future__ import annotations

from collections.abc import Iterable

from indicators.catalog import CATALOG
from indicators.innovation.specs import COMPONENT_IDS, INDEX_ID
from indicators.registry import ALL_SPECS
from regiodash.ui.text import escape_markdown
from regiodash.ui.widgets import DOMAIN_LABELS

SPECS = {s.indicator_id: s for s in ALL_SPECS}
FETCH_ALL = "`regiodash fetch --catalog` fetches every catalog dataset"


def datasets_for(indicator_ids: Iterable[str]) -> tuple[str, ...]:
    """The Eurostat source datasets of `indicator_ids` (what `regiodash fetch` can get; other
    publishers' datasets, e.g. World Bank country series, are the specs' fallbacks), each
    once, in the order first named."""
    out: dict[str, None] = {}
    for indicator_id in indicator_ids:
        spec = SPECS.get(indicator_id)
        for source in spec.sources if spec is not None else ():
            if source.dataset and source.publisher == "Eurostat":
                out.setdefault(source.dataset)
    return tuple(out)


def fetch_or_import(datasets: Iterable[str]) -> str:
    """"fetch or import `a`, `b`" (codes as inline code)."""
    return "fetch or import " + ", ".join(f"`{d}`" for d in datasets)


def indicator_without_values(indicator_id: str, title: str) -> str:
    """Why an indicator shows nothing: it has no values, and what would give it some."""
    datasets = datasets_for([indicator_id])
    hint = f": {fetch_or_import(datasets)} ({FETCH_ALL})." if datasets else "."
    # the title may be a user's (a tidy file's, a registered composite's): text, not Markdown
    return f"{escape_markdown(title)} has no values in this warehouse{hint}"


def empty_domains(with_values: frozenset[str]) -> tuple[str, ...]:
    """One sentence per catalog domain none of whose indicators has a value, e.g. "no
    innovation indicators imported: fetch or import `rd_e_gerdreg`, ..."."""
    by_domain: dict[str, list[str]] = {}
    for spec in CATALOG:
        by_domain.setdefault(str(spec.domain), []).append(spec.indicator_id)
    out = []
    for domain, ids in by_domain.items():
        if not with_values & set(ids):
            label = DOMAIN_LABELS.get(domain, domain).lower()
            out.append(f"no {label} indicators imported: {fetch_or_import(datasets_for(ids))}")
    return tuple(out)


def innovation_index_gap(with_values: frozenset[str], titles: dict[str, str]) -> str | None:
    """Why there is no Regional Innovation Index (None when there is one): how many of its
    components have values and which datasets hold the others."""
    if INDEX_ID in with_values:
        return None
    present = [c for c in COMPONENT_IDS if c in with_values]
    absent = [c for c in COMPONENT_IDS if c not in with_values]
    fetch = fetch_or_import(datasets_for(absent))
    if not present:
        return (f"No Regional Innovation Index: no innovation components imported: {fetch} "
                f"({FETCH_ALL}).")
    named = ", ".join(escape_markdown(titles.get(c, c)) for c in present)
    return (f"No Regional Innovation Index: {len(present)} of its {len(COMPONENT_IDS)} "
            f"components have values ({named}) and a region needs two thirds of them. "
            f"Missing components: {fetch} ({FETCH_ALL}).")
