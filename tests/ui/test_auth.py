"""Sign-in for editing (ui.auth, config.Roles, projects.access): roles from the roles file,
writes refused on the server without a signed-in editor, private projects visible only to
their members on every page and in every table, misconfiguration reported instead of a
traceback. `st.user` is AppTest's `user` dict (absent: an anonymous visitor)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from regiodash import cli
from regiodash.config import (
    EDITOR,
    VIEWER,
    Identity,
    SettingsError,
    auth_problems,
    check_sign_in,
    load_settings,
    parse_roles,
)
from regiodash.projects.access import visible_to
from regiodash.projects.model import TABLE_ORDER
from regiodash.projects.sample import load_sample
from regiodash.storage.layout import WarehousePaths, new_manifest_record, recorded_as
from regiodash.ui import auth
from regiodash.ui.update_view import EDITORS_ONLY

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PROJECTS_PAGE = "app_pages/projects.py"
EDITOR_EMAIL = "eda.editor@region.example.eu"
MEMBER_EMAIL = "pia@partner.example.org"
OUTSIDER_EMAIL = "otto@elsewhere.example.com"
ROLES = textwrap.dedent(f"""\
    [roles]
    editors = ["{EDITOR_EMAIL}", "group:regiodash-editors"]
    viewers = ["@region.example.eu"]

    [projects.spectra]
    private = true
    viewers = ["{MEMBER_EMAIL}"]
    editors = ["group:spectra-editors"]

    [projects.clusters3]
    editors = ["{OUTSIDER_EMAIL}"]
    """)
GOOD_AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback",
             "cookie_secret": "x" * 32, "client_id": "regiodash", "client_secret": "s",
             "server_metadata_url": "http://127.0.0.1:9400/.well-known/openid-configuration"}
KPI_CSV = b"project_id,kpi_id,date,value\nclusters3,{kpi},2025-12-31,7.25\n"


def user(email: str | None, **claims) -> dict:
    """AppTest's st.user for a signed-in `email` (None: signed out, with [auth] set up)."""
    if email is None:
        return {"is_logged_in": False}
    return {"is_logged_in": True, "email": email, "name": email.split("@")[0], **claims}


@pytest.fixture()
def roles_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "roles.toml"
    path.write_text(ROLES, encoding="utf-8")
    monkeypatch.setenv("REGIODASH_ROLES_FILE", str(path))
    monkeypatch.setattr(auth, "auth_section", lambda: dict(GOOD_AUTH))
    return path


# ------------------------------------------------------------------------ the roles file


def test_roles_match_emails_domains_groups_and_keep_private_projects_to_their_members():
    roles = parse_roles(Path("roles.toml"), ROLES)
    editor, member = Identity(EDITOR_EMAIL.upper()), Identity(MEMBER_EMAIL)
    grouped = Identity("x@y.example.net", groups=frozenset({"regiodash-editors"}))
    spectra_editor = Identity("z@y.example.net", groups=frozenset({"spectra-editors"}))
    colleague = Identity("someone@region.example.eu")
    assert roles.role(Identity(EDITOR_EMAIL)) == EDITOR
    assert roles.role(grouped) == EDITOR
    assert roles.role(colleague) == VIEWER  # "@domain"
    assert roles.role(Identity("a@evil-region.example.eu")) is None  # not a suffix match
    assert roles.role(None) is None
    # a private project: only its own members, whatever their dashboard role
    assert roles.role(editor, "spectra") is None
    assert roles.role(member, "spectra") == VIEWER
    assert roles.role(spectra_editor, "spectra") == EDITOR
    assert roles.visible_private(editor) == frozenset()
    assert roles.visible_private(member) == {"spectra"}
    # a public project: the dashboard's editors and its own
    assert roles.can_edit(Identity(EDITOR_EMAIL), "clusters3")
    assert roles.can_edit(Identity(OUTSIDER_EMAIL), "clusters3")
    assert not roles.can_edit(Identity(OUTSIDER_EMAIL))
    assert not roles.can_edit(Identity(OUTSIDER_EMAIL), "spectra")


def test_the_example_roles_file_parses():
    roles = parse_roles(ROOT / "deploy" / "roles.example.toml",
                        (ROOT / "deploy" / "roles.example.toml").read_text(encoding="utf-8"))
    assert roles.private_projects == {"spectra"}
    assert roles.role(Identity("data.team@region.example.eu")) == EDITOR


