"""Driving the real app from tests, benchmarks and the editors demo: `streamlit run` on a free port, the mock OIDC
provider (`oidc-provider-mock`) for sign-in, and Debian's headless Chromium; and the few expectations tests compute
from the data (placeholders of a text, a QR code's modules, legend counts).

Playwright's own browser download does not work offline; it drives the system's Chromium (`$REGIONMAP_CHROMIUM`,
default `/usr/bin/chromium`, Debian's `chromium` package) with the arguments below.
"""

from __future__ import annotations

import json
import os
import shutil
import string
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from regionmap.config import child_environment, venv_command
from regionmap.replicas import HOST, app_command, free_port

if TYPE_CHECKING:
    import geopandas as gpd
    from playwright.sync_api import Browser, Frame, Page, Playwright

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


@dataclass
class Server:
    """A running server process (`streamlit run`, `regionmap serve-api`): its URL, process, launch time
    (`time.perf_counter()`), output and the path of its health check."""

    url: str
    process: subprocess.Popen
    started: float
    log: IO[bytes]
    health: str = "/_stcore/health"

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


@contextmanager
def _running(command: list[str], url: str, env: Mapping[str, str], cwd: Path, health: str,
             wait_healthy: bool = True) -> Iterator[Server]:
    """`command` started with `env` added to the environment (paths made absolute), stopped on exit."""
    log = tempfile.TemporaryFile()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=child_environment(env), stdout=log, stderr=subprocess.STDOUT)
    server = Server(url, process, started, log, health)
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


@contextmanager
def streamlit_server(script: Path, env: Mapping[str, str], *, cwd: Path | None = None, wait_healthy: bool = True,
                     secrets: Path | None = None, port: int | None = None) -> Iterator[Server]:
    """`streamlit run script` on `port` (default a free one) of 127.0.0.1 with `env` added to the environment,
    stopped on exit; `secrets` is the only secrets file it reads (`--secrets.files`, e.g. from `auth_secrets`).

    Relative paths in the environment (`REGIONMAP_STORE`, `REGIONMAP_SOURCE_DIR`, ...) mean this process's current
    directory, also when the server runs in another one (`cwd`)."""
    port = port or free_port()
    command = app_command(script, port) + (["--secrets.files", str(secrets)] if secrets else [])
    with _running(command, f"http://{HOST}:{port}", env, cwd or script.parent, "/_stcore/health",
                  wait_healthy) as server:
        yield server


OIDC_DISCOVERY = "/.well-known/openid-configuration"


@contextmanager
def oidc_provider(users: Sequence[Mapping[str, object]] = ()) -> Iterator[Server]:
    """`oidc-provider-mock`, a real OpenID Connect provider, on a free port of 127.0.0.1, stopped on exit; it is
    ready when its discovery document answers. `users` are claims (each with `sub`) offered as one-click sign-ins on
    its authorisation page; any other subject typed there signs in with `email` = the subject."""
    port = free_port()
    command = [venv_command("oidc-provider-mock"), "--host", HOST, "--port", str(port)]
    for claims in users:
        command += ["--user-claims", json.dumps(dict(claims))]
    with _running(command, f"http://{HOST}:{port}", {}, Path.cwd(), OIDC_DISCOVERY) as server:
        yield server


