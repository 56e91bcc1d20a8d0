"""Small widgets: a table cached as Arrow reaches the browser as the same bytes."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def test_arrow_table_sends_the_same_bytes_as_the_dataframe():
    def page() -> None:
        import pandas as pd
        import streamlit as st

        from regiodash.ui.widgets import arrow_table

        frame = pd.DataFrame({"geo_code": ["DE21", "FR10", "PL91"], "value": [1.5, None, 3.0],
                              "flag": ["p", None, "e"], "rank": pd.array([1, None, 2],
                                                                         dtype="Int64")})
        shown = frame[frame["geo_code"] != "FR10"]  # not a RangeIndex: stored as a column
        for table in (frame, shown):
            st.dataframe(table, hide_index=True)
            st.dataframe(arrow_table(table), hide_index=True)

    at = AppTest.from_function(page)
    at.run()
    assert not at.exception
    sent = [d.proto.arrow_data.data for d in at.dataframe]
    assert sent[0] == sent[1] and sent[2] == sent[3]
    assert list(at.dataframe[1].value.columns) == ["geo_code", "value", "flag", "rank"]
