"""Tests for indicators.innovation.specs: specs complete, every innovation indicator a component
or excluded with a reason, and docs/methodology_innovation_gap.md naming what the code defines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from indicators.catalog import CATALOG
from indicators.innovation import specs
from indicators.spec import Direction, Domain
from tests.indicators.innovation.panel import (
    C,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
METHOD_DOC = REPO_ROOT / "docs" / "methodology_innovation_gap.md"


def test_derived_specs_are_complete():
    ids = [s.indicator_id for s in specs.DERIVED_SPECS]
    assert len(ids) == len(set(ids))
    for spec in specs.DERIVED_SPECS:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", spec.indicator_id)
        assert spec.description.strip() and spec.formula.strip() and spec.unit.strip()
        assert spec.domain == Domain.DERIVED and spec.sources
    index = specs.DERIVED_SPECS_BY_ID[specs.INDEX_ID]
    assert index.unit == "index, EU = 100" and index.direction == Direction.HIGHER
    assert {s.dataset for s in index.sources} >= {c.dataset for c in specs.COMPONENTS}
    assert specs.DERIVED_SPECS_BY_ID[specs.GAP_TO_EU_ID].direction == Direction.HIGHER
    assert specs.DERIVED_SPECS_BY_ID[specs.GAP_TO_NEXT_GROUP_ID].direction == Direction.LOWER
    assert {specs.COMPONENT_PREFIX + i for i in specs.COMPONENT_IDS} <= set(ids)
    assert specs.get_derived_spec(specs.COMPONENT_PREFIX + C).direction == Direction.HIGHER
    assert "Inverted" in specs.get_derived_spec(specs.COMPONENT_PREFIX + C).description
    with pytest.raises(KeyError):
        specs.get_derived_spec("innovation_component_nothing")


def test_every_innovation_indicator_is_a_component_or_excluded():
    innovation = {e.indicator_id for e in CATALOG if e.domain == Domain.INNOVATION}
    components = set(specs.COMPONENT_IDS)
    excluded = set(specs.EXCLUDED_COMPONENTS)
    assert components.isdisjoint(excluded)
    assert components | excluded == innovation
    assert all(c.direction in (Direction.HIGHER, Direction.LOWER) for c in specs.COMPONENTS)
    assert all(reason.strip() for reason in specs.EXCLUDED_COMPONENTS.values())


def test_methodology_doc_names_what_the_code_defines():
    doc = METHOD_DOC.read_text(encoding="utf-8")
    names = [
        s.indicator_id
        for s in specs.DERIVED_SPECS
        if not s.indicator_id.startswith(specs.COMPONENT_PREFIX)
    ]
    names += [
        *specs.COMPONENT_IDS,
        *specs.EXCLUDED_COMPONENTS,
        "Regional Innovation Scoreboard 2023",
    ]
    for name in names:
        assert name in doc, name
    for number in ("125", "116.7", "108.3", "100", "90", "80", "70"):
        assert number in doc