@pytest.mark.parametrize(("text", "says"), [
    ("[roles]\neditors = [\"a@b.eu\"]]\n", "at line 2, column 21"),
    ("[roles]\neditor = [\"a@b.eu\"]\n", "unknown key 'editor' in [roles]"),
    ("[roles]\neditors = [\"alice\"]\n", "[roles] editors: 'alice' is not an e-mail"),
    ("[roles]\neditors = \"a@b.eu\"\n", "[roles] editors must be a list"),
    ("[projects.Spectra]\nprivate = true\n", "[projects.Spectra] must be a table named"),
    ("[projects.spectra]\nprivate = \"yes\"\n", "[projects.spectra] private must be true"),
    ("[projects.spectra]\nmembers = []\n", "unknown key 'members' in [projects.spectra]"),
])
def test_a_wrong_roles_file_is_refused_naming_file_and_key(text, says):
    with pytest.raises(SettingsError) as err:
        parse_roles(Path("/etc/regiodash/roles.toml"), text)
    assert "/etc/regiodash/roles.toml" in str(err.value)
    assert says in str(err.value)


def test_auth_secrets_problems_are_named():
    assert auth_problems(GOOD_AUTH) == []
    assert "[auth] section is missing" in auth_problems(None)[0]
    partial = {k: v for k, v in GOOD_AUTH.items() if k not in ("client_secret", "cookie_secret")}
    assert auth_problems(partial) == [
        "[auth] in .streamlit/secrets.toml lacks cookie_secret, client_secret"]
    wrong = dict(GOOD_AUTH, redirect_uri="http://localhost:8501/callback")
    assert "must end with /oauth2callback" in auth_problems(wrong)[0]


def test_serve_refuses_to_start_with_roles_but_no_sign_in(tmp_path, monkeypatch, capsys):
    (tmp_path / "roles.toml").write_text(ROLES, encoding="utf-8")
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n',
                       encoding="utf-8")
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REGIODASH_ROLES_FILE", str(tmp_path / "roles.toml"))
    monkeypatch.setenv("STREAMLIT_SECRETS_FILES", str(secrets))
    assert cli.main(["serve", "--port", "1"]) == 2  # refused before anything starts
    said = capsys.readouterr().err
    assert "REGIODASH_ROLES_FILE is set but sign-in is not configured" in said
    assert "cookie_secret, client_id, client_secret, server_metadata_url" in said
    assert not (tmp_path / "data").exists()  # not even the demo panel was built
    secrets.write_text("[auth]\n" + "".join(f'{k} = "{v}"\n' for k, v in GOOD_AUTH.items()),
                       encoding="utf-8")
    check_sign_in(load_settings())  # complete: no error
    (tmp_path / "roles.toml").write_text("[roles\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="roles.toml: not valid TOML"):
        check_sign_in(load_settings())


# ------------------------------------------------------------------- private projects


def test_visible_to_drops_every_row_of_a_hidden_private_project(settings):
    portfolio = load_sample(settings.reference_dir)
    roles = parse_roles(Path("roles.toml"), ROLES)
    for who in (None, Identity(EDITOR_EMAIL), Identity(OUTSIDER_EMAIL)):
        seen = visible_to(portfolio, roles, who)
        for name in TABLE_ORDER:
            assert "spectra" not in set(seen.table(name)["project_id"]), (who, name)
            assert len(seen.table(name)) == (portfolio.table(name)["project_id"]
                                             != "spectra").sum()
    assert visible_to(portfolio, roles, Identity(MEMBER_EMAIL)) is portfolio


def projects_app(monkeypatch, data_dir: Path, who: dict | None) -> AppTest:
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=120)
    if who is not None:
        at.user = who
    at.switch_page(PROJECTS_PAGE)
    return at


def all_frames(at: AppTest) -> list[pd.DataFrame]:
    out = []
    for df in at.dataframe:
        value = df.value
        out.append(value if isinstance(value, pd.DataFrame) else value.to_pandas())
    return out


def mentions_spectra(at: AppTest) -> bool:
    """Whether any table (what a CSV download exports), metric, selectbox or text shows it."""
    texts = [str(f.to_csv()) for f in all_frames(at)]
    texts += [str(o) for s in at.selectbox for o in s.options]
    texts += [m.value for m in at.markdown] + [c.value for c in at.caption]
    return any("spectra" in t.lower() for t in texts)


