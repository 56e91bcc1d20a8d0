"""Start and stop the app server for browser tests, benchmarks and load tests.

The server is `python -m regiodash.server run app.py` (`streamlit run` with TCP_NODELAY, as
`make run` starts it).

One place for what the test suite (tests/ui/conftest.py), the benchmark (bench/run.py) and
the load test (bench/load.py) all need: a free localhost port, the server started with a
given warehouse, a wait until /_stcore/health answers, and a clean stop. Also the flags
headless Debian chromium needs on these machines, and what they check a run by: app.py's page
list and its sidebar text. Not part of the installed package: only tests and benchmarks use it.
"""

from __future__ import annotations

import ast
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from regiodash.config import REPO_ROOT

APP = REPO_ROOT / "app.py"
# The start of app.py's sidebar caption: a run that shows it went through app.py's navigation.
APP_SIDEBAR_TEXT = "Regional innovation, gender inclusion"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def read_pages(app: Path = APP) -> tuple[dict, ...]:
    """app.py's PAGES (st.Page's arguments per page, menu order), read without running it."""
    tree = ast.parse(app.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "PAGES" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    raise LookupError(f"no PAGES assignment in {app}")


class ServerError(RuntimeError):
    """The Streamlit server did not come up; the message ends with its log's tail."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_streamlit(data_dir: Path | str, log: Path, port: int | None = None,
                    env: Mapping[str, str | None] | None = None,
                    wait_s: float = 60, app: Path | None = None
                    ) -> tuple[subprocess.Popen, str]:
    """(process, base URL) of `streamlit run app.py` on 127.0.0.1, once it answers.

    `env` adds to (or, with None values, removes from) the inherited environment. `app`: another
    entry script (the benchmarks' empty page), run from its own folder, which then needs its
    own .streamlit/config.toml.
    """
    script = app or APP
    port = port or free_port()
    full_env = dict(os.environ, REGIODASH_DATA_DIR=str(data_dir))
    for name, value in (env or {}).items():
        if value is None:
            full_env.pop(name, None)
        else:
            full_env[name] = value
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "regiodash.server", "run", str(script),
             "--server.port", str(port), "--server.headless", "true",
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=script.parent, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)  # noqa: S310
            return proc, url
        except OSError:
            time.sleep(0.3)
    stop_streamlit(proc)
    raise ServerError(f"streamlit did not start; log {log}: {log.read_text()[-2000:]}")


def stop_streamlit(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextmanager
def streamlit_server(data_dir: Path | str, log: Path, port: int | None = None,
                     env: Mapping[str, str | None] | None = None) -> Iterator[str]:
    """Base URL of a running server for the `with` block; stopped afterwards."""
    proc, url = start_streamlit(data_dir, log, port=port, env=env)
    try:
        yield url
    finally:
        stop_streamlit(proc)
