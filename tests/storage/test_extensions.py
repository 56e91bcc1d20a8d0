"""The pinned DuckDB loads httpfs and spatial from their wheels, with no network."""

from __future__ import annotations

import duckdb
import pytest

from regiodash.errors import WarehouseError
from regiodash.storage.extensions import extension_file, load_extension


@pytest.mark.parametrize("name", ["httpfs", "spatial"])
def test_extension_loads_from_its_wheel(name, tmp_path):
    con = duckdb.connect(config={"extension_directory": str(tmp_path / "ext"),
                                 "autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})
    load_extension(con, name)
    loaded = con.execute(
        "SELECT loaded FROM duckdb_extensions() WHERE extension_name = ?", [name]).fetchone()
    assert loaded == (True,)
    assert extension_file(name).name == f"{name}.duckdb_extension"


def test_spatial_reads_the_committed_boundaries(tmp_path):
    from regiodash.config import load_settings

    con = duckdb.connect(config={"extension_directory": str(tmp_path / "ext")})
    load_extension(con, "spatial")
    ref = load_settings().reference_dir / "nuts_boundaries.parquet"
    n, valid = con.execute(
        "SELECT count(*), bool_and(ST_IsValid(geometry)) FROM read_parquet(?) "
        "WHERE nuts_version = '2021' AND nuts_level = 0", [str(ref)]).fetchone()
    assert n == 37 and valid


def test_unknown_extension_is_refused():
    with pytest.raises(WarehouseError):
        extension_file("evil'; DROP")
