"""Download Eurostat datasets from the dissemination API into the local cache.

Grain: one cached file per dataset code, format and filter set, exactly as Eurostat sent it
(byte for byte; only a gzip transfer encoding, if the server applies one, is undone). Nothing is
parsed into rows here: the importers in `regiodash.ingest` read the cached files.

Two request shapes are used (both documented in Eurostat's API online help):

- SDMX-CSV 1.0 from the SDMX 2.1 REST endpoint, the whole dataset:
  `{api}/sdmx/2.1/data/{CODE}?format=SDMX-CSV&compressed=false`
- JSON-stat 2.0 from the Statistics API, optionally filtered:
  `{api}/statistics/1.0/data/{code}?format=JSON&lang=EN[&dim=value...]`
  Filters are dimension codes (`geo=AT`, `unit=PER_KM2`) or Eurostat's special parameters
  (`geoLevel=nuts2`, `sinceTimePeriod=2015`, `untilTimePeriod`, `lastTimePeriod`).

Cache layout: `settings.cache_dir / "eurostat" / "{code}.csv"` (SDMX-CSV) or `"{code}.json"`
(JSON-stat; `"{code}__{hash}.json"` when filtered), plus a manifest `"<file>.meta.json"` with the
URL, sha256, size, fetch time, licence, content type and the ETag / Last-Modified validators when
Eurostat sends them. Files are downloaded to a temporary file beside the target, checked (not
empty, plausible header, JSON object) and only then renamed over the old file, so a failed or
rejected download never damages what is already cached.

Failures are raised as `FetchError` with a message meant for the user:
- HTTP 5xx, 429, timeouts, resets and truncated bodies are retried with exponential backoff;
- other 4xx fail at once (404 names the dataset);
- an unreachable host (DNS failure, connection refused, no route) fails within a few seconds and
  tells the user to download the file elsewhere and use `regiodash import PATH`;
- an asynchronous ("request queued") or too-large (413) answer tells the user to use the bulk
  file and `regiodash import`.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import json
import os
import re
import socket
import ssl
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlencode, urlsplit

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from regiodash.config import Settings
from regiodash.errors import FetchError

MAX_DOWNLOAD_BYTES = 2 * 1024**3
"""Hard ceiling for one download, so a runaway response cannot fill the disk."""

CHUNK_BYTES = 64 * 1024
MAX_RETRY_AFTER_S = 60.0
"""A Retry-After longer than this is not waited for: the user is told to try again later."""
QUICK_RETRY_DELAY_S = 0.2
"""Pause before the single retry allowed when the host cannot be reached at all."""
DNS_LIMIT_S = 4.0
"""Upper bound for resolving the API host; a dead resolver otherwise blocks for 10-20 s."""

EUROSTAT_LICENCE = "CC-BY-4.0 (Eurostat re-use policy; cite 'Source: Eurostat')"
USER_AGENT = "regiodash/0.1 (Python-urllib; regional indicators dashboard)"

_CODE_RE = re.compile(r"[a-z0-9_]{2,64}")
_FILTER_KEY_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_FILTER_VALUE_RE = re.compile(r"[A-Za-z0-9_.:+\-]{1,64}")
_RESERVED_PARAMS = frozenset({"format", "lang"})

SDMX_CSV = "sdmx-csv"
JSONSTAT = "jsonstat"
_FORMAT_ALIASES = {
    "sdmx-csv": SDMX_CSV,
    "sdmx_csv": SDMX_CSV,
    "csv": SDMX_CSV,
    "jsonstat": JSONSTAT,
    "json-stat": JSONSTAT,
    "json": JSONSTAT,
}
_EXTENSIONS = {SDMX_CSV: "csv", JSONSTAT: "json"}
_ACCEPT = {SDMX_CSV: "text/csv, */*;q=0.5", JSONSTAT: "application/json, */*;q=0.5"}

Filters = Mapping[str, str | int | Iterable[str | int]]


@dataclass(frozen=True)
class FetchResult:
    """One dataset file in the cache, fresh from Eurostat or reused."""

    code: str
    """Lower-case dataset code, e.g. "demo_r_d3dens"."""
    url: str
    """The request URL the file came from (or would come from, for a cache hit)."""
    path: Path
    sha256: str
    bytes: int
    from_cache: bool
    fetched_at: str
    """ISO 8601 UTC time of the download (for a cache hit: of the original download)."""


# --------------------------------------------------------------------------- validation / URLs


def normalize_dataset_code(code: str) -> str:
    """Return the lower-case dataset code, or raise FetchError before any URL is built.

    Eurostat codes are letters, digits and underscores ("nama_10r_3gdp"); input is accepted in
    any case. Anything else (spaces, slashes, dots, quotes) is refused, which also keeps the code
    safe to use in a URL path and a file name.
    """
    if not isinstance(code, str):
        raise FetchError(f"dataset code must be a string, got {type(code).__name__}")
    lowered = code.lower()
    if not _CODE_RE.fullmatch(lowered):
        raise FetchError(
            f"{code!r} is not a Eurostat dataset code: expected 2-64 letters, digits or "
            "underscores, e.g. 'demo_r_d3dens'"
        )
    return lowered


def normalize_format(fmt: str) -> str:
    """Map "sdmx-csv" / "jsonstat" (or the aliases "csv", "json", "json-stat") to one name."""
    canonical = _FORMAT_ALIASES.get(str(fmt).strip().lower())
    if canonical is None:
        raise FetchError(f"unknown download format {fmt!r}: use 'sdmx-csv' or 'jsonstat'")
    return canonical


def _normalize_filters(filters: Filters | None) -> list[tuple[str, str]]:
    """Validated (key, value) pairs in a stable order: keys sorted, values as given."""
    if not filters:
        return []
    pairs: list[tuple[str, str]] = []
    for key in sorted(filters):
        if not _FILTER_KEY_RE.fullmatch(key) or key.lower() in _RESERVED_PARAMS:
            raise FetchError(f"{key!r} cannot be used as a Eurostat filter parameter")
        raw = filters[key]
        values = [raw] if isinstance(raw, str | int) else list(raw)
        if not values:
            raise FetchError(f"filter {key!r} has no values")
        for value in values:
            text = str(value)
            if not _FILTER_VALUE_RE.fullmatch(text):
                raise FetchError(f"{text!r} is not a valid value for filter {key!r}")
            pairs.append((key, text))
    return pairs


def _api_base(settings: Settings) -> str:
    api = settings.eurostat_api.rstrip("/")
    parts = urlsplit(api)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise FetchError(f"REGIODASH_EUROSTAT_API must be an http(s) URL, got {api!r}")
    return api


def build_dataset_url(
    code: str, settings: Settings, fmt: str = SDMX_CSV, filters: Filters | None = None
) -> str:
    """The request URL for one dataset; the code is validated first.

    SDMX-CSV uses the upper-case code in the path, as Eurostat's SDMX 2.1 examples do; the
    Statistics API takes the lower-case code. Filters are only supported for JSON-stat.
    """
    code = normalize_dataset_code(code)
    fmt = normalize_format(fmt)
    pairs = _normalize_filters(filters)
    api = _api_base(settings)
    if fmt == SDMX_CSV:
        if pairs:
            raise FetchError(
                "filters are only supported for the JSON-stat format; "
                "SDMX-CSV downloads always fetch the whole dataset"
            )
        return f"{api}/sdmx/2.1/data/{code.upper()}?format=SDMX-CSV&compressed=false"
    query = urlencode([("format", "JSON"), ("lang", "EN"), *pairs])
    return f"{api}/statistics/1.0/data/{code}?{query}"


def bulk_download_url(code: str, settings: Settings) -> str:
    """Eurostat's documented full-dataset TSV download, suggested when the API refuses."""
    code = normalize_dataset_code(code)
    return f"{_api_base(settings)}/sdmx/2.1/data/{code.upper()}?format=TSV&compressed=true"


