"""Warehouses with the real Kohesio export imported (the way `regiodash kohesio FILE
--drop-duplicates` does), for the Projects page's Cohesion funding tests: over the demo panel
and over the warehouse built from the real Eurostat files. Test modules wrap these in their
own session fixtures and use them read-only."""

from __future__ import annotations

import shutil
from pathlib import Path

from regiodash.config import Settings, load_settings
from regiodash.ingest.demo import write_demo_panel
from regiodash.ingest.kohesio_import import import_kohesio
from regiodash.storage.build import build_warehouse

KOHESIO_EXPORT = "kohesio/kohesio-data-export.tsv"


def with_kohesio(settings: Settings, real_data_dir: Path) -> Settings:
    import_kohesio(real_data_dir / KOHESIO_EXPORT, settings, drop_duplicates=True)
    build_warehouse(settings)
    return settings


def demo_with_kohesio(data_dir: Path, real_data_dir: Path) -> Settings:
    """The demo panel plus the real Kohesio export, built in `data_dir`."""
    settings = load_settings({"REGIODASH_DATA_DIR": str(data_dir)})
    write_demo_panel(settings)
    return with_kohesio(settings, real_data_dir)


def real_with_kohesio(real_settings: Settings, data_dir: Path, real_data_dir: Path
                      ) -> Settings:
    """A copy of the warehouse of the real Eurostat files (tests/conftest.py real_settings)
    plus the real Kohesio export, in `data_dir`: no population, no innovation groups."""
    shutil.copytree(real_settings.data_dir, data_dir)
    return with_kohesio(load_settings({"REGIODASH_DATA_DIR": str(data_dir)}), real_data_dir)
