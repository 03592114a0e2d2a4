"""The source registry `data/sources.toml`, loaded and checked into dataclasses."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
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
    background: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    default: bool = False

    def label(self, lang: str = config.DEFAULT_LANGUAGE) -> str:
        return self.labels.get(lang) or self.labels.get(config.DEFAULT_LANGUAGE) or self.title


@dataclass(frozen=True)
class Registry:
    sources: tuple[Source, ...]
    basemaps: tuple[Basemap, ...]

    @property
    def basemap_ids(self) -> tuple[str, ...]:
        """The ids of the basemaps one may choose, in the order of sources.toml."""
        return tuple(b.id for b in self.basemaps)

    @property
    def default_basemap(self) -> str:
        """The dashboard's basemap when the URL names none: the one marked `default`, else the first."""
        if not self.basemaps:
            raise ConfigError("sources.toml declares no [[basemaps]]: the map needs at least one")
        return next((b.id for b in self.basemaps if b.default), self.basemaps[0].id)

    @property
    def offline_basemap(self) -> str:
        """The presenter's basemap: the first one that needs no network (else the default)."""
        return next((b.id for b in self.basemaps if not b.online), self.default_basemap)

    def basemap(self, basemap_id: str) -> Basemap:
        for basemap in self.basemaps:
            if basemap.id == basemap_id:
                return basemap
        raise KeyError(basemap_id)

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
            background=entry.get("background"),
            labels=_basemap_labels(path, where, entry.get("label")),
            default=bool(entry.get("default", False)),
        )
    except KeyError as exc:
        raise ConfigError(f"{path}: {where}: missing key {exc}") from exc


def _basemap_labels(path: Path, where: str, raw: Any) -> dict[str, str]:
    """The basemap's name in every language (`label = { de = ..., en = ..., fr = ... }`)."""
    if not isinstance(raw, dict) or any(not str(raw.get(lang, "")).strip() for lang in config.LANGUAGES):
        raise ConfigError(f"{path}: {where}: 'label' needs a name for each of {', '.join(config.LANGUAGES)}")
    return {lang: str(raw[lang]) for lang in config.LANGUAGES}


def load_registry(path: Path | None = None) -> Registry:
    """Load and check `sources.toml`: required fields, unique ids, and one source for every role."""
    path = path or config.data_dir() / "sources.toml"
    raw = config.load_toml(path)
    entries = raw.get("sources")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: no [[sources]] entries")
    sources = tuple(_load_source(path, i, e) for i, e in enumerate(entries))
    basemaps = tuple(_load_basemap(path, i, e) for i, e in enumerate(raw.get("basemaps", [])))
    for basemap in basemaps:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", basemap.id):
            raise ConfigError(f"{path}: basemap id '{basemap.id}' must be lower-case letters, digits, '-' and '_'")
    if sum(b.default for b in basemaps) > 1:
        raise ConfigError(f"{path}: more than one basemap has default = true")
    for kind, ids in (("source", [s.id for s in sources]), ("basemap", [b.id for b in basemaps])):
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ConfigError(f"{path}: duplicate {kind} id(s) {', '.join(duplicates)}")
    for role in ROLES:
        filled = [s.id for s in sources if s.role == role]
        if len(filled) != 1:
            found = ", ".join(filled) or "none"
            raise ConfigError(f"{path}: role '{role}' needs exactly one source (found: {found})")
    return Registry(sources=sources, basemaps=basemaps)


@lru_cache(maxsize=None)
def registry() -> Registry:
    """The configured registry (cached; `registry.cache_clear()` after changing the data directory)."""
    return load_registry()


def default_tolerance_m(source_registry: Registry | None = None) -> float:
    """The positional tolerance of the registry's municipality boundaries (0 when its scale is not recorded)."""
    return (source_registry or registry()).by_role("municipalities").tolerance_m or 0.0
