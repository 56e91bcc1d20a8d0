"""The sample portfolio: seven EU creative-industry cluster projects, shipped as CSV files.

The files in `sample_data/` (projects.csv, partners.csv, kpis.csv, kpi_values.csv) are read
with the same importer and rules as a user's files, so a sample that breaks a rule (an unknown
NUTS code, a duplicate key) fails loudly in the tests. The portfolio is shown whenever the
warehouse holds no projects of its own.

Facts come from five public web texts about the projects (the "seeds"); everything else is
marked `source = 'illustrative'` (or listed in a project's `illustrative_fields`) and labelled
as such in the app. `source_note` and `note` say, row by row, which seed a fact comes from and
what was inferred. docs/projects.md has the full list.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from regiodash.projects.model import TABLE_ORDER, TABLES, Portfolio, typed
from regiodash.projects.reading import known_nuts_codes, read_table_bytes
from regiodash.projects.validation import check_references, group_tables

SAMPLE_PACKAGE = "regiodash.projects"
SAMPLE_FOLDER = "sample_data"


def sample_file_bytes(name: str) -> bytes:
    """The bytes of one sample CSV (name: projects, partners, kpis or kpi_values)."""
    return resources.files(SAMPLE_PACKAGE).joinpath(SAMPLE_FOLDER, f"{name}.csv").read_bytes()


def load_sample(reference_dir: str | Path) -> Portfolio:
    """Parse and validate the sample CSVs into a Portfolio (origin 'sample')."""
    known = known_nuts_codes(reference_dir)
    tables = [
        t
        for name in TABLE_ORDER
        for t in read_table_bytes(sample_file_bytes(name), f"sample_data/{name}.csv",
                                  f"{SAMPLE_PACKAGE}:{SAMPLE_FOLDER}/{name}.csv", known=known)
    ]
    by_name = group_tables(tables)
    merged = {
        name: pd.concat([t.frame for t in by_name[name]], ignore_index=True)
        for name in TABLE_ORDER
    }
    check_references(by_name, merged)
    frames = {name: typed(TABLES[name], frame) for name, frame in merged.items()}
    return Portfolio(**frames, origin="sample")