def cache_path_for(
    code: str, settings: Settings, fmt: str = SDMX_CSV, filters: Filters | None = None
) -> Path:
    """Where `fetch_dataset` keeps this dataset; filtered downloads get their own file."""
    code = normalize_dataset_code(code)
    fmt = normalize_format(fmt)
    pairs = _normalize_filters(filters)
    stem = code
    if pairs:
        digest = hashlib.sha256(urlencode(pairs).encode()).hexdigest()[:10]
        stem = f"{code}__{digest}"
    return settings.cache_dir / "eurostat" / f"{stem}.{_EXTENSIONS[fmt]}"


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


# --------------------------------------------------------------------------- public API


def fetch_dataset(
    code: str,
    settings: Settings,
    fmt: str = SDMX_CSV,
    *,
    filters: Filters | None = None,
    refresh: bool = False,
    progress: bool = True,
    retries: int = 3,
    backoff: float = 1.0,
) -> FetchResult:
    """Download one Eurostat dataset into the cache (or reuse the cached copy).

    `retries` is the number of extra attempts after the first one for transient failures
    (HTTP 5xx / 429, timeouts, resets, truncated bodies); the n-th retry waits
    `backoff * 2**(n-1)` seconds, or the server's Retry-After when it is at most 60 s.
    `progress` shows a rich progress bar on stderr when stderr is a terminal.
    """
    code = normalize_dataset_code(code)
    fmt = normalize_format(fmt)
    url = build_dataset_url(code, settings, fmt, filters)
    path = cache_path_for(code, settings, fmt, filters)

    if path.is_file() and not refresh:
        return _cached_result(code, url, path)

    path.parent.mkdir(parents=True, exist_ok=True)
    download = _download_with_retries(
        code, url, fmt, path.parent, settings, retries=retries, backoff=backoff, progress=progress
    )
    try:
        _check_payload(download.tmp_path, fmt, code, url, settings)
        meta = {
            "source": "Eurostat",
            "dataset": code,
            "format": fmt,
            "url": url,
            "sha256": download.sha256,
            "bytes": download.size,
            "fetched_at": download.fetched_at,
            "licence": EUROSTAT_LICENCE,
            "content_type": download.content_type,
        }
        if download.etag:
            meta["etag"] = download.etag
        if download.last_modified:
            meta["last_modified"] = download.last_modified
        meta_tmp = _write_temp_text(path.parent, path.name, json.dumps(meta, indent=2) + "\n")
        try:
            os.replace(download.tmp_path, path)
            os.replace(meta_tmp, _meta_path(path))
        finally:
            meta_tmp.unlink(missing_ok=True)
    finally:
        download.tmp_path.unlink(missing_ok=True)

    return FetchResult(
        code=code,
        url=url,
        path=path,
        sha256=download.sha256,
        bytes=download.size,
        from_cache=False,
        fetched_at=download.fetched_at,
    )