def auth_secrets(path: Path, provider: str, *, cookie_secret: str, client_id: str = "regionmap",
                 client_secret: str = "regionmap-secret") -> Path:
    """Write a Streamlit secrets file at `path` whose `[auth]` section signs in through the OIDC provider at the URL
    `provider` (its discovery document); the redirect URI is the app's own `/oauth2callback` on 127.0.0.1 (Streamlit
    fills in `{port}`). Returns `path`."""
    values = {"redirect_uri": f"http://{HOST}:{{port}}/oauth2callback", "cookie_secret": cookie_secret,
              "client_id": client_id, "client_secret": client_secret,
              "server_metadata_url": f"{provider.rstrip('/')}{OIDC_DISCOVERY}"}
    lines = ["[auth]", *(f"{key} = {json.dumps(value)}" for key, value in values.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@contextmanager
def api_server(env: Mapping[str, str]) -> Iterator[Server]:
    """`regionmap serve-api` (the OGC API) on a free port of 127.0.0.1 with `env` added, stopped on exit. Its links
    carry the address it is served on (`REGIONMAP_API_URL` is set to it)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [venv_command("regionmap"), "serve-api", "--host", "127.0.0.1", "--port", str(port)]
    with _running(command, url, {**env, "REGIONMAP_API_URL": url}, Path.cwd(), "/conformance?f=json") as server:
        yield server


def wait_until_healthy(server: Server, timeout: float = 60) -> None:
    """Wait until the server answers its health check; RuntimeError with its output when it exits or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.process.args[0]} exited with {server.process.returncode}:\n{server.output()}")
        try:
            with urllib.request.urlopen(f"{server.url}{server.health}", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{server.url} not healthy within {timeout} s:\n{server.output()}")


def chromium_options() -> dict[str, object]:
    """Playwright's launch options for Debian's Chromium, headless; FileNotFoundError naming how to install it when
    it is missing."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} not found: install Debian's chromium (scripts/install-browser) "
                                "or set REGIONMAP_CHROMIUM")
    return {"executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless, through Playwright's sync API (`chromium_options`)."""
    return playwright.chromium.launch(**chromium_options())


# --- expectations the tests compute from the data (nothing in the app uses these) -----------------------------------


def placeholders(template: str) -> set[str]:
    """The names of the `{name}` fields in a str.format template."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def qr_matrix(url: str) -> tuple[tuple[int, ...], ...]:
    """The modules of the app's QR code of `url` without the quiet zone, row by row (1 dark, 0 light)."""
    from regionmap.presenter.qr import qr_code

    return tuple(tuple(row) for row in qr_code(url).matrix)


def legend_counts(shown: Mapping[str, gpd.GeoDataFrame]) -> dict[str, int]:
    """What the legend must show per layer: the number of shown points with a location."""
    return {layer_id: int((~(gdf.geometry.isna() | gdf.geometry.is_empty)).sum()) for layer_id, gdf in shown.items()}

# A browser function: the visible elements holding text of their own whose text, or an ancestor's (up to 5 levels),
# is wider than its box while that box hides its overflow (hidden, clip or an ellipsis): text a person cannot read.
# A box folded on purpose, with its own disclosure button that unfolds it (the map credits), is not cut off.
CLIPPED_TEXT_JS = """
() => {
  const hides = (s) => ["hidden", "clip"].includes(s.overflowX) || s.textOverflow === "ellipsis";
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    // Off the screen sideways (a folded sidebar) is out of sight; below the fold is reached by scrolling.
    return r.width > 2 && r.height > 2 && r.right > 0 && r.left < window.innerWidth
      && el.checkVisibility({visibilityProperty: true, opacityProperty: true});
  };
  const ownText = (el) => Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
  const seen = new Set(), out = [];
  for (const start of document.body.querySelectorAll("*")) {
    if (!ownText(start) || !shown(start)) continue;
    let el = start;
    for (let depth = 0; el && el !== document.body && depth < 5; depth++, el = el.parentElement) {
      if (seen.has(el)) break;
      seen.add(el);
      // A box with its own folded disclosure button (aria-expanded="false") is folded on purpose, not cut off.
      if (el.querySelector(':scope > [aria-expanded="false"]')) break;
      if (hides(getComputedStyle(el)) && el.scrollWidth > el.clientWidth + 1 && shown(el)) {
        out.push({tag: el.tagName.toLowerCase(), testid: el.closest("[data-testid]")?.dataset.testid || "",
                  text: el.textContent.trim().slice(0, 80), scrollWidth: el.scrollWidth, clientWidth: el.clientWidth});
        break;
      }
    }
  }
  return out;
}
"""


def clipped_text(frame: Page | Frame) -> list[dict]:
    """The visible texts of a Playwright page or frame that are cut off (see CLIPPED_TEXT_JS): tag, nearest
    `data-testid`, text, scrollWidth and clientWidth of the box that cuts them."""
    return frame.evaluate(CLIPPED_TEXT_JS)


def clear_config_caches() -> None:
    """Forget every configuration read from the data directory (region, sources and basemaps, sectors and layers,
    location factors, site vocabulary), so that a changed `$REGIONMAP_DATA_DIR` takes effect in this process."""
    from regionmap import config, taxonomy
    from regionmap.auth import session
    from regionmap.investor import factors as location_factors
    from regionmap.investor import finder as site_finder
    from regionmap.data import source_registry as sources_registry

    for cached in (config.region, sources_registry.registry, taxonomy.taxonomy, location_factors.location_factors,
                   site_finder.site_vocabulary, session.settings):
        cached.cache_clear()


@contextmanager
def data_dir_copy(target: Path, *, append: Mapping[str, str] | None = None,
                  files: Mapping[str, str] | None = None) -> Iterator[Path]:
    """Use a copy of the configuration data in `target` (TOML files, tours, curated CSVs; no built store) as
    `$REGIONMAP_DATA_DIR` while the block runs. `append` adds text to copied files, `files` writes new ones (paths
    relative to the data directory). The previous directory and fresh caches are restored afterwards."""
    from regionmap import config

    source = config.data_dir()
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.gpkg", "*.gpkg-*", "manifest.json"))
    for name, text in (append or {}).items():
        with (target / name).open("a", encoding="utf-8") as fh:
            fh.write(text)
    for name, text in (files or {}).items():
        (target / name).write_text(text, encoding="utf-8")
    previous = os.environ.get("REGIONMAP_DATA_DIR")
    os.environ["REGIONMAP_DATA_DIR"] = str(target)
    clear_config_caches()
    try:
        yield target
    finally:
        if previous is None:
            os.environ.pop("REGIONMAP_DATA_DIR", None)
        else:
            os.environ["REGIONMAP_DATA_DIR"] = previous
        clear_config_caches()
