"""Location factors of investment sites: distance to the nearest station, airport, university, junction, ...

The factors are data (`data/location_factors.toml`). How a distance is measured is a `DistanceMetric`: the straight-line
metric ships now; a routing engine (road travel times) can be added later as another metric without changing callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from shapely.geometry import Point

from regionmap.config import DEFAULT_LANGUAGE, LANGUAGES, data_dir, load_toml
from regionmap.errors import ConfigError
from regionmap.spatial import METRIC_CRS
from regionmap.taxonomy import ID_PATTERN, Taxonomy, taxonomy

BETTER = ("lower", "higher")
SITES = "sites"  # the layer whose records get the location factors


@dataclass(frozen=True)
class LocationFactor:
    """One location factor: the nearest feature of some categories of a thematic layer."""

    id: str
    column: str
    layer: str
    categories: tuple[str, ...]
    better: str
    labels: dict[str, str]

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.labels.get(lang) or self.labels[DEFAULT_LANGUAGE]

    @property
    def value_column(self) -> str:
        """The straight-line distance column in the store, e.g. `dist_station_fv_km`."""
        return factor_columns(self, STRAIGHT_LINE).value

    @property
    def name_column(self) -> str:
        return factor_columns(self, STRAIGHT_LINE).name

    @property
    def id_column(self) -> str:
        return factor_columns(self, STRAIGHT_LINE).id


@dataclass(frozen=True)
class Nearest:
    """For each origin: the value to its nearest target (NaN when none) and that target's position (-1 when none)."""

    values: np.ndarray
    positions: np.ndarray


class DistanceMetric(Protocol):
    """How the distance from sites to targets is measured.

    `id` names the metric (its UI label is the locale key `metric.<id>`); the columns it writes are
    `<stem>_<factor column>_<unit>` for the value and `<nearest_stem>_<factor column>` (+ `_id`) for the nearest target.
    """

    id: str
    stem: str
    unit: str
    nearest_stem: str
    decimals: int

    def nearest(self, origins: gpd.GeoSeries, targets: gpd.GeoSeries) -> Nearest: ...


@dataclass(frozen=True)
class StraightLineMetric:
    """Straight-line (as the crow flies) distance in km, measured in EPSG:25832."""

    id: str = "straight_line"
    stem: str = "dist"
    unit: str = "km"
    nearest_stem: str = "nearest"
    decimals: int = 2
    crs: str = METRIC_CRS

    def nearest(self, origins: gpd.GeoSeries, targets: gpd.GeoSeries) -> Nearest:
        values = np.full(len(origins), np.nan)
        positions = np.full(len(origins), -1, dtype=np.int64)
        target_geoms = targets.to_crs(self.crs).values
        usable = ~(shapely.is_missing(target_geoms) | shapely.is_empty(target_geoms))
        if len(origins) == 0 or not usable.any():
            return Nearest(values, positions)
        usable_positions = np.flatnonzero(usable)
        tree = shapely.STRtree(target_geoms[usable])
        (origin_idx, tree_idx), metres = tree.query_nearest(
            origins.to_crs(self.crs).values, return_distance=True, all_matches=False
        )
        values[origin_idx] = np.round(metres / 1000.0, self.decimals)
        positions[origin_idx] = usable_positions[tree_idx]
        return Nearest(values, positions)


STRAIGHT_LINE = StraightLineMetric()


@dataclass(frozen=True)
class FactorColumns:
    value: str
    name: str
    id: str


def factor_columns(factor: LocationFactor, metric: DistanceMetric) -> FactorColumns:
    """The column names a factor gets under a metric."""
    nearest = f"{metric.nearest_stem}_{factor.column}"
    return FactorColumns(value=f"{metric.stem}_{factor.column}_{metric.unit}", name=nearest, id=f"{nearest}_id")


def _parse_factor(raw: Any, where: str, tax: Taxonomy) -> LocationFactor:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table")
    for key in ("id", "column"):
        if not ID_PATTERN.match(str(raw.get(key, ""))):
            raise ConfigError(f"{where}: {key} '{raw.get(key, '')}' must match {ID_PATTERN.pattern}")
    layer_id = str(raw.get("layer", ""))
    layer = next((layer for layer in tax.layers if layer.id == layer_id), None)
    if layer is None:
        raise ConfigError(f"{where}: layer '{layer_id}' is not defined in layers.toml")
    categories = raw.get("categories")
    if not isinstance(categories, list) or not categories:
        raise ConfigError(f"{where}: categories must be a non-empty list")
    unknown = [c for c in categories if c not in layer.category_ids]
    if unknown:
        raise ConfigError(f"{where}: categories {unknown} are not categories of layer '{layer_id}'")
    better = raw.get("better", "")
    if better not in BETTER:
        raise ConfigError(f"{where}: better '{better}' must be one of {', '.join(BETTER)}")
    labels = raw.get("label")
    if not isinstance(labels, dict) or any(not str(labels.get(lang, "")).strip() for lang in LANGUAGES):
        raise ConfigError(f"{where}: label needs {', '.join(LANGUAGES)}")
    return LocationFactor(
        id=str(raw["id"]),
        column=str(raw["column"]),
        layer=layer_id,
        categories=tuple(str(c) for c in categories),
        better=better,
        labels={lang: str(labels[lang]) for lang in LANGUAGES},
    )


