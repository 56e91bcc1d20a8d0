"""Small Streamlit widgets and labels shared by pages."""

from __future__ import annotations

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
}
SEX_LABELS = {"T": "Total", "F": "Women", "M": "Men", "gap": "Gap (men - women)"}


def render_demo_banner(show: bool) -> None:
    if show:
        st.warning(DEMO_BANNER, icon=":material/science:")


def render_notes(notes: tuple[str, ...] | list[str]) -> None:
    for note in notes:
        st.info(note, icon=":material/link_off:")
