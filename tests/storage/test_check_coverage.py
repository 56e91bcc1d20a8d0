"""`regiodash check` reports catalog indicators left empty by an imported dataset and label
columns kept as text (issue 13)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from regiodash.ingest.importing import import_files
from regiodash.storage.build import build_warehouse
from regiodash.storage.check import check_warehouse
from regiodash.storage.connection import open_warehouse
from regiodash.storage.layout import WarehousePaths

LABELS = {"TOTAL": "All ISCED 2011 levels", "ED0-2": "Less than primary, primary and lower "
          "secondary education (levels 0-2)", "ED5-8": "Tertiary education (levels 5-8)"}


def run_check(settings):
    wh = open_warehouse(settings)
    try:
        return check_warehouse(wh)
    finally:
        wh.close()


def test_imported_catalog_dataset_that_feeds_its_indicator_passes(settings, fixtures_dir):
    import_files([fixtures_dir / "sdmx_labels_lfst_r_lfu3rt.csv"], settings)
    build_warehouse(settings)
    report = run_check(settings)
    assert not [p for p in report.problems if "catalog indicator" in p]
    assert report.warnings == [] and report.facts["catalog_datasets_imported"] == 1


def test_raw_file_that_gives_a_catalog_indicator_nothing_is_a_problem(settings, fixtures_dir):
    # what an import made before issue 13 left behind: isced11 kept as label text
    import_files([fixtures_dir / "sdmx_labels_lfst_r_lfu3rt.csv"], settings)
    raw = WarehousePaths(settings.data_dir).raw_file("eurostat", "lfst_r_lfu3rt")
    table = pq.read_table(raw)
    labels = pa.array([LABELS[c] for c in table.column("isced11").to_pylist()])
    pq.write_table(table.set_column(table.schema.get_field_index("isced11"), "isced11",
                                    labels), raw)
    build_warehouse(settings)
    report = run_check(settings)
    assert not report.ok
    [problem] = [p for p in report.problems if "catalog indicator" in p]
    assert "unemployment_rate_pct" in problem and "raw/eurostat/lfst_r_lfu3rt.parquet" in problem
    assert ("isced11 has 'All ISCED 2011 levels', 'Less than primary, primary and lower "
            "secondary education (levels 0-2)', 'Tertiary education (levels 5-8)' but the "
            "catalog wants TOTAL") in problem
    assert any("lfst_r_lfu3rt.isced11" in w for w in report.warnings)
    assert "lfst_r_lfu3rt.isced11" in report.facts["label_columns_kept_as_text"]


def test_label_columns_of_non_catalog_files_are_warnings(settings, fixtures_dir):
    import_files([fixtures_dir / "sdmx_labels.csv"], settings)
    build_warehouse(settings)
    report = run_check(settings)
    assert report.warnings == ["label text kept instead of codes in lfsi_emp_a.geo: 'Atlantis'"]
    assert not [p for p in report.problems if "catalog indicator" in p]


@pytest.mark.real_data
def test_check_on_the_real_label_files(settings, real_data_dir):
    files = sorted((real_data_dir / "eurostat" / "sdmx_csv_labels").glob("*.csv"))
    import_files(files, settings)
    build_warehouse(settings)
    report = run_check(settings)
    assert not [p for p in report.problems if "catalog indicator" in p]
    kept = report.facts["label_columns_kept_as_text"]
    for column in ("lfsi_emp_a.indic_em", "urt_gind3.indic_de", "urt_gind3.terrtypo",
                   "ilc_lvho01.incgrp", "ilc_lvho01.building"):
        assert column in kept
    assert "demo_r_d3dens" not in kept and "lfst_r_ergau" not in kept
