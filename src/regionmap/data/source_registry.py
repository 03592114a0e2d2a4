"""The source registry `data/sources.toml`, loaded and checked into dataclasses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from regionmap import config
from regionmap.errors import ConfigError

ROLES = ("municipalities", "states", "hospitals", "rail_stations", "airports", "postal_codes")
"""Every role the pipeline needs, each filled by exactly one source."""


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    licence: str
    licence_url: str
    attribution: str
    reference_date: str
    url: str
    format: str
    path: str
    role: str
    download_member: str | None = None
    download_layer: str | None = None
    reference_date_note: str | None = None
    scale: int | None = None  # map scale denominator of a boundary product (250000 for 1:250,000)

    @property
    def tolerance_m(self) -> float | None:
        """The positional tolerance of a boundary product: 0.2 mm at its scale (50 m at 1:250,000)."""
        return None if self.scale is None else positional_tolerance_m(self.scale)


MAP_ACCURACY_M = 0.0002
"""Positional accuracy of a map product, in metres at scale 1:1 (0.2 mm on the map)."""


def positional_tolerance_m(scale: int) -> float:
    """How far a correct point may lie outside its municipality in boundaries of scale 1:`scale`."""
    return scale * MAP_ACCURACY_M


@dataclass(frozen=True)
class Basemap:
    id: str
    title: str
    online: bool
    publisher: str | None = None
    licence: str | None = None
    licence_url: str | None = None
    attribution: str | None = None
    tiles: str | None = None
    max_zoom: int | None = None


@dataclass(frozen=True)
class Registry:
    sources: tuple[Source, ...]
    basemaps: tuple[Basemap, ...]

    def get(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)

    def by_role(self, role: str) -> Source:
        for source in self.sources:
            if source.role == role:
                return source
        raise KeyError(role)


_SOURCE_REQUIRED = ("id", "title", "publisher", "licence", "licence_url", "attribution", "reference_date", "url",
                    "format", "path", "role")
_SOURCE_OPTIONAL = ("download_member", "download_layer", "reference_date_note")


def _text(path: Path, where: str, entry: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{path}: {where}: '{key}' must be a non-empty string")
    return value


def _check_source(path: Path, source: Source) -> None:
    where = f"source '{source.id}'"
    if source.role not in ROLES:
        raise ConfigError(f"{path}: {where}: unknown role '{source.role}' (expected one of {', '.join(ROLES)})")
    try:
        dt.date.fromisoformat(source.reference_date)
    except ValueError as exc:
        raise ConfigError(f"{path}: {where}: reference_date '{source.reference_date}' is not an ISO date") from exc
    if not source.url.startswith(("https://", "http://")):
        raise ConfigError(f"{path}: {where}: url '{source.url}' is not an http(s) URL")
    rel = PurePosixPath(source.path)
    if rel.is_absolute() or ".." in rel.parts:
        raise ConfigError(f"{path}: {where}: path '{source.path}' must be relative to the source directory")


def _load_source(path: Path, index: int, entry: dict[str, Any]) -> Source:
    where = f"source #{index + 1} ('{entry.get('id', '?')}')"
    values = {key: _text(path, where, entry, key) for key in _SOURCE_REQUIRED}
    values |= {key: _text(path, where, entry, key, required=False) for key in _SOURCE_OPTIONAL}
    scale = entry.get("scale")
    if scale is not None and (not isinstance(scale, int) or isinstance(scale, bool) or scale <= 0):
        raise ConfigError(f"{path}: {where}: 'scale' must be a positive whole number (250000 for 1:250,000)")
    values["scale"] = scale
    unknown = sorted(set(entry) - set(_SOURCE_REQUIRED) - set(_SOURCE_OPTIONAL) - {"scale"})
    if unknown:
        raise ConfigError(f"{path}: {where}: unknown key(s) {', '.join(unknown)}")
    source = Source(**values)
    _check_source(path, source)
    return source


def _load_basemap(path: Path, index: int, entry: dict[str, Any]) -> Basemap:
    where = f"basemap #{index + 1} ('{entry.get('id', '?')}')"
    try:
        return Basemap(
            id=str(entry["id"]),
            title=str(entry["title"]),
            online=bool(entry["online"]),
            publisher=entry.get("publisher"),
            licence=entry.get("licence"),
            licence_url=entry.get("licence_url"),
            attribution=entry.get("attribution"),
            tiles=entry.get("tiles"),
            max_zoom=entry.get("max_zoom"),
        )
    except KeyError as exc:
        raise ConfigError(f"{path}: {where}: missing key {exc}") from exc


def load_registry(path: Path | None = None) -> Registry:
    """Load and check `sources.toml`: required fields, unique ids, and one source for every role."""
    path = path or config.data_dir() / "sources.toml"
    raw = config.load_toml(path)
    entries = raw.get("sources")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: no [[sources]] entries")
    sources = tuple(_load_source(path, i, e) for i, e in enumerate(entries))
    basemaps = tuple(_load_basemap(path, i, e) for i, e in enumerate(raw.get("basemaps", [])))
    ids = [s.id for s in sources]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigError(f"{path}: duplicate source id(s) {', '.join(duplicates)}")
    for role in ROLES:
        filled = [s.id for s in sources if s.role == role]
        if len(filled) != 1:
            found = ", ".join(filled) or "none"
            raise ConfigError(f"{path}: role '{role}' needs exactly one source (found: {found})")
    return Registry(sources=sources, basemaps=basemaps)


def default_tolerance_m(registry: Registry | None = None) -> float:
    """The positional tolerance of the registry's municipality boundaries (0 when its scale is not recorded)."""
    return (registry or load_registry()).by_role("municipalities").tolerance_m or 0.0
