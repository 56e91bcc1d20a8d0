"""Static checks: no page renders data-derived text as unsafe HTML, and pages hold no SQL."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UI_FILES = sorted([*ROOT.glob("app_pages/*.py"), ROOT / "app.py",
                   *(ROOT / "src" / "regiodash" / "ui").glob("*.py"),
                   *(ROOT / "src" / "regiodash" / "projects").glob("*.py")])
HTML_SINKS = {"html", "components.html", "st.html", "st.components.v1.html"}


def call_name(node: ast.Call) -> str:
    parts = []
    target = node.func
    while isinstance(target, ast.Attribute):
        parts.append(target.attr)
        target = target.value
    if isinstance(target, ast.Name):
        parts.append(target.id)
    return ".".join(reversed(parts))


def is_constant_text(node: ast.AST | None, constants: frozenset[str] = frozenset()) -> bool:
    """A string literal, or a module-level name bound once to a string literal."""
    if isinstance(node, ast.Name):
        return node.id in constants
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def literal_constants(tree: ast.Module) -> frozenset[str]:
    """Module-level names assigned exactly once, and from a string literal."""
    bound: dict[str, int] = {}
    literal: set[str] = set()
    for node in ast.walk(tree):
        for target in getattr(node, "targets", []) or (
                [node.target] if isinstance(node, ast.AnnAssign | ast.AugAssign) else []):
            if isinstance(target, ast.Name):
                bound[target.id] = bound.get(target.id, 0) + 1
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and is_constant_text(node.value)):
            literal.add(node.targets[0].id)
    return frozenset(name for name in literal if bound.get(name) == 1)


def find_unsafe_html(path: Path) -> list[str]:
    """Calls that render HTML (unsafe_allow_html, st.html, components.html) from text that
    is not a constant string literal."""
    problems = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = literal_constants(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        unsafe = any(k.arg == "unsafe_allow_html" and not (
            isinstance(k.value, ast.Constant) and k.value.value is False)
            for k in node.keywords)
        if unsafe or call_name(node) in HTML_SINKS:
            arg = node.args[0] if node.args else None
            if not is_constant_text(arg, constants):
                problems.append(f"{path.name}:{node.lineno}")
    return problems


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_unsafe_html_from_data(path):
    assert not find_unsafe_html(path), "HTML rendered from non-constant text"


@pytest.mark.parametrize("path", sorted(ROOT.glob("app_pages/*.py")), ids=lambda p: p.name)
def test_pages_hold_no_sql(path):
    text = path.read_text(encoding="utf-8").upper()
    for word in ("SELECT ", "READ_PARQUET", ".EXECUTE(", "DUCKDB"):
        assert word not in text, f"{path.name} contains {word.strip()}: use a named query"


def test_the_checker_catches_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import streamlit as st\nname = input()\n"
                   "st.markdown(f'<b>{name}</b>', unsafe_allow_html=True)\n"
                   "st.html(name)\nst.markdown('<br>', unsafe_allow_html=True)\n"
                   "CSS = '<style>a:focus{outline:2px solid}</style>'\nst.html(CSS)\n"
                   "AGAIN = '<b>x</b>'\nAGAIN = name\nst.html(AGAIN)\n")
    # A constant bound once to a literal is code, not data (line 7); a name bound to
    # anything else, or bound twice, is not (lines 4 and 10).
    assert find_unsafe_html(bad) == ["bad.py:3", "bad.py:4", "bad.py:10"]
