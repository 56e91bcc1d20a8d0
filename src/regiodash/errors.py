"""Errors that carry enough context to tell a user what to fix.

Every problem with user-supplied input (files, uploads, URL parameters) is raised as a
`RegiodashError` subclass whose message names the file, line and column when they are known.
The CLI prints the message and exits non-zero; pages show it with `st.error`. No traceback
reaches the user for these.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class RegiodashError(Exception):
    """Base class for errors whose message is meant for the user."""


MAX_MESSAGE = 600
MAX_COLUMN = 80


def shorten(text: str, limit: int) -> str:
    """`text`, or its start and end around a note of how much was cut, if longer than limit."""
    if len(text) <= limit:
        return text
    keep = (limit - 40) // 2
    return f"{text[:keep]}[... {len(text) - 2 * keep:,} characters cut ...]{text[-keep:]}"


@dataclass
class InputFileError(RegiodashError):
    """A problem in an input file, located as precisely as possible.

    `line` is 1-based and counts physical lines of the file (header = line 1); `column` is the
    column's header name (or a 1-based position when there is no header).
    """

    path: str | Path
    message: str
    line: int | None = None
    column: str | int | None = None

    def __post_init__(self) -> None:
        # Messages quote cells and headers of untrusted files: keep them readable however
        # large the offending field is.
        self.message = shorten(self.message, MAX_MESSAGE)
        if isinstance(self.column, str):
            self.column = shorten(self.column, MAX_COLUMN)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column!r}" if isinstance(self.column, str) else (
                f", column {self.column}"
            )
        return f"{where}: {self.message}"


class FetchError(RegiodashError):
    """A download from a remote publisher failed (offline, HTTP error, bad payload)."""


class WarehouseError(RegiodashError):
    """The warehouse is missing, inconsistent or a write was refused."""
