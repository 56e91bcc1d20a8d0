"""Typed settings, read from the environment once per process.

REGIODASH_DATA_DIR      warehouse root (default ./data); may later be an http(s):// or s3:// URL
REGIODASH_REFERENCE_DIR committed NUTS reference data (default <repo>/data/reference)
REGIODASH_PORT          port for `regiodash serve` / `make run` (default 8501)
REGIODASH_EUROSTAT_API  base URL of Eurostat's dissemination API
REGIODASH_FETCH_TIMEOUT seconds before a download attempt gives up (default 20)
REGIODASH_ALLOW_UPDATE  "1" shows the "Update from Eurostat" action on the Data & methodology page
                        (off by default; for a self-hosted install whose warehouse is local)
REGIODASH_NUTS_VERSION  NUTS version a build puts every value on (2013, 2016, 2021, 2024);
                        default: the newest version among the imported regional data
REGIODASH_ROLES_FILE    TOML file saying who may edit from the pages and who may see private
                        projects (`load_roles` below;
                        deploy/roles.example.toml). Unset: nobody
                        writes from the pages and no project is private. Sign-in itself is
                        Streamlit's OIDC login, configured in .streamlit/secrets.toml [auth].
"""

from __future__ import annotations

import importlib.util
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from regiodash.errors import RegiodashError

REPO_ROOT = Path(__file__).resolve().parents[2]
EUROSTAT_API = "https://ec.europa.eu/eurostat/api/dissemination"


REMOTE_PREFIXES = ("http://", "https://", "s3://")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    reference_dir: Path
    port: int
    eurostat_api: str
    fetch_timeout: float
    data_url: str | None = None
    nuts_version: str | None = None
    """REGIODASH_NUTS_VERSION, or None: the build picks the newest version in the data."""
    allow_update: bool = False
    """REGIODASH_ALLOW_UPDATE: the pages may fetch the catalog from Eurostat and rebuild."""
    roles_file: Path | None = None
    """REGIODASH_ROLES_FILE: who may edit and who may see private projects (None: nobody
    edits from the pages, no project is private)."""
    """Set when REGIODASH_DATA_DIR is an http(s):// or s3:// URL: the warehouse is read
    (read-only) through DuckDB's httpfs extension; imports and builds need a local dir."""

    @property
    def is_remote(self) -> bool:
        return self.data_url is not None

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    raw_dir = env.get("REGIODASH_DATA_DIR") or "data"
    data_url = raw_dir.rstrip("/") if raw_dir.startswith(REMOTE_PREFIXES) else None
    data_dir = Path("data" if data_url else raw_dir).expanduser()
    reference_dir = Path(
        env.get("REGIODASH_REFERENCE_DIR") or (REPO_ROOT / "data" / "reference")
    ).expanduser()
    return Settings(
        data_dir=data_dir.resolve(),
        reference_dir=reference_dir.resolve(),
        port=int(env.get("REGIODASH_PORT") or 8501),
        eurostat_api=(env.get("REGIODASH_EUROSTAT_API") or EUROSTAT_API).rstrip("/"),
        fetch_timeout=float(env.get("REGIODASH_FETCH_TIMEOUT") or 20),
        data_url=data_url,
        nuts_version=env.get("REGIODASH_NUTS_VERSION") or None,
        allow_update=(env.get("REGIODASH_ALLOW_UPDATE") or "").strip().lower()
        in ("1", "true", "yes", "on"),
        roles_file=(Path(env["REGIODASH_ROLES_FILE"]).expanduser().resolve()
                    if (env.get("REGIODASH_ROLES_FILE") or "").strip() else None),
    )


# ------------------------------------------------------------------------ sign-in and roles

VIEWER, EDITOR = "viewer", "editor"
GROUP_PREFIX = "group:"
_PROJECT_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")  # projects.model.PROJECT_ID_PATTERN
_ROLE_KEYS = {"editors", "viewers"}
_PROJECT_KEYS = {"private", "editors", "viewers"}


class SettingsError(RegiodashError):
    """A settings file (roles file, Streamlit secrets) is missing, unreadable or wrong; the
    message names the file and the key."""


