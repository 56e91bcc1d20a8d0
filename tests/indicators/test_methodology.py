"""docs/methodology.md is generated, and every code reference in it resolves.

The doc names, for every indicator id, the code that declares, computes and tests it; these
tests fail when the committed doc is stale or when a named module, function or test file is
wrong (renamed, moved, or a test file that never mentions the id or the function)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from indicators.catalog import CATALOG
from indicators.methodology import CATALOG_REF, CODE_REFS, code_ref, render_methodology
from indicators.registry import DERIVED_SPECS

REPO_ROOT = Path(__file__).resolve().parents[2]


def resolve(dotted: str) -> object:
    """The object a dotted name points to: the longest importable module prefix, then getattr."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_docs_methodology_is_generated_from_the_specs():
    """docs/methodology.md must be regenerated when a spec changes (datasette-style drift)."""
    committed = (REPO_ROOT / "docs" / "methodology.md").read_text(encoding="utf-8")
    assert committed == render_methodology(), (
        "run: .venv/bin/python -m indicators.methodology > docs/methodology.md")


def test_every_derived_id_has_exactly_one_code_reference():
    for spec in DERIVED_SPECS:
        assert code_ref(spec.indicator_id).matches(spec.indicator_id)
    assert {e.indicator_id for e in CATALOG} == CATALOG_REF.ids
    with pytest.raises(KeyError):
        code_ref("no_such_indicator")


@pytest.mark.parametrize("ref", [CATALOG_REF, *CODE_REFS], ids=lambda r: r.defined)
def test_named_code_and_tests_exist(ref):
    declared = resolve(ref.defined)
    functions = [resolve(name) for name in ref.computed]
    assert all(callable(f) for f in functions), ref.computed
    if ref.prefix_name:
        assert resolve(ref.prefix_name) == ref.prefix
    ids = [s.indicator_id for s in DERIVED_SPECS if ref.matches(s.indicator_id)] or sorted(ref.ids)
    assert ids, f"{ref.defined}: matches no indicator id"
    if callable(declared):  # a spec builder: it must be where the specs come from
        assert declared.__module__ == ref.defined.rsplit(".", 1)[0]
    names = {*ids, *(n.rsplit(".", 1)[-1] for n in (ref.defined, *ref.computed))}
    for path in ref.tested:
        text = (REPO_ROOT / path).read_text(encoding="utf-8")
        assert any(name in text for name in names), f"{path} mentions none of {sorted(names)}"
