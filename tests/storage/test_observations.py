"""Reading the demo panel a few row groups at a time gives the table a whole read gives."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from regiodash.storage import observations
from regiodash.storage.arrow_codes import normalise_table
from regiodash.storage.schema import OBSERVATIONS_SCHEMA


def test_the_demo_panel_is_read_like_a_whole_read_normalised(tmp_path, monkeypatch):
    rng = np.random.default_rng(2)
    n = 1000
    geo = np.array([f"AT{i}" for i in range(150)] + ["DE1", "BE2"])  # > 127 codes: int16
    frame = {
        "indicator_id": np.repeat(["z_ind", "a_ind", "m_ind", "b_ind"], n // 4),
        "dataset": np.repeat(["d1", "d2"], n // 2),
        "geo_code": geo[rng.integers(0, len(geo), n)],
        "nuts_level": rng.integers(0, 4, n).astype(np.int8),
        "nuts_version": np.where(rng.random(n) < 0.5, "2021", None),
        "year": rng.integers(2000, 2023, n).astype(np.int16),
        "sex": rng.choice(["F", "M", "T"], n),
        "value": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
        "flag": np.where(rng.random(n) < 0.8, None, rng.choice(["e", "p"], n)),
        "unit": np.repeat(["pc", "eur"], n // 2),
        "source": np.full(n, "demo"),
    }
    table = pa.table({name: pa.array(values, type=OBSERVATIONS_SCHEMA.field(name).type,
                                     from_pandas=name != "value")
                      for name, values in frame.items()})
    table = table.set_column(7, "value", pa.array(frame["value"], mask=rng.random(n) < 0.1))
    path = tmp_path / "panel.parquet"
    pq.write_table(table, path, row_group_size=90)  # each row group its own dictionaries
    monkeypatch.setattr(observations, "_PANEL_READ_ROWS", 200)

    got = observations._read_demo_panel(path)

    columns = observations._RAW_COLUMNS
    expected = normalise_table(pq.read_table(path, columns=columns).select(columns))
    expected = pa.table([c.dictionary_encode() if c.type == pa.string() else c
                         for c in expected.columns], names=columns)
    assert got.column_names == columns
    for name in columns:
        mine, theirs = got.column(name), expected.column(name)
        assert mine.is_null().to_pylist() == theirs.is_null().to_pylist()
        if name == "value":  # NaN stays NaN, null stays null
            np.testing.assert_array_equal(mine.fill_null(0).to_numpy(),
                                          theirs.fill_null(0).to_numpy())
        else:
            assert mine.to_pylist() == theirs.to_pylist()
    for name in columns:
        column = got.column(name)
        if pa.types.is_dictionary(column.type):
            dictionary = column.chunks[0].dictionary.to_pylist()
            assert dictionary == sorted(dictionary)  # codes order rows like their text
    assert got.column("geo_code").type.index_type == pa.int16()
    assert got.column("sex").type.index_type == pa.int8()
