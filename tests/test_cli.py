"""The `regiodash` command line, run in-process."""

from __future__ import annotations

import csv
import io

import pytest

from regiodash.cli import main


@pytest.fixture()
def data_env(monkeypatch, tmp_path):
    data = tmp_path / "data"
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(data))
    return data


@pytest.mark.parametrize("command", ["demo", "import", "fetch", "build", "sql", "check",
                                     "serve"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert "usage: regiodash" in capsys.readouterr().out


def test_demo_then_check_then_sql(data_env, capsys):
    assert main(["demo"]) == 0
    assert (data_env / "indicator_values.parquet").exists()
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "by_source: {'demo':" in out
    assert main(["sql", "SELECT geo_code, count(*) AS n FROM indicator_values "
                        "WHERE geo_code = 'DE21' GROUP BY geo_code"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["geo_code"] == "DE21" and int(rows[0]["n"]) > 100


def test_sql_refuses_writes(data_env, capsys):
    main(["demo"])
    capsys.readouterr()
    assert main(["sql", "COPY indicator_values TO 'x.csv'"]) == 2
    assert "only SELECT" in capsys.readouterr().err


def test_import_of_a_bad_file_names_file_line_and_column(data_env, tmp_path, capsys):
    bad = tmp_path / "broken.csv"
    bad.write_text("geo_code,year,value\nDE21,2020,1.5\nDE22,2020,abc\n", encoding="utf-8")
    assert main(["import", str(bad), "--dataset", "my_values"]) == 2
    err = capsys.readouterr().err
    assert "broken.csv" in err and "line 3" in err and "value" in err
    assert not (data_env / "raw").exists()


def test_import_of_a_user_indicator_appears_in_the_catalog(data_env, tmp_path, capsys):
    tidy = tmp_path / "clusters.csv"
    tidy.write_text("geo_code,year,value\nDE21,2020,4\nFR10,2020,7\n", encoding="utf-8")
    assert main(["import", str(tidy), "--dataset", "cluster_count"]) == 0
    capsys.readouterr()
    assert main(["sql", "SELECT indicator_id, origin FROM indicator_catalog "
                        "WHERE indicator_id = 'cluster_count'"]) == 0
    assert "cluster_count,user" in capsys.readouterr().out
