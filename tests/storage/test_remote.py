"""A warehouse behind a URL: DuckDB's httpfs (from its wheel) reads it with range requests."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from regiodash.config import load_settings
from regiodash.errors import WarehouseError
from regiodash.storage import queries
from regiodash.storage.build import build_warehouse
from regiodash.storage.connection import open_warehouse

RANGE = re.compile(r"bytes=(\d+)-(\d*)")


class RangeHandler(SimpleHTTPRequestHandler):
    """Static files with HTTP Range support (what object stores and CDNs do)."""

    ranges_served: list[str] = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def send_head(self):
        header = self.headers.get("Range")
        if not header:
            return super().send_head()
        path = self.translate_path(self.path)
        if not os.path.isfile(path):
            self.send_error(404)
            return None
        size = os.path.getsize(path)
        m = RANGE.match(header)
        if not m:
            self.send_error(416)
            return None
        start = int(m[1])
        end = min(int(m[2]) if m[2] else size - 1, size - 1)
        fh = open(path, "rb")  # noqa: SIM115 - closed by copyfile's caller
        fh.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        RangeHandler.ranges_served.append(f"{self.path} {header}")
        self._remaining = end - start + 1
        return _Limited(fh, end - start + 1)


class _Limited:
    def __init__(self, fh, n):
        self.fh, self.n = fh, n

    def read(self, size=-1):
        if self.n <= 0:
            return b""
        size = self.n if size < 0 else min(size, self.n)
        data = self.fh.read(size)
        self.n -= len(data)
        return data

    def close(self):
        self.fh.close()


@contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Base URL of a localhost HTTP server (range requests) over `directory`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(RangeHandler,
                                                           directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def served_warehouse(demo_settings):
    with serve_directory(demo_settings.data_dir) as url:
        yield url


def test_remote_warehouse_answers_like_the_local_one(served_warehouse, demo_settings):
    RangeHandler.ranges_served.clear()
    remote = load_settings({"REGIODASH_DATA_DIR": served_warehouse})
    assert remote.is_remote
    local_wh, remote_wh = open_warehouse(demo_settings), open_warehouse(remote)
    try:
        args = ("regional_innovation_index", 2, 2020, "T")
        local = queries.load_map_values(local_wh, *args)
        far = queries.load_map_values(remote_wh, *args)
        assert far.equals(local)
        assert far["value"].notna().sum() > 300
        assert RangeHandler.ranges_served, "httpfs should read the Parquet file in ranges"
        groups = queries.load_innovation_groups(remote_wh, 2)
        assert len(groups) > 0
    finally:
        local_wh.close()
        remote_wh.close()


def test_remote_warehouse_is_read_only(served_warehouse):
    remote = load_settings({"REGIODASH_DATA_DIR": served_warehouse})
    with pytest.raises(WarehouseError, match="needs a local data directory"):
        build_warehouse(remote)


def test_unreachable_remote_warehouse_gives_a_clear_error():
    remote = load_settings({"REGIODASH_DATA_DIR": "http://127.0.0.1:9/warehouse"})
    with pytest.raises(WarehouseError, match="cannot read the remote warehouse"):
        open_warehouse(remote)


def test_map_page_runs_on_a_remote_warehouse(served_warehouse, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from regiodash.config import REPO_ROOT

    monkeypatch.setenv("REGIODASH_DATA_DIR", served_warehouse)
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Map explorer"
