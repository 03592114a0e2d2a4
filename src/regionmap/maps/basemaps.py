"""Basemaps: OpenStreetMap tiles (online) or none ("ohne Hintergrundkarte": a plain background, no request)."""

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


OSM = Basemap(
    "osm",
    tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    attribution="© OpenStreetMap contributors",
    max_zoom=19,
    background="#f2efe9",
)
NO_BASEMAP = Basemap("none")
BASEMAPS = {b.id: b for b in (OSM, NO_BASEMAP)}


def basemap_from_config(entry: Mapping[str, Any]) -> Basemap:
    """A Basemap from a `[[basemaps]]` entry of `data/sources.toml` (`id`, optional `tiles`, `attribution`, `max_zoom`)."""
    try:
        basemap_id = str(entry["id"])
    except KeyError as exc:
        raise ValueError("basemap entry without 'id'") from exc
    default = BASEMAPS.get(basemap_id, NO_BASEMAP)
    tiles = entry.get("tiles")
    return Basemap(
        id=basemap_id,
        tiles=str(tiles) if tiles else None,
        attribution=str(entry.get("attribution", "")),
        max_zoom=int(entry.get("max_zoom", default.max_zoom)),
        background=str(entry.get("background", default.background)),
    )


def get_basemap(basemap_id: str) -> Basemap:
    """The built-in basemap `osm` or `none`."""
    try:
        return BASEMAPS[basemap_id]
    except KeyError:
        raise ValueError(f"unknown basemap {basemap_id!r}: expected one of {', '.join(BASEMAPS)}") from None
