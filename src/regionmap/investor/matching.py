"""Explained matching: how well each site meets an investor's requirement profile, and why the others miss it.

A profile is a `SiteQuery` (type, area, availability, planning status, land use, sector, serviced, rail siding,
maximum distance per location factor, minimum broadband, 24-hour operation). Every criterion it sets either passes
or names a `Miss`: the criterion, the site's value and the limit ("motorway 7.2 km > 5 km"); a site whose value is
not stated misses with `actual` None. A site meets the profile when it has no miss.

Its fit, 0-100, is the weighted mean of the criteria that have degrees (weights from data/matching.toml, changed by
the user):
- a location factor with a maximum distance L: 1 - d / (2 L), so 1 at the site, 0.5 at the limit;
- the area range: 1 for a known area inside it, 0.75 for a site matching only by its size class (area not stated);
- a minimum broadband m: 0.5 at the minimum, rising to 1 at twice it.
A profile with none of them gives every meeting site the fit 100. The others are ordered as near misses: fewest
misses first, then the smallest relative excess (a stated value beats "not stated").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from regionmap.config import data_dir, load_toml
from regionmap.data.curated import flag
from regionmap.errors import ConfigError
from regionmap.investor.comparison import AREA_ROW
from regionmap.investor.factors import LocationFactor
from regionmap.investor.finder import FIT, SiteQuery, SiteVocabulary, site_vocabulary

BROADBAND = "broadband"
CLASS_ONLY_FIT = 0.75  # a site matching the area range only by its size class
UNSTATED_EXCESS = 10.0  # a value not stated ranks behind any stated near miss


@dataclass(frozen=True)
class MatchingSettings:
    """data/matching.toml: the default weight, the largest weight a user may give, and configured weights."""

    default_weight: int = 1
    max_weight: int = 5
    weights: tuple[tuple[str, int], ...] = ()

    def weight(self, criterion: str, chosen: Mapping[str, float] | None = None) -> float:
        """The weight of `criterion`: the user's choice, else the configured one, else the default."""
        chosen = chosen or {}
        return float(chosen.get(criterion, dict(self.weights).get(criterion, self.default_weight)))


def load_matching_settings(path: Path | None = None) -> MatchingSettings:
    path = path or data_dir() / "matching.toml"
    raw = load_toml(path)
    unknown = sorted(set(raw) - {"default_weight", "max_weight", "weights"})
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)}")
    top = raw.get("max_weight", MatchingSettings.max_weight)
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= 100:
        raise ConfigError(f"{path}: 'max_weight' must be a whole number from 1 to 100, got {top!r}")
    weights = {"default_weight": raw.get("default_weight", MatchingSettings.default_weight),
               **{f"weights.{k}": v for k, v in raw.get("weights", {}).items()}}
    for key, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            raise ConfigError(f"{path}: '{key}' must be a whole number from 0 to {top}, got {value!r}")
    return MatchingSettings(default_weight=weights["default_weight"], max_weight=top,
                            weights=tuple(sorted(raw.get("weights", {}).items())))


@lru_cache(maxsize=1)
def matching_settings() -> MatchingSettings:
    """The configured settings (cached)."""
    return load_matching_settings()


def weighted_criteria(factors: Iterable[LocationFactor]) -> tuple[str, ...]:
    """Every criterion that can carry a weight: the area, the broadband and each location factor."""
    return (AREA_ROW, BROADBAND, *(f.id for f in factors))


def scored_criteria(query: SiteQuery) -> tuple[str, ...]:
    """The criteria of `query` that have degrees, which its weights apply to (empty: every meeting site fits 100)."""
    area = (AREA_ROW,) if query.min_ha is not None or query.max_ha is not None else ()
    broadband = (BROADBAND,) if query.min_broadband is not None else ()
    return (*area, *broadband, *query.max_km)


@dataclass(frozen=True)
class Miss:
    """Why a site does not meet one criterion: its value (`actual`, None when not stated) against the `limit`.

    `criterion` is `category`, `availability`, `planning_status`, `land_use`, `sectors`, `serviced`, `rail_siding`,
    `operation_24h`, `area` (limit a (low, high) range in ha; `actual` the area or, when only the size class is
    known, its id), `broadband` (Mbit/s minimum) or a location factor id (km maximum). For code criteria `actual` is
    the site's code and `limit` the codes asked for."""

    criterion: str
    actual: object
    limit: object
    excess: float  # how far off, relative to the limit (UNSTATED_EXCESS when not stated): orders near misses


@dataclass(frozen=True)
class Match:
    """One site against the profile: its fit (0-100; None when it misses) and its misses."""

    site_id: str
    fit: float | None
    misses: tuple[Miss, ...]


