"""Reading and writing the view in the URL, for every page (see `ui.state`), and the browser
title that goes with it.

The address bar must always equal the page's Copy link, and Back / Forward must bring back
the view a history entry stands for. What Streamlit (1.67) does, and what this module does
about it:

- Streamlit drops a page's widget values when another page runs. Coming back to a page (Back,
  the sidebar, a link) must therefore re-seed its widgets from the URL even when the URL is
  the one the page wrote last: `read_view` treats every first run of a page after another
  page as fresh (app.py calls `begin_run` first in every run).
- A link to the page that is open (st.page_link with query_params) reruns it with the new
  parameters but leaves the address bar as it was; st.query_params already holds the new
  ones, so comparing with them does not tell that the browser needs them. `write_view` keeps
  the query it last put in the address bar (for any page) and sends the page's query whenever
  it differs, which pushes a history entry (a replacement during Back / Forward).
- st.switch_page(page, query_params=...) first puts the target's parameters in the address
  bar under the current page's path (a history entry of its own), then opens the target.
  `switch_to` remembers which view of the current page that entry stands for, so Back to it
  restores the view that was left, not a default one.
- A URL that states the view another way (a default spelled out, another key order) is left
  as it is and becomes the Copy link: rewriting it would push a history entry that shows
  the same view (a Back press that seems to do nothing).

Widgets do not use `bind="query-params"` (Streamlit 1.67): that writes each widget in
Streamlit's own format (repeated keys for lists, no ranges, no migrations, no notes), while
the URL keys here are a stable public format (README) checked by `ui.state`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NoReturn
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from regiodash.ui import data
from regiodash.ui.state import KEYS, ViewContext, ViewState, parse_view_state

APP_NAME = "RegioDash"
PAGE_KEY = "_url_page"  # (the page this run shows, its menu title)
PREVIOUS_KEY = "_url_previous_page"  # the page the previous run showed
SENT_KEY = "_url_sent"  # the query last put in the address bar (whatever the page)
SWITCHED_KEY = "_url_switched"  # (page, target query) -> the query that page showed
MAX_SWITCHES_KEPT = 64
# The view field a page's browser title names (its main selection), by page url_path.
TITLE_FIELD = {"profile": "region", "overview": "country", "map": "indicator",
               "rankings": "indicator", "compare": "indicator"}


def _frozen(query: Mapping[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset((str(k), str(v)) for k, v in query.items())


def begin_run(page: str, title: str) -> None:
    """Called by app.py at the start of every run, before the page: which page this run
    shows (its url_path and menu title) and which the previous run showed; sets the browser
    title to the page's own ("Region profile - RegioDash") until `write_view` names the
    selection."""
    state = st.session_state
    previous, _ = state.get(PAGE_KEY, (None, ""))
    state[PREVIOUS_KEY] = previous
    state[PAGE_KEY] = (page, title)
    st.set_page_config(page_title=browser_title(title))


def browser_title(page_title: str, selection: str | None = None) -> str:
    """"Podkarpackie - Region profile - RegioDash" (the selection first: a tab shows the
    start of the title)."""
    return " - ".join(p for p in (selection, page_title, APP_NAME) if p)


def _entered(page: str) -> bool:
    """True when the previous run showed another page (its widget values are gone)."""
    state = st.session_state
    return PREVIOUS_KEY in state and state[PREVIOUS_KEY] != page


def read_view(page: str, defaults: ViewState, ctx: ViewContext) -> tuple[ViewState, bool]:
    """The page's view: parsed from the URL when the URL changed since we last wrote it or
    the page has just been entered.

    Returns (view, fresh); `fresh` is True when widgets should be re-seeded from the view
    (first visit, coming back from another page, or a link / Back / Forward brought new
    parameters).
    """
    state = st.session_state
    current = st.query_params.to_dict()
    left = state.get(SWITCHED_KEY, {}).get((page, _frozen(current)))
    if left is not None:  # Back onto the entry st.switch_page left: the view that was left
        current = dict(left)
    key_qp, key_view = f"_qp_{page}", f"_view_{page}"
    if not _entered(page) and key_view in state and state.get(key_qp) == current:
        return state[key_view], False
    view = parse_view_state(current, defaults, ctx)
    state[key_view] = view
    state[f"_url_read_{page}"] = (current, view)
    return view, True


def write_view(page: str, view: ViewState, defaults: ViewState) -> dict[str, str]:
    """Put the parameters of `view` in the address bar (only those that differ from
    `defaults`, or the URL as it is when it states exactly this view); return them, the
    page's Copy link. Also names the selection in the browser title."""
    state = st.session_state
    query = view.to_query(defaults)
    current = st.query_params.to_dict()
    read = state.get(f"_url_read_{page}")
    if current == query or (read is not None and read[0] == current and not read[1].notes
                            and set(current) <= set(KEYS) and read[1] == view):
        query = current  # the same parameters, or the same view stated another way
    # On entering a page the browser already shows `current` (the frontend put it there,
    # after this run's first messages: sending it again would push it under the old path).
    if current != query or (not _entered(page) and state.get(SENT_KEY) != query):
        st.query_params.from_dict(query)
    state[SENT_KEY] = query
    state[f"_qp_{page}"] = query
    state[f"_view_{page}"] = view
    _set_title(page, view)
    return query