@dataclass(frozen=True)
class Identity:
    """Who is signed in: the identity token's e-mail (lower-cased), name and groups.

    Built by ui.auth from `st.user`; anonymous visitors have no Identity (None)."""

    email: str
    name: str | None = None
    groups: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        """How the import manifest records this user: "Name <email>", or the e-mail."""
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(frozen=True)
class ProjectAccess:
    """A project's own members from the roles file ([projects.<id>]); `private`: only they
    see it, on every page and in every download."""

    project_id: str
    private: bool
    editors: tuple[str, ...] = ()
    viewers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Roles:
    """The roles file: who is an editor or viewer of the whole dashboard, and per project.

    An entry is an e-mail (case-insensitive), "@domain" (every address of that domain),
    "group:NAME" (a value of the identity token's groups claim) or "*" (anyone signed in).
    Anonymous visitors match nothing. A private project is seen and edited only by its own
    members (a dashboard-wide editor is not one by that alone); a public project is edited
    by the dashboard's editors and by its own.
    """

    path: Path | None = None
    editors: tuple[str, ...] = ()
    viewers: tuple[str, ...] = ()
    projects: Mapping[str, ProjectAccess] = field(default_factory=dict)
    groups_claim: str = "groups"

    @property
    def private_projects(self) -> frozenset[str]:
        return frozenset(p for p, a in self.projects.items() if a.private)

    def role(self, who: Identity | None, project_id: str | None = None) -> str | None:
        """EDITOR, VIEWER or None for the dashboard (project_id None) or one project."""
        access = self.projects.get(project_id) if project_id else None
        own = (access.editors, access.viewers) if access else ((), ())
        if access is not None and access.private:
            editors, viewers = own
        else:
            editors, viewers = self.editors + own[0], self.viewers + own[1]
        if _matches(who, editors):
            return EDITOR
        return VIEWER if _matches(who, viewers) else None

    def can_edit(self, who: Identity | None, project_id: str | None = None) -> bool:
        return self.role(who, project_id) == EDITOR

    def visible_private(self, who: Identity | None) -> frozenset[str]:
        """The private projects `who` is a member of (editor or viewer)."""
        return frozenset(p for p in self.private_projects if self.role(who, p) is not None)


NO_ROLES = Roles()


def _matches(who: Identity | None, entries: tuple[str, ...]) -> bool:
    if who is None or not who.email:
        return False
    email = who.email.lower()
    for entry in entries:
        if entry == "*" or entry == email or (entry.startswith("@") and email.endswith(entry)):
            return True
        if entry.startswith(GROUP_PREFIX) and entry[len(GROUP_PREFIX):] in who.groups:
            return True
    return False


def _entries(path: Path, where: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"{path}: {where} must be a list of strings, e.g. "
                            '["alice@example.org", "group:editors"]')
    out = []
    for raw in value:
        entry = raw.strip()
        entry = entry if entry.startswith(GROUP_PREFIX) else entry.lower()
        ok = (entry == "*" or (entry.startswith(GROUP_PREFIX) and len(entry) > len(GROUP_PREFIX))
              or re.fullmatch(r"[^@\s]*@[^@\s]+\.[^@\s]+", entry) is not None)
        if not ok:
            raise SettingsError(f"{path}: {where}: {raw!r} is not an e-mail address, "
                                '"@domain", "group:NAME" or "*"')
        out.append(entry)
    return tuple(out)


def _unknown_keys(path: Path, where: str, table: Mapping, allowed: set[str]) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise SettingsError(f"{path}: unknown key {extra[0]!r} in {where} (allowed: "
                            f"{', '.join(sorted(allowed))})")


