"""`regiodash serve`: one Streamlit server, or N replicas behind nginx (`--replicas N`).

One Streamlit process uses one core however many sessions it holds, so serving many users
means several processes. With `--replicas N` this command checks the warehouse, the ports and
nginx, renders deploy/nginx.conf.template into a run directory, has `nginx -t` check it,
starts N replicas on 127.0.0.1 (each `python -m regiodash.server run app.py`, all reading the
same warehouse: a local directory or an http(s) URL), waits until every one answers
/_stcore/health, then starts nginx in front of them and supervises all of it: a replica that
exits is restarted, one that stops answering its health check (HealthWatch) is killed and
restarted, nginx exiting stops everything. Ctrl-C (or SIGTERM) stops everything.

Sessions are sticky (a cookie nginx sets, hashed onto the replicas) because a Streamlit
session lives in one process: its WebSocket, its widget state and its uploads. The replicas
share one `server.cookieSecret` (generated per start unless STREAMLIT_SERVER_COOKIE_SECRET is
set) so that anything Streamlit signs is valid on every replica.

Every problem found before the start (warehouse unreadable, port taken, nginx missing, config
refused by `nginx -t`, a replica that does not come up) is a ServeError with a message saying
what to do; the CLI prints it and exits non-zero without leaving a process behind.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from rich.console import Console

from regiodash.config import REPO_ROOT, Settings, check_sign_in
from regiodash.errors import RegiodashError
from regiodash.storage.connection import open_warehouse
from regiodash.storage.layout import WarehousePaths

TEMPLATE = REPO_ROOT / "deploy" / "nginx.conf.template"
APP = REPO_ROOT / "app.py"
HEALTH_PATH = "/_stcore/health"
STICKY_COOKIE = "regiodash_replica"
REPLICA_HEADER = "X-Regiodash-Replica"
INSTALL_HINT = "install it with `sudo apt-get install nginx-light` (Debian/Ubuntu)"
console = Console(stderr=True, soft_wrap=True)


class ServeError(RegiodashError):
    """The deployment cannot start as asked; the message says what to change."""


@dataclass(frozen=True)
class ServePlan:
    """Where nginx listens, where the replicas listen and where nginx keeps its files."""

    listen_host: str
    listen_port: int
    replica_ports: tuple[int, ...]
    run_dir: Path
    max_fails: int = 1
    fail_timeout_s: int = 10

    @property
    def url(self) -> str:
        return f"http://{self.listen_host}:{self.listen_port}"

    @property
    def conf(self) -> Path:
        return self.run_dir / "nginx.conf"


# --------------------------------------------------------------------------- checks


def check_warehouse(settings: Settings) -> None:
    """Open the warehouse as a replica will and read one row of indicator_values.

    Raises ServeError naming the location when it cannot: a replica that cannot read the
    warehouse would serve an error page to every session, so none is started.
    """
    where = settings.data_url or str(settings.data_dir)
    try:
        wh = open_warehouse(settings)
    except (RegiodashError, duckdb.Error, OSError) as exc:
        raise ServeError(f"the warehouse at {where} cannot be opened: {exc}; no replica "
                         "started (run `regiodash build`, or fix REGIODASH_DATA_DIR)") from exc
    try:
        wh.query_rows("SELECT 1 FROM indicator_values LIMIT 1")
    except (RegiodashError, duckdb.Error, OSError) as exc:
        raise ServeError(f"the warehouse at {where} cannot be read: "
                         f"{str(exc).splitlines()[0]}; no replica started") from exc
    finally:
        wh.close()


def check_port_free(host: str, port: int, what: str) -> None:
    """ServeError when `port` on `host` cannot be bound (taken, or not allowed)."""
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ServeError(f"port {port} on {host} ({what}) is not available: "
                             f"{exc.strerror or exc}; choose another with --port / "
                             "--replica-port, or stop what uses it") from exc


def find_nginx() -> str:
    """Path of the nginx binary (PATH, then Debian's /usr/sbin), or ServeError."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)),
        None)
    if found is None:
        raise ServeError(f"nginx not found (needed for --replicas): {INSTALL_HINT}")
    return found


# --------------------------------------------------------------------------- nginx config


