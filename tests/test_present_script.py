"""`make present` and scripts/present at a trade fair: nothing installed or downloaded, a kiosk that stays offline.

scripts/present runs here with a stand-in `streamlit` (it only answers the health check) and a stand-in browser that
records its arguments, so the test sees exactly what the script starts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from regionmap.testing import free_port

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "present"
OFFLINE_FLAGS = ("--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-translate", "--disable-default-apps", "--disable-domain-reliability",
                 "--disable-client-side-phishing-detection", "--no-pings", "--safebrowsing-disable-auto-update",
                 "--metrics-recording-only", "--no-first-run")

FAKE_STREAMLIT = """#!{python}
import http.server, sys
args = sys.argv[1:]
open({log!r}, "w").write(" ".join(args))
port = int(args[args.index("--server.port") + 1])
address = args[args.index("--server.address") + 1]
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
http.server.HTTPServer((address, port), Health).serve_forever()
"""
FAKE_BROWSER = """#!/bin/sh
printf '%s\\n' "$@" > {log!r}
"""


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def stand_ins(tmp_path: Path) -> dict[str, Path]:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    executable(venv / "bin" / "streamlit", FAKE_STREAMLIT.format(python=sys.executable, log=str(tmp_path / "server")))
    (venv / "bin" / "python").symlink_to(sys.executable)
    browser = executable(tmp_path / "browser", FAKE_BROWSER.format(log=str(tmp_path / "browser-args")))
    store = tmp_path / "regionmap.gpkg"
    store.write_bytes(b"")
    return {"venv": venv, "browser": browser, "store": store, "tmp": tmp_path}


def run_present(stand_ins: dict[str, Path], **env: str) -> subprocess.CompletedProcess:
    port = free_port()
    environment = {**os.environ, "VENV": str(stand_ins["venv"]), "REGIONMAP_CHROMIUM": str(stand_ins["browser"]),
                   "REGIONMAP_STORE": str(stand_ins["store"]), "DISPLAY": ":99", "TMPDIR": str(stand_ins["tmp"]),
                   **env}
    environment.pop("PRESENT_QUERY", None)
    return subprocess.run([str(SCRIPT), str(port)], env=environment, capture_output=True, text=True, timeout=120)


def test_the_kiosk_starts_offline_on_the_loopback_address(stand_ins) -> None:
    result = run_present(stand_ins)
    assert result.returncode == 0, result.stderr
    server = (stand_ins["tmp"] / "server").read_text().split()
    assert server[server.index("--server.address") + 1] == "127.0.0.1"
    assert server[server.index("--browser.gatherUsageStats") + 1] == "false"
    args = (stand_ins["tmp"] / "browser-args").read_text().split("\n")
    missing = [flag for flag in OFFLINE_FLAGS if flag not in args]
    assert missing == [], f"kiosk browser started without {missing}"
    app = next(a.removeprefix("--app=") for a in args if a.startswith("--app="))
    parts = urlsplit(app)
    assert (parts.hostname, parts.path) == ("127.0.0.1", "/present")
    assert parse_qs(parts.query).get("basemap", ["none"]) == ["none"]  # the offline basemap (the page's default)
    assert "--kiosk" in args


def test_without_a_store_it_says_so_instead_of_downloading(stand_ins) -> None:
    stand_ins["store"].unlink()
    result = run_present(stand_ins)
    assert result.returncode == 1
    assert "make data" in result.stderr and str(stand_ins["store"]) in result.stderr
    assert not (stand_ins["tmp"] / "server").exists()


def test_make_present_neither_installs_nor_builds(tmp_path: Path) -> None:
    dry = subprocess.run(["make", "-n", "present", f"STORE={tmp_path / 'missing.gpkg'}", f"VENV={tmp_path / 'venv'}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert not [word for word in ("pip install", "-m venv", "build-data") if word in dry.stdout], dry.stdout
    assert "scripts/present" in dry.stdout
