"""`regiodash serve --port N`, as README writes it, starts a headless server without a file
watcher and serves: run as a background job would (stdin closed), /_stcore/health answers.

Before, `serve` passed `--server.headless false` unless `--headless` was given: Streamlit then
asked for an e-mail address on stdin and, with no terminal, exited without a word."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.devserver import free_port


def regiodash_command() -> list[str]:
    script = Path(sys.executable).with_name("regiodash")
    return [str(script)] if script.exists() else [sys.executable, "-m", "regiodash.cli"]


def test_serve_starts_headless_and_serves_in_the_background(demo_settings, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    env = dict(os.environ, REGIODASH_DATA_DIR=str(demo_settings.data_dir))
    with open(log, "wb") as out:
        proc = subprocess.Popen([*regiodash_command(), "serve", "--port", str(port)],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                env=env, cwd=tmp_path, start_new_session=True)
    try:
        deadline, body = time.monotonic() + 90, b""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                            timeout=2) as response:  # noqa: S310 - localhost
                    body = response.read()
                break
            except OSError:
                time.sleep(0.3)
        output = log.read_text(errors="replace")
        assert proc.poll() is None, f"serve exited ({proc.returncode}):\n{output}"
        assert body == b"ok", output
        assert "Email" not in output  # no interactive prompt
        # the command line it ran: headless, no file watcher (Streamlit's own process)
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)],
                                  capture_output=True, text=True, check=False).stdout.split()
        args = [Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") for pid in children]
        assert any(b"--server.headless" in a and a[a.index(b"--server.headless") + 1] == b"true"
                   and a[a.index(b"--server.fileWatcherType") + 1] == b"none"
                   for a in args if b"--server.fileWatcherType" in a), args
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # serve and the Streamlit process it started
        proc.wait(timeout=30)
