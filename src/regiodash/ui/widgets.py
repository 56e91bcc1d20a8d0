"""Small Streamlit widgets and labels shared by pages."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import streamlit as st

DEMO_BANNER = (
    "**Synthetic demo data.** The values shown are generated for demonstration and are not "
    "real statistics. Load real data with `regiodash import` or `regiodash fetch`."
)
DOMAIN_LABELS = {
    "derived": "Index",
    "innovation": "Innovation",
    "gender": "Gender",
    "sustainability": "Sustainability",
    "social": "Social",
    "digital": "Digital",
    "context": "Context",
    "creative": "Creative economy",
}
SEX_LABELS = {"T": "Total", "F": "Women", "M": "Men", "gap": "Gap (men - women)"}


def render_demo_banner(show: bool) -> None:
    if show:
        st.warning(DEMO_BANNER, icon=":material/science:")


def arrow_table(frame: pd.DataFrame) -> pa.Table | pd.DataFrame:
    """`frame` as the Arrow table st.dataframe makes of it on every rerun (the same
    `pa.Table.from_pandas` call, so the same bytes reach the browser), for tables cached
    with their view. A frame Arrow cannot take as it is stays a DataFrame: Streamlit then
    fixes its column types itself, as before."""
    try:
        return pa.Table.from_pandas(frame)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        return frame


def render_notes(notes: tuple[str, ...] | list[str]) -> None:
    """Notes as info boxes. A note is Markdown: whoever builds it escapes the URL, file or
    catalog text in it with ui.text.escape_markdown (ui.state does for the URL's values)."""
    for note in notes:
        st.info(note, icon=":material/link_off:")