def render_nginx_config(plan: ServePlan, template: Path = TEMPLATE) -> str:
    """deploy/nginx.conf.template with the plan's listen address, replicas and run dir."""
    servers = "\n".join(
        f"        server 127.0.0.1:{port} max_fails={plan.max_fails} "
        f"fail_timeout={plan.fail_timeout_s}s;" for port in plan.replica_ports)
    values = {
        "user_line": "user root;" if os.geteuid() == 0 else "",
        "run_dir": str(plan.run_dir),
        "listen": f"{plan.listen_host}:{plan.listen_port}",
        "servers": servers,
        "max_fails": str(plan.max_fails),
        "fail_timeout": f"{plan.fail_timeout_s}s",
    }
    text = template.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{ " + key + " }}", value)
    if "{{" in text:
        raise ServeError(f"{template}: unfilled placeholder near "
                         f"{text[text.index('{{'):][:40]!r}")
    return text


def write_nginx_config(plan: ServePlan, nginx: str, template: Path = TEMPLATE) -> Path:
    """Write the rendered config into the run dir and have `nginx -t` check it."""
    for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (plan.run_dir / sub).mkdir(parents=True, exist_ok=True)
    plan.conf.write_text(render_nginx_config(plan, template), encoding="utf-8")
    check = subprocess.run(nginx_command(nginx, plan) + ["-t", "-q"], capture_output=True,
                           text=True, timeout=30, check=False)
    if check.returncode != 0:
        detail = (check.stderr or check.stdout).strip()
        raise ServeError(f"nginx refused the configuration {plan.conf} (`nginx -t`):\n{detail}")
    return plan.conf


def nginx_command(nginx: str, plan: ServePlan) -> list[str]:
    return [nginx, "-p", str(plan.run_dir), "-c", str(plan.conf),
            "-e", str(plan.run_dir / "error.log")]


# --------------------------------------------------------------------------- processes


def replica_env(settings: Settings, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The replicas' environment: the same warehouse and one shared cookie secret."""
    env = dict(os.environ if base is None else base)
    env["REGIODASH_DATA_DIR"] = settings.data_url or str(settings.data_dir)
    env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32))
    return env


def start_replica(port: int, env: Mapping[str, str], log: Path) -> subprocess.Popen:
    """`python -m regiodash.server run app.py` on 127.0.0.1:port, output to `log`."""
    cmd = [sys.executable, "-m", "regiodash.server", "run", str(APP),
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           # A replica serves, it does not develop: a watched source file that changes makes
           # Streamlit drop modules from sys.modules under running sessions.
           "--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    with open(log, "ab") as out:
        return subprocess.Popen(cmd, cwd=REPO_ROOT, env=dict(env), stdout=out,
                                stderr=subprocess.STDOUT)


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, wait_s: float = 90) -> None:
    """Return once `url`/_stcore/health answers; ServeError if the process exits first."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServeError(f"the process behind {url} exited with status {proc.returncode};"
                             f" its log {log} ends:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url + HEALTH_PATH, timeout=2):  # noqa: S310 - localhost
                return
        except OSError:
            time.sleep(0.3)
    raise ServeError(f"{url}{HEALTH_PATH} did not answer within {wait_s:.0f} s; log {log}:"
                     f"\n{_tail(log)}")


def stop_process(proc: subprocess.Popen, timeout: float = 15) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _tail(path: Path, chars: int = 1500) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


@dataclass
class Deployment:
    """Running replicas (by port) and nginx in front of them."""

    plan: ServePlan
    env: dict[str, str]
    replicas: dict[int, subprocess.Popen] = field(default_factory=dict)
    proxy: subprocess.Popen | None = None

    def replica_log(self, port: int) -> Path:
        return self.plan.run_dir / f"replica-{port}.log"

    def start_replica(self, port: int) -> subprocess.Popen:
        proc = start_replica(port, self.env, self.replica_log(port))
        self.replicas[port] = proc
        return proc

    def stop(self) -> None:
        for proc in [self.proxy, *self.replicas.values()]:
            if proc is not None:
                stop_process(proc)


def prepare(plan: ServePlan, settings: Settings, template: Path = TEMPLATE) -> str:
    """Every check before anything starts; the nginx binary's path."""
    check_warehouse(settings)
    check_port_free(plan.listen_host, plan.listen_port, "nginx")
    for port in plan.replica_ports:
        check_port_free("127.0.0.1", port, "replica")
    nginx = find_nginx()
    write_nginx_config(plan, nginx, template)
    return nginx


