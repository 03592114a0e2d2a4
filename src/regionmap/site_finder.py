"""Finding investment sites: filter by type, size, availability, sector, place and distance to location factors.

Size rule: a site with a known `area_ha` matches a size range when `min_ha <= area_ha <= max_ha`. A site whose area is
unknown matches only through its `size_class` (e.g. "10–20 ha", "< 5 ha", "über 50 ha"): it matches when the class's
range overlaps the requested range, as the site may have the size asked for. A site with neither an area nor a
size class that can be read as a range does not match any size filter (it still matches when no size is asked for).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from regionmap.location_factors import LocationFactor, factor_by_id, location_factors

_NUMBER = r"(\d+(?:[.,]\d+)?)"
_UNIT = r"\s*(?:ha|hektar|hectares?)?\.?\s*$"
SIZE_CLASS_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^(?:ca\.?\s*)?{_NUMBER}\s*(?:-|–|—|bis|to|à)\s*{_NUMBER}{_UNIT}", re.IGNORECASE), "between"),
    (re.compile(rf"^(?:<|≤|<=|bis|unter|up to|under|below|moins de|jusqu'à)\s*{_NUMBER}{_UNIT}", re.IGNORECASE), "upto"),
    (re.compile(rf"^(?:>|≥|>=|ab|über|ueber|from|over|above|plus de|à partir de)\s*{_NUMBER}{_UNIT}", re.IGNORECASE), "from"),
    (re.compile(rf"^{_NUMBER}\s*\+{_UNIT}", re.IGNORECASE), "from"),
)


def size_class_range(size_class: object) -> tuple[float, float]:
    """The area range in ha that a size class text stands for; (nan, nan) when it cannot be read."""
    if not isinstance(size_class, str):
        return (math.nan, math.nan)
    text = " ".join(size_class.split())
    for pattern, kind in SIZE_CLASS_PATTERNS:
        match = pattern.match(text)
        if match:
            numbers = [float(n.replace(",", ".")) for n in match.groups()]
            if kind == "between":
                return (min(numbers), max(numbers))
            return (0.0, numbers[0]) if kind == "upto" else (numbers[0], math.inf)
    return (math.nan, math.nan)


def _as_set(values: Iterable[str] | None) -> frozenset[str]:
    if values is None or isinstance(values, str):
        raise TypeError("expected a collection of strings, not a single string")
    return frozenset(str(v) for v in values)


@dataclass(frozen=True)
class SiteQuery:
    """A site search. Empty collections and None mean "no restriction".

    `types` are sites categories, `sectors` match a site carrying any of them, `kreis` is a 5-digit and `gemeinde`
    an 8-digit AGS, `max_km` maps location factor ids to the largest allowed distance (a site with an unknown
    distance does not match).
    """

    types: frozenset[str] = frozenset()
    min_ha: float | None = None
    max_ha: float | None = None
    availability: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()
    kreis: str | None = None
    gemeinde: str | None = None
    max_km: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("types", "availability", "sectors"):
            object.__setattr__(self, name, _as_set(getattr(self, name)))
        for name in ("min_ha", "max_ha"):
            value = getattr(self, name)
            if value is not None and (math.isnan(value) or value < 0):
                raise ValueError(f"SiteQuery.{name}: {value} is not a non-negative number")
        if self.min_ha is not None and self.max_ha is not None and self.min_ha > self.max_ha:
            raise ValueError(f"SiteQuery: min_ha {self.min_ha} is larger than max_ha {self.max_ha}")
        for factor_id, km in self.max_km.items():
            if math.isnan(km) or km < 0:
                raise ValueError(f"SiteQuery.max_km[{factor_id!r}]: {km} is not a non-negative number")
        object.__setattr__(self, "max_km", dict(self.max_km))


def _size_mask(sites: pd.DataFrame, low: float, high: float) -> np.ndarray:
    area = pd.to_numeric(sites["area_ha"], errors="coerce").to_numpy(dtype=float)
    known = {value: size_class_range(value) for value in sites["size_class"].dropna().unique()}
    ranges = np.array([known.get(v, (math.nan, math.nan)) for v in sites["size_class"]], dtype=float).reshape(-1, 2)
    by_area = (area >= low) & (area <= high)
    by_class = np.isnan(area) & (ranges[:, 0] <= high) & (ranges[:, 1] >= low)
    return by_area | by_class


def _sector_mask(sites: pd.DataFrame, sectors: frozenset[str]) -> np.ndarray:
    ids = sites["sectors"].astype("string").fillna("").str.split(",").explode().str.strip()
    return ids.isin(sectors).groupby(level=0, sort=False).any().reindex(sites.index, fill_value=False).to_numpy()


def find_sites(
    sites: gpd.GeoDataFrame, query: SiteQuery, factors: Iterable[LocationFactor] | None = None
) -> gpd.GeoDataFrame:
    """The sites matching every part of `query`, in their original order.

    `factors` (default: the configured ones) resolves the factor ids of `query.max_km` to columns (KeyError for an
    unknown id).
    """
    sites = sites.reset_index(drop=True) if not sites.index.is_unique else sites
    mask = np.ones(len(sites), dtype=bool)
    if query.types:
        mask &= sites["category"].isin(query.types).to_numpy()
    if query.min_ha is not None or query.max_ha is not None:
        low = query.min_ha if query.min_ha is not None else 0.0
        high = query.max_ha if query.max_ha is not None else math.inf
        mask &= _size_mask(sites, low, high)
    if query.availability:
        mask &= sites["availability"].isin(query.availability).to_numpy()
    if query.sectors:
        mask &= _sector_mask(sites, query.sectors)
    if query.kreis:
        mask &= (sites["kreis_ags"] == query.kreis).fillna(False).to_numpy(dtype=bool)
    if query.gemeinde:
        mask &= (sites["ags"] == query.gemeinde).fillna(False).to_numpy(dtype=bool)
    factors = tuple(factors) if factors is not None else location_factors()
    for factor_id, km in query.max_km.items():
        column = factor_by_id(factors, factor_id).value_column
        mask &= (pd.to_numeric(sites[column], errors="coerce") <= km).fillna(False).to_numpy(dtype=bool)
    return sites[mask]


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
