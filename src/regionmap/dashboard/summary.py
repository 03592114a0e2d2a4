"""The text alternative of a map: what it shows, where, and filtered by what (WCAG 1.1.1), in the user's language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd

from regionmap.i18n import format_number, t, tn


def map_summary(shown: Mapping[str, tuple[str, gpd.GeoDataFrame]], lang: str, *, area: str | None = None,
                filters: Sequence[str] = (), choropleth: str | None = None, tables: bool = True) -> str:
    """One paragraph: the count of every shown layer (`shown`: layer id -> (label, features)), the Kreise they lie
    in, the selected `area`, the active `filters` (already labelled), the `choropleth` indicator, and whether the
    tables below the map list the same records."""
    parts = []
    counts = [t("map_summary.item", lang, layer=label, count=format_number(len(gdf), lang))
              for label, gdf in shown.values()]
    if counts:
        kreise = {str(k) for _, gdf in shown.values() if "kreis_ags" in gdf.columns for k in gdf["kreis_ags"].dropna()}
        where = f" {tn('map_summary.kreise', len(kreise), lang)}" if kreise else ""
        parts.append(t("map_summary.shows", lang, items="; ".join(counts)) + where + ".")
    elif choropleth is None:
        parts.append(t("map_summary.nothing", lang))
    if choropleth is not None:
        parts.append(t("map_summary.choropleth", lang, indicator=choropleth))
    if area:
        parts.append(t("map_summary.area", lang, area=area))
    if filters:
        parts.append(t("map_summary.filters", lang, filters="; ".join(filters)))
    if tables and counts:
        parts.append(t("map_summary.tables", lang))
    return " ".join(parts)