@pytest.mark.parametrize(("who", "sees"), [
    (None, False), (user(None), False), (user(EDITOR_EMAIL), False),
    (user(OUTSIDER_EMAIL), False), (user(MEMBER_EMAIL), True),
    (user("x@y.example.net", groups=["spectra-editors"]), True),
])
def test_a_private_project_is_seen_only_by_its_members(demo_settings, roles_file, monkeypatch,
                                                       who, sees):
    at = projects_app(monkeypatch, demo_settings.data_dir, who).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Projects"] == ("7" if sees else "6")
    assert mentions_spectra(at) is sees
    at.session_state["pj_tab"] = "Project detail"
    at.run()
    options = at.selectbox(key="pj_project").options  # "ACRONYM – Title" labels
    assert any(o.startswith("SPECTRA") for o in options) is sees
    # a link naming it: shown to members, "unknown project" to everyone else
    at = projects_app(monkeypatch, demo_settings.data_dir, who)
    at.query_params["project"] = "spectra"
    at.run()
    assert not at.exception
    notes = " ".join(i.value for i in at.info).replace("\\", "")  # Markdown escapes
    assert ("Ignored URL parameter project='spectra': unknown project id" in notes) is not sees
    assert mentions_spectra(at) is sees


def test_without_a_roles_file_nothing_is_private_and_nobody_signs_in(demo_settings,
                                                                     monkeypatch):
    monkeypatch.delenv("REGIODASH_ROLES_FILE", raising=False)
    at = projects_app(monkeypatch, demo_settings.data_dir, user(EDITOR_EMAIL)).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Projects"] == "7"
    assert not [b for b in at.button if b.key in ("auth_sign_in", "auth_sign_out")]
    at.session_state["pj_tab"] = "Project detail"
    at.query_params["project"] = "spectra"
    at.run()
    assert not at.get("file_uploader")  # nobody edits from the pages


# ------------------------------------------------------------- sign-in controls, uploads


def test_the_sidebar_offers_sign_in_and_shows_who_is_signed_in(demo_settings, roles_file,
                                                               monkeypatch):
    at = projects_app(monkeypatch, demo_settings.data_dir, user(None)).run()
    assert not at.exception
    assert at.sidebar.button(key="auth_sign_in")
    at = projects_app(monkeypatch, demo_settings.data_dir, user(EDITOR_EMAIL)).run()
    assert f"Signed in as eda.editor <{EDITOR_EMAIL}> (editor)" in [
        c.value.replace("\\", "").replace("\u2060", "")  # Markdown escapes and the word
        for c in at.sidebar.caption]  # joiner that stops the e-mail address autolinking
    at.sidebar.button(key="auth_sign_out").click().run()  # st.logout(): signed out
    assert not at.exception
    at.run()  # (a browser follows the logout redirect into a new session)
    assert not at.get("file_uploader")
    assert at.sidebar.button(key="auth_sign_in")


@pytest.mark.parametrize(("who", "drawn"), [
    (None, False), (user(None), False), (user("someone@region.example.eu"), False),
    (user(EDITOR_EMAIL), True), (user(OUTSIDER_EMAIL), True),  # an editor of clusters3
])
def test_the_upload_is_drawn_only_for_editors(demo_settings, roles_file, monkeypatch, who,
                                              drawn):
    at = projects_app(monkeypatch, demo_settings.data_dir, who)
    at.query_params["project"] = "clusters3"
    at.run()
    assert not at.exception
    assert bool(at.get("file_uploader")) is drawn
    assert not [t for t in at.text_input if t.key == "pj_upload_user"]  # no typed name


def upload_script(data_dir: str, data: bytes, action: str) -> None:
    """Runs inside AppTest: the page's upload handlers, called as a forged request would."""
    import streamlit as st

    from regiodash.config import load_settings
    from regiodash.errors import RegiodashError
    from regiodash.ui.projects_import_view import check_kpi_upload, import_kpi_upload

    settings = load_settings({"REGIODASH_DATA_DIR": data_dir,
                              "REGIODASH_ROLES_FILE": st.session_state["roles"]})
    try:
        prepared = check_kpi_upload(data, "kpi_values.csv", settings)
        if action == "import":
            import_kpi_upload(prepared, settings)
        st.success("written" if action == "import" else "checked")
    except RegiodashError as exc:
        st.error(str(exc))


def run_upload(settings, roles_file: Path, who: dict | None, data: bytes,
               action: str = "import") -> AppTest:
    at = AppTest.from_function(upload_script, args=(str(settings.data_dir), data, action),
                               default_timeout=60)
    at.session_state["roles"] = str(roles_file)
    if who is not None:
        at.user = who
    return at.run()


def first_kpi(settings, project_id: str) -> str:
    kpis = load_sample(settings.reference_dir).kpis
    return str(kpis[kpis["project_id"] == project_id]["kpi_id"].iloc[0])


@pytest.mark.parametrize(("who", "says"), [
    (None, "sign in with an editor account first"),
    (user(None), "sign in with an editor account first"),
    (user("someone@region.example.eu"), "does not have the editor role"),
])
def test_a_forged_upload_without_an_editor_is_refused_and_writes_nothing(
        settings, roles_file, who, says):
    data = KPI_CSV.replace(b"{kpi}", first_kpi(settings, "clusters3").encode())
    at = run_upload(settings, roles_file, who, data)
    assert not at.exception
    assert [e.value for e in at.error] and says in at.error[0].value
    assert "Nothing was written." in at.error[0].value
    assert not at.success
    assert not settings.data_dir.exists() or not any(settings.data_dir.rglob("*.parquet"))


