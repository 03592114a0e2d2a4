"""Point layers: the columnar payload (counts, classes, rounding, escaping) and the click lookup."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from test_maps_support import HOSTILE, region_gemeinden, synthetic_points

from regionmap.maps import ColourClass, clicked_record, point_layer, point_payload
from regionmap.maps.points import SCALE

CLASSES = (
    ColourClass("university", "Universität", "#1d3c8f"),
    ColourClass("hochschule", "Hochschule", "#4a78d0"),
    ColourClass("research_institute", "Forschungsinstitut", "#7fa6e8"),
)
LAYER_COLOUR = "#3b5ba9"
NASTY = ["</script><script>alert(1)</script>", "<!-- x", "a\u2028b\u2029c", "{{ 7*7 }}", "{% if 1 %}", "\"'&amp;"]


@pytest.fixture(scope="module")
def gemeinden() -> gpd.GeoDataFrame:
    return region_gemeinden()


@pytest.fixture(scope="module")
def points(gemeinden: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return synthetic_points(gemeinden, 2000)


def decode(payload_json: str) -> dict:
    return json.loads(payload_json)


def test_payload_holds_exactly_the_filtered_points(points: gpd.GeoDataFrame) -> None:
    for kreis in ("03101", "03241", "03159"):
        shown = points[points["kreis_ags"] == kreis]
        payload = point_payload(shown, colour=LAYER_COLOUR, by="category", classes=CLASSES)
        data = decode(payload.json)
        assert payload.count == len(shown) > 0
        assert len(data["lat"]) == len(data["lng"]) == len(data["cls"]) == len(data["names"]) == len(shown)
        assert data["names"] == shown["name"].tolist()


def test_coordinates_are_integers_rounded_to_five_decimals(points: gpd.GeoDataFrame) -> None:
    data = decode(point_payload(points, colour=LAYER_COLOUR).json)
    assert data["scale"] == SCALE == 100_000
    assert all(isinstance(v, int) for v in data["lat"][:50])
    assert np.array_equal(data["lat"], np.rint(points.geometry.y.to_numpy() * SCALE).astype(int))
    assert np.array_equal(data["lng"], np.rint(points.geometry.x.to_numpy() * SCALE).astype(int))


def test_classes_and_counts(points: gpd.GeoDataFrame) -> None:
    frame = points.head(10).copy()
    frame["category"] = ["university", "hochschule", "hochschule", None, "unknown", *["research_institute"] * 5]
    payload = point_payload(frame, colour=LAYER_COLOUR, by="category", classes=CLASSES)
    data = decode(payload.json)
    assert data["colours"] == [c.colour for c in CLASSES] + [LAYER_COLOUR]
    assert data["cls"] == [0, 1, 1, 3, 3, 2, 2, 2, 2, 2]
    assert payload.class_counts == (1, 2, 5, 2)
    entry = point_layer(frame, layer_id="research", label="Forschung", colour=LAYER_COLOUR, by="category",
                        classes=CLASSES).legend_entry
    assert (entry.layer, entry.count) == ("research", 10)
    assert [(i.value, i.count) for i in entry.items] == [("university", 1), ("hochschule", 2), ("research_institute", 5)]


def test_comma_separated_column_is_coloured_by_its_first_value(points: gpd.GeoDataFrame) -> None:
    frame = points.head(3).assign(sectors=["hochschule,university", " university , x", ""])
    data = decode(point_payload(frame, colour=LAYER_COLOUR, by="sectors", classes=CLASSES).json)
    assert data["cls"] == [1, 0, 3]


def test_hostile_names_are_script_safe_and_round_trip(points: gpd.GeoDataFrame) -> None:
    frame = points.head(len(NASTY) + 1).copy()
    frame["name"] = [HOSTILE, *NASTY]
    text = point_payload(frame, colour=LAYER_COLOUR).json
    for raw in ("<", ">", "&", "\u2028", "\u2029", "{{", "{%"):
        assert raw not in text
    assert decode(text)["names"] == [HOSTILE, *NASTY]


def test_missing_locations_are_not_shown_and_other_geometries_are_errors(points: gpd.GeoDataFrame) -> None:
    frame = points.head(5).copy()
    frame.loc[1, "geometry"] = None
    frame.loc[2, "geometry"] = shapely.Point()
    payload = point_payload(frame, colour=LAYER_COLOUR)
    assert payload.count == 3
    frame.loc[3, "geometry"] = shapely.box(9, 52, 10, 53)
    with pytest.raises(ValueError, match="row 3 has a Polygon"):
        point_payload(frame, colour=LAYER_COLOUR)


def test_reprojects_to_wgs84(points: gpd.GeoDataFrame) -> None:
    frame = points.head(20)
    assert point_payload(frame.to_crs("EPSG:25832"), colour=LAYER_COLOUR).json == point_payload(frame, colour=LAYER_COLOUR).json


def test_bad_input_is_named(points: gpd.GeoDataFrame) -> None:
    with pytest.raises(ValueError, match="not a hex colour"):
        point_payload(points.head(3), colour="red;background:url(x)")
    with pytest.raises(ValueError, match="'kind'"):
        point_payload(points.head(3), colour=LAYER_COLOUR, by="kind")
    with pytest.raises(ValueError, match="'title'"):
        point_payload(points.head(3), colour=LAYER_COLOUR, name_column="title")


def click_on(data: dict, i: int) -> dict:
    """What st_folium returns for a click on marker i: its (rounded) position and its tooltip text (the name and the
    class label)."""
    label = data["labels"][data["cls"][i]]
    return {"last_object_clicked": {"lat": data["lat"][i] / SCALE, "lng": data["lng"][i] / SCALE},
            "last_object_clicked_tooltip": f"{data['names'][i]}, {label}" if label else data["names"][i]}


def test_clicked_marker_is_found_from_what_st_folium_returns(points: gpd.GeoDataFrame, gemeinden: gpd.GeoDataFrame) -> None:
    shown = points[points["kreis_ags"] == "03241"]
    data = decode(point_payload(shown, colour=LAYER_COLOUR).json)
    for i in (0, 5, len(shown) - 1):
        result = click_on(data, i)
        assert clicked_record(result, {"research": shown, "gemeinden": gemeinden}) == ("research", shown.index[i])
    assert clicked_record(click_on(decode(point_payload(points, colour=LAYER_COLOUR).json), 0),
                          {"research": points}) == ("research", 0)


def test_records_at_the_same_place_are_told_apart_by_the_tooltip(points: gpd.GeoDataFrame) -> None:
    frame = points.head(3).copy()
    frame["geometry"] = [frame.geometry.iloc[0]] * 3
    frame["name"] = ["A", "B", "C"]
    x, y = frame.geometry.iloc[0].x, frame.geometry.iloc[0].y

    def click(tooltip: str | None) -> dict:
        return {"last_object_clicked": {"lat": y, "lng": x}, "last_object_clicked_tooltip": tooltip}

    assert clicked_record(click("B"), {"research": frame}) == ("research", frame.index[1])
    assert clicked_record(click("C, Universität"), {"research": frame}) == ("research", frame.index[2])
    assert clicked_record(click(None), {"research": frame}) == ("research", frame.index[0])
    frame["name"] = ["A", "A, B", "C"]  # a name that begins like another's tooltip: the longest match wins
    assert clicked_record(click("A, B, Universität"), {"research": frame}) == ("research", frame.index[1])
    assert clicked_record(click("A, Universität"), {"research": frame}) == ("research", frame.index[0])


def test_polygon_clicks_and_misses(gemeinden: gpd.GeoDataFrame) -> None:
    inside = gemeinden.geometry.iloc[10].representative_point()
    result = {"last_object_clicked": {"lat": inside.y, "lng": inside.x}, "last_object_clicked_tooltip": "whatever"}
    assert clicked_record(result, {"gemeinden": gemeinden}) == ("gemeinden", gemeinden.index[10])
    munich = {"last_object_clicked": {"lat": 48.0, "lng": 11.0}, "last_object_clicked_tooltip": "whatever"}
    assert clicked_record(munich, {"gemeinden": gemeinden}) is None  # outside every municipality
    assert clicked_record(None, {"gemeinden": gemeinden}) is None
    assert clicked_record({"last_object_clicked": None}, {"gemeinden": gemeinden}) is None


def test_stale_points_are_listed_by_position_and_counted_in_the_legend(points: gpd.GeoDataFrame) -> None:
    import pandas as pd

    from regionmap.maps.legend import legend_spec
    from regionmap.maps.points import point_legend_entry

    shown = points.iloc[:50]
    stale = pd.Series(False, index=shown.index)
    stale.iloc[[3, 7]] = True
    payload = point_payload(shown, colour=LAYER_COLOUR, by="category", classes=CLASSES, stale=stale)
    assert decode(payload.json)["stale"] == [3, 7] and payload.stale_count == 2
    assert "stale" not in decode(point_payload(shown, colour=LAYER_COLOUR).json)
    entry = point_legend_entry(payload, layer_id="research", label="Forschung", colour=LAYER_COLOUR,
                               classes=CLASSES, stale_label="nicht bestätigt")
    spec = legend_spec([entry])["entries"][0]
    assert spec["stale"] == {"count": 2, "text": "nicht bestätigt (2)"}
