"""Several app processes behind Debian's HAProxy on this machine: `regionmap replicas start|status|stop`
(`scripts/replicas`, `make replicas`).

`start` runs N `streamlit run serve.py` processes on free loopback ports, all reading the same store
(`$REGIONMAP_STORE`: a GeoPackage path, or a `postgresql://` URL once that backend exists; it is passed on
unchanged), writes an HAProxy configuration from `deploy/haproxy.cfg.tmpl` (cookie stickiness, the websocket of
`/_stcore/stream`, health checks on `/_stcore/health`) and starts HAProxy on a free or given port. Everything runs
in the background; the state folder (default `.replicas/`, git-ignored) holds `state.json` (ports and process ids),
the configuration and the logs, and `stop` ends exactly the processes it names.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from regionmap.config import PROJECT_ROOT, STORE_ENV, child_environment, resolve_path, store_location, venv_command
from regionmap.errors import RegionmapError

DEFAULT_STATE_DIR = PROJECT_ROOT / ".replicas"
TEMPLATE = PROJECT_ROOT / "deploy" / "haproxy.cfg.tmpl"
APP_SCRIPT = PROJECT_ROOT / "serve.py"
HOST = "127.0.0.1"
STATE_FILE = "state.json"
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 10.0


class ReplicaError(RegionmapError):
    """Replicas could not be started or stopped (the message says which process and where its log is)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` different TCP ports on 127.0.0.1 that are free now (all held open while they are picked)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def app_command(script: Path, port: int) -> list[str]:
    """The command that serves the app's `script` on `port` of 127.0.0.1 (`make run`'s, with the test flags)."""
    return [venv_command("streamlit"), "run", str(script), "--server.port", str(port), "--server.address", HOST,
            "--server.headless", "true", "--browser.gatherUsageStats", "false"]


@dataclass(frozen=True)
class Replica:
    """One app process: its HAProxy server name (also its SERVERID cookie value), port and process id."""

    name: str
    port: int
    pid: int

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


@dataclass(frozen=True)
class Deployment:
    """What `start` launched: the proxy's URL and stats page, HAProxy's process id, the replicas and the store."""

    url: str
    stats_url: str
    haproxy_pid: int
    replicas: tuple[Replica, ...]
    store: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> Deployment:
        data = json.loads(text)
        return cls(**{**data, "replicas": tuple(Replica(**r) for r in data["replicas"])})

    def alive(self) -> bool:
        """Whether HAProxy or any replica still runs."""
        return running(self.haproxy_pid, "haproxy") or any(running(r.pid, "streamlit") for r in self.replicas)


def render_config(template: str, replicas: list[tuple[str, int]], port: int, stats_port: int) -> str:
    """The HAProxy configuration for `replicas` (server name, port), listening on `port`, stats on `stats_port`."""
    servers = "\n".join(f"    server {name} {HOST}:{server_port} cookie {name}" for name, server_port in replicas)
    return string.Template(template).substitute(
        bind_address=HOST, port=port, stats_port=stats_port, servers=servers)


def haproxy_binary() -> str:
    """The `haproxy` executable (also in /usr/sbin when that is not on the PATH)."""
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise ReplicaError("haproxy not found: scripts/replicas installs Debian's haproxy package "
                           "(apt-get install haproxy)")
    return found


def running(pid: int, name: str) -> bool:
    """Whether process `pid` is alive and its command line mentions `name` (a reused id is not ours)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z" and name in cmdline


def _get(url: str, timeout: float = 2.0) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode(errors="replace")


def server_stats(stats_url: str) -> dict[str, dict[str, str]]:
    """HAProxy's figures of each replica from its stats page's CSV: `status` (`UP`, `DOWN`, ...), `stot` (sessions
    so far), `scur` (open ones), ... (HAProxy's management guide, "CSV format")."""
    _, text = _get(f"{stats_url};csv")
    rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
    return {row["svname"]: row for row in rows
            if row["pxname"] == "replicas" and row["svname"] not in ("FRONTEND", "BACKEND")}


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _wait(ready, what: str, pid: int, log: Path, timeout: float = START_TIMEOUT_S) -> None:
    """Poll `ready()` until true; ReplicaError with the log's end when the process exits or time runs out. (Any
    command line is ours here: right after the fork it is still this process's.)"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not running(pid, ""):
            raise ReplicaError(f"{what} (pid {pid}) stopped while starting; its log {log}:\n{_log_tail(log)}")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise ReplicaError(f"{what} (pid {pid}) not ready within {timeout:.0f} s; its log {log}:\n{_log_tail(log)}")


def _spawn(command: list[str], log: Path, env: dict[str, str] | None = None) -> int:
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    return process.pid


def load(state_dir: Path = DEFAULT_STATE_DIR) -> Deployment | None:
    """The deployment recorded in `state_dir`, or None when there is none."""
    path = state_dir / STATE_FILE
    return Deployment.from_json(path.read_text()) if path.exists() else None


def start(count: int = 2, store: str | None = None, port: int | None = None,
          state_dir: Path = DEFAULT_STATE_DIR) -> Deployment:
    """Start `count` replicas on `store` (default `$REGIONMAP_STORE`) behind HAProxy on `port` (default: a free
    one); wait until HAProxy sees every replica up. Nothing is left running when this fails."""
    if count < 1:
        raise ReplicaError(f"--replicas must be at least 1, not {count}")
    location = (store or store_location()).strip()
    if "://" not in location:
        location = str(resolve_path(location))
        if not Path(location).exists():
            raise ReplicaError(f"no data store at {location}: build it once with 'make data'")
    state_dir.mkdir(parents=True, exist_ok=True)
    previous = load(state_dir)
    if previous is not None:
        if previous.alive():
            raise ReplicaError(f"replicas already run at {previous.url} (state in {state_dir}); "
                               "stop them first: scripts/replicas stop")
        (state_dir / STATE_FILE).unlink()
    haproxy = haproxy_binary()
    env = child_environment({STORE_ENV: location,
                             # One cookie secret for all replicas: the XSRF cookie one replica set stays valid on
                             # another after a failover.
                             "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)})
    started: list[int] = []
    try:
        replicas = []
        *app_ports, stats_port = free_ports(count + 1)
        for index, app_port in enumerate(app_ports, start=1):
            name = f"app{index}"
            log = state_dir / f"{name}.log"
            pid = _spawn(app_command(APP_SCRIPT, app_port), log, env)
            started.append(pid)
            replicas.append(Replica(name, app_port, pid))
        for replica in replicas:
            _wait(lambda: _get(f"{replica.url}/_stcore/health")[0] == 200, f"replica {replica.name}",
                  replica.pid, state_dir / f"{replica.name}.log")
        proxy_port = port or free_port()
        config = state_dir / "haproxy.cfg"
        config.write_text(render_config(TEMPLATE.read_text(), [(r.name, r.port) for r in replicas], proxy_port,
                                        stats_port))
        check = subprocess.run([haproxy, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
        if check.returncode != 0:
            raise ReplicaError(f"HAProxy rejects {config}:\n{check.stdout}{check.stderr}")
        log = state_dir / "haproxy.log"
        haproxy_pid = _spawn([haproxy, "-db", "-f", str(config)], log)
        started.append(haproxy_pid)
        deployment = Deployment(f"http://{HOST}:{proxy_port}", f"http://{HOST}:{stats_port}/", haproxy_pid,
                                tuple(replicas), location)
        names = {r.name for r in replicas}
        _wait(lambda: {n for n, row in server_stats(deployment.stats_url).items() if row["status"] == "UP"} == names,
              "haproxy", haproxy_pid, log)
    except BaseException:
        _terminate(started)
        raise
    (state_dir / STATE_FILE).write_text(deployment.to_json())
    return deployment


def _terminate(pids: list[int], name: str = "") -> None:
    """SIGTERM each process that is still ours, then SIGKILL those alive after STOP_TIMEOUT_S."""
    for pid in pids:
        if running(pid, name):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline and any(running(pid, name) for pid in pids):
        time.sleep(0.1)
    for pid in pids:
        if running(pid, name):
            os.kill(pid, signal.SIGKILL)


def stop(state_dir: Path = DEFAULT_STATE_DIR) -> Deployment | None:
    """Stop HAProxy, then the replicas recorded in `state_dir`, and forget them; None when nothing was recorded."""
    deployment = load(state_dir)
    if deployment is None:
        return None
    _terminate([deployment.haproxy_pid], "haproxy")
    _terminate([r.pid for r in deployment.replicas], "streamlit")
    (state_dir / STATE_FILE).unlink()
    return deployment


def _describe(deployment: Deployment) -> str:
    try:
        states = {name: row["status"] for name, row in server_stats(deployment.stats_url).items()}
    except OSError:
        states = {}
    lines = [f"regionmap: {deployment.url}/  ({len(deployment.replicas)} replicas behind HAProxy, "
             f"stats {deployment.stats_url}, store {deployment.store})"]
    lines += [f"  {r.name}: {r.url} pid {r.pid} {states.get(r.name, 'no HAProxy status')}"
              for r in deployment.replicas]
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    """`regionmap replicas start|status|stop` (see `add_parser`)."""
    state_dir = resolve_path(args.state_dir)
    if args.action == "start":
        print(_describe(start(args.replicas, args.store, args.port, state_dir)))
        print("Stop them with: scripts/replicas stop" + ("" if state_dir == DEFAULT_STATE_DIR
                                                          else f" --state-dir {state_dir}"))
        return 0
    deployment = load(state_dir) if args.action == "status" else stop(state_dir)
    if deployment is None:
        print(f"no replicas recorded in {state_dir}")
        return 1 if args.action == "status" else 0
    print(_describe(deployment) if args.action == "status" else f"stopped {deployment.url} and its "
          f"{len(deployment.replicas)} replicas")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `replicas` subcommand of the `regionmap` command."""
    parser = sub.add_parser("replicas", help="run N app processes behind HAProxy (start, status, stop)")
    parser.add_argument("action", choices=("start", "status", "stop"))
    parser.add_argument("--replicas", "-n", type=int, default=2, help="number of app processes (default 2)")
    parser.add_argument("--port", type=int, help="HAProxy's port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--store", help="the store every replica reads: a GeoPackage path or a postgresql:// URL "
                        "(default: $REGIONMAP_STORE or data/geo/regionmap.gpkg)")
    parser.add_argument("--state-dir", default=str(DEFAULT_STATE_DIR),
                        help="folder for the state, HAProxy's configuration and the logs (default .replicas/)")
    parser.set_defaults(func=main)
