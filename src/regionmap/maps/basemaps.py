"""Basemaps as the map builder draws them: tiles (online) or none (a plain background, no request).

Which basemaps exist is declared in `data/sources.toml` (`[[basemaps]]`) alone; `basemap_from_config` turns an entry
into a `Basemap`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from regionmap.maps.elements import check_colour


@dataclass(frozen=True)
class Basemap:
    """A basemap: a tile URL template (None = no tiles), its attribution, zoom limit and background colour."""

    id: str
    tiles: str | None = None
    attribution: str = ""
    max_zoom: int = 18
    background: str = "#eef2f5"

    def __post_init__(self) -> None:
        check_colour(self.background, f"basemap {self.id!r} background")
        if self.tiles is not None and not self.attribution:
            raise ValueError(f"basemap {self.id!r}: tiles need an attribution")


NO_BASEMAP = Basemap("plain")
"""A plain background without tiles: the builder's default when no configured basemap is given."""


def basemap_from_config(entry: Mapping[str, Any]) -> Basemap:
    """A Basemap from a `[[basemaps]]` entry of `data/sources.toml` (`id`, optional `tiles`, `attribution`,
    `max_zoom`, `background`)."""
    try:
        basemap_id = str(entry["id"])
    except KeyError as exc:
        raise ValueError("basemap entry without 'id'") from exc
    tiles = entry.get("tiles")
    return Basemap(
        id=basemap_id,
        tiles=str(tiles) if tiles else None,
        attribution=str(entry.get("attribution", "")),
        max_zoom=int(entry.get("max_zoom", NO_BASEMAP.max_zoom)),
        background=str(entry.get("background", NO_BASEMAP.background)),
    )
