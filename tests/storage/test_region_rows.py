"""The region profile's catalog join outside DuckDB (storage.region_rows) gives exactly what a
left join to indicator_catalog ordered by domain, indicator, year and sex gives in SQL."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from regiodash.storage import queries, region_rows
from regiodash.storage.connection import open_warehouse

# The query the page ran before the join moved out of DuckDB: the reference for the new path.
JOINED_IN_SQL = """
select v.indicator_id, c.title, c.domain, c.unit, c.direction, v.year, v.sex, v.value,
    v.flag, v.source, v.nuts_version, v.converted_from, c.source_dataset
from indicator_values_by_region as v
left join indicator_catalog as c using (indicator_id)
where v.geo_code = $geo_code
order by c.domain, v.indicator_id, v.year, v.sex
"""


def _joined_in_sql(wh, code: str) -> pd.DataFrame:
    cur = wh.cursor()
    try:
        return cur.execute(JOINED_IN_SQL, {"geo_code": code}).to_arrow_table().to_pandas()
    finally:
        cur.close()


@pytest.mark.parametrize("which", ["demo", pytest.param("real", marks=pytest.mark.real_data)])
def test_every_region_gets_the_rows_and_order_of_the_sql_join(which, request):
    wh = open_warehouse(request.getfixturevalue(f"{which}_settings"))
    try:
        codes = [r[0] for r in wh.query_rows(
            "SELECT DISTINCT geo_code FROM indicator_values_by_region ORDER BY geo_code")]
        assert len(codes) > 30
        for code in [*codes, "NOPE"]:
            pd.testing.assert_frame_equal(queries.load_region_values(wh, code),
                                          _joined_in_sql(wh, code), obj=code)
    finally:
        wh.close()


def _values(rows: list[tuple]) -> pa.Table:
    names = ["indicator_id", "year", "sex", "value", "flag", "source", "nuts_version",
             "converted_from"]
    columns = list(zip(*rows, strict=True))
    types = [pa.string(), pa.int16(), pa.string(), pa.float64(), pa.string(), pa.string(),
             pa.string(), pa.string()]
    return pa.table([pa.array(c, t) for c, t in zip(columns, types, strict=True)], names=names)


def test_indicators_outside_the_catalog_come_last_with_null_metadata_in_any_input_order():
    catalog = pd.DataFrame({
        "indicator_id": ["b_x", "a_y", "c_z"], "title": ["B", "A", "C"],
        "domain": ["zeta", "alpha", "alpha"], "unit": ["%", "EUR", "index"],
        "direction": ["higher_is_better"] * 3, "source_dataset": ["d1", "d2", "d3"]})
    lookup = region_rows.CatalogLookup.from_frame(catalog)
    rows = [("zz_user", 2020, "T", 1.0, None, "user", "2021", None),
            ("b_x", 2021, "T", 2.0, "p", "eurostat", "2021", None),
            ("b_x", 2020, "T", None, None, "eurostat", "2021", "2016"),
            ("a_y", 2020, "T", 3.0, None, "demo", "2021", None),
            ("a_y", 2020, "M", 4.0, None, "demo", "2021", None),
            ("a_y", 2020, "F", 5.0, None, "demo", "2021", None),
            ("c_z", 2019, "T", 6.0, None, "demo", "2021", None),
            ("aa_user", 2020, "T", 7.0, None, "user", "2021", None)]
    out = region_rows.join_catalog(_values(rows), lookup).to_pandas()
    assert out.columns.tolist() == region_rows.REGION_VALUE_COLUMNS
    assert list(zip(out["indicator_id"], out["year"], out["sex"], strict=True)) == [
        ("a_y", 2020, "F"), ("a_y", 2020, "M"), ("a_y", 2020, "T"), ("c_z", 2019, "T"),
        ("b_x", 2020, "T"), ("b_x", 2021, "T"), ("aa_user", 2020, "T"),
        ("zz_user", 2020, "T")]
    assert out["title"].tolist()[:6] == ["A", "A", "A", "C", "B", "B"]
    assert out["title"].iloc[6:].isna().all() and out["domain"].iloc[6:].isna().all()
    assert out.loc[out["indicator_id"] == "b_x", "converted_from"].tolist()[0] == "2016"
    assert pd.isna(out.loc[out["indicator_id"] == "b_x", "value"].tolist()[0])
    reversed_input = region_rows.join_catalog(_values(rows[::-1]), lookup).to_pandas()
    pd.testing.assert_frame_equal(out, reversed_input)


def test_a_missing_sex_sorts_last_like_sql():
    lookup = region_rows.CatalogLookup.from_frame(pd.DataFrame({
        "indicator_id": ["a"], "title": ["A"], "domain": ["d"], "unit": ["%"],
        "direction": ["higher_is_better"], "source_dataset": ["x"]}))
    rows = [("a", 2020, None, 1.0, None, "user", "2021", None),
            ("a", 2020, "T", 2.0, None, "user", "2021", None),
            ("a", 2020, "F", 3.0, None, "user", "2021", None)]
    out = region_rows.join_catalog(_values(rows), lookup).to_pandas()
    assert out["value"].tolist() == [3.0, 2.0, 1.0]


def test_a_missing_catalog_field_stays_missing():
    lookup = region_rows.CatalogLookup.from_frame(pd.DataFrame({
        "indicator_id": ["u"], "title": ["Own"], "domain": ["context"], "unit": [None],
        "direction": ["neutral"], "source_dataset": [None]}))
    out = region_rows.join_catalog(_values([("u", 2020, "T", 1.0, None, "user", "2021", None)]),
                                   lookup).to_pandas()
    assert out["unit"].isna().all() and out["source_dataset"].isna().all()
    assert out["title"].tolist() == ["Own"]
