"""Finding investment sites: filter by type, size, availability, planning status, land use, serviced, rail siding,
sector, place and distance to location factors.

Size rule: a site with a known `area_ha` matches a size range when `min_ha <= area_ha <= max_ha`. A site whose area is
unknown matches only through its `size_class`: when the class's range (`[[size_classes]]` in
`data/location_factors.toml`, e.g. M = 5–20 ha) overlaps the requested range, as the site may have the size asked for.
A site with neither an area nor a known size class does not match any size filter (it matches when no size is asked).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from regionmap.investor.comparison import AREA_ROW
from regionmap.config import DEFAULT_LANGUAGE, LANGUAGES, data_dir, load_toml
from regionmap.errors import ConfigError
from regionmap.investor.factors import LocationFactor, factor_by_id, location_factors


@dataclass(frozen=True)
class SiteCode:
    """A coded site attribute value (a size class or an availability) with its labels and, for sizes, its range."""

    id: str
    labels: dict[str, str]
    min_ha: float = 0.0
    max_ha: float = math.inf

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.labels.get(lang) or self.labels[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class SiteVocabulary:
    size_classes: tuple[SiteCode, ...]
    availability: tuple[SiteCode, ...]

    def size_class(self, code: object) -> SiteCode | None:
        return next((c for c in self.size_classes if c.id == code), None)

    def availability_label(self, code: object, lang: str = DEFAULT_LANGUAGE) -> str:
        """The label of an availability code; an unknown code is returned as it is."""
        known = next((c for c in self.availability if c.id == code), None)
        return known.label(lang) if known else str(code)

    def size_class_label(self, code: object, lang: str = DEFAULT_LANGUAGE) -> str:
        """The label of a size class code; an unknown code is returned as it is."""
        known = self.size_class(code)
        return known.label(lang) if known else str(code)


def _code(raw: Any, where: str, sized: bool) -> SiteCode:
    if not isinstance(raw, dict) or not str(raw.get("id", "")).strip():
        raise ConfigError(f"{where}: expected a table with a non-empty id")
    labels = raw.get("label")
    if not isinstance(labels, dict) or any(not str(labels.get(lang, "")).strip() for lang in LANGUAGES):
        raise ConfigError(f"{where}: label needs {', '.join(LANGUAGES)}")
    bounds = {}
    if sized:
        for key, default in (("min_ha", 0.0), ("max_ha", math.inf)):
            value = raw.get(key, default)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"{where}: {key} must be a non-negative number")
            bounds[key] = float(value)
        if bounds["min_ha"] > bounds["max_ha"]:
            raise ConfigError(f"{where}: min_ha is larger than max_ha")
    return SiteCode(id=str(raw["id"]), labels={lang: str(labels[lang]) for lang in LANGUAGES}, **bounds)


def load_site_vocabulary(path: Path | None = None) -> SiteVocabulary:
    """The size classes and availability codes from `location_factors.toml`, checked."""
    path = path or data_dir() / "location_factors.toml"
    raw = load_toml(path)
    parts = {}
    for key, sized in (("size_classes", True), ("availability", False)):
        items = raw.get(key)
        if not isinstance(items, list) or not items:
            raise ConfigError(f"{path}: expected a non-empty [[{key}]] list")
        codes = tuple(_code(item, f"{path}: {key}[{i}]", sized) for i, item in enumerate(items))
        ids = [c.id for c in codes]
        if len(set(ids)) != len(ids):
            raise ConfigError(f"{path}: duplicate id in [[{key}]]")
        parts[key] = codes
    return SiteVocabulary(**parts)


@lru_cache(maxsize=None)
def site_vocabulary() -> SiteVocabulary:
    """The configured size classes and availability codes (cached)."""
    return load_site_vocabulary()


def _as_set(values: Iterable[str] | None) -> frozenset[str]:
    if values is None or isinstance(values, str):
        raise TypeError("expected a collection of strings, not a single string")
    return frozenset(str(v) for v in values)


@dataclass(frozen=True)
class SiteQuery:
    """A site search. Empty collections and None mean "no restriction".

    `types` are sites categories, `sectors` match a site carrying any of them, `kreis` is a 5-digit and `gemeinde`
    an 8-digit AGS, `max_km` maps location factor ids to the largest allowed distance (a site with an unknown
    distance does not match). `planning_status` and `land_use` are codes of those columns (data/layers.toml);
    `serviced`, `rail_siding` and `operation_24h` keep the sites stating yes (a site that does not state it does not
    match); `min_broadband` keeps those stating at least that many Mbit/s.
    """

    types: frozenset[str] = frozenset()
    min_ha: float | None = None
    max_ha: float | None = None
    availability: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()
    kreis: str | None = None
    gemeinde: str | None = None
    max_km: Mapping[str, float] = field(default_factory=dict)
    planning_status: frozenset[str] = frozenset()
    land_use: frozenset[str] = frozenset()
    serviced: bool = False  # only sites stated to be serviced (erschlossen)
    rail_siding: bool = False  # only sites stated to have a rail siding
    operation_24h: bool = False  # only sites stated to allow operation around the clock
    min_broadband: float | None = None  # Mbit/s

    def __post_init__(self) -> None:
        for name in ("types", "availability", "sectors", "planning_status", "land_use"):
            object.__setattr__(self, name, _as_set(getattr(self, name)))
        for name in ("min_ha", "max_ha", "min_broadband"):
            value = getattr(self, name)
            if value is not None and (math.isnan(value) or value < 0):
                raise ValueError(f"SiteQuery.{name}: {value} is not a non-negative number")
        if self.min_ha is not None and self.max_ha is not None and self.min_ha > self.max_ha:
            raise ValueError(f"SiteQuery: min_ha {self.min_ha} is larger than max_ha {self.max_ha}")
        for factor_id, km in self.max_km.items():
            if math.isnan(km) or km < 0:
                raise ValueError(f"SiteQuery.max_km[{factor_id!r}]: {km} is not a non-negative number")
        object.__setattr__(self, "max_km", dict(self.max_km))


def find_sites(
    sites: gpd.GeoDataFrame,
    query: SiteQuery,
    factors: Iterable[LocationFactor] | None = None,
    vocabulary: SiteVocabulary | None = None,
) -> gpd.GeoDataFrame:
    """The sites of `query`'s Kreis and municipality that meet every other part of it
    (`regionmap.investor.matching.match_site`: no miss), in their original order.

    `factors` (default: the configured ones) resolves the factor ids of `query.max_km` to columns (KeyError for an
    unknown id); `vocabulary` (default: the configured one) gives the size class ranges.
    """
    from regionmap.investor.matching import match_site  # matching builds on this module's query

    sites = sites.reset_index(drop=True) if not sites.index.is_unique else sites
    factors = tuple(factors) if factors is not None else location_factors()
    for factor_id in query.max_km:
        factor_by_id(factors, factor_id)
    mask = np.ones(len(sites), dtype=bool)
    if query.kreis:
        mask &= (sites["kreis_ags"] == query.kreis).fillna(False).to_numpy(dtype=bool)
    if query.gemeinde:
        mask &= (sites["ags"] == query.gemeinde).fillna(False).to_numpy(dtype=bool)
    placed = sites[mask]
    met = [not match_site(row, query, factors, vocabulary=vocabulary or site_vocabulary()).misses
           for row in placed.to_dict("records")]
    return placed[np.array(met, dtype=bool)] if len(placed) else placed


def size_scale(sites: pd.DataFrame, vocabulary: SiteVocabulary | None = None) -> float:
    """The top of a size filter's scale in ha: the largest known area or finite size-class bound, rounded up (1 when
    there is neither), so that every size class can be asked for even when no site has a published area."""
    vocabulary = vocabulary or site_vocabulary()
    area = pd.to_numeric(sites["area_ha"], errors="coerce")
    known = [float(area.max())] if area.notna().any() else []
    bounds = [b for c in vocabulary.size_classes for b in (c.min_ha, c.max_ha) if math.isfinite(b)]
    top = max([*known, *bounds], default=0.0)
    return float(math.ceil(top)) if top > 0 else 1.0


FIT = "fit"  # the sort key and column of the fit to a requirement profile (`regionmap.investor.matching`)


def sort_keys(factors: Iterable[LocationFactor]) -> tuple[str, ...]:
    """What a site list can be sorted by: name, the fit to the profile (FIT), area (AREA_ROW) and each location
    factor's id."""
    return ("name", FIT, AREA_ROW, *(factor.id for factor in factors))


def sort_sites(
    sites: pd.DataFrame, by: str, ascending: bool = True, factors: Iterable[LocationFactor] | None = None
) -> pd.DataFrame:
    """`sites` sorted by a column or a location factor id (its distance column); missing values last, stable."""
    factors = tuple(factors) if factors is not None else location_factors()
    column = by if by in sites.columns else factor_by_id(factors, by).value_column
    if column not in sites.columns:
        raise KeyError(f"sites have no column '{column}'")
    values = sites[column]
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        key = values.astype("string").str.casefold()
    else:
        key = values
    order = key.reset_index(drop=True).sort_values(ascending=ascending, na_position="last", kind="stable").index
    return sites.iloc[order.to_numpy()]
