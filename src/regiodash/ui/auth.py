"""Who is signed in, what they may do, and the sidebar's sign-in / sign-out controls.

Sign-in is Streamlit's own OIDC login (`st.login` / `st.user`), configured by the [auth]
section of .streamlit/secrets.toml; roles come from the roles file (REGIODASH_ROLES_FILE,
config.Roles). Anonymous visitors see the public data. Everything a page writes (the KPI
upload, the update from Eurostat) calls `require_editor` on the server right before it
writes, whatever the page showed: a request for a control the page never drew (a forged
upload, a stale tab after signing out) is refused with a message and writes nothing.

With a roles file but no usable [auth] section, the sidebar says what is missing and nobody
can sign in (so nobody can write); `regiodash serve` refuses to start (config.check_sign_in).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException

from regiodash.config import (
    NO_ROLES,
    Identity,
    Roles,
    Settings,
    auth_problems,
    load_roles,
    parse_roles,
)
from regiodash.errors import RegiodashError
from regiodash.projects.access import hidden_projects, visible_to
from regiodash.projects.model import Portfolio
from regiodash.ui.data import current_settings
from regiodash.ui.text import escape_markdown


class EditRefused(RegiodashError):
    """A write was asked for by someone who may not make it; nothing was written."""


def auth_section() -> Mapping | None:
    """The [auth] table of Streamlit's secrets (None without secrets or without [auth])."""
    if not st.secrets.load_if_toml_exists():
        return None
    section = st.secrets.get("auth")
    if section is None:
        return None
    return section.to_dict() if hasattr(section, "to_dict") else dict(section)


@functools.lru_cache(maxsize=8)
def _roles_at(path: Path, stamp: tuple[int, int]) -> Roles:
    return parse_roles(path, path.read_text(encoding="utf-8"))


def roles(settings: Settings | None = None) -> Roles:
    """The roles file, parsed once per change of the file (SettingsError when wrong)."""
    settings = settings or current_settings()
    if settings.roles_file is None:
        return NO_ROLES
    try:
        stat = settings.roles_file.stat()
    except OSError:
        return load_roles(settings)  # raises, naming the file
    return _roles_at(settings.roles_file, (stat.st_mtime_ns, stat.st_size))


def signed_in(rules: Roles | None = None) -> Identity | None:
    """The signed-in user (st.user: is_logged_in, email, name, groups claim), or None for an
    anonymous visitor or an identity without an e-mail address."""
    user = st.user
    if user.get("is_logged_in") is not True:
        return None
    email = str(user.get("email") or "").strip().lower()
    if not email:
        return None
    claim = (rules or roles()).groups_claim
    raw = user.get(claim)
    groups = [raw] if isinstance(raw, str) else raw if isinstance(raw, list | tuple) else []
    name = user.get("name")
    return Identity(email, str(name) if name else None, frozenset(str(g) for g in groups))


def sign_in_problems(settings: Settings | None = None) -> list[str]:
    """What keeps sign-in from working when a roles file is set ([] when fine or unused)."""
    settings = settings or current_settings()
    if settings.roles_file is None:
        return []
    return auth_problems(auth_section())


def require_editor(action: str, project_ids: Iterable[str] = (),
                   settings: Settings | None = None) -> Identity:
    """The signed-in editor allowed to `action` (for every project in `project_ids`: their
    editor; with none, an editor of the dashboard or of any project), else EditRefused."""
    settings = settings or current_settings()
    rules = roles(settings)
    who = signed_in(rules)
    if settings.roles_file is None:
        raise EditRefused(f"Cannot {action}: editing from the pages is switched off on this "
                          "server (no REGIODASH_ROLES_FILE). Nothing was written.")
    if who is None:
        raise EditRefused(f"Cannot {action}: sign in with an editor account first. Nothing "
                          "was written.")
    ids = sorted(set(project_ids))
    refused = [p for p in ids if not rules.can_edit(who, p)]
    if refused:
        raise EditRefused(f"Cannot {action}: {who.email} is not an editor of project(s) "
                          f"{', '.join(refused)}. Nothing was written.")
    if not ids and not may_edit(who, rules):
        raise EditRefused(f"Cannot {action}: {who.email} does not have the editor role. "
                          "Nothing was written.")
    return who


def may_edit(who: Identity | None, rules: Roles | None = None,
             project_id: str | None = None) -> bool:
    """Whether to draw a write control: `who` edits the dashboard, `project_id`, or (without
    one) any project of the roles file. The write itself checks again (require_editor)."""
    rules = rules or roles()
    if who is None:
        return False
    if project_id is not None:
        return rules.can_edit(who, project_id)
    return rules.can_edit(who) or any(rules.can_edit(who, p) for p in rules.projects)


def access_key() -> str:
    """Part of the projects' cache keys: the private projects this visitor may not see, so
    visitors who see the same projects share the cached tables and nobody else's."""
    settings = current_settings()
    rules = roles(settings)
    if not rules.private_projects:
        return "access:all"
    return "access:-" + ",".join(sorted(hidden_projects(rules, signed_in(rules))))


def visible_portfolio(portfolio: Portfolio) -> Portfolio:
    """The portfolio without the private projects the current visitor is not a member of."""
    rules = roles()
    return visible_to(portfolio, rules, signed_in(rules))


def render_sign_in() -> None:
    """The sidebar's sign-in block: nothing without a roles file; what is wrong
    when it is misconfigured; else who is signed in and a Sign in / Sign out button."""
    settings = current_settings()
    if settings.roles_file is None:  # nobody edits from the pages: nothing to sign in for
        return
    try:
        rules = roles(settings)
    except RegiodashError as exc:
        st.error(f"Sign-in is not available: {escape_markdown(exc)}", icon=":material/lock:")
        return
    problems = sign_in_problems(settings)
    if problems:
        st.error("Sign-in is not configured, so nobody can edit: "
                 + escape_markdown("; ".join(problems)) + ".", icon=":material/lock:")
        return
    who = signed_in(rules)
    if who is None:
        if st.button("Sign in to edit", key="auth_sign_in", icon=":material/login:"):
            _login()
        return
    role = "editor" if may_edit(who, rules) else (rules.role(who) or "no role")
    st.caption(f"Signed in as {escape_markdown(who.label)} ({role})")
    if st.button("Sign out", key="auth_sign_out", icon=":material/logout:"):
        st.logout()


def _login() -> None:
    try:
        st.login()
    except StreamlitAPIException as exc:  # StreamlitAuthError: the secrets are incomplete
        st.error(f"Sign-in failed: {escape_markdown(exc)}", icon=":material/lock:")
