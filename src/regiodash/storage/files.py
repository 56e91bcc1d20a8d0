"""Atomic file writes for the warehouse.

Every file in the warehouse is written to a temporary name in the same folder and then moved
into place with `os.replace`, which is atomic on POSIX file systems: a reader (or a crash)
sees either the old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Read once, at import (os.umask can only be read by setting it, which is not thread-safe).
_FILE_MODE = 0o666 & ~_read_umask()


def _temp_next_to(target: Path) -> Path:
    """An empty temporary file beside `target`, with the permissions a plainly created file
    would get (mkstemp makes it owner-only, and the rename would keep that: a web server
    publishing the warehouse could then not read it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    os.chmod(name, _FILE_MODE)
    return Path(name)


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to `target`; on success move it over `target`."""
    tmp = _temp_next_to(target)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextmanager
def atomic_paths(targets: Sequence[Path]) -> Iterator[list[Path]]:
    """Yield one temporary path next to each target; move them all into place (in the order
    given) only when the block succeeds, else remove them and leave every target untouched.

    Each move is atomic; a reader may see the new first target beside the old last one for
    the moment between two moves, so put the file readers watch for changes last.
    """
    temps: list[Path] = []
    try:
        for target in targets:
            temps.append(_temp_next_to(target))
        yield list(temps)
        for temp, target in zip(temps, targets, strict=True):
            os.replace(temp, target)
    finally:
        for temp in temps:
            if temp.exists():
                temp.unlink()


def write_parquet_atomic(table: pa.Table, target: Path, row_group_size: int = 64_000) -> None:
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp, compression="zstd", row_group_size=row_group_size)


def write_with(target: Path, writer: Callable[[Path], None]) -> None:
    """Run `writer(tmp_path)` and move the result into place atomically."""
    with atomic_path(target) as tmp:
        writer(tmp)


def json_text(obj: Any) -> str:
    """The warehouse's JSON form: indented, keys sorted (so equal objects give equal files)."""
    return json.dumps(obj, indent=2, sort_keys=True, default=str)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