def load_factors(path: Path | None = None, tax: Taxonomy | None = None) -> tuple[LocationFactor, ...]:
    """Load and check `location_factors.toml` against the taxonomy's layers and categories."""
    path = path or data_dir() / "location_factors.toml"
    tax = tax or taxonomy()
    items = load_toml(path).get("factors")
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{path}: expected a non-empty [[factors]] list")
    factors = tuple(_parse_factor(raw, f"{path}: factors[{i}]", tax) for i, raw in enumerate(items))
    for key in ("id", "column"):
        values = [getattr(f, key) for f in factors]
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise ConfigError(f"{path}: duplicate {key} {duplicates}")
    return factors


@lru_cache(maxsize=None)
def location_factors() -> tuple[LocationFactor, ...]:
    """The configured location factors (cached)."""
    return load_factors()


def factor_by_id(factors: tuple[LocationFactor, ...], factor_id: str) -> LocationFactor:
    """The factor with this id; KeyError naming the known ids otherwise."""
    for factor in factors:
        if factor.id == factor_id:
            return factor
    raise KeyError(f"unknown location factor '{factor_id}' (known: {', '.join(f.id for f in factors)})")


def compute_location_factors(
    sites: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    factors: tuple[LocationFactor, ...] | list[LocationFactor],
    metric: DistanceMetric = STRAIGHT_LINE,
) -> gpd.GeoDataFrame:
    """A copy of `sites` with, per factor, the value to the nearest target and its `name` and `id`.

    Targets are the rows of `layers[factor.layer]` whose `category` is one of the factor's categories. A factor without
    any target gives NaN values and missing names. Existing factor columns are replaced.
    """
    if sites.crs is None:
        raise ValueError("sites: GeoDataFrame has no CRS")
    out = sites.copy()
    for factor in factors:
        if factor.layer not in layers:
            raise ValueError(f"location factor '{factor.id}': layer '{factor.layer}' was not passed")
        layer = layers[factor.layer]
        missing = {"id", "name", "category"} - set(layer.columns)
        if missing:
            raise ValueError(f"location factor '{factor.id}': layer '{factor.layer}' lacks columns {sorted(missing)}")
        targets = layer[layer["category"].isin(factor.categories)]
        nearest = metric.nearest(out.geometry, targets.geometry)
        found = nearest.positions >= 0
        columns = factor_columns(factor, metric)
        out[columns.value] = nearest.values
        for column, source in ((columns.name, "name"), (columns.id, "id")):
            picked = np.full(len(out), None, dtype=object)
            picked[found] = targets[source].to_numpy(dtype=object)[nearest.positions[found]]
            out[column] = pd.Series(picked, index=out.index, dtype="string")
    return out


@dataclass(frozen=True)
class NearestFeature:
    """The nearest feature of one location factor of a site, for maps and reports."""

    factor_id: str
    name: str
    km: float
    point: Point  # EPSG:25832
    colour: str  # its category's colour
    category_label: str


def nearest_features(
    site: pd.Series,
    layers: dict[str, gpd.GeoDataFrame] | Any,
    factors: tuple[LocationFactor, ...] | list[LocationFactor],
    tax: Taxonomy,
    lang: str,
    factor_ids: Any = None,
    fallback_colour: str = "#263238",
) -> list[NearestFeature]:
    """The nearest feature of each factor (or of those in `factor_ids`), found by the site's `nearest_<factor>_id`."""
    out = []
    for factor in (f for f in factors if factor_ids is None or f.id in factor_ids):
        target_id = site.get(factor.id_column)
        layer = layers.get(factor.layer)
        if layer is None or not isinstance(target_id, str) or not target_id:
            continue
        rows = layer[layer["id"] == target_id]
        if rows.empty or rows.geometry.iloc[0] is None or rows.geometry.iloc[0].is_empty:
            continue
        row = rows.iloc[0]
        point = gpd.GeoSeries([rows.geometry.iloc[0]], crs=layer.crs).to_crs(METRIC_CRS).iloc[0]
        category = next((c for c in tax.layer(factor.layer).categories if c.id == row["category"]), None)
        out.append(NearestFeature(
            factor_id=factor.id,
            name=str(row["name"]),
            km=float(site.get(factor.value_column, np.nan)),
            point=point.representative_point(),
            colour=category.colour if category else fallback_colour,
            category_label=category.label(lang) if category else factor.label(lang),
        ))
    return out