def test_a_direct_call_outside_any_session_is_refused(settings, roles_file):
    with pytest.raises(auth.EditRefused, match="sign in with an editor account first"):
        from regiodash.ui.projects_import_view import check_kpi_upload

        check_kpi_upload(b"project_id,kpi_id,date,value\n", "x.csv",
                         load_settings({"REGIODASH_DATA_DIR": str(settings.data_dir),
                                        "REGIODASH_ROLES_FILE": str(roles_file)}))


def test_an_editor_of_one_project_cannot_upload_for_a_private_one(settings, roles_file):
    rows = (f"project_id,kpi_id,date,value\nclusters3,{first_kpi(settings, 'clusters3')},"
            f"2025-12-31,7\nspectra,{first_kpi(settings, 'spectra')},2025-12-31,9\n")
    at = run_upload(settings, roles_file, user(OUTSIDER_EMAIL), rows.encode())
    assert "is not an editor of project(s) spectra" in at.error[0].value
    assert not settings.data_dir.exists() or not any(settings.data_dir.rglob("*.parquet"))


def test_an_editor_uploads_and_the_manifest_records_who(settings, roles_file):
    data = KPI_CSV.replace(b"{kpi}", first_kpi(settings, "clusters3").encode())
    at = run_upload(settings, roles_file, user(EDITOR_EMAIL), data)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value == "written"
    manifest = pq.read_table(WarehousePaths(settings.data_dir).manifest).to_pylist()
    assert {r["imported_by"] for r in manifest} == {f"eda.editor <{EDITOR_EMAIL}>"}
    values = pq.read_table(settings.data_dir / "projects" / "kpi_values.parquet").to_pandas()
    assert ((values["project_id"] == "clusters3") & (values["value"] == 7.25)).sum() == 1


def test_imports_inside_recorded_as_name_the_editor():
    assert new_manifest_record(dataset="x")["imported_by"] != "eda"
    with recorded_as("eda <eda@example.eu>"):
        assert new_manifest_record(dataset="x")["imported_by"] == "eda <eda@example.eu>"
        assert new_manifest_record(imported_by="cli")["imported_by"] == "cli"


# ------------------------------------------------------------------ update, misconfigured


def methodology_app(monkeypatch, data_dir: Path, who: dict | None) -> AppTest:
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(data_dir))
    monkeypatch.setenv("REGIODASH_ALLOW_UPDATE", "1")
    at = AppTest.from_file(APP, default_timeout=120)
    if who is not None:
        at.user = who
    at.switch_page("app_pages/methodology.py")
    return at.run()


def test_the_update_from_eurostat_is_for_editors(demo_settings, roles_file, monkeypatch):
    for who in (None, user(None), user(MEMBER_EMAIL)):
        at = methodology_app(monkeypatch, demo_settings.data_dir, who)
        assert not at.exception
        assert EDITORS_ONLY in [c.value for c in at.caption]
        assert not [b for b in at.button if b.key == "w_update_start"]
    at = methodology_app(monkeypatch, demo_settings.data_dir, user(EDITOR_EMAIL))
    assert at.button(key="w_update_start")


def test_misconfigured_sign_in_is_explained_on_the_page(demo_settings, roles_file,
                                                        monkeypatch):
    monkeypatch.setattr(auth, "auth_section", lambda: {"redirect_uri": "x"})
    at = projects_app(monkeypatch, demo_settings.data_dir, user(None)).run()
    assert not at.exception
    said = " ".join(e.value for e in at.sidebar.error)
    assert "Sign-in is not configured, so nobody can edit" in said
    assert "lacks cookie_secret, client_id" in said.replace("\\", "")
    assert not [b for b in at.button if b.key == "auth_sign_in"]
    roles_file.write_text("[roles]\neditors = [\"nobody\"]\n", encoding="utf-8")
    at = projects_app(monkeypatch, demo_settings.data_dir, user(EDITOR_EMAIL)).run()
    assert not at.exception
    said = " ".join(e.value for e in at.sidebar.error).replace("\\", "")
    assert f"{roles_file}: [roles] editors: 'nobody' is not an e-mail address" in said
    # the page cannot tell who may see what: it says so instead of showing anything
    said = " ".join(e.value for e in at.main.error).replace("\\", "")
    assert "The project portfolio could not be loaded" in said and str(roles_file) in said
    assert not at.metric