def switch_to(page_file: str, query: Mapping[str, str]) -> NoReturn:
    """Open another page (st.switch_page) with `query`, in the key order its Copy link uses
    (ViewState.to_query), so that its first run needs no second history entry. The entry
    Streamlit leaves under this page's path is remembered as the view this page showed."""
    state = st.session_state
    here, _ = state.get(PAGE_KEY, (None, ""))
    shown = state.get(f"_qp_{here}") if here else None
    if here is not None and shown is not None:
        switched = dict(state.get(SWITCHED_KEY, {}))
        switched[(here, _frozen(query))] = dict(shown)
        state[SWITCHED_KEY] = dict(list(switched.items())[-MAX_SWITCHES_KEPT:])
    st.switch_page(page_file, query_params=dict(query))


def link_query(view: ViewState, defaults: ViewState | None = None) -> dict[str, str]:
    """Query parameters of a link to `view` on another page (or this one), in the order
    `write_view` writes them: st.page_link(page, query_params=link_query(...)) or
    switch_to(page, link_query(...)). `defaults`: the target page's, when known."""
    return view.to_query(defaults or ViewState())


def _set_title(page: str, view: ViewState) -> None:
    """The browser title names the page's main selection (a region's or country's name, an
    indicator's title): 'Podkarpackie - Region profile - RegioDash'."""
    _, page_title = st.session_state.get(PAGE_KEY, (None, ""))
    selection = None
    field = TITLE_FIELD.get(page)
    try:
        version = data.data_version()
        if field == "region" and view.region:
            selection = data.region_choices(version).names.get(view.region, view.region)
        elif field == "country" and view.country:
            name = data.region_choices(version).names.get(view.country, view.country)
            selection = str(name).title()
        elif field == "indicator" and view.indicator:
            row = data.indicator_choices(version).rows.get(view.indicator)
            selection = str(row["title"]) if row is not None else None
    except Exception:  # noqa: BLE001 - a title is not worth an error page
        selection = None
    st.set_page_config(page_title=browser_title(page_title or page.title(), selection))


def canonical_url(query: Mapping[str, str]) -> str:
    """This page's URL with exactly `query` (the current host and path)."""
    try:
        parts = urlsplit(st.context.url or "")
    except Exception:  # noqa: BLE001 - no request context (AppTest): relative link
        parts = urlsplit("")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def render_copy_link(query: Mapping[str, str]) -> None:
    """A 'Copy link' control: the URL of exactly this view (what the address bar shows) in a
    code box with a copy button."""
    with st.popover("Copy link", icon=":material/link:",
                    help="Link to exactly this view: opening it restores the indicator, "
                         "level, year, sex and regions"):
        st.code(canonical_url(query), language=None)
