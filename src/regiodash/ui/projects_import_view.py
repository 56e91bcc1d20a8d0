"""The Projects page's import pieces: the CSV templates panel and the KPI values upload.

The templates panel is built only while open. The KPI upload is drawn only for a signed-in
editor (ui.auth): it checks a file with the project importer's rules, shows what it would
change and writes it only once confirmed, recording the editor in the import manifest
(imported_by). Both steps check the editor again on the server (`check_kpi_upload`,
`import_kpi_upload`: every project the file touches must be one the editor may edit), so a
request for controls the page did not draw is refused and writes nothing.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from regiodash.config import Settings
from regiodash.errors import RegiodashError
from regiodash.projects.importers import (
    FileResult,
    PreparedImport,
    commit_import,
    prepare_kpi_values_upload,
)
from regiodash.projects.model import TABLE_ORDER
from regiodash.projects.templates import template_text
from regiodash.ui import auth, data
from regiodash.ui import projects_data as pdata
from regiodash.ui.text import escape_markdown

UPLOAD_ACTION = "upload KPI values"


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


def _project_ids(prepared: PreparedImport) -> set[str]:
    return {str(p) for t in prepared.tables for p in t.frame["project_id"].dropna()}


def check_kpi_upload(data_bytes: bytes, name: str, settings: Settings) -> PreparedImport:
    """Validate an uploaded kpi_values file for the signed-in editor; nothing is written.

    EditRefused (before the file is even read) without a signed-in editor, and when the
    file has rows for a project the editor may not edit; InputFileError naming the line and
    column for a bad file."""
    who = auth.require_editor(UPLOAD_ACTION, settings=settings)
    prepared = prepare_kpi_values_upload(data_bytes, name, settings, who.label)
    auth.require_editor(UPLOAD_ACTION, _project_ids(prepared), settings)
    return prepared


def import_kpi_upload(prepared: PreparedImport, settings: Settings) -> FileResult:
    """Write a checked upload (atomically, all or nothing), after checking on the server
    again that the same signed-in editor may edit every project it touches."""
    who = auth.require_editor(UPLOAD_ACTION, _project_ids(prepared), settings)
    if prepared.user != who.label:
        raise auth.EditRefused(f"Cannot {UPLOAD_ACTION}: the file was checked for "
                               f"{prepared.user}, not for {who.label}. Nothing was written.")
    commit_import(prepared, settings)
    return prepared.results[0]


def render_upload(project_id: str | None = None) -> None:
    """KPI values upload, drawn only for an editor (of `project_id` when given, else of
    the dashboard or of any project): checked, then confirmed."""
    who = auth.signed_in()
    if not auth.may_edit(who, project_id=project_id):
        return
    assert who is not None
    st.markdown("#### Upload KPI values")
    st.caption(f"Recorded in the import log as {escape_markdown(who.label)}.")
    upload = st.file_uploader("kpi_values CSV or XLSX", type=["csv", "xlsx"], key="pj_upload")
    if upload is None:
        return
    settings = data.current_settings()
    try:
        prepared = check_kpi_upload(upload.getvalue(), upload.name, settings)
    except RegiodashError as exc:
        st.error(escape_markdown(exc), icon=":material/error:")
        return
    st.dataframe(pd.concat([t.frame for t in prepared.tables]), hide_index=True)
    result = prepared.results[0]
    st.caption(f"{result.new_rows} new and {result.replaced_rows} replaced "
               "rows (upsert by project, KPI and date).")
    if prepared.will_write and st.button("Confirm import", type="primary",
                                         key="pj_upload_confirm"):
        try:
            import_kpi_upload(prepared, settings)
        except RegiodashError as exc:
            st.error(escape_markdown(exc), icon=":material/error:")
            return
        pdata.clear_caches()
        st.success(f"Imported {result.rows} KPI value(s); recorded in the manifest as "
                   f"{escape_markdown(who.label)}.")
    elif not prepared.will_write:
        st.info("These values are already in the warehouse: nothing to do.")
