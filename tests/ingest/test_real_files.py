"""The readers against the real Eurostat files in ../shared/data/real (see its PROVENANCE.md).

Expected counts are computed independently of the parsers (plain line splitting, the csv
module) and cross-checked with the numbers PROVENANCE.md states; sample cells were picked by
hand with grep from the files.
"""

from __future__ import annotations

import csv
import math
import time
from collections import Counter
from pathlib import Path

import pytest

from indicators.catalog import CATALOG
from regiodash.config import load_settings
from regiodash.ingest.readers import read_file
from regiodash.nuts import detect_nuts_version, is_extra_regio, load_known_codes

pytestmark = pytest.mark.real_data

TSV = "eurostat/bulk_tsv/estat_nama_10r_3gdp.tsv"
LABEL_DIR = "eurostat/sdmx_csv_labels"

EU27 = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}  # fmt: skip

# file -> (data lines per PROVENANCE, dataset code, flags PROVENANCE lists)
LABEL_FILES = {
    "estat_demo_r_d3dens_filtered_en.csv": (751, "demo_r_d3dens", {"b", "e", "p", "ep", "bp"}),
    "estat_lfst_r_ergau_filtered_en.csv": (11940, "lfst_r_ergau", {"b", "u", "bu", "d", "bd"}),
    "estat_lfsi_emp_a_filtered_en.csv": (830, "lfsi_emp_a", {"b", "d"}),
    "estat_ilc_lvho01_filtered_en.csv": (1590, "ilc_lvho01", {"b", "u", "p", "bu"}),
    "estat_urt_gind3_filtered_en.csv": (1668, "urt_gind3", {"m", "b", "p", "e", "bp"}),
    "estat_demo_pjanbroad_filtered_en.csv": (1620, "demo_pjanbroad", {"b", "e", "p", "ep", "bep"}),
}

# file -> labels no code list knows, kept as text (none of these datasets is in the catalog; the
# two catalog datasets, demo_r_d3dens and lfst_r_ergau, map every label)
UNMAPPED = {
    "estat_ilc_lvho01_filtered_en.csv": {"incgrp": ["Total"], "building": ["Total"]},
    "estat_lfsi_emp_a_filtered_en.csv": {
        "indic_em": ["Total employment (resident population concept - LFS)"]
    },
    "estat_urt_gind3_filtered_en.csv": {
        "indic_de": ["Population on 1 January - total"],
        "terrtypo": [
            "Intermediate regions", "Predominantly rural regions", "Predominantly urban regions"
        ],
    },
}

# (file, {column: label}, expected value, expected flag) picked by hand with grep
LABEL_CELLS = [
    ("estat_demo_r_d3dens_filtered_en.csv", {"geo": "EL", "time_period": "2010"}, 85.0, None),
    (
        "estat_demo_pjanbroad_filtered_en.csv",
        {"geo": "DE", "sex": "M", "time_period": "2024"},
        41161931.0,
        None,
    ),
    (
        "estat_demo_pjanbroad_filtered_en.csv",
        {"geo": "PL", "sex": "F", "time_period": "2021"},
        19131216.0,
        "bep",
    ),
    (
        "estat_lfst_r_ergau_filtered_en.csv",
        {
            "geo": "CZ",
            "sex": "F",
            "deg_urb": "DEG3",  # "Rural areas" mapped back to its code
            "age": "Y25-64",  # "From 25 to 64 years"
            "time_period": "2020",
        },
        73.6,
        None,
    ),
    (
        "estat_ilc_lvho01_filtered_en.csv",
        {"geo": "RO", "deg_urb": "DEG2", "time_period": "2021"},
        28.2,
        None,
    ),
    (
        "estat_lfsi_emp_a_filtered_en.csv",
        {"geo": "ES", "sex": "M", "time_period": "2021"},
        10568.0,
        "d",
    ),
    (
        "estat_urt_gind3_filtered_en.csv",
        {"geo": "EE", "terrtypo": "Intermediate regions", "time_period": "2020"},
        math.nan,
        "m",
    ),
]