@contextmanager
def deployment(plan: ServePlan, settings: Settings, env: Mapping[str, str] | None = None,
               template: Path = TEMPLATE) -> Iterator[Deployment]:
    """Checked, started and healthy replicas behind nginx for the `with` block; all stopped
    afterwards (also when the start fails half-way)."""
    nginx = prepare(plan, settings, template)
    dep = Deployment(plan, replica_env(settings, env))
    try:
        for port in plan.replica_ports:
            dep.start_replica(port)
        for port, proc in dep.replicas.items():
            wait_healthy(f"http://127.0.0.1:{port}", proc, dep.replica_log(port))
        proxy_log = plan.run_dir / "nginx.out"
        with open(proxy_log, "ab") as out:
            dep.proxy = subprocess.Popen(nginx_command(nginx, plan), stdout=out,
                                         stderr=subprocess.STDOUT)
        wait_healthy(plan.url, dep.proxy, plan.run_dir / "error.log", wait_s=15)
        yield dep
    finally:
        dep.stop()


# --------------------------------------------------------------------------- command


def plan_from_args(args: argparse.Namespace, settings: Settings) -> ServePlan:
    listen_port = args.port or settings.port
    first = args.replica_port or listen_port + 1
    if args.replicas < 1:
        raise ServeError(f"--replicas must be at least 1 (got {args.replicas})")
    run_dir = Path(args.run_dir or Path(tempfile.gettempdir()) / f"regiodash-serve-{listen_port}")
    run_dir.mkdir(parents=True, exist_ok=True)
    return ServePlan(args.host, listen_port, tuple(range(first, first + args.replicas)),
                     run_dir.resolve())


def answers_health(url: str, timeout: float) -> bool:
    """True when `url`/_stcore/health answers 200 within `timeout` seconds."""
    try:
        with urllib.request.urlopen(url + HEALTH_PATH, timeout=timeout) as r:  # noqa: S310
            return r.status == 200
    except OSError:
        return False


@dataclass
class HealthWatch:
    """Active health checks while serving (nginx's own checks are passive: they only see
    refused connections). Every `every_s` each live replica's /_stcore/health must answer
    within `timeout_s`; after `fails_allowed` misses in a row (a replica that hangs: stopped,
    deadlocked, swapping) it is killed, so that nginx routes around it at once and the
    supervisor restarts it. A replica just (re)started gets `grace_s` to come up first."""

    every_s: float = 5.0
    timeout_s: float = 3.0
    fails_allowed: int = 3
    grace_s: float = 90.0
    misses: dict[int, int] = field(default_factory=dict)  # by port
    first_seen: dict[int, float] = field(default_factory=dict)  # by pid
    up: set[int] = field(default_factory=set)  # pids that answered once
    last_check: float = float("-inf")

    def check(self, dep: Deployment, say: Callable[[str], None], now: float) -> None:
        if now - self.last_check < self.every_s:
            return
        self.last_check = now
        for port, proc in list(dep.replicas.items()):
            if proc.poll() is not None:
                continue  # exited: the supervisor restarts it
            first_seen = self.first_seen.setdefault(proc.pid, now)
            if answers_health(f"http://127.0.0.1:{port}", self.timeout_s):
                self.misses[port] = 0
                self.up.add(proc.pid)
                continue
            if proc.pid not in self.up and now - first_seen < self.grace_s:
                continue  # still starting
            self.misses[port] = self.misses.get(port, 0) + 1
            if self.misses[port] >= self.fails_allowed:
                say(f"replica on port {port} did not answer {HEALTH_PATH} "
                    f"{self.misses[port]} times in a row (within {self.timeout_s:g} s each); "
                    "killing it")
                proc.kill()
                proc.wait(timeout=10)
                self.misses[port] = 0


