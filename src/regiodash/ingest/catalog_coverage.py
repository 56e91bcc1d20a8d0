"""No silent losses on import: labels without a code and catalog indicators left empty.

`review_tables` runs on every parsed table before the import writes anything:

- Labels with no known code (`RawTable.unmapped_labels`, from label-only SDMX-CSV files). For
  a dataset the indicator catalog reads, the import fails (InputFileError naming the file, the
  first line holding such a label, the column and the labels): the catalog selects rows by
  code, so those rows would be lost without a word. Extra-regio labels ("Extra-Regio NUTS 2")
  are the exception: they name no region, never reach a map, and stay as text with a note. For
  any other dataset the labels stay as text and the import summary says so.
- Observations per catalog indicator (counted as in `storage.coverage`: rows matching the
  filters, an annual period, F/M/T sex where the indicator has a sex breakdown, and a numeric
  value). A catalog dataset that gives none of its indicators an observation fails, naming
  the file, the dataset and the filters that matched nothing with the values the file has;
  one that feeds some indicators but not others imports with a note per empty indicator.

Notes go to `RawTable.notes`, which the import copies into `ImportResult.notes`. Files of the
user's own tidy format are not catalog datasets and are not reviewed here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from regiodash.errors import InputFileError
from regiodash.ingest.model import RawTable
from regiodash.storage.coverage import (
    CATALOG_DATASETS,
    catalog_indicators,
    count_observations,
    explain_empty,
    show_values,
)

_EXTRA_REGIO = re.compile(r"extra-regio nuts [1-3]", re.IGNORECASE)


def is_catalog_table(table: RawTable) -> bool:
    """True for a publisher file (not the user's tidy format) of a dataset the catalog reads."""
    return table.format != "tidy" and table.dataset in CATALOG_DATASETS


def review_tables(tables: Iterable[tuple[RawTable, str, str]]) -> None:
    """Review every (table, location, sha256) the import is about to write; see the module.

    Raises InputFileError for the first table that would lose catalog rows; otherwise adds
    the notes the import summary must show to each table's `notes`.
    """
    for table, _location, _digest in tables:
        review_table(table)


def review_table(table: RawTable) -> None:
    """Check one parsed table's labels and catalog coverage (see the module docstring)."""
    catalog = is_catalog_table(table)
    _review_labels(table, catalog)
    if catalog:
        _review_observations(table)


def _add_note(table: RawTable, note: str) -> None:
    if note not in table.notes:  # reviewing a table twice adds nothing
        table.notes.append(note)


def _review_labels(table: RawTable, catalog: bool) -> None:
    """Refuse unmapped labels of a catalog dataset; note them for any other dataset."""
    for dim, labels in table.unmapped_labels.items():
        extra = [label for label in labels if dim == "geo" and _EXTRA_REGIO.fullmatch(label)]
        other = [label for label in labels if label not in extra]
        if extra:
            _add_note(table, f"geo: {len(extra)} extra-regio label(s) kept as text "
                      f"({show_values(extra)}): they name no region and never reach a map")
        if not other:
            continue
        if catalog:
            codes = sorted({code for entry in catalog_indicators(table.dataset)
                            for d, code in entry.filters if d == dim})
            wanted = f" (it wants {dim} = {', '.join(codes)})" if codes else ""
            raise InputFileError(
                table.source_path,
                f"{table.dataset} is read by the indicator catalog, which selects rows by "
                f"code{wanted}, but column {dim!r} holds {len(other)} label(s) with no known "
                f"Eurostat code: {show_values(other)}. Download the file with codes "
                "(SDMX-CSV label=both or label=code); nothing was imported",
                line=table.unmapped_lines.get(dim),
                column=dim,
            )
        _add_note(table, f"column {dim!r} kept as label text, no Eurostat code known for "
                  f"{len(other)} label(s): {show_values(other)} (the catalog does not read "
                  f"{table.dataset}; `regiodash check` lists such columns)")


def _review_observations(table: RawTable) -> None:
    """Fail when no catalog indicator of the dataset gets an observation; note empty ones."""
    indicators = catalog_indicators(table.dataset)
    empty = [entry for entry in indicators if count_observations(table.frame, entry) == 0]
    if not empty:
        return
    reasons = {entry.indicator_id: explain_empty(table.frame, entry) for entry in empty}
    if len(empty) == len(indicators):
        distinct = list(dict.fromkeys(reason for reason, _ in reasons.values()))
        column = next((col for _, col in reasons.values() if col), None)
        raise InputFileError(
            table.source_path,
            f"dataset {table.dataset} gives none of its catalog indicators "
            f"({', '.join(reasons)}) an observation: {'; '.join(distinct)}. Nothing was "
            "imported; download the dataset with the codes the catalog filters on",
            column=column,
        )
    for indicator_id, (reason, _column) in reasons.items():
        _add_note(table, f"catalog indicator {indicator_id} gets no observation from this "
                  f"file: {reason}")