def select(frame, where: dict[str, str]):
    mask = None
    for column, value in where.items():
        hit = frame[column] == value
        mask = hit if mask is None else mask & hit
    rows = frame[mask]
    assert len(rows) == 1, where
    return rows.iloc[0]


@pytest.fixture(scope="module")
def tsv_path(real_data_dir: Path) -> Path:
    return real_data_dir / TSV


@pytest.fixture(scope="module")
def tsv_table(tsv_path: Path):
    return read_file(tsv_path)


def test_tsv_shape_matches_an_independent_count(tsv_path: Path, tsv_table) -> None:
    lines = tsv_path.read_text(encoding="utf-8").split("\n")
    header, body = lines[0].split("\t"), [x for x in lines[1:] if x]
    n_series, n_years = len(body), len(header) - 1
    assert (n_series, n_years) == (12_453, 23)  # PROVENANCE: 12,453 series, 2000-2022
    frame = tsv_table.frame
    assert len(frame) == n_series * n_years == 286_419
    assert tsv_table.dataset == "nama_10r_3gdp"
    assert tsv_table.dimensions == ["freq", "unit", "geo"]
    assert sorted(frame.time_period.unique()) == [str(y) for y in range(2000, 2023)]
    assert frame.geo.nunique() == 1_807
    assert not frame.duplicated(tsv_table.key_columns).any()

    flags: Counter[str] = Counter()
    missing = 0
    for line in body:
        for cell in line.split("\t")[1:]:
            number, _, flag = cell.partition(" ")
            flags.update([flag.strip()] if flag.strip() else [])
            missing += number == ":"
    assert dict(flags) == {"e": 13_545, "p": 3_747, "b": 3_390, "d": 12}  # as PROVENANCE says
    assert frame.flag.value_counts().to_dict() == dict(flags)
    assert int(frame.value.isna().sum()) == missing


@pytest.mark.parametrize(
    ("unit", "geo", "year", "value", "flag"),
    [
        ("MIO_EUR", "DE212", "2019", 124549.25, "e"),  # line 3801
        ("EUR_HAB", "HR050", "2021", 27300.0, None),  # line 1055: a NUTS 2021-only region
        ("MIO_EUR", "ITZZZ", "2000", 942.92, None),  # line 4780: extra-regio kept
        ("EUR_HAB", "ES531", "2001", 18600.0, "d"),  # line 836
        ("EUR_HAB", "EL", "2010", 20200.0, "b"),  # line 708
        ("EUR_HAB", "AL", "2022", math.nan, None),  # line 2: ": "
    ],
)
def test_tsv_cells_picked_by_hand(tsv_table, unit, geo, year, value, flag) -> None:
    row = select(tsv_table.frame, {"unit": unit, "geo": geo, "time_period": year})
    assert (math.isnan(row.value) and math.isnan(value)) or row.value == value
    assert row.flag == flag


def test_tsv_keeps_extra_regio_codes(tsv_table) -> None:
    extra = {g for g in tsv_table.frame.geo.unique() if is_extra_regio(g)}
    assert {"ATZ", "ATZZ", "ATZZZ", "ITZZZ", "RSZ", "RSZZ"} <= extra
    assert "CZ" not in extra


def test_tsv_parses_fast(tsv_path: Path) -> None:
    start = time.perf_counter()
    read_file(tsv_path)
    elapsed = time.perf_counter() - start
    assert elapsed < 3.0, f"parsing took {elapsed:.2f} s"  # typically ~0.3 s


def test_tsv_nuts_version_is_2021(tsv_table) -> None:
    reference = load_settings().reference_dir
    if not (reference / "nuts_regions.parquet").is_file():
        pytest.skip("data/reference/nuts_regions.parquet not built yet")
    known = load_known_codes(reference)
    version, details = detect_nuts_version(tsv_table.frame.geo.unique(), known)
    assert version == "2021"
    assert details["versions"]["2021"]["unmatched"] == 0


