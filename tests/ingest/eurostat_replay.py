"""A local HTTP server that answers like Eurostat's dissemination API, for the download tests.

`FakeEurostat` routes by exact URL path; each route plays its replies in order (repeating the
last), and every request is recorded with its query and headers, so a test can check what was
asked (filters, conditional headers) as well as what was answered. A route may also be a
function of the request (`Dynamic`), for answers that depend on the query such as a server-side
filter. Bodies are real-format: tests feed it slices of the real files in ../shared/data/real.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from regiodash.config import Settings

API_PREFIX = "/eurostat/api/dissemination"
SDMX_PATH = f"{API_PREFIX}/sdmx/2.1/data/DEMO_R_D3DENS"
JSON_PATH = f"{API_PREFIX}/statistics/1.0/data/demo_r_d3dens"
SDMX_CSV_TYPE = "application/vnd.sdmx.data+csv;version=1.0.0"

# Eurostat's SOAP answer when an extraction is queued for asynchronous delivery.
ASYNC_ENVELOPE = (
    b'<?xml version="1.0" encoding="UTF-8" ?><env:Envelope '
    b'xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>'
    b'<ns0:syncResponse xmlns:ns0="http://estat.ec.europa.eu/disschain/soap/extraction">'
    b"<queued><id>a801f1c5</id><status>SUBMITTED</status></queued>"
    b"</ns0:syncResponse></env:Body></env:Envelope>"
)
TOO_BIG_FAULT = (
    b'<S:Fault xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><faultcode>413</faultcode>'
    b"<faultstring>EXTRACTION_TOO_BIG: The requested extraction is too big, estimated "
    b"420709314 rows, max authorised is 5000000, please change your filters to reduce the "
    b"extraction size</faultstring></S:Fault>"
)
HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Service unavailable</title></head>"
    b"<body><h1>Eurostat is under maintenance</h1></body></html>"
)


# --------------------------------------------------------------------------- fake Eurostat


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (to provoke client timeouts)."""
    send_bytes: int | None = None
    """Announce len(body) as Content-Length but send only this many bytes, then hang up."""
    drop: bool = False
    """Close the connection without any answer (a reset / remote disconnect)."""


@dataclass
class Request:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


Dynamic = Callable[["Request"], Reply]
"""A route answering from the request (its query, its headers)."""


class FakeEurostat:
    """Routes by exact path; each route plays its replies in order, repeating the last one."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply] | Dynamic] = {}
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def api(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{API_PREFIX}"

    def route(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)

    def route_dynamic(self, path: str, answer: Dynamic) -> None:
        self.routes[path] = answer

    def hits(self, path: str | None = None) -> int:
        return sum(1 for r in self.requests if path is None or r.path == path)

    def next_reply(self, request: Request) -> Reply:
        path = request.path
        with self.lock:
            replies = self.routes.get(path)
            if callable(replies):
                return replies(request)
            if not replies:
                body = json.dumps(
                    {"error": [{"status": 404, "id": 100, "label": "Dataset not found"}]}
                ).encode()
                return Reply(404, body, {"Content-Type": "application/json"})
            return replies.pop(0) if len(replies) > 1 else replies[0]


def make_handler(fake: FakeEurostat) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            parts = urlsplit(self.path)
            request = Request(parts.path, parse_qs(parts.query), dict(self.headers.items()))
            with fake.lock:
                fake.requests.append(request)
            reply = fake.next_reply(request)
            if reply.delay:
                time.sleep(reply.delay)
            if reply.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.send_response(reply.status)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            body = reply.body if reply.send_bytes is None else reply.body[: reply.send_bytes]
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


@contextmanager
def running_eurostat(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEurostat]:
    """A FakeEurostat serving on 127.0.0.1 (proxies unset) for the duration of the block."""
    for name in (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    fake = FakeEurostat()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(fake))
    fake.server = server
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=2)


def make_settings(tmp_path: Path, api: str, timeout: float = 2.0) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        reference_dir=tmp_path / "reference",
        port=8501,
        eurostat_api=api,
        fetch_timeout=timeout,
    )


def part_files(settings: Settings) -> list[Path]:
    """Temporary files left in the cache folder (they all start with a dot)."""
    folder = settings.cache_dir / "eurostat"
    return sorted(folder.glob(".*")) if folder.exists() else []
