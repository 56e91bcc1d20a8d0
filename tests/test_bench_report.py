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


def test_the_1000x_block_is_written_from_the_run_and_leaves_the_rest(tmp_path):
    from bench.headroom import write_block

    run = {"machine": {"date": "2026-12-06 21:10 UTC", "git_commit": "abc1234", "nproc": 2},
           "noise": {"load1_start": 0.2, "load1_end": 1.4},
           "sizes": {"1000x": {
               "build": {"observations": 100_550_250, "indicator_values": 103_788_465,
                         "indicators": 753, "build_p50_s": 72.86, "cpu_s": [120.56],
                         "maxrss_mb": 6344.8, "stages": {"observations_s": 20.6,
                                                         "derive_sort_write_s": 50.7}},
               "queries": {"open_warehouse_p50_ms": 118.0, "warm": {
                   **{f"map values NUTS {lv}": {"p50_ms": 19.0 + lv} for lv in range(4)},
                   "region profile (NUTS 2)": {"p50_ms": 44.3},
                   "region profile (NUTS 3)": {"p50_ms": 42.3}}}}}}
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\nfull run\n\n<!-- bench:1000x:start -->\nold\n"
                    "<!-- bench:1000x:end -->\n\n<!-- bench:replicas:start -->\nr\n"
                    "<!-- bench:replicas:end -->\n")
    write_block(path, run)
    text = path.read_text()
    assert text.startswith("# Benchmarks\nfull run\n") and "\nold\n" not in text
    assert "<!-- bench:replicas:start -->\nr\n<!-- bench:replicas:end -->" in text
    assert "| build wall | 72.86 s (120.6 CPU s) | <= 120 s | met |" in text
    assert "| build peak RSS | 6,345 MB | <= 4 GB | missed |" in text
    assert "| map values p50, NUTS 0 / 1 / 2 / 3 | 19.00 / 20.00 / 21.00 / 22.00 ms " \
           "| <= 20 ms | missed |" in text
    assert "otherwise idle" in text
    write_block(path, run)
    assert path.read_text() == text  # in place, once
