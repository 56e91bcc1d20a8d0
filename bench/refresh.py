"""Data refresh while the app is in use: `regiodash build` in a loop over two data versions.

Two versions of the demo panel differ in one indicator: version B is version A with every
`employment_rate_pct` value lowered by SHIFT points (all regions, years and sexes), so every
map of it, the region profiles and the derived indices built on it change. The refresher
thread puts version A or B in place as raw/demo/demo_panel.parquet (an atomic rename, as an
import would) and runs `python -m regiodash.cli build`, alternately, until told to stop; it
records when each build finished and which version it published.

A page read is checked by the probe value: employment rate, total, of PROBE_REGION in
PROBE_YEAR, which is PROBE_A in version A and PROBE_A - SHIFT in version B. `read_pair`
reads it the way the pages do, through a Warehouse opened per data version (ui.data: the
mtime and size of indicator_values.parquet), once from indicator_values (maps, rankings) and
once from indicator_values_by_region (profiles): a read whose two values differ showed two
data versions at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from regiodash.config import load_settings
from regiodash.storage.connection import Warehouse, open_warehouse
from regiodash.storage.layout import WarehousePaths

PROBE_INDICATOR = "employment_rate_pct"
PROBE_REGION = "DE21"
PROBE_LEVEL = 2
PROBE_YEAR = 2022
SHIFT = 1.0
PROBE_SQL = ("SELECT value FROM {view} WHERE indicator_id = ? AND geo_code = ? AND year = ? "
             "AND sex = 'T'")


def demo_panel_path(data_dir: Path) -> Path:
    return WarehousePaths(data_dir).raw_file("demo", "demo_panel")


def prepare_versions(data_dir: Path, out_dir: Path) -> dict[str, Path]:
    """Write panel versions A (the warehouse's demo panel as it is) and B into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table = pq.read_table(demo_panel_path(data_dir))
    is_probe = pc.equal(table.column("indicator_id"), PROBE_INDICATOR)
    shifted = pc.if_else(is_probe, pc.subtract(table.column("value"), SHIFT),
                         table.column("value"))
    version_b = table.set_column(table.schema.get_field_index("value"), "value", shifted)
    paths = {"A": out_dir / "panel_a.parquet", "B": out_dir / "panel_b.parquet"}
    pq.write_table(table, paths["A"], compression="zstd", row_group_size=64_000)
    pq.write_table(version_b, paths["B"], compression="zstd", row_group_size=64_000)
    return paths


def publish_panel(source: Path, data_dir: Path) -> None:
    """Put a prepared panel in place as the warehouse's demo panel (copy, then rename)."""
    target = demo_panel_path(data_dir)
    tmp = target.with_name(f".{target.name}.refresh-{os.getpid()}")
    tmp.write_bytes(source.read_bytes())
    os.replace(tmp, target)


def run_build(data_dir: Path) -> float:
    """`regiodash build` in a child process (as an operator would run it); its seconds."""
    started = time.perf_counter()
    env = dict(os.environ, REGIODASH_DATA_DIR=str(data_dir))
    done = subprocess.run([sys.executable, "-m", "regiodash.cli", "build"], env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"build failed ({done.returncode}): {done.stderr[-1500:]}")
    return time.perf_counter() - started


@dataclass
class Refresher:
    """Alternate builds of versions B, A, B, ... in a thread until `stop()`."""

    data_dir: Path
    panels: dict[str, Path]
    published: list[tuple[float, str, float]] = field(default_factory=list)
    """(monotonic time the build finished, version, build seconds)."""
    started: list[tuple[float, str]] = field(default_factory=list)
    """(monotonic time the build started, version)."""
    error: str | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="refresher", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        version = "B"
        while not self._stop.is_set():
            self.started.append((time.monotonic(), version))
            try:
                publish_panel(self.panels[version], self.data_dir)
                seconds = run_build(self.data_dir)
            except (OSError, RuntimeError) as exc:
                self.error = str(exc)
                return
            self.published.append((time.monotonic(), version, seconds))
            version = "A" if version == "B" else "B"

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=600)

    def is_stale(self, shown: str, moment: float) -> bool:
        """A page read started at `moment` showed `shown`, older than the data it should.

        Not stale: the version of the last build finished before `moment`, or the version of
        a build under way at `moment` (it moves its files in before its process exits).
        """
        if shown == self.version_at(moment):
            return False
        for i, (start, version) in enumerate(self.started):
            end = self.published[i][0] if i < len(self.published) else float("inf")
            if version == shown and start <= moment <= end:
                return False
        return True

    def version_at(self, moment: float) -> str:
        """The version the last build finished before `moment` published ('A' before any)."""
        current = "A"
        for finished, version, _ in self.published:
            if finished <= moment:
                current = version
        return current


def expected_values(panel_a: Path) -> dict[float, str]:
    """{probe value: version} from panel A (B is A - SHIFT)."""
    table = pq.read_table(panel_a, filters=[("indicator_id", "=", PROBE_INDICATOR),
                                            ("geo_code", "=", PROBE_REGION),
                                            ("year", "=", PROBE_YEAR), ("sex", "=", "T")])
    value = table.column("value")[0].as_py()
    if value is None:
        raise LookupError(f"the demo panel has no {PROBE_INDICATOR} for {PROBE_REGION} "
                          f"{PROBE_YEAR}: choose another probe")
    return {round(value, 6): "A", round(value - SHIFT, 6): "B"}


def data_version(data_dir: Path) -> str:
    """ui.data.data_version for a local warehouse: mtime and size of indicator_values."""
    stat = WarehousePaths(data_dir).indicator_values.stat()
    return f"{data_dir}:{stat.st_mtime_ns}-{stat.st_size}"


@dataclass
class PageReader:
    """Reads the probe the way the pages do: one Warehouse per data version, kept."""

    data_dir: Path
    warehouses: dict[str, Warehouse] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def warehouse(self, version: str) -> Warehouse:
        with self.lock:
            if version not in self.warehouses:
                env = dict(os.environ, REGIODASH_DATA_DIR=str(self.data_dir))
                self.warehouses[version] = open_warehouse(load_settings(env))
            return self.warehouses[version]

    def read_pair(self) -> tuple[float | None, float | None]:
        """(probe from indicator_values, probe from indicator_values_by_region)."""
        wh = self.warehouse(data_version(self.data_dir))
        args = [PROBE_INDICATOR, PROBE_REGION, PROBE_YEAR]
        values = []
        for view in ("indicator_values", "indicator_values_by_region"):
            rows = wh.query_rows(PROBE_SQL.format(view=view), args)
            values.append(round(rows[0][0], 6) if rows and rows[0][0] is not None else None)
        return values[0], values[1]

    def close(self) -> None:
        for wh in self.warehouses.values():
            wh.close()
