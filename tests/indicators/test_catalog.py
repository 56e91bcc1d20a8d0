"""Contract tests over the Eurostat indicator catalog (src/indicators/catalog.py).

They check the shape every consumer relies on (ids, units, filters, sex handling, NUTS levels),
that the datasets the dashboard promises are present, that docs/catalog_verification.md lists
exactly the catalog, and, when ../shared/data/real is available, that the catalog's filters fit
the real publisher files.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from indicators.catalog import (
    CATALOG,
    CATALOG_BY_ID,
    EUROSTAT_CATALOG,
    get_catalog_indicator,
    index_catalog,
)
from indicators.spec import CatalogIndicator, Direction, Domain

REPO_ROOT = Path(__file__).resolve().parents[2]
VERIFICATION_DOC = REPO_ROOT / "docs" / "catalog_verification.md"

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")
DATASET_CODE = re.compile(r"^[a-z0-9_]+$")

REQUIRED_DATASETS = {
    "rd_e_gerdreg",
    "rd_p_persreg",
    "htec_emp_reg2",
    "edat_lfse_04",
    "trng_lfse_04",
    "nama_10r_2gdp",
    "lfst_r_lfe2emprt",
    "edat_lfse_22",
    "lfst_r_lfu3rt",
    "demo_r_mlifexp",
    "env_rwas_gen",
    "ilc_peps11n",
    "edat_lfse_16",
    "isoc_r_broad_h",
    "isoc_r_iuse_i",
    # the three datasets we hold real files for
    "nama_10r_3gdp",
    "demo_r_d3dens",
    "lfst_r_ergau",
}
REQUIRED_DOMAINS = {
    Domain.INNOVATION,
    Domain.GENDER,
    Domain.SUSTAINABILITY,
    Domain.SOCIAL,
    Domain.DIGITAL,
    Domain.CONTEXT,
}

ids = [entry.indicator_id for entry in CATALOG]


def by_id(indicator_id: str) -> CatalogIndicator:
    return CATALOG_BY_ID[indicator_id]


# --- the catalog as a whole ----------------------------------------------------------------


def test_catalog_has_enough_entries() -> None:
    assert len(CATALOG) >= 20


def test_ids_are_unique() -> None:
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert duplicates == []


def test_index_matches_catalog() -> None:
    assert list(CATALOG_BY_ID) == ids
    assert all(CATALOG_BY_ID[e.indicator_id] is e for e in CATALOG)


def test_index_catalog_refuses_duplicate_ids() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        index_catalog([CATALOG[0], CATALOG[0]])


def test_every_required_domain_is_represented() -> None:
    assert REQUIRED_DOMAINS <= {e.domain for e in CATALOG}


def test_required_datasets_are_present() -> None:
    datasets = {e.dataset for e in CATALOG}
    assert REQUIRED_DATASETS - datasets == set()
    assert {"hrst_st_rcat", "hrst_st_rsex"} & datasets


def test_gender_domain_entries_are_broken_down_by_sex() -> None:
    gender = [e for e in CATALOG if e.domain is Domain.GENDER]
    assert gender
    assert all(e.has_sex for e in gender)


def test_lower_is_better_where_the_dashboard_says_so() -> None:
    for indicator_id in (
        "unemployment_rate_pct",
        "neet_rate_pct",
        "early_leavers_pct",
        "at_risk_of_poverty_or_social_exclusion_pct",
        "municipal_waste_kg_per_capita",
    ):
        assert by_id(indicator_id).direction is Direction.LOWER, indicator_id


# --- every entry -------------------------------------------------------------------------


@pytest.mark.parametrize("entry", CATALOG, ids=ids)
def test_entry_texts(entry: CatalogIndicator) -> None:
    assert SNAKE_CASE.match(entry.indicator_id)
    for text in (entry.title, entry.description, entry.unit, entry.verification_note):
        assert text.strip()
    assert isinstance(entry.decimals, int) and 0 <= entry.decimals <= 3


# Eurostat entries; the World Bank entries have their own contract (test_catalog_wdi.py).
eurostat_ids = [entry.indicator_id for entry in EUROSTAT_CATALOG]


@pytest.mark.parametrize("entry", EUROSTAT_CATALOG, ids=eurostat_ids)
def test_entry_source_is_the_dataset(entry: CatalogIndicator) -> None:
    assert DATASET_CODE.match(entry.dataset)
    assert len(entry.sources) >= 1
    assert entry.sources[0].dataset == entry.dataset
    assert entry.sources[0].url.endswith(f"/{entry.dataset}/default/table")


@pytest.mark.parametrize("entry", EUROSTAT_CATALOG, ids=eurostat_ids)
def test_entry_filters(entry: CatalogIndicator) -> None:
    dims = [dim for dim, _ in entry.filters]
    assert len(dims) == len(set(dims)), "a dimension is fixed twice"
    assert not {"geo", "time", "time_period"} & set(dims)
    for dim, code in entry.filters:
        assert SNAKE_CASE.match(dim), f"dimension {dim!r} is not an SDMX id"
        assert code and code == code.strip() and " " not in code, f"{dim}={code!r}"
    assert entry.filter_map.get("freq") == "A"


@pytest.mark.parametrize("entry", CATALOG, ids=ids)
def test_entry_sex_handling(entry: CatalogIndicator) -> None:
    assert entry.has_sex == (entry.sex_dim is not None)
    if entry.sex_dim is not None:
        assert entry.sex_dim not in entry.filter_map
    elif "sex" in entry.filter_map:
        assert entry.filter_map["sex"] == "T"


@pytest.mark.parametrize("entry", CATALOG, ids=ids)
def test_entry_classification(entry: CatalogIndicator) -> None:
    assert entry.direction in set(Direction)
    assert entry.domain in set(Domain)
    if entry.direction is Direction.TARGET:
        assert entry.target is not None
    assert entry.nuts_levels
    assert set(entry.nuts_levels) <= {0, 1, 2, 3}
    assert list(entry.nuts_levels) == sorted(set(entry.nuts_levels))
    assert entry.scale > 0


# --- lookup ----------------------------------------------------------------------------


def test_get_catalog_indicator_returns_entry() -> None:
    assert get_catalog_indicator("gerd_total_pct_gdp").dataset == "rd_e_gerdreg"


def test_get_catalog_indicator_unknown_id_names_close_matches() -> None:
    with pytest.raises(KeyError) as excinfo:
        get_catalog_indicator("gerd_total_pct_gpd")
    message = str(excinfo.value)
    assert "gerd_total_pct_gpd" in message
    assert "gerd_total_pct_gdp" in message


def test_get_catalog_indicator_unknown_id_without_match() -> None:
    with pytest.raises(KeyError, match="unknown catalog indicator"):
        get_catalog_indicator("zzz")


# --- docs and code agree ---------------------------------------------------------------


def read_verification_rows() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in VERIFICATION_DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells
    return rows


def test_verification_doc_lists_every_indicator_once() -> None:
    rows = read_verification_rows()
    assert set(rows) == set(ids)


@pytest.mark.parametrize("entry", CATALOG, ids=ids)
def test_verification_doc_row_matches_entry(entry: CatalogIndicator) -> None:
    cells = read_verification_rows()[entry.indicator_id]
    assert cells[1] == f"`{entry.dataset}`"
    for dim, code in entry.filters:
        assert f"{dim}={code}" in cells[2], f"{dim}={code} missing from the doc row"
    assert cells[3].startswith("yes" if entry.verified else "no")


# --- the real publisher files (../shared/data/real) ------------------------------------


def read_tsv_key(path: Path) -> tuple[list[str], list[list[str]]]:
    """Dimension names and key tuples of an Eurostat bulk TSV (`freq,unit,geo\\TIME_PERIOD`)."""
    with path.open(encoding="utf-8") as handle:
        header = handle.readline().split("\t")[0]
        keys = [line.split("\t", 1)[0].split(",") for line in handle]
    return header.split("\\")[0].split(","), keys


def read_sdmx_csv_dims(path: Path) -> list[str]:
    """Dimension columns of an SDMX-CSV 1.0 file (between LAST UPDATE and TIME_PERIOD)."""
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    return header[header.index("LAST UPDATE") + 1 : header.index("TIME_PERIOD")]


def catalog_dims(entry: CatalogIndicator) -> set[str]:
    return {dim for dim, _ in entry.filters} | ({entry.sex_dim} if entry.sex_dim else set())


@pytest.mark.real_data
def test_nama_10r_3gdp_entries_fit_the_real_file(real_data_dir: Path) -> None:
    dims, keys = read_tsv_key(real_data_dir / "eurostat/bulk_tsv/estat_nama_10r_3gdp.tsv")
    entries = [e for e in CATALOG if e.dataset == "nama_10r_3gdp"]
    assert entries
    for entry in entries:
        assert catalog_dims(entry) == set(dims) - {"geo"}
        matching = [k for k in keys if all(k[dims.index(d)] == c for d, c in entry.filters)]
        geo_lengths = {len(k[dims.index("geo")]) for k in matching}
        # NUTS 0/1/2/3 codes have 2/3/4/5 characters; every promised level must be present.
        assert {level + 2 for level in entry.nuts_levels} <= geo_lengths, entry.indicator_id


@pytest.mark.real_data
@pytest.mark.parametrize(
    ("dataset", "filename"),
    [
        ("demo_r_d3dens", "estat_demo_r_d3dens_filtered_en.csv"),
        ("lfst_r_ergau", "estat_lfst_r_ergau_filtered_en.csv"),
    ],
)
def test_label_file_dimensions_match_catalog(
    real_data_dir: Path, dataset: str, filename: str
) -> None:
    dims = read_sdmx_csv_dims(real_data_dir / "eurostat/sdmx_csv_labels" / filename)
    entries = [e for e in CATALOG if e.dataset == dataset]
    assert entries
    for entry in entries:
        assert catalog_dims(entry) == set(dims) - {"geo"}, entry.indicator_id


def test_every_derived_indicator_is_documented():
    from indicators.registry import DERIVED_SPECS

    ids = [s.indicator_id for s in DERIVED_SPECS]
    assert len(ids) == len(set(ids))
    for spec in DERIVED_SPECS:
        assert spec.description.strip() and spec.formula.strip() and spec.unit.strip(), spec
        assert spec.sources, spec.indicator_id
    required = {"regional_innovation_index", "gender_inclusion_index",
                "female_achievement_index", "female_disadvantage_index",
                "sustainability_index"}
    assert required <= set(ids)