def parse_roles(path: Path, text: str) -> Roles:
    """The roles file's text as Roles; SettingsError naming the file, line or key."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from exc
    _unknown_keys(path, "the file", doc, {"roles", "projects", "groups_claim"})
    roles = doc.get("roles", {})
    if not isinstance(roles, dict):
        raise SettingsError(f"{path}: [roles] must be a table")
    _unknown_keys(path, "[roles]", roles, _ROLE_KEYS)
    projects: dict[str, ProjectAccess] = {}
    tables = doc.get("projects", {})
    if not isinstance(tables, dict):
        raise SettingsError(f"{path}: [projects] must hold one table per project")
    for pid, table in tables.items():
        where = f"[projects.{pid}]"
        if not _PROJECT_ID.match(pid) or not isinstance(table, dict):
            raise SettingsError(f"{path}: {where} must be a table named by a project id "
                                "(lower-case snake_case)")
        _unknown_keys(path, where, table, _PROJECT_KEYS)
        if not isinstance(table.get("private", False), bool):
            raise SettingsError(f"{path}: {where} private must be true or false")
        projects[pid] = ProjectAccess(
            pid, table.get("private", False),
            _entries(path, f"{where} editors", table.get("editors", [])),
            _entries(path, f"{where} viewers", table.get("viewers", [])))
    claim = doc.get("groups_claim", "groups")
    if not isinstance(claim, str) or not claim:
        raise SettingsError(f"{path}: groups_claim must be the name of a token claim")
    return Roles(path, _entries(path, "[roles] editors", roles.get("editors", [])),
                 _entries(path, "[roles] viewers", roles.get("viewers", [])),
                 projects, claim)


def load_roles(settings: Settings) -> Roles:
    """The roles file of REGIODASH_ROLES_FILE, or NO_ROLES (nobody edits, nothing private)
    when it is unset; SettingsError when it is set but missing or wrong."""
    if settings.roles_file is None:
        return NO_ROLES
    try:
        text = settings.roles_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"REGIODASH_ROLES_FILE={settings.roles_file} cannot be read: "
                            f"{exc.strerror or exc}") from exc
    return parse_roles(settings.roles_file, text)


AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret",
             "server_metadata_url")


def auth_problems(auth: Mapping | None) -> list[str]:
    """What is wrong with Streamlit's [auth] secrets for the default provider ([] if
    nothing): the keys st.login needs, absolute URLs, the /oauth2callback path, Authlib."""
    if not auth:
        return ["the [auth] section is missing from .streamlit/secrets.toml (sign-in needs "
                f"{', '.join(AUTH_KEYS)})"]
    problems = []
    missing = [k for k in AUTH_KEYS if not str(auth.get(k) or "").strip()]
    if missing:
        problems.append(f"[auth] in .streamlit/secrets.toml lacks {', '.join(missing)}")
    for key in ("redirect_uri", "server_metadata_url"):
        value = str(auth.get(key) or "")
        if value and not value.startswith(("http://", "https://")):
            problems.append(f"[auth] {key} must be an absolute http(s) URL, got {value!r}")
    redirect = str(auth.get("redirect_uri") or "")
    if redirect.startswith("http") and not redirect.endswith("/oauth2callback"):
        problems.append(f"[auth] redirect_uri must end with /oauth2callback (the app's "
                        f"address + /oauth2callback), got {redirect!r}")
    if importlib.util.find_spec("authlib") is None:
        problems.append("the Authlib package is not installed (pip install 'Authlib>=1.3.2')")
    return problems


def secrets_files(cwd: Path, env: Mapping[str, str] | None = None) -> list[Path]:
    """Where Streamlit looks for secrets.toml, in the order it merges them: the files of
    STREAMLIT_SECRETS_FILES (whitespace-separated) when set, else ~/.streamlit and
    <cwd>/.streamlit (the later file wins)."""
    env = os.environ if env is None else env
    if (env.get("STREAMLIT_SECRETS_FILES") or "").strip():
        return [Path(p).expanduser() for p in env["STREAMLIT_SECRETS_FILES"].split()]
    return [Path("~/.streamlit/secrets.toml").expanduser(), cwd / ".streamlit" / "secrets.toml"]


def read_auth_section(files: list[Path]) -> dict | None:
    """The merged [auth] table of the secrets files that exist (None without one)."""
    merged: dict = {}
    for path in files:
        if not path.is_file():
            continue
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"{path}: cannot be read as TOML: {exc}") from exc
        merged.update(doc)
    auth = merged.get("auth")
    return auth if isinstance(auth, dict) else None


def check_sign_in(settings: Settings, cwd: Path = REPO_ROOT) -> None:
    """For `regiodash serve`: with a roles file set, the roles file must parse and the
    secrets must configure sign-in; SettingsError saying what is wrong otherwise."""
    if settings.roles_file is None:
        return
    load_roles(settings)
    problems = auth_problems(read_auth_section(secrets_files(cwd)))
    if problems:
        raise SettingsError(f"REGIODASH_ROLES_FILE is set but sign-in is not configured: "
                            f"{'; '.join(problems)}. See README 'Sign-in for editing'.")
