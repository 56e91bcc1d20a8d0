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

A cached file is reused as it is, downloaded again (`refresh`), or revalidated (`revalidate`):
a conditional GET with the manifest's validators (If-None-Match / If-Modified-Since), where 304
Not Modified keeps the cached file and its manifest untouched.

Failures are raised as `FetchError` with a message meant for the user:
- HTTP 5xx, 429, timeouts, resets and truncated bodies are retried with exponential backoff, or
  after the server's Retry-After when that is at most `MAX_RETRY_AFTER_S`;
- other statuses fail at once, with the caller's `refusal` error;
- an unreachable host (DNS failure, connection refused, no route) fails within a few seconds
  with `HostUnreachableError` (a `FetchError`) telling the user to download the file elsewhere
  and use `regiodash import PATH`.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
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
from regiodash.ingest.http_failures import (
    Retryable,
    Unreachable,
    classify_http_error,
    classify_os_error,
    resolve_host,
)
from regiodash.storage.files import atomic_paths, sha256_file

MAX_DOWNLOAD_BYTES = 2 * 1024**3
"""Hard ceiling for one download, so a runaway response cannot fill the disk."""

CHUNK_BYTES = 64 * 1024
MAX_RETRY_AFTER_S = 60.0
"""A Retry-After longer than this is not waited for: the user is told to try again later."""
QUICK_RETRY_DELAY_S = 0.2
"""Pause before the single retry allowed when the host cannot be reached at all."""

USER_AGENT = "regiodash/0.1 (Python-urllib; regional indicators dashboard)"

ByteProgress = Callable[[int, int | None], None]
"""Called as `on_bytes(received, total)` after each chunk; total is None when not announced."""


class HostUnreachableError(FetchError):
    """The server cannot be reached at all (offline, DNS failure, connection refused)."""


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
    unchanged: bool = False
    """True when the server answered a conditional request with 304 Not Modified."""


class _NotModified(Exception):
    """The server answered 304 to a conditional request: keep the cached file."""


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
    revalidate: bool = False,
    on_bytes: ByteProgress | None = None,
) -> Downloaded:
    """Download `request` into `target` (or reuse the cached file unless `refresh`).

    `check(tmp_path)` raises to reject a body before it replaces the cached file; `manifest`
    holds the caller's fields for the manifest. `retries` is the number of extra attempts after
    the first one for transient failures; the n-th retry waits `backoff * 2**(n-1)` seconds, or
    the server's Retry-After. `progress` shows a rich progress bar on stderr when stderr is a
    terminal; `on_bytes` reports the bytes received instead. With `revalidate`, a cached file
    is checked with a conditional request (see the module docstring); one whose manifest has
    no validator is downloaded again.
    """
    conditional: dict[str, str] = {}
    if target.is_file() and not refresh:
        if not revalidate:
            return cached(target)
        conditional = _conditional_headers(target)
    try:
        return _download_into(
            request,
            target,
            manifest,
            check=check,
            retries=retries,
            backoff=backoff,
            progress=progress,
            conditional=conditional,
            on_bytes=on_bytes,
        )
    except _NotModified:
        return replace(cached(target), unchanged=True)


