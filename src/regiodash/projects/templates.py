"""CSV import templates: the header of each project table and one example row."""

from __future__ import annotations

import csv
import io
from functools import partial
from pathlib import Path

from regiodash.projects.model import TABLE_ORDER, TABLES
from regiodash.storage.files import write_with

TEMPLATE_ROWS: dict[str, dict[str, object]] = {
    "projects": {
        "project_id": "my_cluster_project", "acronym": "MYCLUSTER",
        "title": "Example: creative industry cluster network", "programme": "Interreg Europe",
        "funding_period": "2021-2027", "start_date": "2024-01-01", "end_date": "2027-12-31",
        "total_budget_eur": "1500000", "eu_cofinancing_eur": "1200000",
        "lead_partner": "Example Regional Development Agency",
        "thematic_tags": "creative industries;clusters", "url": "https://example.org",
        "source": "user", "source_note": "our application form", "illustrative_fields": "",
    },
    "partners": {
        "project_id": "my_cluster_project", "partner_name": "Example Regional Development Agency",
        "role": "lead", "city": "Rostock", "country_code": "DE", "nuts_code": "DE803",
        "nuts_version": "2021", "budget_share": "0.4", "source": "user", "note": "",
    },
    "kpis": {
        "project_id": "my_cluster_project", "kpi_id": "smes_supported", "name": "SMEs supported",
        "unit": "SMEs", "baseline": "0", "target": "120", "target_date": "2027-12-31",
        "cumulative": "true", "direction": "higher", "source": "user", "note": "",
    },
    "kpi_values": {
        "project_id": "my_cluster_project", "kpi_id": "smes_supported", "date": "2025-06-30",
        "value": "35", "note": "first reporting period", "source": "user",
    },
}


def template_text(name: str) -> str:
    """A CSV template (header + one example row) for one project table."""
    spec = TABLES[name]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(spec.input_columns)
    writer.writerow([TEMPLATE_ROWS[name].get(c, "") for c in spec.input_columns])
    return out.getvalue()


def _write_text(tmp: Path, text: str) -> None:
    tmp.write_text(text, encoding="utf-8")


def write_templates(out_dir: str | Path) -> list[Path]:
    """Write projects.csv, partners.csv, kpis.csv and kpi_values.csv templates to `out_dir`."""
    out = Path(out_dir)
    written = []
    for name in TABLE_ORDER:
        target = out / f"{name}.csv"
        write_with(target, partial(_write_text, text=template_text(name)))
        written.append(target)
    return written
