"""The three derived modules against one small panel of every catalog indicator.

The build hands each module only the rows it reads (regiodash.storage.derive.MODULE_INPUTS)
and gives the text columns as pandas strings; callers such as the pages may pass every row
and plain Python objects. These tests pin that neither changes a result: rows a module does not
read are ignored, and the output (values and dtypes) does not depend on the input text dtype.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators import gender_inclusion as gi
from indicators import sustainability as su
from indicators.catalog import CATALOG
from indicators.frames import INPUT_COLUMNS
from indicators.innovation import index as ix
from indicators.innovation import specs

COLUMNS = list(INPUT_COLUMNS)
REGIONS = {
    0: ["AT", "BE", "DE"],
    1: ["AT1", "AT2", "BE1", "BE2", "DE1", "DE2"],
    2: ["AT11", "AT12", "AT21", "BE10", "BE21", "BE22", "DE11", "DE12", "DE21"],
}
YEARS = (2019, 2020, 2021)


def panel() -> pd.DataFrame:
    """Every catalog indicator for a few regions and years, by sex where it has one, with an
    EU27_2020 row, some missing values, e/p flags and a mix of demo and eurostat rows."""
    rng = np.random.default_rng(7)
    rows = []
    for entry in CATALOG:
        sexes = ("F", "M", "T") if entry.has_sex else ("T",)
        places = [(geo, level) for level, geos in REGIONS.items() for geo in geos]
        places.append((specs.EU_CODE, -1))
        for geo, level in places:
            for year in YEARS:
                for sex in sexes:
                    value = float(rng.uniform(1, 90))
                    rows.append(
                        {
                            "indicator_id": entry.indicator_id,
                            "geo_code": geo,
                            "nuts_level": level,
                            "nuts_version": "2021",
                            "year": year,
                            "sex": sex,
                            "value": np.nan if rng.random() < 0.04 else value,
                            "flag": rng.choice([None, None, None, "e", "p"]),
                            "source": "demo" if rng.random() < 0.2 else "eurostat",
                        }
                    )
    return pd.DataFrame(rows, columns=COLUMNS)


MODULES = {
    "innovation": (ix.compute, {*specs.COMPONENT_IDS, specs.POPULATION_ID}, {"T"}),
    "gender": (gi.compute, {e.indicator_id for e in gi.SEX_INDICATORS}, {"F", "M"}),
    "sustainability": (su.compute, set(su.DIMENSION_OF), {"T"}),
}


@pytest.fixture(scope="module")
def values() -> pd.DataFrame:
    return panel()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_rows_a_module_does_not_read_change_nothing(values, module):
    compute, ids, sexes = MODULES[module]
    read = values[values["indicator_id"].isin(ids) & values["sex"].isin(sexes)]
    assert len(read) < len(values)
    only_read = compute(read.reset_index(drop=True))
    assert len(only_read) > 0
    pd.testing.assert_frame_equal(compute(values), only_read)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_output_does_not_depend_on_the_input_text_dtype(values, module):
    compute = MODULES[module][0]
    text = ["indicator_id", "geo_code", "nuts_version", "sex", "flag", "source"]
    as_objects = values.astype({c: object for c in text})
    as_strings = values.astype({c: "str" for c in text if c not in ("flag", "nuts_version")})
    pd.testing.assert_frame_equal(compute(as_objects), compute(as_strings))


def test_compute_is_the_values_of_compute_innovation_index(values):
    pd.testing.assert_frame_equal(ix.compute(values), ix.compute_innovation_index(values).values)


def test_innovation_weights_follow_the_component_not_the_row_order(values):
    # `_scores` takes each row's weight from its component number: uneven weights must still
    # weight the right component whatever the order of the rows.
    weights = {i: float(k + 1) for k, i in enumerate(specs.COMPONENT_IDS)}
    shuffled = values.sample(frac=1.0, random_state=3).reset_index(drop=True)
    a = ix.compute(values, weights).sort_values(["indicator_id", "geo_code", "year"])
    b = ix.compute(shuffled, weights).sort_values(["indicator_id", "geo_code", "year"])
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True), b.reset_index(drop=True), check_exact=False, rtol=1e-12
    )
    scores = a[a["indicator_id"] == specs.SCORE_ID]
    equal = ix.compute(values).query("indicator_id == @specs.SCORE_ID")
    assert not np.allclose(scores["value"].to_numpy(), equal["value"].to_numpy())
