"""Rebuilding the warehouse while it is in use: no error, no page from two data versions,
every session on the new version at its next rerun (bench.refresh holds the machinery)."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest

from bench.devserver import free_port, start_streamlit, stop_streamlit
from bench.load_stats import Stats
from bench.refresh import (
    PROBE_INDICATOR,
    PROBE_REGION,
    PROBE_SQL,
    PROBE_YEAR,
    PageReader,
    Refresher,
    expected_values,
    prepare_versions,
    publish_panel,
    run_build,
)
from bench.replicas import PROBE_QUERY, probe_from_figures, session
from regiodash.config import load_settings
from regiodash.storage.connection import open_warehouse
from regiodash.storage.pins import FD_DIR

needs_proc = pytest.mark.skipif(not FD_DIR.is_dir(), reason="no /proc/self/fd: files are "
                                "not pinned on this system (Linux only)")


def probe(wh) -> float:
    rows = wh.query_rows(PROBE_SQL.format(view="indicator_values_by_region"),
                         [PROBE_INDICATOR, PROBE_REGION, PROBE_YEAR])
    return round(rows[0][0], 6)


@pytest.fixture()
def demo_copy(demo_settings, tmp_path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(demo_settings.data_dir, data)
    return data


@needs_proc
def test_an_open_warehouse_keeps_its_version_through_a_rebuild(demo_copy, tmp_path):
    panels = prepare_versions(demo_copy, tmp_path / "panels")
    expected = {v: k for k, v in expected_values(panels["A"]).items()}
    settings = load_settings({"REGIODASH_DATA_DIR": str(demo_copy)})
    old = open_warehouse(settings)
    try:
        assert probe(old) == expected["A"]
        publish_panel(panels["B"], demo_copy)
        run_build(demo_copy)
        # The old Warehouse answers from the files it opened, both value files alike, and
        # without the stale-footer errors a path-based view gave after a rebuild.
        assert probe(old) == expected["A"]
        for view in ("indicator_values", "indicator_values_by_region", "observations",
                     "innovation_groups"):
            assert old.query_rows(f"SELECT count(*) FROM {view}")[0][0] > 0  # noqa: S608
        new = open_warehouse(settings)
        try:
            assert probe(new) == expected["B"]
        finally:
            new.close()
    finally:
        old.close()


@needs_proc
def test_pinned_files_stay_locked_to_the_warehouse_folders(demo_copy):
    wh = open_warehouse(load_settings({"REGIODASH_DATA_DIR": str(demo_copy)}))
    try:
        with pytest.raises(Exception, match="(?i)permission|disabled"):
            wh.run_readonly_sql("SELECT * FROM read_csv('/etc/passwd')")
        assert all(str(FD_DIR) in loc for loc in wh.pins.locations)
        assert len(wh.pins.fds) == 4
    finally:
        wh.close()
    assert wh.pins.fds == {}


@needs_proc
@pytest.mark.real_data
def test_the_real_data_warehouse_survives_a_rebuild_under_an_open_warehouse(real_settings,
                                                                           tmp_path):
    data = tmp_path / "real"
    shutil.copytree(real_settings.data_dir, data)
    settings = load_settings({"REGIODASH_DATA_DIR": str(data)})
    old = open_warehouse(settings)
    try:
        totals = "SELECT count(*), round(sum(value), 3) FROM indicator_values"
        before = old.query_rows(totals)
        run_build(data)
        assert old.query_rows(totals) == before
    finally:
        old.close()


async def _load_until(port: int, refresher: Refresher, builds: int, on_result,
                      stats: Stats, limit_s: float = 240) -> None:
    """Sessions rerunning the probe map, in 4-second rounds, until `builds` builds are done."""
    started, log = time.monotonic(), {}
    while len(refresher.published) < builds and refresher.error is None:
        assert time.monotonic() - started < limit_s, "builds too slow for this test"
        deadline = time.perf_counter() + 4
        await asyncio.gather(*(session(port, i, deadline, stats, log,
                                       query_for=lambda step: PROBE_QUERY,
                                       on_result=on_result) for i in range(4)))


@needs_proc
def test_builds_in_a_loop_under_load_give_no_error_and_no_mixed_page(demo_copy, tmp_path):
    panels = prepare_versions(demo_copy, tmp_path / "panels")
    expected = expected_values(panels["A"])
    refresher = Refresher(demo_copy, panels)
    shown, stale, stats = Counter(), [], Stats()

    def on_result(index, started, result) -> None:
        version = expected.get(probe_from_figures(result.figures), "?")
        shown[version] += 1
        if refresher.is_stale(version, started):
            stale.append((index, version))

    proc, url = start_streamlit(demo_copy, tmp_path / "server.log", port=free_port(),
                                env={"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"})
    reader, reads = PageReader(demo_copy), Counter()
    try:
        refresher.start()
        asyncio.run(_load_until(int(url.rsplit(":", 1)[1]), refresher, 2, on_result, stats))
        a, b = reader.read_pair()
        reads[(expected.get(a), expected.get(b))] += 1
    finally:
        refresher.stop()
        reader.close()
        stop_streamlit(proc)
    assert refresher.error is None
    assert [v for _, v, _ in refresher.published[:2]] == ["B", "A"]
    assert dict(stats.errors) == {}, stats.samples
    assert shown["?"] == 0 and shown["A"] > 0 and shown["B"] > 0, shown
    assert stale == []
    assert list(reads) == [("A", "A")] or list(reads) == [("B", "B")]
    log = (tmp_path / "server.log").read_text()
    assert "Traceback" not in log, log[-3000:]
    assert os.listdir(demo_copy / "raw" / "demo") == ["demo_panel.parquet"]
