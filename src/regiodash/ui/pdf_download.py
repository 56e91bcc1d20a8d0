"""A printable report offered on a page: built only when asked for ("Prepare ..."), then
handed over by a download button. The PDF takes seconds to build, so it is never built on a
plain rerun; the bytes are cached by the caller per data version and subject."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import streamlit as st

from regiodash.errors import RegiodashError
from regiodash.report.common import public_url
from regiodash.ui.text import escape_markdown


def dashboard_base_url() -> str:
    """The dashboard's address as this browser reached it (for the PDF's links)."""
    try:
        parts = urlsplit(st.context.url or "")
    except Exception:  # noqa: BLE001 - no request context (AppTest)
        return public_url()
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else public_url()


def render_pdf_download(key: str, token: tuple, build: Callable[[str], bytes], file_name: str,
                        prepare_label: str, download_label: str, help_text: str) -> None:
    """"Prepare" builds the PDF (`build(base_url)`) only when clicked; then the download
    button hands over the bytes. `token` (e.g. data version and subject) keeps the prepared
    state for this subject only: another region or project shows "Prepare" again."""
    ready = st.session_state.get(f"{key}_ready") == token
    if not ready and not st.button(prepare_label, key=f"{key}_prepare",
                                   icon=":material/picture_as_pdf:", help=help_text):
        return
    try:
        with st.spinner("Building the PDF..."):
            pdf = build(dashboard_base_url())
    except RegiodashError as exc:
        st.error(f"The report could not be built: {escape_markdown(exc)}")
        return
    st.session_state[f"{key}_ready"] = token
    st.download_button(download_label, pdf, file_name=file_name, mime="application/pdf",
                       key=f"{key}_download", icon=":material/download:", on_click="ignore")
