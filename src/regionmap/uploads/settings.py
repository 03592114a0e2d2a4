"""`data/uploads.toml`: limits, accepted formats and coordinate column names for files that users bring."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from regionmap import config
from regionmap.dashboard.indicators import CLASS_RANGE
from regionmap.errors import ConfigError

FORMATS = ("csv", "xlsx", "geojson", "gpkg", "shapefile_zip", "kml")
COLUMN_ROLES = ("lon", "lat", "x", "y", "postcode", "name")


@dataclass(frozen=True)
class Projected:
    """A projected CRS recognised by the range of its coordinates."""

    epsg: int
    label: str
    east: tuple[float, float]
    north: tuple[float, float]

    def holds(self, east: float, north: float) -> bool:
        """Whether a coordinate pair lies in this CRS's range."""
        return self.east[0] <= east <= self.east[1] and self.north[0] <= north <= self.north[1]


@dataclass(frozen=True)
class UploadStyle:
    """How a styled upload is coloured."""

    colour: str
    categorical: tuple[str, ...]
    other: str
    scheme: str
    classes: int


@dataclass(frozen=True)
class UploadSettings:
    """Everything `data/uploads.toml` declares."""

    max_bytes: int
    max_uncompressed_bytes: int
    max_rows: int
    max_cell_chars: int
    max_listed_problems: int
    formats: dict[str, str]  # suffix -> format
    columns: dict[str, tuple[str, ...]]  # role -> normalised header names
    projected: tuple[Projected, ...]
    style: UploadStyle


def _style(path: Path, raw: dict[str, Any]) -> UploadStyle:
    try:
        style = UploadStyle(str(raw["colour"]), tuple(map(str, raw["categorical"])), str(raw["other"]),
                            str(raw["scheme"]), int(raw["classes"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: [style] needs colour, categorical, other, scheme and classes") from exc
    if not style.categorical:
        raise ConfigError(f"{path}: [style] needs categorical colours")
    if not CLASS_RANGE[0] <= style.classes <= CLASS_RANGE[1]:
        raise ConfigError(f"{path}: [style] classes must be from {CLASS_RANGE[0]} to {CLASS_RANGE[1]}, "
                          f"got {style.classes}")
    return style


def normalise_header(name: object) -> str:
    """A column name as compared with the configured names: lower-case, spaces and hyphens as underscores."""
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def _positive(path: Path, table: dict[str, Any], key: str) -> int:
    value = table.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{path}: [limits] {key} must be a positive whole number")
    return value


def _range(path: Path, entry: dict[str, Any], key: str) -> tuple[float, float]:
    value = entry.get(key)
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int | float) for v in value)
            and value[0] < value[1]):
        raise ConfigError(f"{path}: [[projected]] epsg {entry.get('epsg')}: {key} must be [min, max]")
    return float(value[0]), float(value[1])


def load_settings(path: Path | None = None) -> UploadSettings:
    """Load and check `uploads.toml`."""
    path = path or config.data_dir() / "uploads.toml"
    raw = config.load_toml(path)
    limits = raw.get("limits", {})
    formats = {str(k).lower(): v for k, v in raw.get("formats", {}).items()}
    unknown = sorted({v for v in formats.values()} - set(FORMATS))
    if not formats or unknown:
        raise ConfigError(f"{path}: [formats] must map suffixes to {', '.join(FORMATS)} (unknown: {unknown})")
    columns = {role: tuple(normalise_header(n) for n in raw.get("columns", {}).get(role, ())) for role in COLUMN_ROLES}
    if not all(columns.values()):
        raise ConfigError(f"{path}: [columns] needs names for each of {', '.join(COLUMN_ROLES)}")
    projected = tuple(Projected(int(e["epsg"]), str(e.get("label", e["epsg"])), _range(path, e, "east"),
                                _range(path, e, "north")) for e in raw.get("projected", ()))
    return UploadSettings(
        max_bytes=_positive(path, limits, "max_bytes"),
        max_uncompressed_bytes=_positive(path, limits, "max_uncompressed_bytes"),
        max_rows=_positive(path, limits, "max_rows"),
        max_cell_chars=_positive(path, limits, "max_cell_chars"),
        max_listed_problems=_positive(path, limits, "max_listed_problems"),
        formats=formats,
        columns=columns,
        projected=projected,
        style=_style(path, raw.get("style", {})),
    )


@lru_cache(maxsize=1)
def settings() -> UploadSettings:
    """The project's upload settings (cached)."""
    return load_settings()
