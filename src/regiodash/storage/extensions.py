"""DuckDB extensions (httpfs, spatial) from their PyPI wheels: no download at run time.

DuckDB is pinned to a release for which `duckdb-extension-httpfs` and
`duckdb-extension-spatial` wheels exist (requirements.lock). Each wheel ships the compiled
`<name>.duckdb_extension` for that DuckDB version; `INSTALL '<path>'` copies it into DuckDB's
extension folder and `LOAD` then works offline.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb

from regiodash.errors import WarehouseError

EXTENSIONS = ("httpfs", "spatial")


def extension_file(name: str) -> Path:
    """Path of `<name>.duckdb_extension` inside the installed wheel for this DuckDB version."""
    if name not in EXTENSIONS:
        raise WarehouseError(f"unknown DuckDB extension {name!r}; known: {EXTENSIONS}")
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or not spec.submodule_search_locations:
        raise WarehouseError(
            f"the wheel duckdb-extension-{name} is not installed (pip install "
            f"duckdb-extension-{name}=={duckdb.__version__})")
    root = Path(next(iter(spec.submodule_search_locations)))
    candidate = root / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not candidate.exists():
        found = sorted(root.rglob(f"{name}.duckdb_extension"))
        raise WarehouseError(
            f"duckdb-extension-{name} has no build for DuckDB {duckdb.__version__} "
            f"(found: {[str(p.relative_to(root)) for p in found]}); pin matching versions")
    return candidate


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Install `name` from its wheel (if not yet installed) and load it, offline."""
    path = extension_file(name)
    try:
        con.execute(f"INSTALL '{path}'")  # path comes from the installed wheel, not users
        con.execute(f"LOAD {name}")
    except duckdb.Error as exc:
        raise WarehouseError(f"could not load DuckDB extension {name}: {exc}") from exc
