"""Tests for the Kohesio importer (ingest.kohesio, ingest.kohesio_import) on the real export
(counts checked independently with the csv module) and on small inline files."""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import pytest

from regiodash.config import REPO_ROOT, load_settings
from regiodash.errors import InputFileError
from regiodash.ingest.kohesio import (
    COUNTRY_CODES,
    is_cluster_name,
    parse_kohesio_export,
)
from regiodash.ingest.kohesio_import import KOHESIO_LICENCE, PAGE_CAP, import_kohesio
from regiodash.storage.layout import WarehousePaths, read_manifest

REAL = Path("/work/shared/data/real/kohesio/kohesio-data-export.tsv")
FIXTURES = Path(__file__).parents[1] / "fixtures"
needs_real = pytest.mark.skipif(not REAL.exists(), reason="shared real data not available")
HEADER = ("Country\tRegion\tBeneficiary Name\tTotal Budget\tEU Contribution\t"
          "Number of Projects\tTransliterated Name\t\n")


def _settings(tmp_path: Path):
    return load_settings({"REGIODASH_DATA_DIR": str(tmp_path / "wh"),
                          "REGIODASH_REFERENCE_DIR": str(REPO_ROOT / "data" / "reference")})


def _write(tmp_path: Path, body: str, name: str = "k.tsv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


GOOD = (
    "Estonia\tKesk-Eesti\tKlaster MTÜ\t100.5\t80\t2\t\t\n"
    "Estonia\tKesk-Eesti\t\"Vald\" OÜ\t1.5E3\t\t1\t\t\n"
    "Bulgaria\tБургас\tСДРУЖЕНИЕ КЛЪСТЕР АЙТОС\t200\t150\t1\tSDRUZhENIE KLASTER AYTOS\t\n"
)


# ------------------------------------------------------------------ the real export

def _csv_rows() -> list[list[str]]:
    """The export read independently: the csv module, tab-delimited, quotes NOT special (the
    exporter does not CSV-quote names; a quote-aware reader joins 75 lines)."""
    with REAL.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]