@pytest.mark.parametrize("name", sorted(LABEL_FILES))
def test_label_files(real_data_dir: Path, name: str) -> None:
    path = real_data_dir / LABEL_DIR / name
    expected_rows, code, expected_flags = LABEL_FILES[name]
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == expected_rows

    table = read_file(path)
    frame = table.frame
    assert table.format == "sdmx-csv"
    assert table.dataset == code
    assert len(frame) == len(rows)
    assert "conf_status" not in frame.columns and "dataflow" not in frame.columns
    assert table.unmapped_labels == UNMAPPED.get(name, {})
    assert set(table.unmapped_lines) == set(table.unmapped_labels)
    assert set(frame.geo) == EU27  # all 27 member states mapped to codes, Greece as EL
    assert table.labels_mapped["geo"] == 27
    assert set(frame.freq) == {"A"}
    if "sex" in frame.columns:
        assert set(frame.sex) <= {"F", "M", "T"}
    assert set(frame.flag.dropna()) == expected_flags
    assert Counter(frame.flag.dropna()) == Counter(r["OBS_FLAG"] for r in rows if r["OBS_FLAG"])
    assert int(frame.value.notna().sum()) == sum(1 for r in rows if r["OBS_VALUE"])
    assert not frame.duplicated(table.key_columns).any()


@pytest.mark.parametrize(("name", "where", "value", "flag"), LABEL_CELLS)
def test_label_cells_picked_by_hand(real_data_dir: Path, name, where, value, flag) -> None:
    row = select(read_file(real_data_dir / LABEL_DIR / name).frame, where)
    assert (math.isnan(row.value) and math.isnan(value)) or row.value == value
    assert row.flag == flag


def test_urt_gind3_m_flags_have_no_value(real_data_dir: Path) -> None:
    frame = read_file(real_data_dir / LABEL_DIR / "estat_urt_gind3_filtered_en.csv").frame
    flagged_m = frame[frame.flag == "m"]
    assert len(flagged_m) > 0
    assert flagged_m.value.isna().all()


CATALOG_DIMS = sorted({d for e in CATALOG for d, _ in e.filters}
                      | {e.sex_dim for e in CATALOG if e.sex_dim})


@pytest.mark.parametrize("name", sorted(LABEL_FILES))
def test_label_files_map_every_catalog_filtered_dimension(real_data_dir: Path, name) -> None:
    """Every dimension the catalog filters on that a real label file has holds codes only."""
    table = read_file(real_data_dir / LABEL_DIR / name)
    present = [d for d in table.dimensions if d in CATALOG_DIMS]
    assert "freq" in present  # and unit, age, sex, deg_urb where the file has them
    for dim in present:
        assert dim not in table.unmapped_labels, (dim, table.unmapped_labels.get(dim))
        assert table.labels_mapped[dim] == table.frame[dim].nunique()
        assert table.frame[dim].str.fullmatch(r"[A-Z0-9_\-]+").all(), dim


@pytest.mark.parametrize("name", ["trng_lfse_04.tsv", "ilc_peps11.tsv"])
def test_old_bulk_tsv_gets_its_annual_freq(real_data_dir: Path, name: str) -> None:
    path = real_data_dir / "eurostat" / "bulk_tsv_old" / name
    table = read_file(path)
    assert table.dimensions[0] == "freq" and set(table.frame.freq) == {"A"}
    lines = [x for x in path.read_text(encoding="utf-8").split("\n")[1:] if x]
    n_periods = len(path.read_text(encoding="utf-8").split("\n", 1)[0].split("\t")) - 1
    assert len(table.frame) == len(lines) * n_periods  # 1,455 x 16 and 201 x 14 cells
    assert not table.frame.duplicated(table.key_columns).any()
