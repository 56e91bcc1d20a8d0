"""NUTS versions: values moved between versions with the JRC converter weights.

Hand-computed cases on a small intersection table, the real JRC tables on real Eurostat
values, and whole builds: a NUTS 2024 file on a 2024 map, a NUTS 2013 file on a 2021 map.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from regiodash.ingest.importing import first_lines, import_files
from regiodash.ingest.readers import read_file
from regiodash.nuts import load_known_codes, row_versions
from regiodash.storage import queries
from regiodash.storage.build import build_warehouse
from regiodash.storage.connection import open_warehouse
from regiodash.storage.conversion import (
    CONVERSION_RULES,
    ConversionRule,
    conversion_steps,
    convert_frame,
    load_conversion_table,
)
from regiodash.storage.layout import WarehousePaths

# Old region A splits into new A1 and A2; old B and C merge into new D; E does not change;
# F changes a sliver (0.1 % of G's weight) with G, which keeps its code.
TABLE = pd.DataFrame(
    [("2016", "2021", 2, "XXA", "XXA1", 10.0, 30.0),
     ("2016", "2021", 2, "XXA", "XXA2", 30.0, 10.0),
     ("2016", "2021", 2, "XXB", "XXD", 20.0, 20.0),
     ("2016", "2021", 2, "XXC", "XXD", 60.0, 20.0),
     ("2016", "2021", 2, "XXE", "XXE", 5.0, 5.0),
     ("2016", "2021", 2, "XXG", "XXG", 999.0, 999.0),
     ("2016", "2021", 2, "XXF", "XXG", 1.0, 1.0)],
    columns=["from_version", "to_version", "nuts_level", "code_from", "code_to", "pop21",
             "areaKm"])
KNOWN = {"2016": {"XXA", "XXB", "XXC", "XXE", "XXF", "XXG", "XX"},
         "2021": {"XXA1", "XXA2", "XXD", "XXE", "XXG", "XX"}}


def rows(values: dict[str, float | None], version: str = "2016", flags=None) -> pd.DataFrame:
    flags = flags or {}
    return pd.DataFrame({
        "indicator_id": "x", "source": "eurostat", "year": 2020, "sex": "T",
        "geo_code": list(values), "nuts_level": 2, "nuts_version": version,
        "value": list(values.values()), "flag": [flags.get(c) for c in values]})


def converted(frame: pd.DataFrame, rule: ConversionRule) -> dict[str, tuple]:
    out, report = convert_frame(frame, "2021", TABLE, {"x": rule}, KNOWN)
    assert (out["nuts_version"] == "2021").all()
    def text(x):
        return None if pd.isna(x) else x

    return {r.geo_code: (round(r.value, 9), text(r.flag), text(r.converted_from))
            for r in out.itertuples()}


def test_rates_are_weighted_means_and_unchanged_regions_are_not_marked():
    got = converted(rows({"XXA": 10.0, "XXB": 1.0, "XXC": 5.0, "XXE": 7.0, "XXG": 3.0},
                         flags={"XXB": "e", "XXC": "p"}), ConversionRule("mean", "pop21"))
    assert got["XXA1"] == (10.0, None, "2016") and got["XXA2"] == (10.0, None, "2016")
    # D: (20 * 1 + 60 * 5) / 80 (populations 20 and 60); flags united.
    assert got["XXD"] == (4.0, "ep", "2016")
    assert got["XXE"] == (7.0, None, None)  # same code, same extent: not converted
    # G keeps its value: F's sliver (0.1 %) is below SIGNIFICANT_SHARE.
    assert got["XXG"] == (3.0, None, None)


def test_counts_are_split_by_weight_share():
    got = converted(rows({"XXA": 100.0, "XXB": 10.0, "XXC": 30.0, "XXE": 7.0}),
                    ConversionRule("sum", "areaKm"))
    assert got["XXA1"][0] == 75.0 and got["XXA2"][0] == 25.0  # areas 30 and 10 of 40
    assert got["XXD"][0] == 40.0  # B and C lie wholly in D


def test_a_missing_input_leaves_the_new_region_missing():
    got = converted(rows({"XXA": 1.0, "XXB": 2.0, "XXC": None}), ConversionRule())
    assert "XXD" not in got  # C has no value: D is missing, never a partial mean
    assert got["XXA1"][0] == 1.0


def test_versions_chain_and_run_backwards_through_the_published_pairs():
    table = load_conversion_table(Path("data/reference"))
    assert conversion_steps("2013", "2024", table) == [("2013", "2021"), ("2021", "2024")]
    assert conversion_steps("2024", "2021", table) == [("2024", "2021")]
    assert conversion_steps("2021", "2021", table) == []


def test_catalog_rules_name_the_weight():
    assert CONVERSION_RULES["population_persons"] == ConversionRule("sum", "pop21")
    assert CONVERSION_RULES["population_density_per_km2"].weight == "areaKm"
    assert CONVERSION_RULES["employment_rate_pct"] == ConversionRule("mean", "pop21")


@pytest.mark.real_data
def test_real_2021_values_on_the_2024_regions(real_data_dir, settings):
    """The NUTS 2024 change at level 2: NL35 (Utrecht) is NL31, NL36 takes Zuid-Holland's
    part of NL33, PT1A/PT1B split Lisbon (PT17); everything else keeps its value unmarked."""
    tsv = read_file(real_data_dir / "eurostat/bulk_tsv/estat_nama_10r_3gdp.tsv").frame
    tsv = tsv[(tsv.unit == "PPS_HAB_EU27_2020") & (tsv.time_period == "2020")
              & tsv.geo.str.fullmatch(r"(NL|PT)\d\w")]
    frame = pd.DataFrame({"indicator_id": "gdp_per_capita_pps_pct_eu27", "source": "eurostat",
                          "year": 2020, "sex": "T", "geo_code": tsv.geo, "nuts_level": 2,
                          "nuts_version": "2021", "value": tsv.value, "flag": tsv.flag})
    known = load_known_codes(settings.reference_dir)
    out, report = convert_frame(frame, "2024", load_conversion_table(settings.reference_dir),
                                CONVERSION_RULES, known)
    got = out.set_index("geo_code")
    published = frame.set_index("geo_code")["value"]
    assert got.loc["NL35", "value"] == published["NL31"]
    assert got.loc["PT1A", "value"] == published["PT17"] == got.loc["PT1B", "value"]
    assert set(got.index) == {c for c in known["2024"] if c[:2] in ("NL", "PT") and len(c) == 4
                              and not c.endswith("Z")}
    marked = set(got.index[got["converted_from"].notna()])
    assert marked == {"NL35", "NL36", "PT19", "PT1A", "PT1B", "PT1C", "PT1D"}
    assert report.converted == 7


def test_codes_are_stamped_with_the_version_that_knows_them():
    known = {"2021": {"NL33", "NL31"}, "2024": {"NL35", "NL36", "NL31"}}
    got = row_versions(["NL31", "NL35", "NL33", "XX99", "NL", "EU27_2020", "NLZZ"], known,
                       "2024")
    assert got == {"NL31": "2024", "NL35": "2024", "NL33": "2021", "XX99": None,
                   "NL": "2024", "EU27_2020": "2024", "NLZZ": "2024"}


def test_a_nuts_2024_file_shows_its_regions_on_the_map(settings, fixtures_dir):
    results = import_files([fixtures_dir / "eurostat_nuts2024.tsv"], settings,
                           dataset="nama_10r_3gdp")
    assert results[0].nuts_version == "2024"
    assert not [n for n in results[0].notes if "NUTS" in n]  # every code known in 2024
    summary = build_warehouse(settings)
    assert summary.nuts_version == "2024" and summary.converted_values == 0
    wh = open_warehouse(settings)
    assert wh.nuts_version == "2024"
    level2 = queries.load_map_values(wh, "gdp_per_capita_pps_pct_eu27", 2, 2023, "T")
    shown = level2.dropna(subset=["value"]).set_index("geo_code")
    assert {"NL35", "NL36", "PT19", "PT1A", "PT1D"} <= set(shown.index)
    assert shown["converted_from"].isna().all()
    level3 = queries.load_map_values(wh, "gdp_per_capita_pps_pct_eu27", 3, 2023, "T")
    assert level3.dropna(subset=["value"])["geo_code"].str.startswith("PT1C").sum() == 4
    assert set(level3["flag"].dropna()) == {"p"}


@pytest.mark.real_data
def test_a_nuts_2013_file_shows_on_a_2021_map_with_converted_values_flagged(
        settings, real_data_dir):
    files = [real_data_dir / "eurostat/bulk_tsv/estat_nama_10r_3gdp.tsv",
             real_data_dir / "eurostat/bulk_tsv_old/trng_lfse_04.tsv"]
    results = {r.dataset: r for r in import_files(files, settings)}
    old = results["trng_lfse_04"]
    assert old.nuts_version == "2013"
    # Codes of no NUTS version (the Greek NUTS 2010 regions) are named with their line.
    note = next(n for n in old.notes if "known in no NUTS version" in n)
    assert "EL1 (line 130)" in note and "EL11 (line 131)" in note
    summary = build_warehouse(settings)
    assert summary.nuts_version == "2021" and summary.converted_values > 0
    values = pd.read_parquet(WarehousePaths(settings.data_dir).indicator_values)
    learning = values[(values.indicator_id == "lifelong_learning_pct") & (values.year == 2015)
                      & (values.sex == "T")].set_index("geo_code")
    assert (values["nuts_version"] == "2021").all()
    # Ireland's NUTS 2 regions were redrawn in 2016: IE04-IE06 come from IE01/IE02.
    assert learning.loc[["IE04", "IE05", "IE06"], "converted_from"].eq("2013").all()
    # Bayern's Oberbayern did not change: published value, unmarked.
    assert pd.isna(learning.loc["DE21", "converted_from"])
    assert not values[values.source == "eurostat"]["geo_code"].isin(["EL1", "EL11"]).any()
    gdp = values[values.indicator_id == "gdp_per_capita_pps_pct_eu27"]
    assert gdp["converted_from"].isna().all()  # published in the build's version


def test_first_lines_names_where_a_code_appears(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("unit,geo\\time\t2015 \nPC,AT1\t1 \nPC,XX12\t2 \n", encoding="utf-8")
    assert first_lines(path, ["XX12", "AT1", "NOPE"]) == {"XX12": 3, "AT1": 2, "NOPE": None}
