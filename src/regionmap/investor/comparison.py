"""Comparing two or three sites side by side, factor by factor, with the better value marked.

Rows are the site area (`area_ha`, larger is better) and each location factor (its `better` direction, lower
distances are better). In each row the best known value is marked, ties mark every site holding it; a missing value
is never better, and a row with fewer than two known values marks nothing (there is nothing to compare).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from regionmap.investor.factors import LocationFactor, location_factors

AREA_ROW = "area_ha"
MIN_COMPARED = 2
MAX_COMPARED = 3


@dataclass(frozen=True)
class SiteComparison:
    """The compared values: one row per criterion (`area_ha`, then factor ids), one column per site id.

    `values` holds the numbers (area in ha, distances in km), `nearest` the name of the nearest feature per factor
    (None in the area row), `better` the marking, `direction` per row "lower" or "higher".
    """

    values: pd.DataFrame
    nearest: pd.DataFrame
    better: pd.DataFrame
    direction: pd.Series


def better_mask(values: pd.DataFrame, direction: pd.Series) -> pd.DataFrame:
    """Per row, True where the value is the best known one (see the module docstring)."""
    numbers = values.to_numpy(dtype=float)
    known = ~np.isnan(numbers)
    lower = (direction.reindex(values.index) == "lower").to_numpy()[:, None]
    filled = np.where(known, numbers, np.where(lower, np.inf, -np.inf))
    best = np.where(lower[:, 0], filled.min(axis=1), filled.max(axis=1))[:, None]
    comparable = (known.sum(axis=1) >= 2)[:, None]
    return pd.DataFrame(known & comparable & (filled == best), index=values.index, columns=values.columns)


def compare_sites(
    sites: pd.DataFrame, ids: Sequence[str], factors: Iterable[LocationFactor] | None = None,
    most: int = MAX_COMPARED,
) -> SiteComparison:
    """Compare the sites with these ids (2 to `most`, in the order given; a shortlist compares more than three) on
    area and every location factor."""
    ids = list(ids)
    if not MIN_COMPARED <= len(ids) <= most or len(set(ids)) != len(ids):
        raise ValueError(f"compare {MIN_COMPARED} to {most} different sites, got {ids}")
    by_id = sites.drop_duplicates("id").set_index("id")
    missing = [i for i in ids if i not in by_id.index]
    if missing:
        raise ValueError(f"no site with id {missing}")
    chosen = by_id.loc[ids]
    factors = tuple(factors) if factors is not None else location_factors()
    keys = [AREA_ROW, *(f.id for f in factors)]
    value_columns = [AREA_ROW, *(f.value_column for f in factors)]
    values = pd.DataFrame(
        [pd.to_numeric(chosen[c], errors="coerce").to_numpy(dtype=float) for c in value_columns],
        index=keys,
        columns=ids,
    )
    names = [chosen[f.name_column].astype(object) for f in factors]
    nearest = pd.DataFrame(
        [[None] * len(ids), *(n.where(n.notna(), None).to_numpy() for n in names)],
        index=keys,
        columns=ids,
        dtype=object,
    )
    direction = pd.Series(["higher", *(f.better for f in factors)], index=keys)
    return SiteComparison(values=values, nearest=nearest, better=better_mask(values, direction), direction=direction)
