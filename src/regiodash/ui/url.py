"""Reading and writing the view in the URL, for every page (see `ui.state`)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from regiodash.ui.state import ViewContext, ViewState, parse_view_state


def read_view(page: str, defaults: ViewState, ctx: ViewContext) -> tuple[ViewState, bool]:
    """The page's view: parsed from the URL when the URL changed since we last wrote it.

    Returns (view, fresh); `fresh` is True when widgets should be re-seeded from the view
    (first visit, or a link / switch_page brought new parameters).
    """
    current = st.query_params.to_dict()
    key_qp, key_view = f"_qp_{page}", f"_view_{page}"
    if key_view in st.session_state and st.session_state.get(key_qp) == current:
        return st.session_state[key_view], False
    view = parse_view_state(current, defaults, ctx)
    st.session_state[key_view] = view
    return view, True


def write_view(page: str, view: ViewState, defaults: ViewState) -> dict[str, str]:
    """Put the canonical parameters of `view` in the address bar; return them."""
    query = view.to_query(defaults)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    st.session_state[f"_qp_{page}"] = query
    st.session_state[f"_view_{page}"] = view
    return query


def canonical_url(query: dict[str, str]) -> str:
    """This page's URL with exactly `query` (the current host and path)."""
    try:
        parts = urlsplit(st.context.url or "")
    except Exception:  # noqa: BLE001 - no request context (AppTest): relative link
        parts = urlsplit("")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def render_copy_link(query: dict[str, str]) -> None:
    """A 'Copy link' control: the canonical URL in a code box with a copy button."""
    with st.popover("Copy link", icon=":material/link:",
                    help="Link to exactly this view: opening it restores the indicator, "
                         "level, year, sex and regions"):
        st.code(canonical_url(query), language=None)
