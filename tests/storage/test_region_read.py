"""storage.region_read: one region's rows straight from a by-region Parquet file."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from regiodash.storage.region_read import VALUE_COLUMNS, RegionFile


def _file(path, with_converted: bool = True, **options) -> str:
    rows = {"geo_code": ["AT11", "AT11", "AT12", "AT12", "AT13"],
            "indicator_id": ["a", "b", "a", "b", "a"], "nuts_level": [2] * 5,
            "year": pa.array([2020, 2021, 2020, 2020, 2022], pa.int16()),
            "sex": ["T", "T", "F", None, "T"], "value": [1.0, None, 3.0, 4.0, 5.0],
            "flag": [None, "p", None, None, "e"], "source": ["eurostat"] * 5,
            "nuts_version": ["2021"] * 5}
    if with_converted:
        rows["converted_from"] = [None, None, "2016", None, None]
    pq.write_table(pa.table(rows), path, **options)
    return str(path)


def test_a_region_is_read_in_file_order_with_the_query_columns_and_types(tmp_path):
    region_file = RegionFile.open(_file(tmp_path / "r.parquet", row_group_size=2))
    assert region_file is not None and len(region_file.ranges) == 3
    table = region_file.read("AT12")  # straddles the first two row groups
    assert table.column_names == list(VALUE_COLUMNS)
    assert table.column("indicator_id").to_pylist() == ["a", "b"]
    assert table.column("sex").to_pylist() == ["F", None]
    assert table.column("converted_from").to_pylist() == ["2016", None]
    assert table.column("year").type == pa.int16() and table.column("value").type == pa.float64()
    for code in ("AT10", "AT14", "AT1", ""):
        empty = region_file.read(code)
        assert empty.num_rows == 0 and empty.column_names == list(VALUE_COLUMNS)


def test_a_file_from_before_converted_from_reads_it_as_null(tmp_path):
    region_file = RegionFile.open(_file(tmp_path / "old.parquet", with_converted=False))
    assert region_file is not None
    table = region_file.read("AT11")
    assert table.num_rows == 2
    assert table.column("converted_from").to_pylist() == [None, None]
    assert table.column("converted_from").type == pa.string()


def test_files_that_cannot_serve_point_reads_are_refused(tmp_path):
    assert RegionFile.open(_file(tmp_path / "n.parquet", write_statistics=False)) is None
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    assert RegionFile.open(str(tmp_path / "bad.parquet")) is None
    assert RegionFile.open(str(tmp_path / "absent.parquet")) is None
    pq.write_table(pa.table({"indicator_id": ["a"]}), tmp_path / "narrow.parquet")
    assert RegionFile.open(str(tmp_path / "narrow.parquet")) is None
    table = pq.read_table(_file(tmp_path / "text.parquet"))
    binary = table.set_column(table.schema.get_field_index("geo_code"), "geo_code",
                              table.column("geo_code").cast(pa.binary()))
    pq.write_table(binary, tmp_path / "binary.parquet")  # codes as bytes, not text
    assert RegionFile.open(str(tmp_path / "binary.parquet")) is None
