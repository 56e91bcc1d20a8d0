"""Download one URL robustly into a cached file: retries, Retry-After, timeouts, offline
detection, a progress bar, and an atomic cache write with a manifest.

Generic: this module knows HTTP, not any publisher. The caller (`ingest.eurostat_api`)
describes the request in a `DownloadRequest` (the URL, what to call it in messages, how to read
the server's error bodies, which error to raise for a refused or too-large request) and checks
the body before it replaces the cached file.

Grain: one cached file per target path, byte for byte as the server sent it (only a gzip
transfer encoding is undone), plus a manifest `"<file>.meta.json"` with the caller's fields,
sha256, size, fetch time, content type and the ETag / Last-Modified validators when the server
sends them. The body is written to a temporary file beside the target (with the permissions of
a plainly created file: `storage.files`), checked, and only then moved into place together with
its manifest, so a failed or rejected download never damages what is already cached.

Failures are raised as `FetchError` with a message meant for the user:
- HTTP 5xx, 429, timeouts, resets and truncated bodies are retried with exponential backoff, or
  after the server's Retry-After when that is at most `MAX_RETRY_AFTER_S`;
- other statuses fail at once, with the caller's `refusal` error;
- an unreachable host (DNS failure, connection refused, no route) fails within a few seconds and
  tells the user to download the file elsewhere and use `regiodash import PATH`.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import json
import os
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from regiodash.errors import FetchError
from regiodash.storage.files import atomic_paths, sha256_file

MAX_DOWNLOAD_BYTES = 2 * 1024**3
"""Hard ceiling for one download, so a runaway response cannot fill the disk."""

CHUNK_BYTES = 64 * 1024
MAX_RETRY_AFTER_S = 60.0
"""A Retry-After longer than this is not waited for: the user is told to try again later."""
QUICK_RETRY_DELAY_S = 0.2
"""Pause before the single retry allowed when the host cannot be reached at all."""
DNS_LIMIT_S = 4.0
"""Upper bound for resolving the host; a dead resolver otherwise blocks for 10-20 s."""

USER_AGENT = "regiodash/0.1 (Python-urllib; regional indicators dashboard)"


@dataclass(frozen=True)
class DownloadRequest:
    """One file to download, and how the publisher's failures read to the user."""

    url: str
    name: str
    """What is downloaded (a dataset code): in messages and on the progress bar."""
    source: str
    """Who serves it ("Eurostat"): in messages and on the progress bar."""
    accept: str
    """The Accept header."""
    timeout: float
    """Seconds for connecting and for each read."""
    error_detail: Callable[[bytes], str]
    """A short single-line excerpt of an error body."""
    refusal: Callable[[int, str], Exception]
    """The error for an HTTP status that is not retried, given the status and the detail."""
    too_big: Callable[[str], Exception]
    """The error for an answer too large (or queued) to take directly, given why."""


@dataclass(frozen=True)
class Downloaded:
    """One file in the cache, fresh from the server or reused."""

    path: Path
    sha256: str
    bytes: int
    from_cache: bool
    fetched_at: str
    """ISO 8601 UTC time of the download (for a cache hit: of the original download)."""


def manifest_path(path: Path) -> Path:
    """The manifest written beside a cached file."""
    return path.with_name(path.name + ".meta.json")


def download(
    request: DownloadRequest,
    target: Path,
    manifest: Mapping[str, object],
    *,
    check: Callable[[Path], None],
    refresh: bool,
    retries: int,
    backoff: float,
    progress: bool,
) -> Downloaded:
    """Download `request` into `target` (or reuse the cached file unless `refresh`).

    `check(tmp_path)` raises to reject a body before it replaces the cached file; `manifest`
    holds the caller's fields for the manifest. `retries` is the number of extra attempts after
    the first one for transient failures; the n-th retry waits `backoff * 2**(n-1)` seconds, or
    the server's Retry-After. `progress` shows a rich progress bar on stderr when stderr is a
    terminal.
    """
    if target.is_file() and not refresh:
        return cached(target)
    with atomic_paths([target, manifest_path(target)]) as (body_tmp, meta_tmp):
        body = _download_with_retries(
            request, body_tmp, retries=retries, backoff=backoff, progress=progress
        )
        check(body_tmp)
        meta = {
            **manifest,
            "sha256": body.sha256,
            "bytes": body.size,
            "fetched_at": body.fetched_at,
            "content_type": body.content_type,
        }
        if body.etag:
            meta["etag"] = body.etag
        if body.last_modified:
            meta["last_modified"] = body.last_modified
        _write_synced(meta_tmp, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
    return Downloaded(
        path=target,
        sha256=body.sha256,
        bytes=body.size,
        from_cache=False,
        fetched_at=body.fetched_at,
    )


def cached(path: Path) -> Downloaded:
    """The cached file as it is; its fetch time from the manifest, else the file's mtime."""
    fetched_at = None
    meta_path = manifest_path(path)
    if meta_path.is_file():
        try:
            fetched_at = json.loads(meta_path.read_text(encoding="utf-8")).get("fetched_at")
        except (OSError, ValueError):
            fetched_at = None
    if not isinstance(fetched_at, str):
        fetched_at = _iso(datetime.fromtimestamp(path.stat().st_mtime, UTC))
    return Downloaded(
        path=path,
        sha256=sha256_file(path),
        bytes=path.stat().st_size,
        from_cache=True,
        fetched_at=fetched_at,
    )


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- retries


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
class _Body:
    """What one successful attempt wrote, and the response headers worth keeping."""

    sha256: str
    size: int
    fetched_at: str
    content_type: str | None
    etag: str | None
    last_modified: str | None


def _download_with_retries(
    request: DownloadRequest, out_path: Path, *, retries: int, backoff: float, progress: bool
) -> _Body:
    url = request.url
    host = urlsplit(url).hostname or url
    attempts = 0
    unreachable_retried = False
    while True:
        attempts += 1
        try:
            _resolve_host(url)
            return _download_once(request, out_path, progress=progress)
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
                    f"Downloading {request.source} dataset '{request.name}' failed after "
                    f"{attempts} attempt{'s' if attempts != 1 else ''}: {exc.reason} ({url})"
                ) from None
            if exc.retry_after is not None and exc.retry_after > MAX_RETRY_AFTER_S:
                raise FetchError(
                    f"{request.source} asks to wait {exc.retry_after:.0f} s before downloading "
                    f"'{request.name}' again ({exc.reason}); try again later."
                ) from None
            delay = exc.retry_after
            if delay is None:
                delay = max(0.0, backoff) * 2 ** (attempts - 1)
            time.sleep(min(delay, MAX_RETRY_AFTER_S))


