"""Sign-in for editing in a real browser against a real OIDC provider.

The provider is oidc-provider-mock (from PyPI, a dev dependency) served on 127.0.0.1; the
app is `streamlit run app.py` with its [auth] secrets in a temporary secrets.toml (passed
as STREAMLIT_SECRETS_FILES: nothing is written to the repository or to ~/.streamlit) and a
temporary roles file naming one editor. Signed out, the KPI upload is absent and a forged
upload request is refused; signed in through the provider's login form, the upload works
and the import manifest names the editor; signed out again, the controls are gone.
Waits are on the app's state or the URL, never fixed sleeps. Screenshots go to test-output/.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bench.devserver import CHROMIUM, ServerError, start_streamlit, stop_streamlit
from tests.ui.browser_support import OUTPUT, free_port, wait_for_app

pytestmark = pytest.mark.browser

EDITOR = "eda.editor@region.example.eu"
KPI_ROW = "clusters3,{kpi},2025-12-31,7.25\n"


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """oidc-provider-mock on 127.0.0.1 (any client id and secret are accepted; a user is
    whoever is typed into its login form, with that text as the e-mail claim)."""
    port = free_port()
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--host",
                                 "127.0.0.1", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT)
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(  # noqa: S310 - a loopback URL we built
                    f"{issuer}/.well-known/openid-configuration", timeout=2) as resp:
                assert json.load(resp)["issuer"] == issuer
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"oidc-provider-mock did not start: {log.read_text()[-2000:]}")
    yield issuer
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def signin_server(provider, demo_settings, tmp_path_factory):
    """The app on a copy of the demo warehouse, with [auth] secrets and a roles file."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian chromium is not installed (make test installs it)")
        pytest.skip("chromium not installed")
    root = tmp_path_factory.mktemp("signin")
    data_dir = root / "data"
    shutil.copytree(demo_settings.data_dir, data_dir)
    port = free_port()
    secrets_file = root / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        'client_id = "regiodash-test"\n'
        f'client_secret = "{secrets.token_urlsafe(16)}"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8")
    roles = root / "roles.toml"
    roles.write_text(f'[roles]\neditors = ["{EDITOR}"]\n', encoding="utf-8")
    try:
        proc, url = start_streamlit(data_dir, root / "server.log", port=port, env={
            "STREAMLIT_SECRETS_FILES": str(secrets_file), "REGIODASH_ROLES_FILE": str(roles)})
    except ServerError as exc:
        pytest.fail(str(exc))
    yield url, data_dir
    stop_streamlit(proc)


def open_project(page, url: str) -> None:
    page.goto(f"{url}/projects?project=clusters3", wait_until="domcontentloaded")
    page.locator("h1").first.wait_for(timeout=60_000)
    wait_for_app(page)


def written(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "projects").glob("*.parquet"))


def test_sign_in_upload_sign_out_and_a_forged_upload(signin_server, chromium_browser,
                                                     tmp_path):
    url, data_dir = signin_server
    manifest_before = pq.read_table(data_dir / "manifest.parquet").num_rows
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    try:
        # signed out: public data, a Sign in button, no upload
        open_project(page, url)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sign_in = sidebar.get_by_role("button", name="Sign in to edit")
        sign_in.wait_for(timeout=90_000)
        page.get_by_text("CLUSTERS3: CLUSTERS3").wait_for(timeout=90_000)  # public data
        assert page.locator('[data-testid="stFileUploader"]').count() == 0

        # a forged upload, straight to Streamlit's upload endpoint, is refused
        forged = page.request.put(f"{url}/_stcore/upload_file/forged-session/forged-file",
                                  multipart={"file": {"name": "kpi_values.csv",
                                                      "mimeType": "text/csv",
                                                      "buffer": b"project_id\n"}})
        assert forged.status in (400, 403), forged.status
        assert not written(data_dir)

        # sign in through the provider's login form
        sign_in.click()
        page.wait_for_url("**/oauth2/authorize**", timeout=90_000)
        page.locator('input[name="sub"]').fill(EDITOR)
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(f"{url}/**", timeout=90_000)
        open_project(page, url)
        # the e-mail address carries an invisible word joiner (ui.text: no autolink)
        sidebar.get_by_text(re.compile(r"Signed in as .*\(editor\)")).wait_for(
            timeout=90_000)

        # the upload: checked, shown, confirmed, written, recorded as the editor
        uploader = page.locator('[data-testid="stFileUploader"]')
        uploader.wait_for(timeout=90_000)
        csv = tmp_path / "kpi_values.csv"
        csv.write_text("project_id,kpi_id,date,value\n" + KPI_ROW.format(
            kpi=first_kpi("clusters3")), encoding="utf-8")
        uploader.locator('input[type="file"]').set_input_files(str(csv))
        confirm = page.get_by_role("button", name="Confirm import")
        confirm.wait_for(timeout=60_000)
        page.screenshot(path=str(OUTPUT / "sign_in_upload.png"), full_page=True)
        confirm.click()
        page.get_by_text("Imported 1 KPI value(s)").wait_for(timeout=60_000)
        values = pq.read_table(data_dir / "projects" / "kpi_values.parquet").to_pandas()
        assert ((values["project_id"] == "clusters3") & (values["value"] == 7.25)).sum() == 1
        manifest = pq.read_table(data_dir / "manifest.parquet").to_pylist()
        assert len(manifest) > manifest_before
        assert {r["imported_by"] for r in manifest[manifest_before:]} == {EDITOR}

        # sign out (through the provider's end-session page): the controls are gone
        sidebar.get_by_role("button", name="Sign out").click()
        end = page.get_by_role("button", name="End session")
        end.wait_for(timeout=90_000)
        end.click()
        page.wait_for_url(f"{url}/**", timeout=90_000)
        open_project(page, url)
        sidebar.get_by_role("button", name="Sign in to edit").wait_for(timeout=90_000)
        assert page.locator('[data-testid="stFileUploader"]').count() == 0
        assert not page.locator('[data-testid="stException"]').count()
    finally:
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "sign_in_end.png"), full_page=True)
        context.close()


def first_kpi(project_id: str) -> str:
    from regiodash.config import load_settings
    from regiodash.projects.sample import load_sample

    kpis = load_sample(load_settings().reference_dir).kpis
    return str(kpis[kpis["project_id"] == project_id]["kpi_id"].iloc[0])
