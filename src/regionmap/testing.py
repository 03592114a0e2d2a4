"""Driving the real app from tests and benchmarks: `streamlit run` on a free port, and Debian's headless Chromium.

Playwright's own browser download does not work offline; it drives the system's Chromium (`$REGIONMAP_CHROMIUM`,
default `/usr/bin/chromium`, Debian's `chromium` package) with the arguments below.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM = Path(os.environ.get("REGIONMAP_CHROMIUM", "/usr/bin/chromium"))
# No sandbox (root in CI), no GPU, and none of Chromium's own calls home: the machine has no network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MAP_IFRAME = "iframe[title='streamlit_folium.st_folium']"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running `streamlit run`: its URL, process, launch time (`time.perf_counter()`) and output."""

    url: str
    process: subprocess.Popen
    started: float
    log: IO[bytes]

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


@contextmanager
def streamlit_server(script: Path, env: Mapping[str, str], *, cwd: Path | None = None,
                     wait_healthy: bool = True) -> Iterator[Server]:
    """`streamlit run script` on a free port of 127.0.0.1 with `env` added to the environment, stopped on exit."""
    port = free_port()
    streamlit = shutil.which("streamlit", path=str(Path(sys.executable).parent)) or "streamlit"
    log = tempfile.TemporaryFile()
    started = time.perf_counter()
    process = subprocess.Popen(
        [streamlit, "run", str(script), "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=cwd or script.parent, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
    )
    server = Server(f"http://127.0.0.1:{port}", process, started, log)
    try:
        if wait_healthy:
            wait_until_healthy(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def wait_until_healthy(server: Server, timeout: float = 60) -> None:
    """Wait until the server answers its health check; RuntimeError with its output when it exits or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.process.returncode}:\n{server.output()}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"streamlit at {server.url} not healthy within {timeout} s:\n{server.output()}")


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless; FileNotFoundError naming how to install it when it is missing."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} not found: install Debian's chromium (scripts/install-browser) "
                                "or set REGIONMAP_CHROMIUM")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


# Elements whose own text a person reads; their text must not be cut off by an overflow that hides it.
TEXT_SELECTOR = ", ".join((
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "label", "button", "a", "th", "td", "summary",
    "[data-testid='stMetricValue']", "[data-testid='stMetricLabel']", "[data-testid='stMetricDelta']",
    "[data-testid='stCaptionContainer']", "[data-testid='stMarkdownContainer']", "[data-testid='stWidgetLabel']",
    "[data-testid='stHeadingWithActionElements']", "[data-baseweb='tag']", "[data-baseweb='select'] [value]",
    ".rm-legend-title", ".rm-legend-label", ".leaflet-control-attribution",
))

# A browser function: every visible element (in TEXT_SELECTOR, or an ancestor of one up to 4 levels that hides its
# overflow) whose text is wider than its box while its overflow is hidden, clipped or ellipsised.
CLIPPED_TEXT_JS = """
(selector) => {
  const hides = (s) => ["hidden", "clip"].includes(s.overflowX) || s.textOverflow === "ellipsis";
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none" && el.checkVisibility();
  };
  const seen = new Set(), out = [];
  for (const start of document.querySelectorAll(selector)) {
    if (!start.textContent.trim() || !visible(start) || start.getBoundingClientRect().width <= 2) continue;
    let el = start;
    for (let depth = 0; el && depth < 4; depth++, el = el.parentElement) {
      if (seen.has(el)) break;
      seen.add(el);
      const s = getComputedStyle(el);
      if (hides(s) && el.scrollWidth > el.clientWidth + 1 && el.textContent.trim() && visible(el)) {
        out.push({tag: el.tagName.toLowerCase(), testid: el.closest("[data-testid]")?.dataset.testid || "",
                  text: el.textContent.trim().slice(0, 80), scrollWidth: el.scrollWidth, clientWidth: el.clientWidth});
        break;
      }
    }
  }
  return out;
}
"""


def clipped_text(frame: object) -> list[dict]:
    """The visible text elements of a Playwright page or frame whose text is cut off (see CLIPPED_TEXT_JS)."""
    return frame.evaluate(CLIPPED_TEXT_JS, TEXT_SELECTOR)
