"""What the browser tests share: Debian chromium's flags and the local-only host set."""

from __future__ import annotations

from urllib.parse import urlparse

from bench.devserver import CHROMIUM, CHROMIUM_ARGS, free_port
from regiodash.config import REPO_ROOT

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "LOCAL_HOSTS", "OUTPUT", "free_port",
           "outside_localhost"]

OUTPUT = REPO_ROOT / "test-output"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def outside_localhost(urls: list[str]) -> set[str]:
    """Hosts other than localhost among the http(s)/ws(s) URLs a page requested."""
    return {urlparse(u).hostname for u in urls
            if urlparse(u).scheme in ("http", "https", "ws", "wss")} - LOCAL_HOSTS
