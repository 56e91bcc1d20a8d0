"""Pin the warehouse files a Warehouse reads at query time, so a rebuild cannot change them.

A build moves its new files over the old names (os.replace). A DuckDB view over a path reads
whatever the path names when a query runs, so a Warehouse opened before a rebuild would
answer a page's later queries from the new files: half a page from one data version and half
from the next, and Parquet footers cached from the old file no longer match the new one
(reads then fail with Thrift errors). Opening each file once and reading it through
/proc/self/fd/N keeps the Warehouse on the files it opened: an old file stays readable (the
kernel keeps a replaced file while it is open) until its Warehouse is closed or collected.

Files are pinned in the order the build moves them into place, and the pinning is repeated
while a build is moving them: when a pinned path was replaced meanwhile, or when the two
value files carry different fingerprints (layout.FINGERPRINT_KEY). Linux only (/proc/self/fd);
elsewhere, and for a warehouse at a URL, the plain paths are used as before.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from regiodash.storage.layout import FINGERPRINT_KEY, WarehousePaths

FD_DIR = Path("/proc/self/fd")
ATTEMPTS = 50
PAUSE_S = 0.02


@dataclass
class PinnedFiles:
    """Open file descriptors by path; `location(path)` is what DuckDB should read."""

    fds: dict[Path, int] = field(default_factory=dict)

    def location(self, path: Path) -> Path:
        fd = self.fds.get(path)
        return path if fd is None else FD_DIR / str(fd)

    @property
    def locations(self) -> list[str]:
        return [str(FD_DIR / str(fd)) for fd in self.fds.values()]

    def close(self) -> None:
        fds, self.fds = self.fds, {}
        for fd in fds.values():
            try:
                os.close(fd)
            except OSError:
                pass

    def __del__(self) -> None:  # a Warehouse dropped from a cache without close()
        self.close()


def _fingerprint(location: Path) -> str | None:
    try:
        meta = pq.read_metadata(location).metadata or {}
    except (OSError, ValueError):
        return None
    raw = meta.get(FINGERPRINT_KEY.encode())
    return raw.decode() if raw is not None else None


def _settled(pins: PinnedFiles, values: Path, by_region: Path) -> bool:
    """No pinned path was replaced while pinning, and both value files are one build's."""
    for path, fd in pins.fds.items():
        try:
            if os.stat(path).st_ino != os.fstat(fd).st_ino:
                return False
        except OSError:
            return False
    if values in pins.fds and by_region in pins.fds:
        stamp = _fingerprint(pins.location(values))
        return stamp is None or stamp == _fingerprint(pins.location(by_region))
    return True


def pin_warehouse(paths: WarehousePaths, attempts: int = ATTEMPTS) -> PinnedFiles:
    """Pin observations, innovation groups and both value files (those that exist).

    Tries again (up to `attempts` times, PAUSE_S apart) while a build is moving its files
    in; after that the files are used as they are (a by-region copy that stays mismatched is
    then left out by the Warehouse, as before).
    """
    if not FD_DIR.is_dir():
        return PinnedFiles()
    order = [paths.observations, paths.innovation_groups, paths.indicator_values_by_region,
             paths.indicator_values]  # storage.build moves them in this order
    pins = PinnedFiles()
    for attempt in range(attempts):
        pins = PinnedFiles()
        for path in order:
            try:
                pins.fds[path] = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            except FileNotFoundError:
                continue
        if _settled(pins, paths.indicator_values, paths.indicator_values_by_region):
            return pins
        if attempt < attempts - 1:
            pins.close()
            time.sleep(PAUSE_S)
    return pins