@needs_real
def test_real_export_refuses_exact_repeats_by_default(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with pytest.raises(InputFileError) as err:
        import_kohesio(REAL, settings)
    assert err.value.line == 172 and "line 172 repeats line 142" in str(err.value)
    assert not (tmp_path / "wh").exists()  # nothing written


@needs_real
def test_real_export_counts_and_sums_match_an_independent_read(tmp_path: Path) -> None:
    rows = _csv_rows()
    assert len(rows) == 27_222 and all(len(r) == 8 and r[7] == "" for r in rows)
    unique = list(dict.fromkeys(tuple(r) for r in rows))  # exact repeats dropped
    count = Counter(r[0] for r in unique)
    eu = defaultdict(list)
    for r in unique:
        if r[4]:
            eu[r[0]].append(float(r[4]))
    result = import_kohesio(REAL, _settings(tmp_path), drop_duplicates=True)
    table = pd.read_parquet(result.raw_path)
    assert len(table) == len(unique) == 27_181
    assert len(result.dropped_duplicates) == 41
    assert table.groupby("country").size().to_dict() == dict(count)
    assert count["Hungary"] == 4_000 and count["Bulgaria"] == 4_093
    ours = table.groupby("country")["eu_contribution_eur"].sum()
    for country, values in eu.items():
        assert ours[country] == pytest.approx(math.fsum(values), rel=1e-12), country
    # missing amounts stay missing
    assert table["eu_contribution_eur"].isna().sum() == sum(1 for r in unique if not r[4])
    assert set(table["country"]) <= set(COUNTRY_CODES)


@needs_real
def test_real_export_every_region_matched_partial_regions_and_manifest(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    result = import_kohesio(REAL, settings, drop_duplicates=True)
    table = pd.read_parquet(result.raw_path)
    assert result.unresolved == [] and table["geo_code"].notna().all()
    per_region = Counter((r[0], r[1]) for r in _csv_rows())
    capped = {k for k, n in per_region.items() if n >= PAGE_CAP}
    assert len(capped) == 116 and len(result.partial_regions) == 116
    flagged = set(zip(table.loc[table["region_partial"], "country"],
                      table.loc[table["region_partial"], "region"], strict=True))
    assert flagged == capped
    names = table.drop_duplicates("beneficiary_name")
    assert names["beneficiary_name"].str.startswith('"').sum() > 400  # quotes kept as written
    assert "\"Зора-ЕС\" ЕООД" in set(table["beneficiary_name"])
    record = [m for m in read_manifest(WarehousePaths(settings.data_dir))
              if m["dataset"] == "beneficiaries"]
    assert len(record) == 1 and record[0]["licence"] == KOHESIO_LICENCE
    assert record[0]["rows"] == len(table) and record[0]["source"] == "kohesio"
    assert set(table["import_id"]) == {record[0]["import_id"]}
    again = import_kohesio(REAL, settings, drop_duplicates=True)
    assert again.status == "unchanged"
    assert "0 unmatched or ambiguous" in "\n".join(result.lines())


# ------------------------------------------------------------------ inline files

def test_inline_file_parses_names_amounts_and_clusters(tmp_path: Path) -> None:
    result = import_kohesio(_write(tmp_path, GOOD), _settings(tmp_path))
    table = pd.read_parquet(result.raw_path).set_index("line")
    assert table.loc[2, "geo_code"] == "EE009" and table.loc[4, "geo_code"] == "BG341"
    assert table.loc[3, "beneficiary_name"] == '"Vald" OÜ'
    assert table.loc[3, "total_budget_eur"] == 1500.0
    assert math.isnan(table.loc[3, "eu_contribution_eur"])
    assert table["is_cluster"].tolist() == [True, False, True]
    assert table.loc[4, "name_latin"] == "SDRUZhENIE KLASTER AYTOS"
    assert not table["region_partial"].any()


@pytest.mark.parametrize(("body", "line", "column", "text"), [
    ("Estonia\tKesk-Eesti\tA\t100\t80\t1\t\t\nEstonia\tKesk-Eesti\tB\t100\t80\n", 3, None,
     "expected 7 tab-separated cells"),
    ("Estonia\tKesk-Eesti\tA\t12,5\t80\t1\t\t\n", 2, "Total Budget", "not a number"),
    ("Estonia\tKesk-Eesti\tA\t100\tabc\t1\t\t\n", 2, "EU Contribution", "not a number"),
    ("Estonia\tKesk-Eesti\tA\t-5\t1\t1\t\t\n", 2, "Total Budget", "negative"),
    ("Estonia\tKesk-Eesti\tA\t100\t80\t0\t\t\n", 2, "Number of Projects", "at least 1"),
    ("Narnia\tKesk-Eesti\tA\t100\t80\t1\t\t\n", 2, "Country", "not an EU member state"),
    ("Estonia\t\tA\t100\t80\t1\t\t\n", 2, "Region", "empty region"),
    ("Estonia\tKesk-Eesti\tA\t100\t80\t1\t\t\nEstonia\tKesk-Eesti\tA\t100\t80\t1\t\t\n", 3,
     None, "repeat an earlier row exactly"),
])
def test_bad_input_names_the_line_and_writes_nothing(tmp_path: Path, body: str, line: int,
                                                     column: str | None, text: str) -> None:
    with pytest.raises(InputFileError) as err:
        import_kohesio(_write(tmp_path, body), _settings(tmp_path))
    assert err.value.line == line and err.value.column == column
    assert text in str(err.value)
    assert not (tmp_path / "wh").exists()


def test_wrong_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.tsv"
    path.write_text("Country\tRegion\tName\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="header"):
        parse_kohesio_export(path.read_text(encoding="utf-8"), path)


def test_unmatched_region_is_kept_listed_and_counted_in_the_country(tmp_path: Path) -> None:
    body = GOOD + "Estonia\tAtlantis County\tC\t10\t5\t1\t\t\n"
    result = import_kohesio(_write(tmp_path, body), _settings(tmp_path))
    assert len(result.unresolved) == 1
    assert "'Atlantis County' (EE), first on line 5: unmatched" in result.unresolved[0]
    assert "  not matched: 'Atlantis County' (EE), first on line 5: unmatched" in result.lines()
    table = pd.read_parquet(result.raw_path)
    assert len(table) == 4 and table["geo_code"].isna().sum() == 1


def test_newer_import_replaces_only_its_countries(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    import_kohesio(_write(tmp_path, GOOD, "a.tsv"), settings)
    result = import_kohesio(_write(tmp_path, "Estonia\tLõuna-Eesti\tNew\t5\t4\t1\t\t\n",
                                   "b.tsv"), settings)
    table = pd.read_parquet(result.raw_path)
    assert sorted(table["beneficiary_name"]) == ["New", "СДРУЖЕНИЕ КЛЪСТЕР АЙТОС"]


def test_cluster_rule_precision_on_the_hand_labelled_sample() -> None:
    """~100 names of the real export, labelled by reading them (fixture's note column): every
    name the broad stems clust/klast/klaszt catch, plus 61 drawn at random."""
    with (FIXTURES / "kohesio_cluster_labels.csv").open(encoding="utf-8", newline="") as fh:
        sample = list(csv.DictReader(fh))
    assert len(sample) == 100
    flagged = [s for s in sample if is_cluster_name(s["beneficiary_name"],
                                                    s["transliterated_name"] or None)]
    true_pos = sum(s["is_cluster"] == "1" for s in flagged)
    positives = sum(s["is_cluster"] == "1" for s in sample)
    assert (true_pos, len(flagged), positives) == (32, 33, 32)
    assert true_pos / len(flagged) >= 0.95  # precision 32/33; recall on the sample 1.0
    assert not is_cluster_name("Město Klášterec nad Ohří")
    assert not is_cluster_name("KLASZTOR OO. FRANCISZKANÓW")


def test_regiodash_import_points_to_the_kohesio_command(tmp_path: Path) -> None:
    from regiodash.ingest.readers import read_file

    with pytest.raises(InputFileError, match="regiodash kohesio FILE"):
        read_file(_write(tmp_path, GOOD))


def test_cli_kohesio_imports_builds_and_exits_2_on_a_bad_file(tmp_path: Path, monkeypatch,
                                                               capsys) -> None:
    from regiodash.cli import main

    monkeypatch.setenv("REGIODASH_DATA_DIR", str(tmp_path / "wh"))
    assert main(["kohesio", str(_write(tmp_path, GOOD))]) == 0
    err = capsys.readouterr().err
    assert "3 beneficiary rows, 2 countries" in err and "0 unmatched or ambiguous" in err
    values = pd.read_parquet(tmp_path / "wh" / "indicator_values.parquet")
    ee = values[(values["indicator_id"] == "cohesion_eu_contribution_eur")
                & (values["geo_code"] == "EE")]
    assert ee["value"].tolist() == [80.0] and ee["flag"].tolist() == ["t"]  # a missing amount
    bad = _write(tmp_path, "Estonia\tKesk-Eesti\tA\tmany\t1\t1\t\t\n", "bad.tsv")
    assert main(["kohesio", str(bad)]) == 2
    assert "line 2, column 'Total Budget'" in capsys.readouterr().err


def test_build_with_kohesio_rows_is_deterministic(tmp_path: Path) -> None:
    import hashlib

    from regiodash.storage.build import build_warehouse

    settings = _settings(tmp_path)
    import_kohesio(_write(tmp_path, GOOD), settings)
    digests = []
    for _ in range(2):
        build_warehouse(settings)
        digests.append(hashlib.sha256(
            (settings.data_dir / "indicator_values.parquet").read_bytes()).hexdigest())
    assert digests[0] == digests[1]
