"""`data/map_style.toml`: the boundary lines of the maps and the colours of classed numbers (choropleth, uploads)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from regionmap.config import data_dir, load_toml
from regionmap.dashboard.indicators import CLASS_RANGE
from regionmap.errors import ConfigError
from regionmap.maps.elements import check_colour

BOUNDARIES = ("gemeinden", "kreise", "region", "selected")


@dataclass(frozen=True)
class LineStyle:
    """A boundary line: its colour and width in pixels."""

    colour: str
    weight: float

    def arguments(self) -> dict[str, object]:
        """The keyword arguments of `regionmap.maps.boundary_layer` for this line."""
        return {"colour": self.colour, "weight": self.weight}


@dataclass(frozen=True)
class ClassColours:
    """Classed numbers: `colours` light to dark, the fills' opacity and the colour of the lines drawn over them."""

    colours: tuple[str, ...]
    fill_opacity: float
    lines: str

    def spread(self, k: int) -> list[str]:
        """`k` of the colours, spread evenly from the lightest to the darkest (one class: the darkest)."""
        if not 1 <= k <= len(self.colours):
            raise ValueError(f"{k} classes: the map style has colours for 1 to {len(self.colours)}")
        last = len(self.colours) - 1
        return [self.colours[last if k == 1 else round(i * last / (k - 1))] for i in range(k)]


@dataclass(frozen=True)
class MapStyle:
    """Everything `data/map_style.toml` declares."""

    boundaries: dict[str, LineStyle]
    classes: ClassColours


def _line(path: Path, name: str, raw: Any) -> LineStyle:
    where = f"{path}: [boundaries] {name}"
    if not isinstance(raw, dict) or set(raw) != {"colour", "weight"}:
        raise ConfigError(f"{where} needs exactly colour and weight")
    weight = raw["weight"]
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 10:
        raise ConfigError(f"{where}: weight must be a number of pixels above 0 and at most 10, got {weight!r}")
    return LineStyle(_colour(where, "colour", raw["colour"]), float(weight))


def _colour(where: str, field: str, value: Any) -> str:
    try:
        return check_colour(value, field)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def _classes(path: Path, raw: Any) -> ClassColours:
    where = f"{path}: [classes]"
    if not isinstance(raw, dict) or set(raw) != {"colours", "fill_opacity", "lines"}:
        raise ConfigError(f"{where} needs exactly colours, fill_opacity and lines")
    colours = raw["colours"]
    if not isinstance(colours, list) or len(colours) < CLASS_RANGE[1]:
        raise ConfigError(f"{where}: colours must list at least {CLASS_RANGE[1]} colours, light to dark "
                          "(a map has up to that many classes)")
    opacity = raw["fill_opacity"]
    if isinstance(opacity, bool) or not isinstance(opacity, (int, float)) or not 0 < opacity <= 1:
        raise ConfigError(f"{where}: fill_opacity must be a number above 0 and at most 1, got {opacity!r}")
    return ClassColours(tuple(_colour(where, f"colours[{i}]", c) for i, c in enumerate(colours)), float(opacity),
                        _colour(where, "lines", raw["lines"]))


def load_map_style(path: Path | None = None) -> MapStyle:
    """Read and check `data/map_style.toml` (or `path`): every boundary line and the class colours."""
    path = path or data_dir() / "map_style.toml"
    raw = load_toml(path)
    unknown = sorted(set(raw) - {"boundaries", "classes"})
    if unknown:
        raise ConfigError(f"{path}: unknown table(s) {', '.join(unknown)}")
    lines = raw.get("boundaries", {})
    if not isinstance(lines, dict) or set(lines) != set(BOUNDARIES):
        raise ConfigError(f"{path}: [boundaries] needs exactly {', '.join(BOUNDARIES)}")
    return MapStyle({name: _line(path, name, lines[name]) for name in BOUNDARIES},
                    _classes(path, raw.get("classes")))


@lru_cache(maxsize=1)
def map_style() -> MapStyle:
    """The configured map style (cached)."""
    return load_map_style()
