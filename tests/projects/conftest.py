"""Fixtures for the projects tests: a Warehouse opened over a test's own data folder."""

from __future__ import annotations

import pytest

from regiodash.config import load_settings
from regiodash.storage.connection import Warehouse, open_warehouse


@pytest.fixture()
def warehouse_at():
    """open(data_dir) -> a Warehouse over that folder (closed after the test)."""
    opened: list[Warehouse] = []

    def open_at(data_dir) -> Warehouse:
        wh = open_warehouse(load_settings({"REGIODASH_DATA_DIR": str(data_dir)}))
        opened.append(wh)
        return wh

    yield open_at
    for wh in opened:
        wh.close()
