"""`regiodash composite SPEC [--out FILE] [--register]` on a synthetic demo warehouse: the CSV,
the refusals that name the spec line (nothing written), and registering a composite as a user
indicator (on every page through the catalog; rolled back when the build fails)."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil

import pytest

from regiodash import cli_composite
from regiodash.cli import main
from regiodash.config import load_settings
from regiodash.storage.connection import open_warehouse

SPEC = """\
id = "smart_specialisation_index"
title = "Smart specialisation index"
description = "Business R&D and high-tech employment."

[options]
levels = [2]
min_coverage = 0.75

[[indicators]]
id = "gerd_business_pct_gdp"
weight = 2.0

[[indicators]]
id = "high_tech_employment_pct"

[[indicators]]
id = "regional_innovation_index"
weight = 0.5
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    data = tmp_path_factory.mktemp("composite") / "data"
    settings = load_settings({"REGIODASH_DATA_DIR": str(data)})
    from regiodash.ingest.demo import write_demo_panel
    from regiodash.storage.build import build_warehouse

    write_demo_panel(settings)
    build_warehouse(settings)
    return data


@pytest.fixture()
def data_env(built, tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(built, data)
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(data))
    return data


def _digest(folder) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _spec(tmp_path, text=SPEC):
    path = tmp_path / "spec.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_to_stdout(data_env, tmp_path, capsys):
    assert main(["composite", str(_spec(tmp_path))]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0]) == ["geo_code", "year", "value", "group", "subgroup", "coverage"]
    assert rows and all(len(r["geo_code"]) == 4 for r in rows)  # levels = [2]
    assert {r["group"] for r in rows} <= {"Leader", "Strong", "Moderate", "Emerging"}
    assert all(0.75 <= float(r["coverage"]) <= 1 for r in rows)


def test_out_file(data_env, tmp_path):
    out = tmp_path / "smart.csv"
    assert main(["composite", str(_spec(tmp_path)), "--out", str(out)]) == 0
    assert out.read_text().startswith("geo_code,year,value,group,subgroup,coverage\n")


@pytest.mark.parametrize(("replace", "by", "message"), [
    ("weight = 2.0", "weight = -2.0", "line 11: weight of 'gerd_business_pct_gdp' is negative"),
    ('id = "high_tech_employment_pct"', 'id = "no_such_indicator"',
     "line 14: unknown indicator 'no_such_indicator'"),
    ("min_coverage = 0.75", "min_coverage = 1.0\nyears = [2030, 2031]",
     "line 8: no values for any indicator"),
])
def test_bad_spec_names_the_line_and_registers_nothing(data_env, tmp_path, capsys, replace,
                                                       by, message):
    before = _digest(data_env)
    rc = main(["composite", str(_spec(tmp_path, SPEC.replace(replace, by))), "--register"])
    assert rc == 2
    assert message in capsys.readouterr().err.replace("\n", " ")
    assert _digest(data_env) == before


def test_register_puts_the_composite_on_every_page(data_env, tmp_path, capsys):
    spec = _spec(tmp_path)
    assert main(["composite", str(spec), "--register", "--out", str(tmp_path / "x.csv")]) == 0
    assert (data_env / "composites" / "smart_specialisation_index.toml").read_text() == SPEC
    settings = load_settings({"REGIODASH_DATA_DIR": str(data_env)})
    wh = open_warehouse(settings)
    try:
        entry = wh.query_df("SELECT title, origin, direction, description, unit FROM "
                            "indicator_catalog WHERE indicator_id = ?",
                            ["smart_specialisation_index"])
        n = wh.query_rows("SELECT count(*) FROM indicator_values WHERE indicator_id = ? AND "
                          "nuts_level = 2", ["smart_specialisation_index"])[0][0]
        sources = wh.query_rows("SELECT DISTINCT source FROM indicator_values WHERE "
                                "indicator_id = ?", ["smart_specialisation_index"])
    finally:
        wh.close()
    assert entry.iloc[0]["title"] == "Smart specialisation index"
    assert entry.iloc[0]["origin"] == "composite" and entry.iloc[0]["direction"] == "higher"
    assert "gerd_business_pct_gdp x 2" in entry.iloc[0]["description"]
    csv_rows = (tmp_path / "x.csv").read_text().count("\n") - 1
    assert n == csv_rows > 0
    assert sources == [("demo",)]  # derived from the synthetic panel: labelled so, not 'user'
    # registering again replaces it; its own id is not "taken"
    assert main(["composite", str(spec), "--register", "--out", str(tmp_path / "y.csv")]) == 0


def test_register_refuses_an_existing_indicator_id(data_env, tmp_path, capsys):
    text = SPEC.replace('id = "smart_specialisation_index"', 'id = "gerd_business_pct_gdp"', 1)
    before = _digest(data_env)
    assert main(["composite", str(_spec(tmp_path, text)), "--register",
                 "--out", str(tmp_path / "x.csv")]) == 2
    assert "line 1: id 'gerd_business_pct_gdp' is already an indicator" in (
        capsys.readouterr().err.replace("\n", " "))
    assert _digest(data_env) == before


def test_failed_build_rolls_the_registration_back(data_env, tmp_path, monkeypatch):
    def broken_build(settings, progress=None):
        raise OSError("disk full")

    monkeypatch.setattr(cli_composite, "build_warehouse", broken_build)
    before = _digest(data_env)
    with pytest.raises(OSError, match="disk full"):
        main(["composite", str(_spec(tmp_path)), "--register", "--out",
              str(tmp_path / "x.csv")])
    after = _digest(data_env)
    assert after == before  # no spec, no raw file, no manifest row left behind
