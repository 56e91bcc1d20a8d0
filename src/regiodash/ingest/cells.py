"""What parsed cells become: dataset codes, numbers, the unique-key check, the RawTable frame.

Shared by every file parser. Numbers are parsed strictly (no thousands separators, no
"nan"/"inf"); "" and ":" mean "no value" in every format. Problems are raised as one
`InputFileError` naming the file, the physical line (header = line 1) and the column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from regiodash.errors import InputFileError

DATASET_CODE = re.compile(r"[a-z0-9_]{2,64}")

MISSING_TOKENS = ("", ":")
"""Cell contents that mean "no value" in every format."""

NUMBER_PATTERN = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"

_KNOWN_SUFFIXES = {".tsv", ".csv", ".json", ".txt", ".tab", ".xlsx", ".sdmx"}


# ---------------------------------------------------------------- dataset codes ---


def dataset_from_filename(path: str | Path) -> str | None:
    """Dataset code implied by a Eurostat bulk file name, or None.

    "estat_nama_10r_3gdp.tsv", "nama_10r_3gdp.tsv.gz" -> "nama_10r_3gdp".
    """
    name = Path(path).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    stem, dot, suffix = name.rpartition(".")
    if dot and f".{suffix}" in _KNOWN_SUFFIXES:
        name = stem
    name = name.removeprefix("estat_")
    return name if DATASET_CODE.fullmatch(name) else None


def user_dataset_from_filename(path: str | Path) -> str:
    """Dataset code for the user's own tidy file: "user_" + the cleaned file stem."""
    name = Path(path).name.lower()
    for suffix in (".gz", ".csv", ".xlsx", ".txt", ".tsv"):
        name = name.removesuffix(suffix)
    stem = re.sub(r"[^a-z0-9]+", "_", name).strip("_") or "file"
    return f"user_{stem}"[:64]


def resolve_dataset(
    path: str | Path, explicit: str | None, from_content: str | None, from_name: str | None
) -> str:
    """Pick the dataset code: explicit argument, else the file's own, else the file name's.

    Raises when none is available or the chosen code is not ^[a-z0-9_]{2,64}$.
    """
    if explicit is not None:
        code = explicit.strip()
        origin = "the dataset argument"
    elif from_content:
        code = from_content.strip().lower()
        origin = "the file content"
    elif from_name:
        code = from_name
        origin = "the file name"
    else:
        raise InputFileError(
            path,
            "cannot tell the dataset code from the file content or its name; "
            "pass it explicitly (e.g. --dataset nama_10r_3gdp)",
        )
    if not DATASET_CODE.fullmatch(code):
        raise InputFileError(
            path,
            f"dataset code {code!r} (from {origin}) must be 2-64 characters of a-z, 0-9 and _",
        )
    return code


# ---------------------------------------------------------------- values ---


def parse_numbers(
    cells: Sequence[str] | np.ndarray, *, decimal_comma: bool = False
) -> tuple[np.ndarray, int | None]:
    """Parse number strings to float64; "" and ":" (after stripping) give NaN.

    Returns (values, index of the first cell that is not a number or None). Strict: no
    thousands separators, no "nan"/"inf"; with `decimal_comma` a single "," is the decimal
    mark instead of ".".
    """
    arr = pc.utf8_trim_whitespace(pa.array(list(cells), type=pa.string()))
    if decimal_comma:
        arr = pc.replace_substring(arr, ",", ".", max_replacements=1)
    missing = pc.is_in(arr, value_set=pa.array(MISSING_TOKENS))
    ok = pc.or_(missing, pc.match_substring_regex(arr, f"^{NUMBER_PATTERN}$"))
    ok = pc.fill_null(ok, True).to_numpy(zero_copy_only=False)
    if not ok.all():
        return np.empty(0), int(np.flatnonzero(~ok)[0])
    numbers = pc.if_else(missing, pa.scalar(None, pa.string()), arr)
    values = pc.cast(numbers, pa.float64()).to_numpy(zero_copy_only=False).astype("float64")
    # Digits that overflow a double (1e309) parse as infinity: not a measurement.
    infinite = np.isinf(values)
    if infinite.any():
        return np.empty(0), int(np.flatnonzero(infinite)[0])
    return values, None


def raise_on_duplicate_keys(
    frame: pd.DataFrame,
    keys: list[str],
    lines: np.ndarray,
    path: str | Path,
    column: str | None = None,
) -> None:
    """Raise when two rows share the same key; the message names both physical lines."""
    duplicated = frame.duplicated(subset=keys, keep=False).to_numpy()
    if not duplicated.any():
        return
    first = int(np.flatnonzero(duplicated)[0])
    key = tuple(frame[k].iloc[first] for k in keys)
    same = np.ones(len(frame), dtype=bool)
    for k, value in zip(keys, key, strict=True):
        same &= (frame[k] == value).to_numpy()
    first_line, second_line = (int(x) for x in lines[np.flatnonzero(same)[:2]])
    described = ", ".join(f"{k}={v}" for k, v in zip(keys, key, strict=True))
    raise InputFileError(
        path,
        f"duplicate observation ({described}) on lines {first_line} and {second_line}",
        line=second_line,
        column=column,
    )


def finish_frame(
    dims: dict[str, object],
    time_period: object,
    value: np.ndarray,
    flag: object,
) -> pd.DataFrame:
    """Assemble the RawTable frame: dimension columns, time_period, value (float64), flag.

    `flag` is stored with dtype object and None for "no flag".
    """
    frame = pd.DataFrame({**dims, "time_period": time_period})
    frame["value"] = np.asarray(value, dtype="float64")
    flags = pd.Series(flag, index=frame.index, dtype=object)
    frame["flag"] = flags.where(flags.notna(), None)
    return frame

