"""The Projects page's import pieces: the CSV templates panel and the KPI values upload.

The templates panel is built only while open; the upload (REGIODASH_ALLOW_KPI_UPLOAD=1 only)
checks a file with the project importer's rules, shows what it would change and writes it
only once confirmed.
"""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from regiodash.config import load_settings
from regiodash.errors import RegiodashError
from regiodash.projects.importers import commit_import, prepare_kpi_values_upload
from regiodash.projects.model import TABLE_ORDER
from regiodash.projects.templates import template_text
from regiodash.storage.layout import current_user
from regiodash.ui import data
from regiodash.ui import projects_data as pdata
from regiodash.ui.text import escape_markdown

UPLOAD_ENV = "REGIODASH_ALLOW_KPI_UPLOAD"


@data.rerun_cache(16)
def templates() -> tuple[tuple[str, str], ...]:
    """(table name, CSV template text) of the import templates."""
    return tuple((name, template_text(name)) for name in TABLE_ORDER)


def render_import_panel() -> None:
    """The "Import your own projects" panel with the four CSV templates."""
    import_panel = st.expander("Import your own projects", key="pj_import_open",
                               on_change="rerun")
    if not import_panel.open:
        return
    with import_panel:
        st.write("Fill in the four templates (one example row each) and run "
                 "`regiodash projects import projects.csv partners.csv kpis.csv "
                 "kpi_values.csv`. Every file is checked before anything is written.")
        tcols = st.columns(4)
        for col, (name, text) in zip(tcols, templates(), strict=True):
            col.download_button(f"{name}.csv", text, file_name=f"{name}.csv",
                                mime="text/csv", key=f"pj_template_{name}",
                                icon=":material/download:")


def render_upload() -> None:
    """KPI values upload (only with REGIODASH_ALLOW_KPI_UPLOAD=1): checked, then confirmed."""
    if os.environ.get(UPLOAD_ENV) != "1":
        return
    st.markdown("#### Upload KPI values")
    who = st.text_input("Your name (recorded in the import log)", value=current_user(),
                        key="pj_upload_user")
    upload = st.file_uploader("kpi_values CSV or XLSX", type=["csv", "xlsx"], key="pj_upload")
    if upload is None:
        return
    settings = load_settings()
    try:
        prepared = prepare_kpi_values_upload(upload.getvalue(), upload.name, settings, who)
    except RegiodashError as exc:
        st.error(escape_markdown(exc), icon=":material/error:")
        return
    st.dataframe(pd.concat([t.frame for t in prepared.tables]), hide_index=True)
    result = prepared.results[0]
    st.caption(f"{result.new_rows} new and {result.replaced_rows} replaced "
               "rows (upsert by project, KPI and date).")
    if prepared.will_write and st.button("Confirm import", type="primary",
                                         key="pj_upload_confirm"):
        commit_import(prepared, settings)
        pdata.clear_caches()
        st.success(f"Imported {result.rows} KPI value(s); recorded in the manifest.")
    elif not prepared.will_write:
        st.info("These values are already in the warehouse: nothing to do.")