def _resolve_host(url: str) -> None:
    """Resolve the host with a time limit, so a dead resolver cannot stall for long.

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


# --------------------------------------------------------------------------- classification

_UNREACHABLE_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ENETUNREACH,
    errno.EHOSTUNREACH,
    errno.EADDRNOTAVAIL,
    errno.ENETDOWN,
}


def _classify_os_error(exc: BaseException, source: str) -> Exception:
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
        return FetchError(f"TLS certificate check failed talking to {source}: {exc}")
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


def _classify_http_error(exc: urllib.error.HTTPError, request: DownloadRequest) -> Exception:
    status = exc.code
    try:
        body = exc.read(8192) if exc.fp is not None else b""
    except (OSError, http.client.HTTPException):
        body = b""
    finally:
        exc.close()
    detail = request.error_detail(body)
    if status == 429 or status >= 500:
        reason = f"HTTP {status}" + (f": {detail}" if detail else "")
        return _Retryable(reason, _retry_after_seconds(exc.headers.get("Retry-After")))
    return request.refusal(status, detail)


# --------------------------------------------------------------------------- one attempt


def _progress_console() -> Console:
    return Console(stderr=True)


def _open(request: DownloadRequest) -> http.client.HTTPResponse:
    """Send the request; raise the classified error when there is no usable response."""
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": request.accept,
        "Accept-Encoding": "gzip, identity",
    }
    try:
        return urllib.request.urlopen(  # noqa: S310 - http(s) URL checked by the caller
            urllib.request.Request(request.url, headers=headers), timeout=request.timeout
        )
    except urllib.error.HTTPError as exc:
        raise _classify_http_error(exc, request) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, BaseException):
            raise _classify_os_error(reason, request.source) from None
        raise _Retryable(f"network error ({reason})") from None
    except (OSError, http.client.HTTPException) as exc:
        raise _classify_os_error(exc, request.source) from None


def _download_once(request: DownloadRequest, out_path: Path, *, progress: bool) -> _Body:
    """One attempt: the whole body into `out_path` (overwritten), or an error."""
    with _open(request) as response:
        status = response.status
        if status == 202:
            raise request.too_big("the request was queued (HTTP 202)")
        if status != 200:
            raise FetchError(
                f"unexpected HTTP {status} from {request.url} for dataset '{request.name}'"
            )
        headers = response.headers
        length_header = headers.get("Content-Length")
        total = (int(length_header) if length_header and length_header.isascii()
                 and length_header.isdigit() else None)
        if total is not None and total > MAX_DOWNLOAD_BYTES:
            raise request.too_big(
                f"the response is {total / 1e9:.1f} GB, above the "
                f"{MAX_DOWNLOAD_BYTES / 1e9:.1f} GB limit"
            )
        encoding = (headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding not in {"identity", "gzip", "x-gzip"}:
            raise FetchError(
                f"{request.source} sent an unsupported Content-Encoding {encoding!r}"
            )
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS) if "gzip" in encoding else None
        try:
            with out_path.open("wb") as out:
                sha, size, received = _stream_body(
                    response, out, decoder, request, total, progress
                )
                out.flush()
                os.fsync(out.fileno())
            if total is not None and received < total:
                raise _Retryable(f"the response ended early ({received} of {total} bytes)")
        except (OSError, http.client.HTTPException) as exc:
            raise _classify_os_error(exc, request.source) from None
        return _Body(
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
    request: DownloadRequest,
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
        task = bar.add_task(f"{request.source} {request.name}", total=total)
        while True:
            chunk = response.read(CHUNK_BYTES)
            if not chunk:
                break
            received += len(chunk)
            data = decoder.decompress(chunk) if decoder is not None else chunk
            size += len(data)
            if size > MAX_DOWNLOAD_BYTES:
                raise request.too_big(
                    f"the response exceeds the {MAX_DOWNLOAD_BYTES / 1e9:.1f} GB download limit"
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
