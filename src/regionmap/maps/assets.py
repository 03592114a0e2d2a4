"""Offline map assets: the JavaScript and CSS files the maps need, copied from packaged dependencies into `static/vendor/`.

Streamlit serves `./static/` beside the entry script at `/app/static/...` (`server.enableStaticServing`), so the maps
load Leaflet, Leaflet.markercluster and jQuery from the app itself, never from a CDN.
"""

from __future__ import annotations

import importlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from regionmap.config import PROJECT_ROOT

URL_PREFIX = "/app/static/vendor"


@dataclass(frozen=True)
class Package:
    """A packaged asset distribution (`xstatic.pkg.<module>`) and the files of it the maps use."""

    module: str
    folder: str
    files: tuple[str, ...]

    @property
    def source_dir(self) -> Path:
        return Path(importlib.import_module(f"xstatic.pkg.{self.module}").BASE_DIR)

    @property
    def version(self) -> str:
        return str(importlib.import_module(f"xstatic.pkg.{self.module}").VERSION)

    @property
    def target_folder(self) -> str:
        """The versioned folder below `static/vendor/` (a new version gets a new URL, so browsers do not cache stale files)."""
        return f"{self.folder}-{self.version}"

    def url(self, file: str) -> str:
        if file not in self.files:
            raise KeyError(f"{file} is not an asset of {self.module}")
        return f"{URL_PREFIX}/{self.target_folder}/{file}"


LEAFLET = Package(
    "leaflet",
    "leaflet",
    (
        "leaflet.js",
        "leaflet.css",
        "images/layers.png",
        "images/layers-2x.png",
        "images/marker-icon.png",
        "images/marker-icon-2x.png",
        "images/marker-shadow.png",
    ),
)
MARKERCLUSTER = Package(
    "leaflet_markercluster",
    "leaflet-markercluster",
    ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"),
)
JQUERY = Package("jquery", "jquery", ("jquery.min.js",))
PACKAGES = (LEAFLET, MARKERCLUSTER, JQUERY)


def vendor_dir() -> Path:
    """Where the assets are copied: `static/vendor/` in the project (served as `/app/static/vendor`)."""
    return PROJECT_ROOT / "static" / "vendor"


def _is_current(source: Path, target: Path) -> bool:
    if not target.is_file():
        return False
    s, t = source.stat(), target.stat()
    return s.st_size == t.st_size and int(s.st_mtime) == int(t.st_mtime)


def _copy_atomic(source: Path, target: Path) -> None:
    """Copy so that a concurrent reader (another session, the static file server) never sees a partial file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(fd)
    try:
        shutil.copy2(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ensure_vendor_assets(target_dir: Path | None = None) -> list[Path]:
    """Copy every asset file the maps use into `target_dir` (default `static/vendor/`); return the files copied.

    Idempotent and cheap when already current (compares size and modification time, copies nothing).
    """
    target_dir = target_dir or vendor_dir()
    copied: list[Path] = []
    for package in PACKAGES:
        for file in package.files:
            source = package.source_dir / file
            if not source.is_file():
                raise FileNotFoundError(f"{source}: asset missing from the installed xstatic-{package.module} package")
            target = target_dir / package.target_folder / file
            if not _is_current(source, target):
                _copy_atomic(source, target)
                copied.append(target)
    return copied