def fetch_datasets(
    codes: Iterable[str],
    settings: Settings,
    fmt: str = SDMX_CSV,
    *,
    filters: Filters | None = None,
    refresh: bool = False,
    progress: bool = True,
    retries: int = 3,
    backoff: float = 1.0,
) -> list[FetchResult]:
    """`fetch_dataset` for several codes, in order; all codes are validated before any request.

    Duplicate codes (in any case) are fetched once. The first failure stops the run.
    """
    normalized = list(dict.fromkeys(normalize_dataset_code(code) for code in codes))
    return [
        fetch_dataset(
            code,
            settings,
            fmt,
            filters=filters,
            refresh=refresh,
            progress=progress,
            retries=retries,
            backoff=backoff,
        )
        for code in normalized
    ]


# --------------------------------------------------------------------------- cache


def _cached_result(code: str, url: str, path: Path) -> FetchResult:
    sha, size = _hash_file(path)
    fetched_at = None
    meta_path = _meta_path(path)
    if meta_path.is_file():
        try:
            fetched_at = json.loads(meta_path.read_text(encoding="utf-8")).get("fetched_at")
        except (OSError, ValueError):
            fetched_at = None
    if not isinstance(fetched_at, str):
        fetched_at = _iso(datetime.fromtimestamp(path.stat().st_mtime, UTC))
    return FetchResult(
        code=code,
        url=url,
        path=path,
        sha256=sha,
        bytes=size,
        from_cache=True,
        fetched_at=fetched_at,
    )


def _hash_file(path: Path) -> tuple[str, int]:
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            hasher.update(chunk)
            size += len(chunk)
    return hasher.hexdigest(), size


def _write_temp_text(folder: Path, name: str, text: str) -> Path:
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(tmp)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- download


