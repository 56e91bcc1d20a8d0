"""`regiodash serve --replicas N`: nginx config, the checks before anything starts, and two
replicas behind a real nginx on localhost under a short load (skipped only without nginx)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from bench.devserver import free_port
from bench.ws_client import StreamlitClient
from regiodash import cli_serve
from regiodash.cli import main as cli_main
from regiodash.cli_serve import ServeError, ServePlan, deployment

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK)
                                  else None)
needs_nginx = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed here; `make test` installs it with apt-get "
    "(Debian package nginx-light) and these tests then run")


def plan_for(tmp_path: Path, replicas: int = 2) -> ServePlan:
    ports = tuple(free_port() for _ in range(replicas))
    return ServePlan("127.0.0.1", free_port(), ports, tmp_path / "run")


def test_rendered_config_names_every_replica_and_the_sticky_cookie(tmp_path):
    plan = plan_for(tmp_path, 3)
    text = cli_serve.render_nginx_config(plan)
    for port in plan.replica_ports:
        assert f"server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" in text
    assert f"listen 127.0.0.1:{plan.listen_port};" in text
    assert "hash $regiodash_sticky_key consistent;" in text
    assert "$cookie_regiodash_replica" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "gzip_types application/json" in text
    assert "{{" not in text and str(plan.run_dir) in text


def test_unfilled_placeholder_is_refused(tmp_path):
    template = tmp_path / "bad.template"
    template.write_text("listen {{ listen }};\nserver {{ nonsense }};\n")
    with pytest.raises(ServeError, match="unfilled placeholder.*nonsense"):
        cli_serve.render_nginx_config(plan_for(tmp_path), template)


@needs_nginx
def test_nginx_t_refuses_a_broken_config_and_says_why(tmp_path):
    template = tmp_path / "broken.template"
    template.write_text(cli_serve.TEMPLATE.read_text().replace(
        "worker_processes 1;", "worker_processes one;"))
    plan = plan_for(tmp_path)
    with pytest.raises(ServeError, match=r"(?s)nginx refused the configuration.*"
                                         r'"worker_processes" directive invalid value'):
        cli_serve.write_nginx_config(plan, NGINX, template)


@needs_nginx
def test_the_shipped_template_passes_nginx_t(tmp_path):
    plan = plan_for(tmp_path)
    assert cli_serve.write_nginx_config(plan, NGINX) == plan.conf


def test_missing_nginx_is_named_with_the_install_command(monkeypatch):
    monkeypatch.setattr(cli_serve.shutil, "which", lambda name: None)
    monkeypatch.setattr(cli_serve.os, "access", lambda path, mode: False)
    with pytest.raises(ServeError, match="nginx not found.*apt-get install nginx-light"):
        cli_serve.find_nginx()


def test_a_taken_port_is_named(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(ServeError, match=f"port {port} on 127.0.0.1 \\(nginx\\)"):
            cli_serve.check_port_free("127.0.0.1", port, "nginx")


def test_unreadable_warehouse_starts_no_replica(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "indicator_values.parquet").write_bytes(b"PAR1 this is not parquet")
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(data))
    status = cli_main(["serve", "--replicas", "2", "--port", str(free_port()),
                       "--run-dir", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert status == 2
    assert "cannot be" in err and str(data) in err and "no replica started" in err
    assert not (tmp_path / "run" / "nginx.conf").exists()  # refused before any set-up


def test_the_real_data_warehouse_passes_the_check(real_settings):
    cli_serve.check_warehouse(real_settings)


def test_serve_exits_non_zero_when_the_port_is_taken(demo_settings, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        env = dict(os.environ, REGIODASH_DATA_DIR=str(demo_settings.data_dir))
        done = subprocess.run(
            [sys.executable, "-m", "regiodash.cli", "serve", "--replicas", "2", "--port",
             str(port), "--run-dir", str(tmp_path / "run")],
            env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 (nginx) is not available" in done.stderr


# --------------------------------------------------------------------------- real nginx


async def _session(port: int, seconds: float, cookie: str) -> tuple[str | None, int, list]:
    """One sticky session switching the indicator for `seconds`: (replica, reruns, errors)."""
    client = StreamlitClient(port, timeout=60, sticky_key=cookie)
    await client.connect()
    errors, reruns, deadline = [], 0, time.monotonic() + seconds
    indicators = ["regional_innovation_index", "employment_rate_pct", "neet_rate_pct"]
    try:
        while time.monotonic() < deadline:
            result = await client.rerun(f"indicator={indicators[reruns % 3]}")
            reruns += 1
            errors += result.errors
            if result.status != "FINISHED_SUCCESSFULLY":
                errors.append(("status", result.status))
    finally:
        await client.close()
    return client.replica, reruns, errors


async def _load(port: int, sessions: int, seconds: float) -> list:
    return await asyncio.gather(*(_session(port, seconds, uuid.uuid4().hex)
                                  for _ in range(sessions)))


def _get(url: str, headers: dict | None = None):
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}),  # noqa: S310
                                  timeout=30)


@needs_nginx
def test_two_replicas_behind_nginx_under_a_short_load(demo_settings, tmp_path):
    plan = plan_for(tmp_path, 2)
    env = dict(os.environ, REGIODASH_DATA_DIR=str(demo_settings.data_dir))
    with deployment(plan, demo_settings, env=env) as dep:
        # A browser's first request gets the sticky cookie; with it, always the same replica.
        with _get(plan.url + "/") as first:
            cookie = first.headers["Set-Cookie"].split(";")[0]
            home = first.headers["X-Regiodash-Replica"]
        assert cookie.startswith("regiodash_replica=")
        for _ in range(5):
            with _get(plan.url + "/", {"Cookie": cookie}) as again:
                assert again.headers["X-Regiodash-Replica"] == home
                assert again.headers.get("Set-Cookie") is None
        # The static geometry leaves the proxy compressed.
        geo = sorted((Path(cli_serve.REPO_ROOT) / "static" / "geo").glob("*level2*.json"))[0]
        with _get(f"{plan.url}/app/static/geo/{geo.name}", {"Accept-Encoding": "gzip"}) as r:
            assert r.headers["Content-Encoding"] == "gzip"
            assert len(r.read()) < geo.stat().st_size / 2
        # 16 sessions, each with its own cookie, for a few seconds: no error, both replicas used.
        results = asyncio.run(_load(plan.listen_port, 16, 4))
        assert [e for _, _, errors in results for e in errors] == []
        assert all(reruns > 0 for _, reruns, _ in results)
        used = {replica for replica, _, _ in results}
        assert used == {f"127.0.0.1:{p}" for p in plan.replica_ports}
        # kill -9 one replica: new sessions, even ones hashed onto it, go to the other one.
        victim = min(dep.replicas)
        os.kill(dep.replicas[victim].pid, signal.SIGKILL)
        dep.replicas[victim].wait(timeout=10)
        after = asyncio.run(_load(plan.listen_port, 6, 1))
        assert [e for _, _, errors in after for e in errors] == []
        assert {replica for replica, _, _ in after} == {f"127.0.0.1:{max(dep.replicas)}"}


@needs_nginx
def test_a_hung_replica_is_killed_and_restarted_by_the_health_watch(demo_settings, tmp_path):
    import threading

    plan = plan_for(tmp_path, 1)
    env = dict(os.environ, REGIODASH_DATA_DIR=str(demo_settings.data_dir))
    said: list[str] = []
    done = threading.Event()
    with deployment(plan, demo_settings, env=env) as dep:
        port = plan.replica_ports[0]
        hung = dep.replicas[port]
        watch = cli_serve.HealthWatch(every_s=0.3, timeout_s=0.5, fails_allowed=2)
        supervisor = threading.Thread(target=cli_serve.supervise, daemon=True, kwargs={
            "dep": dep, "say": said.append, "watch": watch, "stop": done.is_set,
            "tick_s": 0.1})
        supervisor.start()
        try:
            os.kill(hung.pid, signal.SIGSTOP)  # alive, accepting, never answering
            deadline = time.monotonic() + 60
            while dep.replicas[port] is hung and time.monotonic() < deadline:
                time.sleep(0.1)
            assert dep.replicas[port] is not hung, said
            assert hung.returncode == -signal.SIGKILL
            cli_serve.wait_healthy(f"http://127.0.0.1:{port}", dep.replicas[port],
                                   dep.replica_log(port))
            with _get(plan.url + "/") as page:  # served again through nginx
                assert page.status == 200
        finally:
            done.set()
            supervisor.join(timeout=10)
    assert any(f"replica on port {port} did not answer /_stcore/health 2 times" in s
               for s in said), said
    assert any(f"replica on port {port} exited" in s and "restarting it" in s for s in said)