def supervise(dep: Deployment, say: Callable[[str], None], restart: bool = True,
              watch: HealthWatch | None = None, stop: Callable[[], bool] = lambda: False,
              tick_s: float = 1.0) -> int:
    """Watch the processes until nginx exits, `stop()` is true or a signal arrives: restart
    dead replicas, and kill (then restart) replicas that stop answering their health check."""
    assert dep.proxy is not None
    watch = watch or HealthWatch()
    watch.up.update(p.pid for p in dep.replicas.values())  # deployment() saw them healthy
    while not stop():
        if dep.proxy.poll() is not None:
            say(f"nginx exited with status {dep.proxy.returncode}; error log:\n"
                f"{_tail(dep.plan.run_dir / 'error.log')}")
            return 1
        watch.check(dep, say, time.monotonic())
        for port, proc in list(dep.replicas.items()):
            if proc.poll() is not None and restart:
                say(f"replica on port {port} exited ({proc.returncode}); restarting it")
                dep.start_replica(port)
        time.sleep(tick_s)
    return 0


def serve_direct(args: argparse.Namespace, settings: Settings) -> int:
    """One Streamlit server on the port, no proxy (`make run`, a laptop)."""
    port = args.port or settings.port
    # Always headless (no browser to open, no e-mail prompt waiting on stdin) and without
    # the file watcher, like the replicas.
    cmd = [sys.executable, "-m", "regiodash.server", "run", str(APP),
           "--server.port", str(port), "--server.headless", "true",
           "--server.fileWatcherType", "none"]
    env = dict(os.environ, REGIODASH_DATA_DIR=settings.data_url or str(settings.data_dir))
    return subprocess.call(cmd, env=env, cwd=REPO_ROOT)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    check_sign_in(settings)  # a roles file needs sign-in configured ([auth] secrets)
    if not settings.is_remote and not WarehousePaths(settings.data_dir).has_data():
        console.print("[dim]-[/dim] no warehouse yet: building the demo panel")
        args.build_demo(settings)
    if args.replicas is None:
        check_warehouse(settings)
        return serve_direct(args, settings)
    plan = plan_from_args(args, settings)
    if args.print_config:
        print(render_nginx_config(plan))
        return 0

    def on_term(signum, frame):  # SIGTERM (systemd, docker stop) stops like Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        with deployment(plan, settings) as dep:
            console.print(f"serving {plan.url} : nginx -> {len(plan.replica_ports)} replicas "
                          f"on 127.0.0.1:{','.join(map(str, plan.replica_ports))}; warehouse "
                          f"{settings.data_url or settings.data_dir}; logs in {plan.run_dir}")
            return supervise(dep, console.print, restart=not args.no_restart)
    except KeyboardInterrupt:
        console.print("stopped nginx and the replicas")
        return 0


def add_serve_parser(subparsers, build_demo: Callable[[Settings], object]) -> None:
    """Register `serve`; `build_demo(settings)` writes the demo warehouse when there is none."""
    p = subparsers.add_parser(
        "serve", help="start the dashboard (builds the demo panel if empty); --replicas N: "
                      "N processes behind nginx",
        description="Start the dashboard. Without --replicas: one Streamlit server on --port. "
        "With --replicas N: N Streamlit replicas on 127.0.0.1 behind nginx (sticky sessions, "
        "WebSocket, gzip) listening on --host:--port; see README 'Serving many users'.",
        epilog="Exit status: 0 after Ctrl-C; 1 when nginx stops by itself; 2 when the "
        "warehouse cannot be read, a port is taken, nginx is missing or refuses the config, or "
        "a replica does not come up (the message says which).")
    p.add_argument("--port", type=int, default=None,
                   help="public port (default $REGIODASH_PORT or 8501)")
    p.add_argument("--headless", action="store_true",
                   help="kept for old scripts: the server is always headless")
    p.add_argument("--replicas", type=int, default=None, metavar="N",
                   help="N Streamlit processes behind nginx (about one per core)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address nginx listens on (0.0.0.0 for every interface)")
    p.add_argument("--replica-port", type=int, default=None,
                   help="first replica port (default: --port + 1, then one each)")
    p.add_argument("--run-dir", default=None,
                   help="nginx config, logs and temp files (default <tmp>/regiodash-serve-PORT)")
    p.add_argument("--no-restart", action="store_true",
                   help="leave a replica that exits down instead of restarting it")
    p.add_argument("--print-config", action="store_true",
                   help="print the rendered nginx config and exit (for a system nginx)")
    p.set_defaults(func=cmd_serve, build_demo=build_demo)
