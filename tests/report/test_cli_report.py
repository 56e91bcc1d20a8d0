"""`regiodash report ...` end to end: files written, exit status, messages, nothing partial."""

from __future__ import annotations

import pytest

from regiodash import cli
from regiodash.report import batch
from tests.report.conftest import pdf_info, pdf_text

pytestmark = pytest.mark.usefixtures("poppler")


@pytest.fixture()
def demo_env(demo_settings, monkeypatch):
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(demo_settings.data_dir))
    return demo_settings


def run(capsys, *argv: str) -> tuple[int, str]:
    code = cli.main(["report", *argv])
    captured = capsys.readouterr()
    return code, " ".join((captured.out + captured.err).split())


def test_one_region_to_a_file(demo_env, tmp_path, capsys):
    out = tmp_path / "warsaw.pdf"
    code, said = run(capsys, "region", "pl91", "--out", str(out))
    assert code == 0 and f"wrote {out}" in said
    assert pdf_info(out)["Title"].endswith("(PL91)")


def test_project_report_into_a_folder(demo_env, tmp_path, capsys):
    code, said = run(capsys, "project", "urban_creative_poles", "--out", str(tmp_path))
    path = tmp_path / "regiodash_project_urban_creative_poles.pdf"
    assert code == 0 and path.is_file()
    assert "UCP" in pdf_text(path)


@pytest.mark.parametrize(("argv", "message"), [
    (("region", "XX99"), "unknown region 'XX99'"),
    (("region", "PL91", "--year", "1990"), "region PL91 has no values in 1990"),
    (("region", "--country", "PL", "--level", "3"),
     "regional_innovation_index has no values at NUTS level 3 in PL (levels with values: 0, 1, 2)"),
    (("region", "--country", "QQ", "--level", "2"), "unknown country 'QQ'"),
    (("region", "--country", "PL"), "--country needs --level"),
    (("region", "PL91", "--country", "PL", "--level", "2"), "not both"),
    (("project", "no_such_project"), "unknown project 'no_such_project'"),
])
def test_bad_input_exits_2_with_a_message_and_leaves_no_file(demo_env, tmp_path, capsys, argv,
                                                             message):
    target = tmp_path / "out"
    target.mkdir()
    code, said = run(capsys, *argv, "--out", str(target / "x.pdf") if "--country" not in argv
                     else str(target))
    assert code == 2
    assert message in said
    assert list(target.iterdir()) == []  # no PDF, no temporary file


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_writes_every_region_with_progress(demo_env, tmp_path, capsys, jobs):
    code, said = run(capsys, "region", "--country", "SI", "--level", "2", "--out",
                     str(tmp_path), "--jobs", jobs)
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["SI03.pdf", "SI04.pdf"]
    assert "[1/2] SI0" in said and "[2/2] SI0" in said  # workers finish in any order
    assert "SI03 written" in said and "SI04 written" in said
    assert "2 written, 0 failed" in said


def test_a_failing_region_is_reported_and_the_others_continue(demo_env, tmp_path, capsys,
                                                              monkeypatch):
    real = batch.region_profile_pdf

    def flaky(wh, code, *args, **kwargs):
        if code == "SI03":
            raise RuntimeError("simulated renderer crash")
        return real(wh, code, *args, **kwargs)

    monkeypatch.setattr(batch, "region_profile_pdf", flaky)
    code, said = run(capsys, "region", "--country", "SI", "--level", "2", "--out",
                     str(tmp_path), "--jobs", "1")
    assert code == 1
    assert [p.name for p in tmp_path.iterdir()] == ["SI04.pdf"]
    assert "SI03 failed: simulated renderer crash" in said
    assert "1 written, 1 failed" in said


@pytest.mark.real_data
def test_real_data_warehouse_batch_and_bad_year(real_settings, tmp_path, capsys, monkeypatch):
    """Only Eurostat's GDP file: the batch checks GDP per head's levels (no index there)."""
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(real_settings.data_dir))
    code, said = run(capsys, "region", "--country", "SI", "--level", "2", "--out",
                     str(tmp_path))
    assert code == 0, said
    assert sorted(p.name for p in tmp_path.iterdir()) == ["SI03.pdf", "SI04.pdf"]
    assert "Zahodna Slovenija" in pdf_text(tmp_path / "SI04.pdf")
    code, said = run(capsys, "region", "SI04", "--year", "1990", "--out",
                     str(tmp_path / "bad.pdf"))
    assert code == 2 and "region SI04 has no values in 1990" in said
    assert not (tmp_path / "bad.pdf").exists()
