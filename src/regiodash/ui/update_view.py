"""The "Update from Eurostat" action of the Data & methodology page (self-hosted installs).

Off unless REGIODASH_ALLOW_UPDATE is set and the warehouse is a local folder, and then only
for a signed-in editor (ui.auth; the button's handler checks again on the server, and the
import manifest records the editor as imported_by). It downloads
every catalog dataset (ingest.catalog_fetch.fetch_catalog, filtered server-side, cache
revalidated), imports them and builds once, with a progress bar for the datasets and a status
line for each step. Every page moves to the new data on its next rerun (ui.data.data_version
follows indicator_values.parquet). The outcome is a table (plain text cells, never Markdown).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from regiodash.config import Settings
from regiodash.errors import RegiodashError
from regiodash.ingest.catalog_fetch import (
    CatalogEvent,
    CatalogFetchSummary,
    catalog_requests,
    fetch_catalog,
)
from regiodash.storage.layout import recorded_as
from regiodash.ui import auth
from regiodash.ui.text import escape_markdown
from regiodash.ui.widgets import arrow_table

UPDATE_OFF = ("Updating from Eurostat is switched off on this server. On a self-hosted "
              "install with a local warehouse, start it with REGIODASH_ALLOW_UPDATE=1, or run "
              "`regiodash fetch --catalog` on the command line.")
UPDATE_ACTION = "update the data from Eurostat"
EDITORS_ONLY = ("Updating the data is for editors: sign in (sidebar) with an account that has "
                "the editor role in the roles file.")


def summary_frame(summary: CatalogFetchSummary) -> pd.DataFrame:
    """One row per dataset: status, what was imported, and why it failed (if it did)."""
    return pd.DataFrame([{
        "dataset": o.dataset, "download": o.status, "import": o.import_status or "-",
        "rows": o.rows, "NUTS": o.nuts_version or "-", "problem": o.error,
    } for o in summary.outcomes])


def render_update_panel(settings: Settings) -> None:
    """The expander with the update button, or the note saying how to switch it on."""
    with st.expander("Update from Eurostat", expanded=False):
        if not settings.allow_update or settings.is_remote:
            st.caption(UPDATE_OFF)
            return
        if not auth.may_edit(auth.signed_in()):
            st.caption(EDITORS_ONLY)
            return
        total = len(catalog_requests())
        st.caption(f"Downloads the {total} datasets of the indicator catalog from Eurostat "
                   "(filtered to the catalog's codes; unchanged files are not downloaded "
                   "again), imports them and rebuilds the warehouse. Needs internet access.")
        if not st.button("Update from Eurostat", key="w_update_start"):
            return
        run_update(settings, total)


def run_update(settings: Settings, total: int) -> None:
    """The update itself, for a signed-in editor only (checked here, on the server), with
    its progress and outcome; the manifest records the editor."""
    try:
        who = auth.require_editor(UPDATE_ACTION, settings=settings)
    except RegiodashError as exc:
        st.error(escape_markdown(exc), icon=":material/lock:")
        return
    bar = st.progress(0.0, text=f"0 of {total} datasets")
    status = st.empty()
    finished: list[str] = []

    def progress(event: CatalogEvent) -> None:
        if event.kind == "done" and event.dataset:
            finished.append(event.dataset)
            bar.progress(len(finished) / total,
                         text=f"{len(finished)} of {total} datasets ({event.dataset}: "
                              f"{event.status})")
        elif event.kind in ("import", "build") and event.message:
            status.text(event.message)

    try:
        with recorded_as(who.label):
            summary = fetch_catalog(settings, progress=progress)
    except RegiodashError as exc:
        st.error(f"The update could not start: {exc}")
        return
    bar.progress(1.0, text=f"{total} of {total} datasets")
    status.empty()
    render_outcome(summary, total)


def render_outcome(summary: CatalogFetchSummary, total: int) -> None:
    """One message for the whole update, then the table of datasets."""
    failed = [o for o in summary.outcomes if o.status in ("failed", "skipped")]
    if summary.offline:
        st.error(f"Eurostat could not be reached: {summary.offline}")
    elif summary.build_error:
        st.error(f"The downloads were imported but the build failed: {summary.build_error}")
    elif failed:
        st.warning(f"{len(failed)} of {total} datasets could not be updated; the others "
                   "were imported and built. The table says why.")
    else:
        st.success(f"Updated in {summary.seconds:.0f} s: {len(summary.imported)} datasets "
                   "imported, the rest unchanged.")
    st.dataframe(arrow_table(summary_frame(summary)), hide_index=True)
