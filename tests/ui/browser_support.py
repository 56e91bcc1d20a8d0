"""What the browser tests share: Debian chromium's flags and the local-only host set."""

from __future__ import annotations

import shutil
import socket
from urllib.parse import urlparse

from regiodash.config import REPO_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
OUTPUT = REPO_ROOT / "test-output"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def outside_localhost(urls: list[str]) -> set[str]:
    """Hosts other than localhost among the http(s)/ws(s) URLs a page requested."""
    return {urlparse(u).hostname for u in urls
            if urlparse(u).scheme in ("http", "https", "ws", "wss")} - LOCAL_HOSTS
