"""Locations and loading of regionmap's configuration files (region, sources, sectors, layers)."""

from __future__ import annotations

import os
import shutil
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from regionmap.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("de", "en", "fr")
DEFAULT_LANGUAGE = "de"
SOURCE_DIR_ENV = "REGIONMAP_SOURCE_DIR"
STORE_ENV = "REGIONMAP_STORE"


def resolve_path(value: str | os.PathLike[str]) -> Path:
    """A path from the command line or the environment, made absolute against the current directory where it is read
    (`..` folded away), so that later steps (symlinks, child processes with another working directory, the manifest)
    see the same file."""
    return Path(os.path.abspath(Path(value).expanduser()))


def env_path(name: str) -> Path | None:
    """The environment variable `name` as an absolute path (see `resolve_path`), or None when unset or empty."""
    value = os.environ.get(name, "").strip()
    return resolve_path(value) if value else None


PATH_ENV = ("REGIONMAP_SOURCE_DIR", "REGIONMAP_DATA_DIR", "REGIONMAP_CACHE_DIR", STORE_ENV)


def child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment plus `extra`, for a child process that runs in another directory: the path
    variables (`PATH_ENV`) made absolute against this process's current directory. Store URLs stay as they are."""
    env = {**os.environ, **(extra or {})}
    for name in PATH_ENV:
        value = env.get(name, "").strip()
        if value and (name != STORE_ENV or "://" not in value):
            env[name] = str(resolve_path(value))
    return env


def venv_command(name: str) -> str:
    """The console command `name` of this Python's environment (streamlit, regionmap), else `name` on the PATH."""
    return shutil.which(name, path=str(Path(sys.executable).parent)) or name


def data_dir() -> Path:
    """The directory holding the configuration data (`region.toml`, `sources.toml`, ...)."""
    return env_path("REGIONMAP_DATA_DIR") or PROJECT_ROOT / "data"


def source_dir() -> Path | None:
    """`$REGIONMAP_SOURCE_DIR`: the directory of the source datasets, absolute; None when unset."""
    return env_path(SOURCE_DIR_ENV)


def curated_dir() -> Path:
    """The directory of the curated layers owned by the project."""
    return data_dir() / "geo" / "curated"


def store_location() -> str:
    """The store the app reads: `$REGIONMAP_STORE` as given (a path, parsed by `regionmap.data.store.store_at`), or the
    absolute path of `data/geo/regionmap.gpkg`."""
    return os.environ.get(STORE_ENV, "").strip() or str(data_dir() / "geo" / "regionmap.gpkg")


def manifest_path(store: Path) -> Path:
    """The manifest written beside a store."""
    return store.with_name("manifest.json")


def cache_dir() -> Path:
    """Where downloaded source distributions are cached."""
    return env_path("REGIONMAP_CACHE_DIR") or Path.home() / ".cache" / "regionmap"


def public_url() -> str | None:
    """Where visitors reach the dashboard (`$REGIONMAP_PUBLIC_URL`, None when unset): the base of the presenter's
    QR-code links."""
    return os.environ.get("REGIONMAP_PUBLIC_URL", "").strip() or None


API_URL_ENV = "REGIONMAP_API_URL"
API_HOST = "127.0.0.1"
API_PORT = 5000
DEFAULT_API_URL = f"http://localhost:{API_PORT}"


def api_url() -> str:
    """Where GIS clients reach the OGC API (`$REGIONMAP_API_URL`, default `http://localhost:5000`, what
    `regionmap serve-api` serves without options), without a trailing slash."""
    return (os.environ.get(API_URL_ENV, "").strip() or DEFAULT_API_URL).rstrip("/")


def load_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file, turning syntax errors into a ConfigError that names the file."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


@dataclass(frozen=True)
class Kreis:
    ags: str
    name: str


@dataclass(frozen=True)
class Region:
    id: str
    names: dict[str, str]
    short_names: dict[str, str]
    state_ags: str
    kreise: tuple[Kreis, ...]

    @property
    def kreis_ags(self) -> tuple[str, ...]:
        return tuple(k.ags for k in self.kreise)

    def name(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.names.get(lang) or self.names[DEFAULT_LANGUAGE]


def load_region(path: Path | None = None) -> Region:
    """Load and check `region.toml`."""
    path = path or data_dir() / "region.toml"
    raw = load_toml(path)
    try:
        kreise = tuple(Kreis(ags=str(k["ags"]), name=str(k["name"])) for k in raw["kreise"])
        region = Region(
            id=str(raw["id"]),
            names={lang: str(raw["name"][lang]) for lang in LANGUAGES},
            short_names={lang: str(raw.get("short_name", raw["name"])[lang]) for lang in LANGUAGES},
            state_ags=str(raw.get("state_ags", "")),
            kreise=kreise,
        )
    except KeyError as exc:
        raise ConfigError(f"{path}: missing key {exc}") from exc
    for k in region.kreise:
        if len(k.ags) != 5 or not k.ags.isdigit():
            raise ConfigError(f"{path}: Kreis '{k.name}' has AGS '{k.ags}', expected 5 digits")
    if len(set(region.kreis_ags)) != len(region.kreise):
        raise ConfigError(f"{path}: duplicate Kreis AGS")
    return region


@lru_cache(maxsize=None)
def region() -> Region:
    """The configured region (cached)."""
    return load_region()