class _Retryable(Exception):
    """A transient failure: worth another attempt after a pause."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _Unreachable(Exception):
    """The host cannot be reached at all (DNS failure, refused, no route)."""

    def __init__(self, reason: str, *, retry: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


@dataclass(frozen=True)
class _Download:
    tmp_path: Path
    sha256: str
    size: int
    fetched_at: str
    content_type: str | None
    etag: str | None
    last_modified: str | None


def _download_with_retries(
    code: str,
    url: str,
    fmt: str,
    folder: Path,
    settings: Settings,
    *,
    retries: int,
    backoff: float,
    progress: bool,
) -> _Download:
    host = urlsplit(url).hostname or url
    attempts = 0
    unreachable_retried = False
    while True:
        attempts += 1
        try:
            _resolve_host(url)
            return _download_once(code, url, fmt, folder, settings, progress=progress)
        except _Unreachable as exc:
            # Offline is not transient on the scale of a retry loop: one quick second try
            # (a service restarting, a flaky first DNS answer), then a clear message.
            if exc.retry and not unreachable_retried:
                unreachable_retried = True
                time.sleep(QUICK_RETRY_DELAY_S)
                continue
            raise FetchError(
                f"Could not reach {host} (offline?): {exc.reason}. Download the file on a "
                f"machine with internet access (for example {url}) and load it with "
                "`regiodash import PATH`."
            ) from None
        except _Retryable as exc:
            if attempts > retries:
                raise FetchError(
                    f"Downloading Eurostat dataset '{code}' failed after {attempts} "
                    f"attempt{'s' if attempts != 1 else ''}: {exc.reason} ({url})"
                ) from None
            if exc.retry_after is not None and exc.retry_after > MAX_RETRY_AFTER_S:
                raise FetchError(
                    f"Eurostat asks to wait {exc.retry_after:.0f} s before downloading "
                    f"'{code}' again ({exc.reason}); try again later."
                ) from None
            delay = exc.retry_after
            if delay is None:
                delay = max(0.0, backoff) * 2 ** (attempts - 1)
            time.sleep(min(delay, MAX_RETRY_AFTER_S))


def _resolve_host(url: str) -> None:
    """Resolve the API host with a time limit, so a dead resolver cannot stall for long.

    Skipped when a proxy handles the host (the proxy resolves it, not us).
    """
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        return
    proxies = urllib.request.getproxies()
    if proxies.get(parts.scheme) and not urllib.request.proxy_bypass(host):
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    outcome: dict[str, BaseException] = {}

    def resolve() -> None:
        try:
            socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=resolve, name=f"resolve-{host}", daemon=True)
    worker.start()
    worker.join(DNS_LIMIT_S)
    if worker.is_alive():
        raise _Unreachable(f"no DNS answer for {host} within {DNS_LIMIT_S:.0f} s", retry=False)
    error = outcome.get("error")
    if error is not None:
        detail = getattr(error, "strerror", None) or str(error)
        raise _Unreachable(f"cannot resolve {host} ({detail})")


_UNREACHABLE_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ENETUNREACH,
    errno.EHOSTUNREACH,
    errno.EADDRNOTAVAIL,
    errno.ENETDOWN,
}


def _classify_os_error(exc: BaseException) -> Exception:
    """Map a low-level network error to _Unreachable, _Retryable or FetchError."""
    if isinstance(exc, socket.gaierror):
        return _Unreachable(f"cannot resolve host ({exc.strerror or exc})")
    if isinstance(exc, ConnectionRefusedError):
        return _Unreachable("connection refused")
    if isinstance(exc, TimeoutError):
        return _Retryable("timed out")
    if isinstance(exc, ConnectionError):  # reset, aborted, broken pipe, remote disconnected
        return _Retryable(f"connection lost ({exc.__class__.__name__})")
    if isinstance(exc, http.client.IncompleteRead):
        return _Retryable("the response ended early (truncated)")
    if isinstance(exc, http.client.HTTPException):
        return _Retryable(f"bad HTTP response ({exc.__class__.__name__})")
    if isinstance(exc, OSError) and exc.errno in _UNREACHABLE_ERRNOS:
        return _Unreachable(exc.strerror or str(exc))
    if isinstance(exc, ssl.SSLCertVerificationError):
        return FetchError(f"TLS certificate check failed talking to Eurostat: {exc}")
    return _Retryable(f"network error ({exc})")


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() is True but int() refuses it
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _error_detail(body: bytes) -> str:
    """A short, single-line excerpt of an error body (Eurostat sends JSON or SOAP XML)."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        error = parsed.get("error")
        items = error if isinstance(error, list) else [error]
        labels = [str(item.get("label")) for item in items if isinstance(item, dict)]
        if labels and labels[0] != "None":
            return "; ".join(labels)[:300]
    match = re.search(r"<faultstring>(.*?)</faultstring>", text, re.S)
    if match:
        return match.group(1).strip()[:300]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()[:200]


