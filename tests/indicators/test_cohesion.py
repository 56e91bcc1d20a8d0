"""Cohesion-policy region categories: three-year average of GDP per head in PPS (% of EU27)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators import cohesion
from indicators.frames import OUTPUT_COLUMNS
from indicators.registry import SPECS_BY_ID

REAL_GDP = Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "eurostat" \
    / "bulk_tsv" / "estat_nama_10r_3gdp.tsv"


def _rows(*rows) -> pd.DataFrame:
    """rows: (geo_code, year, value[, flag[, source[, nuts_version]]])."""
    records = []
    for row in rows:
        geo, year, value, flag, source, version = (*row, *(None, "eurostat", "2021")[len(row) - 3:])
        records.append({"indicator_id": cohesion.INPUT_ID, "geo_code": geo,
                        "nuts_level": len(geo) - 2, "nuts_version": version, "year": year,
                        "sex": "T", "value": value, "flag": flag, "source": source})
    return pd.DataFrame(records, columns=list(OUTPUT_COLUMNS))


def _by_id(out: pd.DataFrame, indicator_id: str) -> dict[tuple[str, int], float]:
    part = out[out["indicator_id"] == indicator_id]
    rows = zip(part.geo_code, part.year, part.value, strict=True)
    return {(g, int(y)): float(v) for g, y, v in rows}


def test_hand_computed_average_and_category():
    out = cohesion.compute(_rows(
        ("BG31", 2015, 29.0), ("BG31", 2016, 30.0), ("BG31", 2017, 31.0),
        ("BG31", 2018, 35.0),
        ("DE40", 2015, 89.0), ("DE40", 2016, 89.0), ("DE40", 2017, 92.0),
        ("LU00", 2015, 270.0), ("LU00", 2016, 275.0), ("LU00", 2017, 285.0),
    ))
    assert list(out.columns) == list(OUTPUT_COLUMNS)
    avg = _by_id(out, cohesion.AVERAGE_ID)
    assert avg == {("BG31", 2017): 30.0, ("BG31", 2018): 32.0, ("DE40", 2017): 90.0,
                   ("LU00", 2017): pytest.approx(830 / 3)}
    cat = _by_id(out, cohesion.CATEGORY_ID)
    assert cat == {("BG31", 2017): 1.0, ("BG31", 2018): 1.0, ("DE40", 2017): 2.0,
                   ("LU00", 2017): 3.0}
    assert (out.sex == "T").all() and (out.nuts_level == 2).all()
    assert (out.source == "derived").all() and out.flag.isna().all()
    assert (out.nuts_version == "2021").all()


def test_a_missing_year_gives_no_value_never_a_shorter_average():
    out = cohesion.compute(_rows(
        ("PT11", 2015, 60.0), ("PT11", 2016, np.nan), ("PT11", 2017, 64.0),
        ("PT11", 2018, 65.0), ("PT11", 2019, 66.0),
        ("PT16", 2016, 70.0), ("PT16", 2017, 71.0),  # only two years
    ))
    avg = _by_id(out, cohesion.AVERAGE_ID)
    assert avg == {("PT11", 2019): 65.0}  # 2017 and 2018 windows contain the missing 2016
    assert ("PT16", 2017) not in avg


def test_boundaries_75_is_transition_and_100_is_more_developed():
    assert cohesion.classify(np.array([74.999, 75.0, 99.999, 100.0, 100.001])).tolist() == [
        1.0, 2.0, 2.0, 3.0, 3.0]
    assert np.isnan(cohesion.classify(np.array([np.nan]))[0])
    out = cohesion.compute(_rows(
        ("ES11", 2015, 74.0), ("ES11", 2016, 75.0), ("ES11", 2017, 76.0),   # avg 75 exactly
        ("ES12", 2015, 99.0), ("ES12", 2016, 100.0), ("ES12", 2017, 101.0),  # avg 100
        ("ES13", 2015, 74.9), ("ES13", 2016, 74.9), ("ES13", 2017, 74.9),
    ))
    cat = _by_id(out, cohesion.CATEGORY_ID)
    assert cat[("ES11", 2017)] == 2.0 and cat[("ES12", 2017)] == 3.0
    assert cat[("ES13", 2017)] == 1.0
    # float noise of an average (e.g. 99.99999999999999 for a true 100) does not drop a class
    assert cohesion.classify(np.array([100 - 1e-12, 75 - 1e-12])).tolist() == [3.0, 2.0]


def test_flags_and_demo_inputs_carry_into_both_outputs():
    out = cohesion.compute(_rows(
        ("HU11", 2015, 140.0, "e"), ("HU11", 2016, 139.0, None), ("HU11", 2017, 141.0, "p"),
        ("HU12", 2015, 60.0, "b"), ("HU12", 2016, 61.0), ("HU12", 2017, 62.0),
        ("HU21", 2015, 70.0, None, "demo"), ("HU21", 2016, 71.0), ("HU21", 2017, 72.0),
    ))
    by_geo = out.set_index(["geo_code", "indicator_id"])
    for indicator_id in (cohesion.AVERAGE_ID, cohesion.CATEGORY_ID):
        assert by_geo.loc[("HU11", indicator_id), "flag"] == "ep"
        assert pd.isna(by_geo.loc[("HU12", indicator_id), "flag"])  # b is not carried
        assert by_geo.loc[("HU21", indicator_id), "source"] == "demo"
        assert by_geo.loc[("HU11", indicator_id), "source"] == "derived"


def test_only_nuts2_totals_of_the_input_are_read_and_versions_do_not_mix():
    rows = _rows(("AT1", 2015, 100.0), ("AT1", 2016, 100.0), ("AT1", 2017, 100.0),
                 ("AT111", 2015, 50.0), ("AT111", 2016, 50.0), ("AT111", 2017, 50.0),
                 ("NL36", 2015, 90.0, None, "eurostat", "2024"),
                 ("NL36", 2016, 90.0, None, "eurostat", "2021"),
                 ("NL36", 2017, 90.0, None, "eurostat", "2021"))
    other = rows.assign(indicator_id="gdp_per_capita_eur")
    women = rows.assign(sex="F")
    out = cohesion.compute(pd.concat([rows, other, women], ignore_index=True))
    assert out.empty and list(out.columns) == list(OUTPUT_COLUMNS)


def test_duplicate_inputs_are_refused():
    rows = _rows(("SE11", 2017, 120.0), ("SE11", 2017, 121.0))
    with pytest.raises(ValueError, match="duplicated"):
        cohesion.compute(rows)


def test_specs_are_registered_and_the_category_declares_its_labels():
    spec = SPECS_BY_ID[cohesion.CATEGORY_ID]
    assert spec.categories == ((1, "less developed (< 75 %)"), (2, "transition (75-100 %)"),
                               (3, "more developed (>= 100 %)"))
    assert spec.nuts_levels == (2,)
    assert SPECS_BY_ID[cohesion.AVERAGE_ID].categories == ()
    assert "2015-2017" in spec.formula and "2021/1060" in spec.description


@pytest.mark.skipif(not REAL_GDP.is_file(), reason="real Eurostat file not available")
def test_real_2015_2017_categories_match_the_file_and_the_2021_2027_list():
    from regiodash.ingest.readers import read_file

    raw = read_file(REAL_GDP).frame
    raw = raw[(raw.unit == "PPS_HAB_EU27_2020") & (raw.geo.str.len() == 4)]
    values = pd.DataFrame({
        "indicator_id": cohesion.INPUT_ID, "geo_code": raw.geo, "nuts_level": 2,
        "nuts_version": "2021", "year": raw.time_period.astype(int), "sex": "T",
        "value": raw.value, "flag": raw.flag, "source": "eurostat"})
    out = cohesion.compute(values)
    avg, cat = _by_id(out, cohesion.AVERAGE_ID), _by_id(out, cohesion.CATEGORY_ID)
    # The file's own numbers, 2015/2016/2017: BG31 29/30/31, FRM0 85/83/82, DE40 89/89/89.
    assert avg[("BG31", 2017)] == 30.0 and cat[("BG31", 2017)] == 1.0
    assert avg[("FRM0", 2017)] == pytest.approx(250 / 3) and cat[("FRM0", 2017)] == 2.0
    assert avg[("DE40", 2017)] == 89.0 and cat[("DE40", 2017)] == 2.0
    # Categories of the 2021-2027 programmes (Commission Implementing Decision (EU)
    # 2021/1130) that the current file confirms: Severozapaden and Extremadura less
    # developed, Corse and Brandenburg transition, Bucuresti-Ilfov, Praha, Warszawski
    # stoleczny and Luxembourg more developed.
    expected = {"BG31": 1, "ES43": 1, "FRM0": 2, "DE40": 2, "RO32": 3, "CZ01": 3, "PL91": 3,
                "LU00": 3}
    assert {g: cat[(g, 2017)] for g in expected} == expected
    flagged = out[out.flag.notna()]
    assert len(flagged) and set(flagged.flag) <= {"e", "p", "ep"}
