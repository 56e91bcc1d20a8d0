"""Importing files: parse everything first, then upsert the raw layer; idempotent by sha256."""

from __future__ import annotations

import pandas as pd
import pytest

from regiodash.errors import InputFileError
from regiodash.ingest.importing import import_files
from regiodash.storage.build import build_warehouse
from regiodash.storage.layout import WarehousePaths, read_manifest
from tests.storage.test_build import sex_indicator, snapshot, write_tidy


def test_reimporting_the_same_file_changes_nothing(settings, tmp_path):
    spec = sex_indicator()
    tidy = write_tidy(tmp_path / "mine.csv", ["DE21,2020,F,11.5,", "DE22,2020,F,9.5,e"])
    import_files([tidy], settings, dataset=spec.indicator_id)
    build_warehouse(settings)
    before = snapshot(settings.data_dir)
    again = import_files([tidy], settings, dataset=spec.indicator_id)
    assert again[0].status == "unchanged"
    assert snapshot(settings.data_dir) == before
    assert len(read_manifest(WarehousePaths(settings.data_dir))) == 1


def test_overlapping_import_upserts_without_duplicates(settings, tmp_path):
    spec = sex_indicator()
    first = write_tidy(tmp_path / "a.csv", ["DE21,2020,F,11.5,", "DE22,2020,F,9.5,"])
    second = write_tidy(tmp_path / "b.csv", ["DE22,2020,F,10.0,p", "DE23,2020,F,8.0,"])
    import_files([first], settings, dataset=spec.indicator_id)
    import_files([second], settings, dataset=spec.indicator_id)
    build_warehouse(settings)
    values = pd.read_parquet(WarehousePaths(settings.data_dir).indicator_values)
    mine = values[values.indicator_id == spec.indicator_id].set_index("geo_code")
    assert sorted(mine.index) == ["DE21", "DE22", "DE23"]
    assert mine.loc["DE22", "value"] == 10.0 and mine.loc["DE22", "flag"] == "p"


def test_a_bad_file_leaves_the_warehouse_as_it_was(settings, tmp_path):
    spec = sex_indicator()
    good = write_tidy(tmp_path / "good.csv", ["DE21,2020,F,11.5,"])
    import_files([good], settings, dataset=spec.indicator_id)
    build_warehouse(settings)
    before = snapshot(settings.data_dir)
    good2 = write_tidy(tmp_path / "good2.csv", ["DE25,2020,F,1.5,"])
    bad = write_tidy(tmp_path / "bad.csv", ["DE22,2020,F,12.3x,"])
    with pytest.raises(InputFileError) as err:
        import_files([good2, bad], settings, dataset=spec.indicator_id)
    assert "bad.csv" in str(err.value) and "line 2" in str(err.value)
    assert snapshot(settings.data_dir) == before