def _too_big_error(code: str, url: str, settings: Settings, why: str) -> FetchError:
    return FetchError(
        f"Eurostat did not deliver dataset '{code}' directly: {why}. Download the bulk file "
        f"instead ({bulk_download_url(code, settings)} or the Eurostat data browser's bulk "
        "download page) and load it with `regiodash import PATH`."
    )


def _classify_http_error(
    exc: urllib.error.HTTPError, code: str, url: str, settings: Settings
) -> Exception:
    status = exc.code
    try:
        body = exc.read(8192) if exc.fp is not None else b""
    except (OSError, http.client.HTTPException):
        body = b""
    finally:
        exc.close()
    detail = _error_detail(body)
    if status == 429 or status >= 500:
        reason = f"HTTP {status}" + (f": {detail}" if detail else "")
        return _Retryable(reason, _retry_after_seconds(exc.headers.get("Retry-After")))
    if status == 404:
        return FetchError(f"Eurostat has no dataset '{code}' (HTTP 404 from {url})")
    if status == 413 or "EXTRACTION_TOO_BIG" in detail:
        return _too_big_error(code, url, settings, f"the extraction is too large (HTTP {status})")
    return FetchError(
        f"Eurostat refused the request for dataset '{code}' (HTTP {status} from {url})"
        + (f": {detail}" if detail else "")
    )


def _progress_console() -> Console:
    return Console(stderr=True)


def _download_once(
    code: str, url: str, fmt: str, folder: Path, settings: Settings, *, progress: bool
) -> _Download:
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": USER_AGENT,
            "Accept": _ACCEPT[fmt],
            "Accept-Encoding": "gzip, identity",
        },
    )
    try:
        response = urllib.request.urlopen(request, timeout=settings.fetch_timeout)  # noqa: S310
    except urllib.error.HTTPError as exc:
        raise _classify_http_error(exc, code, url, settings) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, BaseException):
            raise _classify_os_error(reason) from None
        raise _Retryable(f"network error ({reason})") from None
    except (OSError, http.client.HTTPException) as exc:
        raise _classify_os_error(exc) from None

    with response:
        status = response.status
        if status == 202:
            raise _too_big_error(code, url, settings, "the request was queued (HTTP 202)")
        if status != 200:
            raise FetchError(f"unexpected HTTP {status} from {url} for dataset '{code}'")
        headers = response.headers
        length_header = headers.get("Content-Length")
        total = (int(length_header) if length_header and length_header.isascii()
                 and length_header.isdigit() else None)
        if total is not None and total > MAX_DOWNLOAD_BYTES:
            raise _too_big_error(
                code,
                url,
                settings,
                f"the response is {total / 1e9:.1f} GB, above the "
                f"{MAX_DOWNLOAD_BYTES / 1e9:.1f} GB limit",
            )
        encoding = (headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding not in {"identity", "gzip", "x-gzip"}:
            raise FetchError(f"Eurostat sent an unsupported Content-Encoding {encoding!r}")
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS) if "gzip" in encoding else None

        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{code}.", suffix=".part")
        tmp_path = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                sha, size, received = _stream_body(
                    response, out, decoder, code, url, settings, total, progress
                )
                out.flush()
                os.fsync(out.fileno())
            if total is not None and received < total:
                raise _Retryable(f"the response ended early ({received} of {total} bytes)")
        except BaseException as exc:
            tmp_path.unlink(missing_ok=True)
            if isinstance(exc, OSError | http.client.HTTPException):
                raise _classify_os_error(exc) from None
            raise
        return _Download(
            tmp_path=tmp_path,
            sha256=sha,
            size=size,
            fetched_at=_iso(datetime.now(UTC)),
            content_type=headers.get("Content-Type"),
            etag=headers.get("ETag"),
            last_modified=headers.get("Last-Modified"),
        )


