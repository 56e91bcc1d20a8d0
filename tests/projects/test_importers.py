"""Project importers: templates round-trip, upserts, re-imports, and malformed files.

Every malformed file must give one InputFileError whose message names the file, the line and
the column, and leave the warehouse exactly as it was.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from regiodash.errors import InputFileError
from regiodash.projects.importers import (
    commit_import,
    import_project_files,
    prepare_kpi_values_upload,
    read_stored_portfolio,
)
from regiodash.projects.model import TABLE_ORDER, ProjectPaths
from regiodash.projects.templates import template_text, write_templates
from regiodash.storage.files import sha256_file
from regiodash.storage.layout import WarehousePaths, read_manifest


def rows_of(name: str) -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(io.StringIO(template_text(name)))
    header = next(reader)
    return header, [list(r) for r in reader]


def write_csv(path: Path, header: list[str], rows: list[list[object]], delimiter: str = ","
              ) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def with_value(name: str, column: str, value: object, row: int = 0
               ) -> tuple[list[str], list[list[object]]]:
    header, rows = rows_of(name)
    rows[row][header.index(column)] = value
    return header, rows


@pytest.fixture()
def templates(tmp_path) -> dict[str, Path]:
    out = tmp_path / "in"
    return {p.stem: p for p in write_templates(out)}


def snapshot(settings) -> dict[str, str]:
    """sha256 of every file under the data dir (to prove nothing was written)."""
    root = Path(settings.data_dir)
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): sha256_file(p) for p in sorted(root.rglob("*"))
            if p.is_file()}


# ------------------------------------------------------------------------- happy paths ---

def test_templates_have_a_header_and_one_example_row(templates):
    assert sorted(templates) == sorted(TABLE_ORDER)
    for path in templates.values():
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 2


def test_template_files_import_and_are_recorded_with_who_and_when(settings, templates):
    results = import_project_files([templates[n] for n in TABLE_ORDER], settings, user="Ana")
    assert [r.status for r in results] == ["imported"] * 4
    stored = read_stored_portfolio(settings)
    assert stored is not None and stored.origin == "warehouse"
    assert stored.project_ids() == ["my_cluster_project"]
    project = stored.projects.iloc[0]
    assert project["cofinancing_rate"] == pytest.approx(1_200_000 / 1_500_000)
    assert stored.partners.iloc[0]["nuts_level"] == 3
    manifest = read_manifest(WarehousePaths(settings.data_dir))
    assert [m["dataset"] for m in manifest] == [f"projects_{n}" for n in TABLE_ORDER]
    for record in manifest:
        assert "imported by Ana" in record["note"]
        assert record["imported_by"] == "Ana"
        assert re.match(r"\d{4}-\d\d-\d\dT", record["imported_at"])
        assert record["sha256"] and record["source"] == "user"


def test_reimporting_the_same_files_changes_nothing(settings, templates):
    files = [templates[n] for n in TABLE_ORDER]
    import_project_files(files, settings, user="Ana")
    before = snapshot(settings)
    results = import_project_files(files, settings, user="Ana")
    assert [r.status for r in results] == ["unchanged"] * 4
    assert snapshot(settings) == before


def test_upsert_replaces_rows_with_the_same_key_and_keeps_the_others(settings, templates,
                                                                     tmp_path):
    import_project_files([templates[n] for n in TABLE_ORDER], settings)
    header, rows = rows_of("kpi_values")
    rows[0][header.index("value")] = "40"
    later = list(rows[0])
    later[header.index("date")] = "2025-12-31"
    later[header.index("value")] = "60"
    path = write_csv(tmp_path / "kpi_values.csv", header, [rows[0], later])
    [result] = import_project_files([path], settings, user="Bo")
    assert (result.status, result.new_rows, result.replaced_rows) == ("imported", 1, 1)
    values = read_stored_portfolio(settings).kpi_values
    assert values["value"].tolist() == [40.0, 60.0]
    assert "imported by Bo" in read_manifest(WarehousePaths(settings.data_dir))[-1]["note"]


def test_semicolon_csv_with_decimal_comma(settings, templates, tmp_path):
    header, rows = with_value("projects", "total_budget_eur", "1500000,50")
    path = write_csv(tmp_path / "projects.csv", header, rows, delimiter=";")
    import_project_files([path], settings)
    assert read_stored_portfolio(settings).projects.iloc[0]["total_budget_eur"] == 1500000.5


def test_table_detected_from_header_when_the_name_says_nothing(settings, tmp_path):
    header, rows = rows_of("projects")
    path = write_csv(tmp_path / "my export.csv", header, rows)
    [result] = import_project_files([path], settings)
    assert result.table == "projects"


def test_xlsx_workbook_with_one_sheet_per_table(settings, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name in TABLE_ORDER:
        sheet = workbook.create_sheet(name)
        header, rows = rows_of(name)
        sheet.append(header)
        for row in rows:
            sheet.append([float(c) if re.fullmatch(r"\d+(\.\d+)?", c) else c for c in row])
    path = tmp_path / "portfolio.xlsx"
    workbook.save(path)
    results = import_project_files([path], settings)
    assert [r.table for r in results] == list(TABLE_ORDER)
    assert read_stored_portfolio(settings).kpis.iloc[0]["target"] == 120


def test_xlsx_errors_name_the_sheet_and_excel_row(settings, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "projects"
    header, rows = with_value("projects", "start_date", "2024-02-30")
    sheet.append(header)
    sheet.append(rows[0])
    path = tmp_path / "bad.xlsx"
    workbook.save(path)
    with pytest.raises(InputFileError) as err:
        import_project_files([path], settings)
    assert "bad.xlsx" in str(err.value)
    assert "line 2" in str(err.value) and "column 'start_date'" in str(err.value)


def test_kpi_upload_to_a_sample_project_copies_the_sample_first(settings):
    text = ("project_id,kpi_id,date,value,note,source\n"
            "spectra,smes_supported,2025-12-31,101,reported,user\n")
    prepared = prepare_kpi_values_upload(text.encode(), "upload.csv", settings, "Cleo")
    assert prepared.base_origin == "sample"
    assert not ProjectPaths(settings.data_dir).has_projects()  # nothing written yet
    commit_import(prepared, settings)
    stored = read_stored_portfolio(settings)
    assert "spectra" in stored.project_ids()
    value = stored.kpi_values.query("kpi_id == 'smes_supported' and project_id == 'spectra'")
    assert 101.0 in value["value"].tolist()
    manifest = read_manifest(WarehousePaths(settings.data_dir))
    assert [m["dataset"] for m in manifest] == ["projects_sample", "projects_kpi_values"]
    assert all("imported by Cleo" in m["note"] for m in manifest)


def test_kpi_upload_refuses_other_tables(settings):
    with pytest.raises(InputFileError) as err:
        prepare_kpi_values_upload(template_text("projects").encode(), "projects.csv",
                                  settings)
    assert "expected a kpi_values table" in str(err.value)


# ---------------------------------------------------------------------- malformed files ---

def _missing_column():
    header, rows = rows_of("projects")
    i = header.index("title")
    return "projects", [h for j, h in enumerate(header) if j != i], [
        [c for j, c in enumerate(r) if j != i] for r in rows]


def _duplicate_project():
    header, rows = rows_of("projects")
    return "projects", header, [rows[0], list(rows[0])]


def _duplicate_partner():
    header, rows = rows_of("partners")
    return "partners", header, [rows[0], list(rows[0])]


MALFORMED = {
    # id: (table, header, rows, line, column, words in the message)
    "missing column": (*_missing_column(), 1, "title", "missing column(s) title"),
    "bad date": (*("projects", *with_value("projects", "start_date", "2024-13-01")), 2,
                 "start_date", "is not a date"),
    "date as text": (*("kpi_values", *with_value("kpi_values", "date", "30/06/2025")), 2,
                     "date", "is not a date"),
    "negative budget": (*("projects", *with_value("projects", "total_budget_eur", "-5")), 2,
                        "total_budget_eur", "is negative"),
    "eu above total": (*("projects", *with_value("projects", "eu_cofinancing_eur", "2000000")),
                       2, "eu_cofinancing_eur", "more than total_budget_eur"),
    "end before start": (*("projects", *with_value("projects", "end_date", "2023-01-01")), 2,
                         "end_date", "before start_date"),
    "bad number": (*("projects", *with_value("projects", "total_budget_eur", "1.500.000")), 2,
                   "total_budget_eur", "is not a number"),
    "unknown NUTS code": (*("partners", *with_value("partners", "nuts_code", "DE999")), 2,
                          "nuts_code", "unknown NUTS 2021 code 'DE999'"),
    "NUTS code of another country": (*("partners", *with_value("partners", "nuts_code",
                                                                "PL424")), 2, "nuts_code",
                                     "not in country DE"),
    "bad role": (*("partners", *with_value("partners", "role", "boss")), 2, "role",
                 "must be lead, partner or associated"),
    "budget share above one": (*("partners", *with_value("partners", "budget_share", "1.2")),
                               2, "budget_share", "between 0 and 1"),
    "duplicate project ids": (*_duplicate_project(), 3, "project_id",
                              "duplicate projects key"),
    "duplicate partners": (*_duplicate_partner(), 3, "partner_name",
                           "duplicate partners key"),
    "bad project id": (*("projects", *with_value("projects", "project_id", "My Project")), 2,
                       "project_id", "must be snake_case"),
    "target below baseline": (*("kpis", *with_value("kpis", "target", "-1")), 2, "target",
                              "must be above baseline"),
    "bad direction": (*("kpis", *with_value("kpis", "direction", "up")), 2, "direction",
                      "higher or lower"),
    "empty required cell": (*("kpis", *with_value("kpis", "name", "")), 2, "name",
                            "empty name"),
    "kpi value for unknown kpi": (*("kpi_values", *with_value("kpi_values", "kpi_id",
                                                              "jobs_created")), 2, "kpi_id",
                                  "unknown KPI 'jobs_created'"),
    "partner of unknown project": (*("partners", *with_value("partners", "project_id",
                                                             "other_project")), 2,
                                   "project_id", "unknown project 'other_project'"),
    "unknown column": ("projects", [*rows_of("projects")[0], "budget"],
                       [[*rows_of("projects")[1][0], "1"]], 1, "budget", "unknown column"),
    "truncated line": ("projects", rows_of("projects")[0], [rows_of("projects")[1][0][:5]],
                       2, "start_date", "truncated line"),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_file_names_file_line_and_column_and_writes_nothing(case, settings,
                                                                      templates, tmp_path):
    table, header, rows, line, column, words = MALFORMED[case]
    bad = write_csv(tmp_path / f"{table}.csv", header, rows)
    files = [templates[n] if n != table else bad for n in TABLE_ORDER]
    before = snapshot(settings)
    with pytest.raises(InputFileError) as err:
        import_project_files(files, settings, user="Ana")
    message = str(err.value)
    assert message.startswith(str(bad)), message
    assert f"line {line}" in message, message
    assert f"column '{column}'" in message, message
    assert words in message, message
    assert snapshot(settings) == before == {}
    assert not ProjectPaths(settings.data_dir).folder.exists()


def test_a_bad_file_leaves_an_existing_warehouse_exactly_as_it_was(settings, templates,
                                                                   tmp_path):
    import_project_files([templates[n] for n in TABLE_ORDER], settings)
    before = snapshot(settings)
    good = write_csv(tmp_path / "projects.csv", *with_value("projects", "title", "Renamed"))
    bad = write_csv(tmp_path / "kpi_values.csv",
                    *with_value("kpi_values", "value", "lots"))
    with pytest.raises(InputFileError) as err:
        import_project_files([good, bad], settings)
    assert "kpi_values.csv, line 2, column 'value'" in str(err.value)
    assert snapshot(settings) == before


def test_duplicate_key_across_two_files_of_one_import(settings, templates, tmp_path):
    again = write_csv(tmp_path / "more_kpi_values.csv", *rows_of("kpi_values"))
    with pytest.raises(InputFileError) as err:
        import_project_files([templates[n] for n in TABLE_ORDER] + [again], settings)
    assert "more_kpi_values.csv, line 2, column 'date'" in str(err.value)
    assert "also in" in str(err.value)


def test_budget_shares_may_not_add_up_to_more_than_one(settings, templates, tmp_path):
    header, rows = rows_of("partners")
    second = list(rows[0])
    second[header.index("partner_name")] = "Second partner"
    second[header.index("role")] = "partner"
    second[header.index("budget_share")] = "0.7"
    bad = write_csv(tmp_path / "partners.csv", header, [rows[0], second])
    files = [templates[n] if n != "partners" else bad for n in TABLE_ORDER]
    with pytest.raises(InputFileError) as err:
        import_project_files(files, settings)
    assert "partners.csv, line 2, column 'budget_share'" in str(err.value)
    assert "add up to 1.100" in str(err.value)


def test_kpi_target_date_must_follow_the_project_start(settings, templates, tmp_path):
    bad = write_csv(tmp_path / "kpis.csv", *with_value("kpis", "target_date", "2023-12-31"))
    files = [templates[n] if n != "kpis" else bad for n in TABLE_ORDER]
    with pytest.raises(InputFileError) as err:
        import_project_files(files, settings)
    assert "kpis.csv, line 2, column 'target_date'" in str(err.value)


def test_not_utf8_is_refused_with_line_and_column(settings, tmp_path):
    header, rows = with_value("projects", "title", "Łódź cluster")
    path = tmp_path / "projects.csv"
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    path.write_bytes(text.encode("cp1250"))
    with pytest.raises(InputFileError) as err:
        import_project_files([path], settings)
    assert "line 2" in str(err.value) and "column" in str(err.value)


def test_cli_parser_registers_template_import_and_list(settings, tmp_path, capsys):
    import argparse

    from regiodash.projects.cli import add_projects_parser

    parser = argparse.ArgumentParser()
    add_projects_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["projects", "template", "--out", str(tmp_path / "t")])
    assert args.func(args, settings) == 0
    files = sorted(str(p) for p in (tmp_path / "t").glob("*.csv"))
    args = parser.parse_args(["projects", "import", *files, "--user", "Dee"])
    assert args.func(args, settings) == 0
    assert "imported:" in capsys.readouterr().out
    args = parser.parse_args(["projects", "list"])
    assert args.func(args, settings) == 0
    listed = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert listed["project_id"].tolist() == ["my_cluster_project"]
    assert pq.read_table(ProjectPaths(settings.data_dir).table("projects")).num_rows == 1


def test_a_failed_write_midway_leaves_every_table_as_it_was(settings, templates, tmp_path,
                                                            monkeypatch):
    """The changed tables are replaced as a set: if writing one fails, none is replaced."""
    import regiodash.projects.importers as importers

    import_project_files([templates[n] for n in TABLE_ORDER], settings)
    before = snapshot(settings)
    manifest_rows = len(read_manifest(WarehousePaths(settings.data_dir)))
    projects = write_csv(tmp_path / "projects.csv", *with_value("projects", "title", "Renamed"))
    kpis = write_csv(tmp_path / "kpis.csv", *with_value("kpis", "name", "Renamed KPI"))
    real_write = pq.write_table
    calls = []

    def failing_write(table, where, **kwargs):
        calls.append(where)
        if len(calls) == 2:
            raise OSError("No space left on device")
        real_write(table, where, **kwargs)

    monkeypatch.setattr(importers.pq, "write_table", failing_write)
    with pytest.raises(OSError, match="No space left"):
        import_project_files([projects, kpis], settings)
    assert len(calls) == 2  # the first table was written (to a temporary file) before the failure
    assert snapshot(settings) == before
    assert len(read_manifest(WarehousePaths(settings.data_dir))) == manifest_rows
    leftovers = [p.name for p in ProjectPaths(settings.data_dir).folder.iterdir()
                 if p.name.endswith(".tmp")]
    assert leftovers == []
