"""The sector taxonomy (`data/sectors.toml`) and the thematic layers with their categories (`data/layers.toml`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from regionmap.config import DEFAULT_LANGUAGE, LANGUAGES, data_dir, load_toml
from regionmap.errors import ConfigError

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*$")
COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Sector:
    id: str
    labels: dict[str, str]
    colour: str
    icon: str

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.labels.get(lang) or self.labels[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Category:
    id: str
    labels: dict[str, str]
    colour: str

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.labels.get(lang) or self.labels[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Layer:
    id: str
    labels: dict[str, str]
    colour: str
    categories: tuple[Category, ...]
    source_roles: tuple[str, ...] = ()  # roles in data/sources.toml of the official datasets behind the layer

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.labels.get(lang) or self.labels[DEFAULT_LANGUAGE]

    @property
    def category_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)


@dataclass(frozen=True)
class MobilityRules:
    """How source records become mobility categories (`[mobility]` in layers.toml)."""

    scheduled_airports: frozenset[str]
    station_categories: dict[str, str]


@dataclass(frozen=True)
class Taxonomy:
    sectors: tuple[Sector, ...]
    layers: tuple[Layer, ...]
    mobility: MobilityRules

    @property
    def sector_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sectors)

    def layer(self, layer_id: str) -> Layer:
        """The layer with this id; a ConfigError when layers.toml does not define it."""
        for layer in self.layers:
            if layer.id == layer_id:
                return layer
        raise ConfigError(f"layers.toml: no layer '{layer_id}'")


def _where(path: Path, table: str, index: int) -> str:
    return f"{path}: {table}[{index}]"


def _labels(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: 'label' must be a table with {', '.join(LANGUAGES)}")
    missing = [lang for lang in LANGUAGES if not str(raw.get(lang, "")).strip()]
    if missing:
        raise ConfigError(f"{where}: label missing for {', '.join(missing)}")
    return {lang: str(raw[lang]) for lang in LANGUAGES}


def _id(raw: dict[str, Any], where: str) -> str:
    value = str(raw.get("id", ""))
    if not ID_PATTERN.match(value):
        raise ConfigError(f"{where}: id '{value}' must match {ID_PATTERN.pattern}")
    return value


def _colour(raw: dict[str, Any], where: str) -> str:
    value = str(raw.get("colour", ""))
    if not COLOUR_PATTERN.match(value):
        raise ConfigError(f"{where}: colour '{value}' must be #rrggbb")
    return value


def _unique(ids: list[str], where: str) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise ConfigError(f"{where}: duplicate id '{value}'")
        seen.add(value)


def _table_list(raw: dict[str, Any], key: str, path: Path) -> list[dict[str, Any]]:
    items = raw.get(key)
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise ConfigError(f"{path}: expected a non-empty [[{key}]] list")
    return items


def load_sectors(path: Path | None = None) -> tuple[Sector, ...]:
    """Load and check `sectors.toml`."""
    path = path or data_dir() / "sectors.toml"
    sectors = []
    for i, raw in enumerate(_table_list(load_toml(path), "sectors", path)):
        where = _where(path, "sectors", i)
        icon = str(raw.get("icon", "")).strip()
        if not icon:
            raise ConfigError(f"{where}: icon missing")
        sectors.append(Sector(id=_id(raw, where), labels=_labels(raw.get("label"), where), colour=_colour(raw, where),
                              icon=icon))
    _unique([s.id for s in sectors], str(path))
    return tuple(sectors)


def _load_layer(raw: dict[str, Any], where: str) -> Layer:
    categories = raw.get("categories")
    if not isinstance(categories, list) or not categories:
        raise ConfigError(f"{where}: expected a non-empty 'categories' list")
    cats = []
    for j, cat in enumerate(categories):
        cat_where = f"{where}.categories[{j}]"
        if not isinstance(cat, dict):
            raise ConfigError(f"{cat_where}: expected a table")
        cats.append(Category(id=_id(cat, cat_where), labels=_labels(cat.get("label"), cat_where),
                             colour=_colour(cat, cat_where)))
    _unique([c.id for c in cats], where)
    roles = raw.get("sources", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise ConfigError(f"{where}: 'sources' must be a list of source roles")
    return Layer(id=_id(raw, where), labels=_labels(raw.get("label"), where), colour=_colour(raw, where),
                 categories=tuple(cats), source_roles=tuple(roles))


def _load_mobility(raw: Any, layers: tuple[Layer, ...], path: Path) -> MobilityRules:
    where = f"{path}: [mobility]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: table missing")
    airports = raw.get("scheduled_airports", [])
    stations = raw.get("station_categories", {})
    if not isinstance(airports, list) or not all(isinstance(a, str) for a in airports):
        raise ConfigError(f"{where}: scheduled_airports must be a list of ICAO codes")
    if not isinstance(stations, dict):
        raise ConfigError(f"{where}: station_categories must be a table traffic -> category")
    mobility = next((layer for layer in layers if layer.id == "mobility"), None)
    if mobility is None:
        raise ConfigError(f"{where}: layers.toml defines no 'mobility' layer")
    for traffic, category in stations.items():
        if category not in mobility.category_ids:
            raise ConfigError(f"{where}: station_categories.{traffic} = '{category}' is not a mobility category")
    return MobilityRules(
        scheduled_airports=frozenset(a.upper() for a in airports),
        station_categories={str(k): str(v) for k, v in stations.items()},
    )


def load_layers(path: Path | None = None) -> tuple[tuple[Layer, ...], MobilityRules]:
    """Load and check `layers.toml`: the layers and the `[mobility]` rules."""
    path = path or data_dir() / "layers.toml"
    raw = load_toml(path)
    items = _table_list(raw, "layers", path)
    layers = tuple(_load_layer(item, _where(path, "layers", i)) for i, item in enumerate(items))
    _unique([layer.id for layer in layers], str(path))
    return layers, _load_mobility(raw.get("mobility"), layers, path)


def load_taxonomy(directory: Path | None = None) -> Taxonomy:
    """Load sectors.toml and layers.toml from `directory` (default: the configured data directory)."""
    directory = directory or data_dir()
    layers, mobility = load_layers(directory / "layers.toml")
    return Taxonomy(sectors=load_sectors(directory / "sectors.toml"), layers=layers, mobility=mobility)


@lru_cache(maxsize=None)
def taxonomy() -> Taxonomy:
    """The configured taxonomy (cached)."""
    return load_taxonomy()