def _stated(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and str(value).strip() != ""


def _number(value: object) -> float | None:
    number = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(number) else float(number)


def _broadband_fit(actual: float, minimum: float) -> float:
    """0.5 at the minimum, rising to 1 at twice it."""
    return 1.0 if minimum <= 0 else min(1.0, 0.5 + 0.5 * (actual - minimum) / minimum)


def _codes_miss(criterion: str, value: object, wanted: frozenset[str]) -> Miss | None:
    if not wanted:
        return None
    if not _stated(value):
        return Miss(criterion, None, tuple(sorted(wanted)), UNSTATED_EXCESS)
    return None if str(value) in wanted else Miss(criterion, str(value), tuple(sorted(wanted)), 1.0)


def _area(site: Mapping[str, object], query: SiteQuery, vocabulary: SiteVocabulary) -> tuple[Miss | None, float]:
    """The area criterion: its miss, or its fit."""
    low = query.min_ha if query.min_ha is not None else 0.0
    high = query.max_ha if query.max_ha is not None else math.inf
    area = _number(site.get("area_ha"))
    if area is not None:
        if low <= area <= high:
            return None, 1.0
        excess = (low - area) / low if area < low else (area - high) / high
        return Miss(AREA_ROW, area, (low, high), excess), 0.0
    size = vocabulary.size_class(site.get("size_class"))
    if size is not None and size.min_ha <= high and size.max_ha >= low:
        return None, CLASS_ONLY_FIT
    return Miss(AREA_ROW, size.id if size else None, (low, high), 1.0 if size else UNSTATED_EXCESS), 0.0


def match_site(site: Mapping[str, object], query: SiteQuery, factors: Sequence[LocationFactor],
               weights: Mapping[str, float] | None = None, settings: MatchingSettings | None = None,
               vocabulary: SiteVocabulary | None = None) -> Match:
    """How `site` (a row of the sites layer) meets `query`: every miss, else its fit."""
    settings = settings or matching_settings()
    misses: list[Miss] = []
    scored: list[tuple[str, float]] = []
    for criterion, column, wanted in (("category", "category", query.types),
                                      ("availability", "availability", query.availability),
                                      ("planning_status", "planning_status", query.planning_status),
                                      ("land_use", "land_use", query.land_use)):
        miss = _codes_miss(criterion, site.get(column), wanted)
        if miss:
            misses.append(miss)
    if query.sectors:
        have = [s.strip() for s in str(site.get("sectors") or "").split(",") if s.strip()]
        if not set(have) & query.sectors:
            misses.append(Miss("sectors", ",".join(have) or None, tuple(sorted(query.sectors)),
                               1.0 if have else UNSTATED_EXCESS))
    for criterion, wanted in (("serviced", query.serviced), ("rail_siding", query.rail_siding),
                              ("operation_24h", query.operation_24h)):
        if wanted and flag(site.get(criterion)) is not True:
            answer = flag(site.get(criterion))
            misses.append(Miss(criterion, answer, True, 1.0 if answer is False else UNSTATED_EXCESS))
    if query.min_ha is not None or query.max_ha is not None:
        miss, fit = _area(site, query, vocabulary or site_vocabulary())
        misses += [miss] if miss else []
        scored.append((AREA_ROW, fit))
    if query.min_broadband is not None:
        speed = _number(site.get("broadband_mbps"))
        if speed is None or speed < query.min_broadband:
            excess = UNSTATED_EXCESS if speed is None else (query.min_broadband - speed) / max(query.min_broadband, 1)
            misses.append(Miss(BROADBAND, speed, query.min_broadband, excess))
        else:
            scored.append((BROADBAND, _broadband_fit(speed, query.min_broadband)))
    by_id = {f.id: f for f in factors}
    for factor_id, km in query.max_km.items():
        distance = _number(site.get(by_id[factor_id].value_column))
        if distance is None or distance > km:
            excess = UNSTATED_EXCESS if distance is None else (distance - km) / max(km, 0.1)
            misses.append(Miss(factor_id, distance, km, excess))
        else:
            scored.append((factor_id, 1.0 - distance / (2 * km) if km > 0 else 1.0))
    if misses:
        return Match(str(site.get("id")), None, tuple(misses))
    total = sum(settings.weight(c, weights) for c, _ in scored)
    fit = 100.0 if total == 0 else 100.0 * sum(settings.weight(c, weights) * f for c, f in scored) / total
    return Match(str(site.get("id")), round(fit, 1), ())


def match_sites(sites: pd.DataFrame, query: SiteQuery, factors: Sequence[LocationFactor],
                weights: Mapping[str, float] | None = None,
                settings: MatchingSettings | None = None) -> tuple[pd.DataFrame, list[Match]]:
    """The sites meeting `query`, best fit first (ties by name), with a column `fit`; and the others' matches,
    nearest misses first. The place filters (Kreis, municipality) are the view's, applied before."""
    matches = [match_site(row, query, factors, weights, settings) for row in sites.to_dict("records")]
    met = np.array([m.fit is not None for m in matches], dtype=bool)
    found = sites[met].copy()
    found[FIT] = [m.fit for m in matches if m.fit is not None]
    names = found["name"].astype("string").str.casefold()
    found = found.assign(_name=names).sort_values([FIT, "_name"], ascending=[False, True], kind="stable")
    missed = sorted((m for m in matches if m.fit is None),
                    key=lambda m: (len(m.misses), sum(x.excess for x in m.misses), m.site_id))
    return found.drop(columns="_name"), missed
