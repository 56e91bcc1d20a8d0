"""Shared fixtures.

`real_data_dir` points at ../shared/data/real (the publisher files CI has beside the clone).
A test that needs it fails when the CI environment variable is set and the folder is missing,
and is skipped on a developer machine without it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_DATA_DIR = Path(
    os.environ.get("REGIODASH_REAL_DATA_DIR") or (REPO_ROOT.parent / "shared" / "data" / "real")
)
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    if not REAL_DATA_DIR.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"real data folder {REAL_DATA_DIR} is missing but CI is set")
        pytest.skip(f"real data folder {REAL_DATA_DIR} not present")
    return REAL_DATA_DIR


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture()
def settings(tmp_path):
    """Settings with an empty warehouse in tmp_path and the committed reference data."""
    from regiodash.config import load_settings

    return load_settings({"REGIODASH_DATA_DIR": str(tmp_path / "data")})


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory):
    """A warehouse with the demo panel built once per test session (read-only use!)."""
    from regiodash.config import load_settings
    from regiodash.ingest.demo import write_demo_panel
    from regiodash.storage.build import build_warehouse

    settings = load_settings(
        {"REGIODASH_DATA_DIR": str(tmp_path_factory.mktemp("demo") / "data")})
    write_demo_panel(settings)
    build_warehouse(settings)
    return settings


# CI runs the property tests with a fixed seed (reproducible, never flaky); developers'
# runs stay random and keep finding new cases (e.g. level='²' and a stray '\r').
from hypothesis import settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")
