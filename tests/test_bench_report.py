"""The README's benchmark table is the one the last full `make bench` run wrote."""

from __future__ import annotations

import json

import pytest

from bench.report import README_END, README_START, update_readme
from regiodash.config import REPO_ROOT

RESULTS = {"machine": {"date": "2026-11-30 05:00 UTC", "git_commit": "abc1234", "nproc": 2,
                       "cpu": "test CPU"},
           "targets": [{"target": "map query p50 at 100x", "value": "12 ms", "limit": "< 20 ms",
                        "status": "met", "note": ""}]}


def test_update_replaces_only_the_block_between_the_markers():
    text = f"# Title\n\nbefore\n{README_START}\nold table\n{README_END}\nafter\n"
    out = update_readme(text, RESULTS)
    assert out.startswith("# Title\n\nbefore\n")
    assert out.endswith(f"{README_END}\nafter\n")
    assert "old table" not in out
    assert "| map query p50 at 100x | 12 ms | < 20 ms | met |  |" in out
    assert update_readme(out, RESULTS) == out


def test_missing_markers_are_an_error():
    with pytest.raises(ValueError, match="markers"):
        update_readme("# no markers\n", RESULTS)


def test_readme_shows_the_committed_results():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    results = json.loads((REPO_ROOT / "bench" / "results.json").read_text(encoding="utf-8"))
    assert update_readme(readme, results) == readme, "rerun `make bench` (or update_readme)"


def test_a_full_run_keeps_the_blocks_other_harnesses_wrote():
    from bench.report import keep_marked_blocks

    old = ("# Benchmarks\nold figures\n\n<!-- bench:replicas:start -->\n## Replicas\n1.9x\n"
           "<!-- bench:replicas:end -->\n")
    new = "# Benchmarks\nnew figures\n"
    out = keep_marked_blocks(old, new)
    assert out.startswith(new.rstrip("\n")) and "old figures" not in out
    assert "<!-- bench:replicas:start -->\n## Replicas\n1.9x\n<!-- bench:replicas:end -->" in out
    fresh = new + "<!-- bench:replicas:start -->\n2.0x\n<!-- bench:replicas:end -->\n"
    assert keep_marked_blocks(old, fresh) == fresh  # a block the run wrote itself stays
    assert keep_marked_blocks("", new) == new