def _stream_body(
    response: http.client.HTTPResponse,
    out: BinaryIO,
    decoder: Any,
    code: str,
    url: str,
    settings: Settings,
    total: int | None,
    progress: bool,
) -> tuple[str, int, int]:
    """Copy the body to `out` in chunks; return (sha256 of what was written, size, raw bytes)."""
    hasher = hashlib.sha256()
    size = 0
    received = 0
    console = _progress_console() if progress else None
    show = console is not None and console.is_terminal
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, disable=not show) as bar:
        task = bar.add_task(f"Eurostat {code}", total=total)
        while True:
            chunk = response.read(CHUNK_BYTES)
            if not chunk:
                break
            received += len(chunk)
            data = decoder.decompress(chunk) if decoder is not None else chunk
            size += len(data)
            if size > MAX_DOWNLOAD_BYTES:
                raise _too_big_error(
                    code,
                    url,
                    settings,
                    f"the response exceeds the {MAX_DOWNLOAD_BYTES / 1e9:.1f} GB download limit",
                )
            out.write(data)
            hasher.update(data)
            bar.update(task, completed=received)
        if decoder is not None:
            tail = decoder.flush()
            size += len(tail)
            out.write(tail)
            hasher.update(tail)
    return hasher.hexdigest(), size, received


# --------------------------------------------------------------------------- payload checks


def _looks_async(head: bytes) -> bool:
    """Eurostat's SOAP envelope for a queued (asynchronous) extraction.

    It looks like `<env:Envelope ...><env:Body><ns0:syncResponse ...><queued><id>...</id>
    <status>SUBMITTED</status></queued></ns0:syncResponse></env:Body></env:Envelope>`.
    """
    return head.startswith(b"<") and (b"<queued>" in head or b"SUBMITTED" in head)


def _check_payload(path: Path, fmt: str, code: str, url: str, settings: Settings) -> None:
    """Reject empty, asynchronous, HTML or otherwise implausible bodies before caching."""
    size = path.stat().st_size
    if size == 0:
        raise FetchError(f"Eurostat sent an empty response for dataset '{code}' ({url})")
    with path.open("rb") as fh:
        head = fh.read(4096)
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if _looks_async(stripped):
        raise _too_big_error(code, url, settings, "Eurostat queued the request for later delivery")
    if stripped[:1] in {b"<", b"{"} and b"EXTRACTION_TOO_BIG" in stripped:
        raise _too_big_error(code, url, settings, "the extraction is too large")

    if fmt == SDMX_CSV:
        first_field = stripped.split(b"\n", 1)[0].split(b",", 1)[0].strip().strip(b'"')
        if first_field.upper() in {b"DATAFLOW", b"STRUCTURE"} and b"," in stripped[:4096]:
            return
        raise FetchError(
            f"Eurostat's answer for dataset '{code}' is not SDMX-CSV (it should start with "
            f"DATAFLOW or STRUCTURE; got {_snippet(stripped)!r}); the cache was left unchanged"
        )

    try:
        with path.open("rb") as fh:
            document = json.load(fh)
    except (ValueError, UnicodeDecodeError):
        raise FetchError(
            f"Eurostat's answer for dataset '{code}' is not valid JSON "
            f"(got {_snippet(stripped)!r}); the cache was left unchanged"
        ) from None
    if not isinstance(document, dict):
        raise FetchError(f"Eurostat's answer for dataset '{code}' is not a JSON-stat object")
    if "error" in document:
        detail = _error_detail(json.dumps(document).encode())
        raise FetchError(f"Eurostat returned an error for dataset '{code}': {detail}")
    if document.get("class") != "dataset":
        raise FetchError(
            f"Eurostat's answer for dataset '{code}' is not a JSON-stat dataset "
            f"(class={document.get('class')!r}); the cache was left unchanged"
        )


def _snippet(head: bytes) -> str:
    return re.sub(r"\s+", " ", head[:80].decode("utf-8", errors="replace")).strip()
