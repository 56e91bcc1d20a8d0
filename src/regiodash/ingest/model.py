"""The in-memory shape every file parser returns: a `RawTable`.

Grain: one row per combination of the dataset's dimensions and time period, exactly as
published. Dimension columns keep the publisher's (lower-cased) names and hold codes
(strings); SDMX-CSV files that carry labels instead of codes are mapped back to codes where a
mapping is known (see `labels`) and otherwise keep the label text, listed in
`RawTable.unmapped_labels` (the import refuses such a file for a catalog dataset).

Columns of `RawTable.frame` (a pandas DataFrame):
- one column per dimension (dtype str/object, never null), among them `geo`;
- `time_period`: str, as published ("2021", "2021-Q1", "2021-03");
- `value`: float64, NaN when the publisher gives no value (":" or empty);
- `flag`: str or None; Eurostat observation flags such as "e", "p", "b", "bep", "c", "m",
  with whitespace stripped; None when the observation has no flag.
The dimension columns plus `time_period` form a unique key; parsers reject duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

VALUE_COLUMNS = ("time_period", "value", "flag")


@dataclass
class RawTable:
    """One published dataset (or a slice of it) read from one file."""

    dataset: str
    """Lower-case dataset code, e.g. "nama_10r_3gdp"; for tidy files the --dataset code."""
    format: str
    """One of "eurostat-tsv", "sdmx-csv", "jsonstat", "tidy"."""
    frame: pd.DataFrame
    source_path: str | Path
    dimensions: list[str] = field(default_factory=list)
    """Dimension column names in published order (includes "geo", excludes time_period)."""
    labels_mapped: dict[str, int] = field(default_factory=dict)
    """For label files: per dimension, how many distinct labels were mapped back to codes."""
    unmapped_labels: dict[str, list[str]] = field(default_factory=dict)
    """For label files: per dimension, labels for which no code is known (kept as text)."""
    unmapped_lines: dict[str, int] = field(default_factory=dict)
    """For label files: per dimension in `unmapped_labels`, the first line holding one."""
    notes: list[str] = field(default_factory=list)
    """What the import summary must show about this file (labels kept as text, catalog
    indicators it leaves empty, a last line read without its line break)."""

    @property
    def key_columns(self) -> list[str]:
        return [*self.dimensions, "time_period"]
