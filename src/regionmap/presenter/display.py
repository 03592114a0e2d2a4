"""What the presenter page shows, without Streamlit: its URL parameters, the highlighted points of a stop, and the
records a tour that skips unconfirmed ones leaves out."""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import geopandas as gpd
import pandas as pd

from regionmap.config import DEFAULT_LANGUAGE, LANGUAGES
from regionmap.freshness.states import overdue
from regionmap.i18n import format_number
from regionmap.maps import point_payload
from regionmap.maps.elements import PointLayer, html_text
from regionmap.presenter.tours import Stop
from regionmap.dashboard.urlstate import Notice
from regionmap.data.source_registry import registry

AUTOPLAY_RANGE = (1.0, 3600.0)  # seconds per stop accepted in ?autoplay=
HIGHLIGHT_COLOUR = "#e6007e"


@dataclass(frozen=True)
class PresentParams:
    """What the URL asks for: tour id, language, seconds per stop (None: start paused), basemap and theme (None: the
    standard look; else a theme of data/present_themes.toml, `?contrast=high`)."""

    tour_id: str
    lang: str
    autoplay: float | None
    basemap: str
    contrast: str | None = None


def parse_present_params(
    query: Mapping[str, str | None], tour_ids: Sequence[str], theme_ids: Sequence[str] = ()
) -> tuple[PresentParams, list[Notice]]:
    """The presenter's URL parameters; unknown or malformed values fall back to the defaults with a `Notice`.

    Defaults: the first tour, German, no auto-play, the offline basemap of data/sources.toml, the standard look
    (`contrast` names one of `theme_ids`). `tour_ids` must not be empty.
    """
    notices: list[Notice] = []
    tour_id = query.get("tour") or tour_ids[0]
    if tour_id not in tour_ids:
        notices.append(Notice("tour", tour_id, "present.unknown_tour", {"default": tour_ids[0]}))
        tour_id = tour_ids[0]
    lang = (query.get("lang") or "").strip().lower() or DEFAULT_LANGUAGE
    if lang not in LANGUAGES:
        notices.append(Notice("lang", str(query.get("lang")), "present.bad_lang"))
        lang = DEFAULT_LANGUAGE
    basemaps = registry()
    basemap = (query.get("basemap") or "").strip().lower() or basemaps.offline_basemap
    if basemap not in basemaps.basemap_ids:
        notices.append(Notice("basemap", str(query.get("basemap")), "present.bad_basemap"))
        basemap = basemaps.offline_basemap
    autoplay, valid = parse_autoplay(query.get("autoplay"))
    if not valid:
        low, high = AUTOPLAY_RANGE
        notices.append(Notice("autoplay", str(query.get("autoplay")), "present.bad_autoplay",
                              {"low": format_number(low, lang), "high": format_number(high, lang)}))
    contrast = (query.get("contrast") or "").strip().lower() or None
    if contrast is not None and contrast not in theme_ids:
        notices.append(Notice("contrast", str(query.get("contrast")), "present.bad_contrast"))
        contrast = None
    return PresentParams(tour_id=tour_id, lang=lang, autoplay=autoplay, basemap=basemap, contrast=contrast), notices


def parse_autoplay(value: str | None) -> tuple[float | None, bool]:
    """Seconds per stop from `?autoplay=` and whether the value was valid; missing, empty or 0 mean no auto-play."""
    if value is None or not value.strip():
        return None, True
    try:
        seconds = float(value.strip())
    except ValueError:
        return None, False
    if seconds == 0:
        return None, True
    low, high = AUTOPLAY_RANGE
    if not math.isfinite(seconds) or not low <= seconds <= high:
        return None, False
    return seconds, True


def is_loopback_host(host: str) -> bool:
    """Whether `host` (a name or IP address, IPv6 with or without brackets) only reaches this machine: `localhost`
    and `*.localhost`, 127.0.0.0/8, ::1, their IPv4-mapped IPv6 forms, and the unspecified 0.0.0.0 and ::."""
    name = host.strip().removeprefix("[").removesuffix("]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])  # an IPv6 zone ("fe80::1%eth0") is not part of it
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def share_base_url(configured: str | None, browser_url: str | None, page_path: str) -> str | None:
    """The base URL of the presenter's QR-code links, or None when visitors' phones could not open any.

    `configured` (`$REGIONMAP_PUBLIC_URL`) wins when set. Otherwise the address the presenter's browser reached the
    app by (`browser_url`, the URL of the page `page_path`), without that page path, query and fragment, if its host
    is not a loopback address (see `is_loopback_host`).
    """
    if configured and configured.strip():
        return configured.strip()
    if not browser_url:
        return None
    parts = urlsplit(browser_url.strip())
    try:
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host or is_loopback_host(host):
        return None
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port is not None else "")
    path = parts.path.rstrip("/")
    page = "/" + page_path.strip("/")
    if page != "/" and path.endswith(page):
        path = path.removesuffix(page)
    return f"{parts.scheme}://{netloc}{path}"


def confirmed_only(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """`layers` without their records past the layer's maximum age (a tour that skips unconfirmed records)."""
    return {layer_id: gdf[~overdue(gdf, layer_id)] for layer_id, gdf in layers.items()}


def highlighted(layers: Mapping[str, gpd.GeoDataFrame], stop: Stop) -> gpd.GeoDataFrame | None:
    """The stop's highlighted records from its layers, with `stale` true for those past their layer's maximum age
    (None when it highlights nothing)."""
    if not stop.highlight:
        return None
    wanted = set(stop.highlight)
    parts = []
    for layer_id in stop.layers:
        rows = layers[layer_id].loc[layers[layer_id]["id"].isin(wanted)]
        parts.append(rows[["id", "name", "geometry"]].assign(stale=overdue(rows, layer_id).to_numpy()))
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=parts[0].crs)


def highlight_layer(points: gpd.GeoDataFrame, label: str) -> PointLayer:
    """Large markers in the highlight colour, without a legend entry (the legend lists the stop's layers only) and
    outside the layer control."""
    payload = point_payload(points, colour=HIGHLIGHT_COLOUR, stale=points["stale"] if "stale" in points else None)
    layer = PointLayer(payload.json, name=html_text(label), radius=10, cluster_radius=1)
    layer.control = False
    return layer
