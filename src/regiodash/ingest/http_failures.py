"""How a download attempt failed: worth a retry, host unreachable, or refused for good.

Used by `ingest.download` only. `Retryable` (HTTP 5xx / 429, timeouts, resets, truncated
bodies) carries the server's Retry-After when it sent one; `Unreachable` (DNS failure,
connection refused, no route) means the host cannot be reached at all; anything else is
returned as the caller's refusal error or a `FetchError`.
"""

from __future__ import annotations

import errno
import http.client
import socket
import ssl
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from regiodash.errors import FetchError

if TYPE_CHECKING:
    from regiodash.ingest.download import DownloadRequest

DNS_LIMIT_S = 4.0
"""Upper bound for resolving the host; a dead resolver otherwise blocks for 10-20 s."""


class Retryable(Exception):
    """A transient failure: worth another attempt after a pause."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class Unreachable(Exception):
    """The host cannot be reached at all (DNS failure, refused, no route)."""

    def __init__(self, reason: str, *, retry: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


def resolve_host(url: str) -> None:
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
        raise Unreachable(f"no DNS answer for {host} within {DNS_LIMIT_S:.0f} s", retry=False)
    error = outcome.get("error")
    if error is not None:
        detail = getattr(error, "strerror", None) or str(error)
        raise Unreachable(f"cannot resolve {host} ({detail})")


_UNREACHABLE_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ENETUNREACH,
    errno.EHOSTUNREACH,
    errno.EADDRNOTAVAIL,
    errno.ENETDOWN,
}


def classify_os_error(exc: BaseException, source: str) -> Exception:
    """Map a low-level network error to Unreachable, Retryable or FetchError."""
    if isinstance(exc, socket.gaierror):
        return Unreachable(f"cannot resolve host ({exc.strerror or exc})")
    if isinstance(exc, ConnectionRefusedError):
        return Unreachable("connection refused")
    if isinstance(exc, TimeoutError):
        return Retryable("timed out")
    if isinstance(exc, ConnectionError):  # reset, aborted, broken pipe, remote disconnected
        return Retryable(f"connection lost ({exc.__class__.__name__})")
    if isinstance(exc, http.client.IncompleteRead):
        return Retryable("the response ended early (truncated)")
    if isinstance(exc, http.client.HTTPException):
        return Retryable(f"bad HTTP response ({exc.__class__.__name__})")
    if isinstance(exc, OSError) and exc.errno in _UNREACHABLE_ERRNOS:
        return Unreachable(exc.strerror or str(exc))
    if isinstance(exc, ssl.SSLCertVerificationError):
        return FetchError(f"TLS certificate check failed talking to {source}: {exc}")
    return Retryable(f"network error ({exc})")


def retry_after_seconds(value: str | None) -> float | None:
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


def classify_http_error(exc: urllib.error.HTTPError, request: DownloadRequest) -> Exception:
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
        return Retryable(reason, retry_after_seconds(exc.headers.get("Retry-After")))
    return request.refusal(status, detail)
