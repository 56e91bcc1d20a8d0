"""The "Update from Eurostat" action of the Data & methodology page: off unless switched on,
and when on (for a signed-in editor), the whole catalog from a local replay of Eurostat's API
into the warehouse, recorded in the manifest as that editor's import."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from regiodash.ui.update_view import UPDATE_OFF
from tests.ingest.eurostat_replay import running_eurostat
from tests.ingest.test_catalog_fetch import DATASETS, REAL_TSV, CatalogReplay, RealTsv

APP = Path(__file__).resolve().parents[2] / "app.py"


EDITOR = "eda@region.example.eu"


def methodology(monkeypatch, data_dir: Path, editor: bool = False, **env: str) -> AppTest:
    """The page; `editor`: signed in as an editor of the roles file (ui.auth)."""
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(data_dir))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    at = AppTest.from_file(str(APP), default_timeout=180)
    if editor:
        roles = data_dir.parent / "roles.toml"
        roles.write_text(f'[roles]\neditors = ["{EDITOR}"]\n', encoding="utf-8")
        monkeypatch.setenv("REGIODASH_ROLES_FILE", str(roles))
        at.user = {"is_logged_in": True, "email": EDITOR}
    at.switch_page("app_pages/methodology.py")
    return at.run()


def test_the_update_is_off_unless_switched_on(monkeypatch, demo_settings):
    monkeypatch.delenv("REGIODASH_ALLOW_UPDATE", raising=False)
    at = methodology(monkeypatch, demo_settings.data_dir)
    assert not at.exception
    assert UPDATE_OFF in [c.value for c in at.caption]
    assert not [b for b in at.button if b.key == "w_update_start"]


@pytest.mark.real_data
def test_the_update_fetches_the_catalog_and_builds(monkeypatch, tmp_path, real_data_dir):
    with running_eurostat(monkeypatch) as fake:
        CatalogReplay(fake, RealTsv(real_data_dir / REAL_TSV), "sdmx-csv")  # the default
        at = methodology(monkeypatch, tmp_path / "data", True, REGIODASH_ALLOW_UPDATE="1",
                         REGIODASH_EUROSTAT_API=fake.api, REGIODASH_FETCH_TIMEOUT="5")
        assert not at.exception
        at.button(key="w_update_start").click().run()
        assert not at.exception
        assert len(fake.requests) == len(DATASETS)
    assert [s.value for s in at.success] and "datasets imported" in at.success[0].value
    table = at.dataframe[-2].value  # the last one is the import manifest
    table = table.to_pandas() if not isinstance(table, pd.DataFrame) else table
    assert sorted(table["dataset"]) == sorted(DATASETS)
    assert set(table["download"]) == {"fetched"}
    assert (tmp_path / "data" / "indicator_values.parquet").exists()
    manifest = pq.read_table(tmp_path / "data" / "manifest.parquet").to_pylist()
    assert {r["imported_by"] for r in manifest} == {EDITOR}  # the signed-in editor