def _conditional_headers(target: Path) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the cached file's manifest (empty when none)."""
    try:
        meta = json.loads(manifest_path(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(meta, dict):
        return {}
    headers = {}
    if isinstance(meta.get("etag"), str):
        headers["If-None-Match"] = meta["etag"]
    if isinstance(meta.get("last_modified"), str):
        headers["If-Modified-Since"] = meta["last_modified"]
    return headers


def _download_into(
    request: DownloadRequest,
    target: Path,
    manifest: Mapping[str, object],
    *,
    check: Callable[[Path], None],
    retries: int,
    backoff: float,
    progress: bool,
    conditional: Mapping[str, str],
    on_bytes: ByteProgress | None,
) -> Downloaded:
    """Download into temporary files beside `target` and its manifest; move both into place
    only when the body passed `check` (raises _NotModified on a 304)."""
    with atomic_paths([target, manifest_path(target)]) as (body_tmp, meta_tmp):
        body = _download_with_retries(
            request,
            body_tmp,
            retries=retries,
            backoff=backoff,
            progress=progress,
            conditional=conditional,
            on_bytes=on_bytes,
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
    request: DownloadRequest,
    out_path: Path,
    *,
    retries: int,
    backoff: float,
    progress: bool,
    conditional: Mapping[str, str],
    on_bytes: ByteProgress | None,
) -> _Body:
    url = request.url
    host = urlsplit(url).hostname or url
    attempts = 0
    unreachable_retried = False
    while True:
        attempts += 1
        try:
            resolve_host(url)
            return _download_once(
                request, out_path, progress=progress, conditional=conditional, on_bytes=on_bytes
            )
        except Unreachable as exc:
            # Offline is not transient on the scale of a retry loop: one quick second try
            # (a service restarting, a flaky first DNS answer), then a clear message.
            if exc.retry and not unreachable_retried:
                unreachable_retried = True
                time.sleep(QUICK_RETRY_DELAY_S)
                continue
            raise HostUnreachableError(
                f"Could not reach {host} (offline?): {exc.reason}. Download the file on a "
                f"machine with internet access (for example {url}) and load it with "
                "`regiodash import PATH`."
            ) from None
        except Retryable as exc:
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


# --------------------------------------------------------------------------- one attempt


def _progress_console() -> Console:
    return Console(stderr=True)


def _open(request: DownloadRequest, conditional: Mapping[str, str]) -> http.client.HTTPResponse:
    """Send the request; raise the classified error when there is no usable response."""
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": request.accept,
        "Accept-Encoding": "gzip, identity",
        **conditional,
    }
    try:
        return urllib.request.urlopen(  # noqa: S310 - http(s) URL checked by the caller
            urllib.request.Request(request.url, headers=headers), timeout=request.timeout
        )
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and conditional:
            exc.close()
            raise _NotModified from None
        raise classify_http_error(exc, request) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, BaseException):
            raise classify_os_error(reason, request.source) from None
        raise Retryable(f"network error ({reason})") from None
    except (OSError, http.client.HTTPException) as exc:
        raise classify_os_error(exc, request.source) from None


def _download_once(
    request: DownloadRequest,
    out_path: Path,
    *,
    progress: bool,
    conditional: Mapping[str, str],
    on_bytes: ByteProgress | None,
) -> _Body:
    """One attempt: the whole body into `out_path` (overwritten), or an error."""
    with _open(request, conditional) as response:
        status = response.status
        if status == 202:
            raise request.too_big("the request was queued (HTTP 202)")
        if status != 200:
            raise FetchError(
                f"unexpected HTTP {status} from {request.url} for dataset '{request.name}'"
            )
        headers = response.headers
        length_header = headers.get("Content-Length")
        total = (
            int(length_header)
            if length_header and length_header.isascii() and length_header.isdigit()
            else None
        )
        if total is not None and total > MAX_DOWNLOAD_BYTES:
            raise request.too_big(
                f"the response is {total / 1e9:.1f} GB, above the "
                f"{MAX_DOWNLOAD_BYTES / 1e9:.1f} GB limit"
            )
        encoding = (headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding not in {"identity", "gzip", "x-gzip"}:
            raise FetchError(f"{request.source} sent an unsupported Content-Encoding {encoding!r}")
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS) if "gzip" in encoding else None
        try:
            with out_path.open("wb") as out:
                sha, size, received = _stream_body(
                    response, out, decoder, request, total, progress, on_bytes
                )
                out.flush()
                os.fsync(out.fileno())
            if total is not None and received < total:
                raise Retryable(f"the response ended early ({received} of {total} bytes)")
        except (OSError, http.client.HTTPException) as exc:
            raise classify_os_error(exc, request.source) from None
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
    on_bytes: ByteProgress | None = None,
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
            if on_bytes is not None:
                on_bytes(received, total)
        if decoder is not None:
            tail = decoder.flush()
            size += len(tail)
            out.write(tail)
            hasher.update(tail)
    return hasher.hexdigest(), size, received
