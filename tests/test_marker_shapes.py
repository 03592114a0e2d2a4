"""Marker shapes (WCAG 1.4.1): every category and sector has a shape of its own, declared in the TOML, carried once
per class in the point payload and drawn with the same outline in the legend."""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import pytest
from config_support import copy_with
import shapely
from test_maps_support import region_gemeinden, synthetic_points

from regionmap import config
from regionmap.errors import ConfigError
from regionmap.maps import ColourClass, point_layer, point_payload
from regionmap.maps.legend import legend_spec
from regionmap.maps.markers import DEFAULT_SHAPE, MARKER_SHAPES, SHAPE_NAMES, check_shape, outline
from regionmap.taxonomy import load_layers, load_sectors, taxonomy

CLASSES = (
    ColourClass("university", "Universität", "#1d3c8f", "circle"),
    ColourClass("hochschule", "Hochschule", "#4a78d0", "square"),
    ColourClass("research_institute", "Forschungsinstitut", "#7b4fb8", "triangle"),
)


def polygon(name: str) -> shapely.Polygon:
    return shapely.Point(0, 0).buffer(1.0, 64) if not MARKER_SHAPES[name] else shapely.Polygon(MARKER_SHAPES[name]).buffer(0)


def test_the_shapes_differ_and_weigh_about_as_much_as_the_circle() -> None:
    assert SHAPE_NAMES[0] == DEFAULT_SHAPE == "circle"
    for name in SHAPE_NAMES:
        shape = polygon(name)
        assert 0.5 * math.pi <= shape.area <= 1.3 * math.pi, (name, shape.area)
        assert shape.centroid.distance(shapely.Point(0, 0)) < 0.25, name  # centred on the point
        assert max(map(abs, shape.bounds)) <= 1.5, name  # within the marker's box
    for i, first in enumerate(SHAPE_NAMES):
        for second in SHAPE_NAMES[i + 1:]:
            a, b = polygon(first), polygon(second)
            # Two shapes differ by more than 15 % of their area (a hexagon and the circle: 7 %, too alike at marker
            # size; the square and the circle: 18 %).
            assert a.symmetric_difference(b).area > 0.15 * min(a.area, b.area), (first, second)


def test_an_unknown_shape_is_refused_by_name() -> None:
    assert check_shape("star") == "star"
    with pytest.raises(ValueError, match="shape of 'x': 'blob' is not a marker shape"):
        check_shape("blob", "shape of 'x'")


def test_every_category_and_sector_declares_a_shape_of_its_own() -> None:
    """Declared in the TOML itself (not left to the default), distinct within each layer and among the sectors."""
    layers = tomllib.loads((config.data_dir() / "layers.toml").read_text(encoding="utf-8"))["layers"]
    sectors = tomllib.loads((config.data_dir() / "sectors.toml").read_text(encoding="utf-8"))["sectors"]
    assert all("shape" in c for layer in layers for c in layer["categories"])
    assert all("shape" in s for s in sectors)
    tax = taxonomy()
    for layer in tax.layers:
        shapes = [c.shape for c in layer.categories]
        assert len(set(shapes)) == len(shapes), layer.id
        assert [c.shape for c in layer.categories] == [c["shape"] for c in next(
            raw for raw in layers if raw["id"] == layer.id)["categories"]]
    assert len({s.shape for s in tax.sectors}) == len(tax.sectors)


@pytest.mark.parametrize(("name", "old", "new", "message"), [
    ("layers.toml", 'colour = "#4a78d0", shape = "square"', 'colour = "#4a78d0", shape = "blob"',
     r"layers\[0\].categories\[1\]: shape 'blob' is not one of circle, square"),
    ("layers.toml", 'colour = "#4a78d0", shape = "square"', 'colour = "#4a78d0", shape = "circle"',
     r"layers\[0\].categories\[1\]: shape 'circle' is already used by another of the layer's categories"),
    ("sectors.toml", 'shape = "square"', 'shape = "circle"',
     r"sectors\[1\]: shape 'circle' is already used by another of the sectors"),
])
def test_a_bad_shape_names_the_file_and_entry(tmp_path: Path, name: str, old: str, new: str, message: str) -> None:
    path = copy_with(tmp_path, name, old, new)
    with pytest.raises(ConfigError, match=message) as info:
        load_layers(path) if name == "layers.toml" else load_sectors(path)
    assert str(path) in str(info.value)


def test_a_category_without_shape_gets_the_first_one_its_layer_leaves_free(tmp_path: Path) -> None:
    path = copy_with(tmp_path, "layers.toml", 'colour = "#1d3c8f", shape = "circle"', 'colour = "#1d3c8f"')
    research = next(layer for layer in load_layers(path) if layer.id == "research")
    taken = {c.shape for c in research.categories[1:]}
    assert research.categories[0].shape == next(s for s in SHAPE_NAMES if s not in taken)


def test_the_payload_lists_one_shape_and_label_per_class_and_each_outline_once() -> None:
    points = synthetic_points(region_gemeinden(), 30)
    points["category"] = (["university", "hochschule", "research_institute"] * 10)[:len(points)]
    data = json.loads(point_payload(points, colour="#3b5ba9", by="category", classes=CLASSES).json)
    assert data["shapes"] == ["circle", "square", "triangle", DEFAULT_SHAPE]
    assert data["labels"] == ["Universität", "Hochschule", "Forschungsinstitut", ""]
    assert data["outlines"] == {"circle": [], "square": outline("square"), "triangle": outline("triangle")}
    assert len(data["cls"]) == len(points)  # still one small integer per point, nothing per point added
    with pytest.raises(ValueError, match="shape of 'hochschule': 'blob'"):
        point_payload(points, colour="#3b5ba9", by="category",
                      classes=(CLASSES[0], ColourClass("hochschule", "Hochschule", "#4a78d0", "blob")))


def test_the_legend_shows_each_class_with_its_markers_shape() -> None:
    points = synthetic_points(region_gemeinden(), 30)
    points["category"] = ["university", "hochschule"] * 15
    layer = point_layer(points, layer_id="research", label="Forschung", colour="#3b5ba9", by="category",
                        classes=CLASSES)
    items = legend_spec([layer.legend_entry])["entries"][0]["items"]
    assert [(i["value"], i["shape"], i["outline"]) for i in items] == [
        ("university", "circle", []), ("hochschule", "square", outline("square"))]  # classes without points: none
    assert "shapePath" in layer._template.module.script(layer, {})  # the markers are drawn from the same outlines


def test_an_uploads_categories_get_shapes_of_their_own() -> None:
    import pandas as pd

    from regionmap.uploads.settings import settings
    from regionmap.uploads.style import _categorical

    style = settings().style
    values = pd.Series([f"v{i}" for i in range(len(style.categorical) + 2) for _ in range(3)])
    shapes = [c.shape for c in _categorical(values, style, "en").classes]
    assert len(shapes) == len(style.categorical) + 1 and len(set(shapes)) == len(shapes)  # the top values and "other"
