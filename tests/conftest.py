"""Shared fixtures.

`real_data_dir` points at ../shared/data/real (the publisher files CI has beside the clone).
A test that needs it fails when the CI environment variable is set and the folder is missing,
and is skipped on a developer machine without it.
"""

from __future__ import annotations

import os
import subprocess
import sys
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


# The folders of real Eurostat files `regiodash import` reads (bulk TSV, old bulk TSV without
# freq, label-only SDMX-CSV); the code lists and NUTS tables beside them are reference data.
REAL_IMPORT_FOLDERS = ("eurostat/bulk_tsv", "eurostat/bulk_tsv_old", "eurostat/sdmx_csv_labels")


def real_import_files(real_dir: Path) -> list[Path]:
    """Every real publisher file a user would import, sorted."""
    return sorted(p for folder in REAL_IMPORT_FOLDERS for p in (real_dir / folder).iterdir()
                  if p.suffix in (".tsv", ".csv"))


def run_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """`regiodash ARGS` in a fresh process on `data_dir`; fails the test on a non-zero exit."""
    env = dict(os.environ, REGIODASH_DATA_DIR=str(data_dir))
    done = subprocess.run([sys.executable, "-m", "regiodash.cli", *args], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    if done.returncode:
        pytest.fail(f"regiodash {' '.join(args[:1])} exited {done.returncode}:\n"
                    f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


@pytest.fixture(scope="session")
def real_settings(real_data_dir, tmp_path_factory):
    """A warehouse built from every real Eurostat file in ../shared/data/real the importer
    accepts, the way a user builds one: `regiodash import FILES --no-build`, then `regiodash
    build`, each in its own process (read-only use!). Skipped, with the reason, when the real
    data folder is absent. The wall times go to the test report's captured output."""
    import time

    from regiodash.config import load_settings

    data_dir = tmp_path_factory.mktemp("real") / "data"
    files = real_import_files(real_data_dir)
    started = time.perf_counter()
    run_cli(data_dir, "import", "--no-build", *map(str, files))
    imported = time.perf_counter()
    run_cli(data_dir, "build")
    print(f"real-data warehouse: {len(files)} files, import {imported - started:.1f} s, "
          f"build {time.perf_counter() - imported:.1f} s")
    return load_settings({"REGIODASH_DATA_DIR": str(data_dir)})


@pytest.fixture(scope="session", params=["demo", pytest.param("real", marks=pytest.mark.real_data)])
def any_settings(request):
    """The demo warehouse, then the real-data one: for tests every page must pass on both."""
    return request.getfixturevalue(f"{request.param}_settings")


@pytest.fixture(autouse=True)
def _keep_main_module():
    """Put back the process's __main__ after each test: an AppTest installs the app script
    as __main__ (Streamlit's script runner does), and a "spawn" process pool started later
    in the same process (report.batch) would then run app.py in each worker, which fails
    outside Streamlit (the batch tests broke when run after the page tests)."""
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main


# CI runs the property tests with a fixed seed (reproducible, never flaky); developers'
# runs stay random and keep finding new cases (e.g. level='²' and a stray '\r').
from hypothesis import settings as hypothesis_settings  # noqa: E402

# No per-example deadline: CI machines are 2 cores and may be busy; a slow example is not a
# failure of the property.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")
