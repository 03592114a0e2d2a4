"""Offline assets: every JS/CSS URL of the map elements points at /app/static/vendor, and the copy provides the files."""

from __future__ import annotations

from pathlib import Path

import folium

from regionmap.maps import assets
from regionmap.maps.elements import BoundaryLayer, LegendControl, MapDecorations, OfflineMap, PointLayer

ELEMENTS = (OfflineMap, PointLayer, BoundaryLayer, LegendControl, MapDecorations)


def element_urls() -> list[str]:
    return [url for cls in ELEMENTS for _, url in (*getattr(cls, "default_js", []), *getattr(cls, "default_css", []))]


def url_to_path(url: str, target_dir: Path) -> Path:
    """The file behind an asset URL (`/app/static/vendor/...`) in a vendor folder."""
    assert url.startswith(assets.URL_PREFIX + "/"), url
    return target_dir / url[len(assets.URL_PREFIX) + 1:]


def test_element_assets_point_only_at_the_vendor_folder(tmp_path: Path) -> None:
    urls = element_urls()
    assert urls, "the map needs Leaflet at least"
    assert all(u.startswith(assets.URL_PREFIX + "/") for u in urls), urls
    names = {name for cls in ELEMENTS for name, _ in getattr(cls, "default_js", [])}
    assert {"leaflet", "jquery", "markerclusterjs"} <= names
    assert not names & {"bootstrap", "awesome_markers"}
    assets.ensure_vendor_assets(tmp_path)
    for url in urls:
        assert url_to_path(url, tmp_path).is_file(), url


def test_copy_is_idempotent_and_repairs_changed_files(tmp_path: Path) -> None:
    first = assets.ensure_vendor_assets(tmp_path)
    assert sorted(first) == sorted(tmp_path / p.target_folder / f for p in assets.PACKAGES for f in p.files)
    assert assets.ensure_vendor_assets(tmp_path) == []
    leaflet = url_to_path(assets.LEAFLET.url("leaflet.js"), tmp_path)
    leaflet.write_text("broken")
    assert assets.ensure_vendor_assets(tmp_path) == [leaflet]
    assert leaflet.read_bytes() == (assets.LEAFLET.source_dir / "leaflet.js").read_bytes()
    assert not [p for p in tmp_path.rglob(".*") if p.is_file()], "no temporary files left behind"


def test_layer_control_images_are_provided(tmp_path: Path) -> None:
    # leaflet.css refers to images/layers.png relative to itself
    assets.ensure_vendor_assets(tmp_path)
    css = url_to_path(assets.LEAFLET.url("leaflet.css"), tmp_path)
    assert "images/layers.png" in css.read_text()
    assert (css.parent / "images" / "layers.png").is_file()


def test_folium_defaults_would_use_cdns() -> None:
    """The reason for OfflineMap: folium's own lists point at CDNs (if this fails, folium changed)."""
    assert any(url.startswith("https://") for _, url in folium.Map.default_js)
