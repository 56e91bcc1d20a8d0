"""The project data model: one column dictionary, keys, schemas, and docs that match."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pyarrow as pa
import pytest

from regiodash.config import REPO_ROOT
from regiodash.errors import WarehouseError
from regiodash.projects import status
from regiodash.projects.model import (
    COLUMNS,
    PARTNERS,
    PROJECTS,
    TABLE_ORDER,
    TABLES,
    derive_cofinancing_rate,
    empty_frame,
    from_arrow,
    split_list,
    to_arrow,
    typed,
)

DOC = (REPO_ROOT / "docs" / "projects.md").read_text(encoding="utf-8")


def test_every_table_column_is_defined_once_in_the_dictionary():
    used = {c for spec in TABLES.values() for c in spec.columns}
    assert used == set(COLUMNS), "a column is used by no table or defined nowhere"
    for spec in TABLES.values():
        assert len(set(spec.columns)) == len(spec.columns)
        assert set(spec.key) <= set(spec.required)
        assert set(spec.required) <= set(spec.input_columns)
        assert not set(spec.derived) & set(spec.required)


def test_table_docstrings_state_the_grain():
    for spec in TABLES.values():
        assert spec.grain.startswith("one row per")


def test_docs_define_every_column_and_table():
    for name in COLUMNS:
        assert f"| `{name}` |" in DOC, f"docs/projects.md does not define {name}"
    for name in TABLE_ORDER:
        assert f"| `{name}` |" in DOC
    for spec in TABLES.values():
        for column in spec.required:
            row = re.search(rf"^\| `{column}` \|.*$", DOC, re.M).group(0)
            assert "R." in row, f"docs do not mark {column} as required"


def test_docs_state_the_status_thresholds():
    assert f"ratio ≥ {status.ON_TRACK_FROM}" in DOC
    assert f"{status.AT_RISK_FROM} ≤ ratio < {status.ON_TRACK_FROM}" in DOC
    assert f"ratio < {status.AT_RISK_FROM}" in DOC


def test_schema_round_trip_keeps_types_and_nulls():
    frame = pd.DataFrame([{
        "project_id": "p1", "acronym": "P1", "title": "T", "programme": "X",
        "start_date": dt.date(2020, 1, 1), "end_date": dt.date(2021, 1, 1),
        "total_budget_eur": None, "source": "user",
    }])
    table = to_arrow(PROJECTS, frame)
    assert table.schema == PROJECTS.schema()
    assert table.schema.field("start_date").type == pa.date32()
    back = from_arrow(PROJECTS, table)
    assert list(back.columns) == list(PROJECTS.columns)
    assert back.loc[0, "start_date"] == dt.date(2020, 1, 1)
    assert pd.isna(back.loc[0, "total_budget_eur"])


def test_key_is_asserted_unique_on_write():
    frame = pd.DataFrame([{"project_id": "p1", "partner_name": "A", "role": "lead",
                           "country_code": "DE"}] * 2)
    with pytest.raises(WarehouseError, match="partners: key"):
        to_arrow(PARTNERS, frame)


def test_nuts_level_is_a_nullable_integer():
    frame = pd.DataFrame([
        {"project_id": "p", "partner_name": "A", "role": "lead", "country_code": "DE",
         "nuts_code": "DE803", "nuts_level": 3},
        {"project_id": "p", "partner_name": "B", "role": "partner", "country_code": "EG"},
    ])
    out = typed(PARTNERS, frame)
    assert str(out["nuts_level"].dtype) == "Int8"
    assert out["nuts_level"].tolist()[0] == 3 and out["nuts_level"].isna().tolist()[1]


def test_cofinancing_rate_is_derived_and_unknown_stays_unknown():
    assert derive_cofinancing_rate(200.0, 150.0) == 0.75
    assert derive_cofinancing_rate(None, 150.0) is None
    assert derive_cofinancing_rate(float("nan"), 1.0) is None
    assert derive_cofinancing_rate(0.0, 0.0) is None


def test_split_list_and_empty_frames():
    assert split_list("a; b;;c") == ["a", "b", "c"]
    assert split_list(float("nan")) == [] and split_list(None) == []
    for spec in TABLES.values():
        assert list(empty_frame(spec).columns) == list(spec.columns)
