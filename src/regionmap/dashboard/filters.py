"""Pure, vectorised filter functions over the store's GeoDataFrames (no Streamlit, no per-row Python loops)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from regionmap.dashboard.urlstate import ViewState

Bounds = tuple[tuple[float, float], tuple[float, float]]  # ((south, west), (north, east)), as folium's fit_bounds
_COMBINING_MARKS = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"  # literal characters, so pandas can hand it to RE2
_SEPARATOR = "\x1f"  # joins searched columns; cannot occur in a folded query


def fold(text: str) -> str:
    """Text for accent- and case-insensitive matching: "Göttingen" -> "gottingen", "Straße" -> "strasse"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return re.sub(_COMBINING_MARKS, "", decomposed).replace("ß", "ss")


def fold_series(values: pd.Series) -> pd.Series:
    """`fold` applied to a column (missing values become ""); only non-ASCII rows pay for the Unicode steps."""
    text = values.astype("string").fillna("").str.lower()
    non_ascii = ~text.str.isascii().to_numpy(dtype=bool)
    if non_ascii.any():
        decomposed = text[non_ascii].str.normalize("NFKD").str.replace(_COMBINING_MARKS, "", regex=True)
        text[non_ascii] = decomposed.str.replace("ß", "ss", regex=False).to_numpy()
    return text


def _text(gdf: pd.DataFrame, column: str) -> pd.Series:
    """A column as text, "" where missing; an all-empty column when the layer lacks it."""
    if column not in gdf.columns:
        return pd.Series("", index=gdf.index, dtype="string")
    return gdf[column].astype("string").fillna("")


def has_any_sector(sectors_column: pd.Series, sectors: Collection[str]) -> pd.Series:
    """Rows whose comma-separated `sectors` value names at least one of `sectors`."""
    alternatives = "|".join(re.escape(s) for s in sectors)
    pattern = rf"(?:^|,)\s*(?:{alternatives})\s*(?:,|$)"
    return sectors_column.astype("string").fillna("").str.contains(pattern, regex=True)


def matches_query(gdf: pd.DataFrame, q: str, columns: tuple[str, ...] = ("name", "municipality")) -> pd.Series:
    """Rows where the folded `q` is a substring of the folded `name` or `municipality`."""
    needle = fold(" ".join(q.split()))
    haystack = _text(gdf, columns[0])
    for column in columns[1:]:
        haystack = haystack + _SEPARATOR + _text(gdf, column)
    return fold_series(haystack).str.contains(needle, regex=False)


def filter_points(
    gdf: gpd.GeoDataFrame,
    *,
    sectors: Collection[str] = (),
    categories: Collection[str] = (),
    kreis: str | None = None,
    gemeinde: str | None = None,
    q: str = "",
) -> gpd.GeoDataFrame:
    """The points matching every given filter; an empty filter does not restrict.

    sectors: any-of on the comma-separated `sectors` column; categories: `category` in the list; kreis/gemeinde:
    `kreis_ags`/`ags` equal; q: accent- and case-insensitive substring of `name` or `municipality`.
    """
    mask = np.ones(len(gdf), dtype=bool)
    if sectors:
        mask &= has_any_sector(_text(gdf, "sectors"), sectors).to_numpy(dtype=bool)
    if categories:
        mask &= _text(gdf, "category").isin(list(categories)).to_numpy(dtype=bool)
    if kreis:
        mask &= (_text(gdf, "kreis_ags") == kreis).to_numpy(dtype=bool)
    if gemeinde:
        mask &= (_text(gdf, "ags") == gemeinde).to_numpy(dtype=bool)
    if q.strip():
        mask &= matches_query(gdf, q).to_numpy(dtype=bool)
    return gdf[mask]


def filter_view(
    layers: Mapping[str, gpd.GeoDataFrame],
    state: ViewState,
    layer_categories: Mapping[str, Collection[str]],
) -> dict[str, gpd.GeoDataFrame]:
    """The shown layers of a view state (in the state's order), each filtered by the state.

    Categories belong to one layer each (`layer_categories`: layer id -> its category ids): a layer is filtered by
    the chosen categories that are its own, and not by category at all when none of the chosen ones are.
    """
    shown = {}
    for layer_id in state.layers:
        if layer_id not in layers:
            continue
        own = [c for c in state.categories if c in layer_categories.get(layer_id, ())]
        shown[layer_id] = filter_points(
            layers[layer_id], sectors=state.sectors, categories=own, kreis=state.kreis, gemeinde=state.gemeinde, q=state.q
        )
    return shown


def filter_gemeinden(gdf: gpd.GeoDataFrame, kreis: str | None = None, gemeinde: str | None = None) -> gpd.GeoDataFrame:
    """The municipalities of a Kreis, or one municipality, or all of them."""
    mask = np.ones(len(gdf), dtype=bool)
    if kreis:
        mask &= (_text(gdf, "kreis_ags") == kreis).to_numpy(dtype=bool)
    if gemeinde:
        mask &= (_text(gdf, "ags") == gemeinde).to_numpy(dtype=bool)
    return gdf[mask]


def key_figures(
    gemeinden: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    kreis: str | None = None,
    gemeinde: str | None = None,
) -> dict:
    """Figures of the selected area: the region, a Kreis or a municipality.

    Keys: `population` (sum of the known values; None when none is known), `population_unknown` (number of
    municipalities without a population), `area_km2`, `density` (known population per area of those municipalities;
    None when not computable), `municipalities`, and `counts` (layer id -> points of `layers` in the area; pass the
    layers already filtered by sector, category and search to count "for the current filter").
    """
    selected = filter_gemeinden(gemeinden, kreis, gemeinde)
    population = pd.to_numeric(selected["population"], errors="coerce").astype("float64")
    area = pd.to_numeric(selected["area_km2"], errors="coerce").astype("float64")
    known = population.notna().to_numpy()
    known_area = float(area[known].sum())
    return {
        "population": int(population[known].sum()) if known.any() else None,
        "population_unknown": int((~known).sum()),
        "area_km2": float(area.sum()),
        "density": float(population[known].sum()) / known_area if known.any() and known_area > 0 else None,
        "municipalities": len(selected),
        "counts": {layer_id: len(filter_points(gdf, kreis=kreis, gemeinde=gemeinde)) for layer_id, gdf in layers.items()},
    }


def _bounds(gdf: gpd.GeoDataFrame) -> Bounds | None:
    if gdf.empty:
        return None
    west, south, east, north = (float(v) for v in gdf.total_bounds)
    if not np.isfinite([west, south, east, north]).all():
        return None
    return (south, west), (north, east)


def bounds_for(
    gemeinden: gpd.GeoDataFrame, kreise: gpd.GeoDataFrame, kreis: str | None = None, gemeinde: str | None = None
) -> Bounds:
    """The view to fit: the municipality if given and known, else the Kreis, else the whole region.

    Returned as ((south, west), (north, east)) in degrees, ready for `folium.Map.fit_bounds`.
    """
    candidates = []
    if gemeinde:
        candidates.append(gemeinden[_text(gemeinden, "ags") == gemeinde])
    if kreis:
        candidates.append(kreise[_text(kreise, "ags") == kreis])
        candidates.append(gemeinden[_text(gemeinden, "kreis_ags") == kreis])
    candidates += [gemeinden, kreise]
    for gdf in candidates:
        bounds = _bounds(gdf)
        if bounds is not None:
            return bounds
    raise ValueError("bounds_for: the store has no municipality or Kreis geometry")
