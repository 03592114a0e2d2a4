"""Shared rendered parts (regionmap.ui.rendered, regionmap.ui.data.shared): a cached map or table is what the uncached
path gives, and views that show different things never share one."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit_folium
from streamlit import dataframe_util
from streamlit.elements import arrow
from streamlit.proto.ArrowData_pb2 import ArrowData

from regionmap.dashboard.composition import boundary_payloads, dashboard_parts, simplified_layers
from regionmap.dashboard.details import localised_numbers, table_frame
from regionmap.dashboard.filters import filter_view
from regionmap.data.source_registry import load_registry
from regionmap.data.store import StoreData, open_store
from regionmap.dashboard.urlstate import ViewState
from regionmap.i18n import t
from regionmap.maps import bounds_of
from regionmap.maps.build import BACKDROP_Z_INDEX
from regionmap.taxonomy import taxonomy
from regionmap.ui import data, rendered
from regionmap.ui.mapview import map_key, shown_key
from regionmap.ui.rendered import freeze_styler, render_map, rows_digest

TAX = taxonomy()
CATEGORIES = {layer.id: layer.category_ids for layer in TAX.layers}
RETURNED = ("last_object_clicked",)


@pytest.fixture(scope="module")
def store(built_store: Path) -> StoreData:
    return open_store(built_store)


def parts_of(store: StoreData, state: ViewState):
    simplified = simplified_layers(store.layers)
    return dashboard_parts(shown=filter_view(store.thematic, state, CATEGORIES), simplified=simplified,
                           payloads=boundary_payloads(simplified, state.lang), taxonomy=TAX, registry=load_registry(),
                           region_bounds=bounds_of(store.region), lang=state.lang, basemap_id="none")


def test_a_rendered_map_gives_the_component_what_st_folium_gives_it(store, monkeypatch) -> None:
    """render_map + mount_map pass the component the arguments st_folium passes it for the same map."""
    calls = []
    monkeypatch.setattr(rendered, "_COMPONENT", lambda **kwargs: calls.append(kwargs) or {"from": "component"})
    state = ViewState(sectors=("mobility",))
    direct = streamlit_folium.st_folium(parts_of(store, state).base, key="map_x", height=600,
                                        use_container_width=True, returned_objects=list(RETURNED),
                                        feature_group_to_add=list(parts_of(store, state).overlays),
                                        layer_control=parts_of(store, state).layer_control)
    assert direct == {"from": "component"} and len(calls) == 1  # outside render_map: the real component
    parts = parts_of(store, state)
    args = render_map(parts, "map_x", 600, RETURNED)
    assert len(calls) == 1  # rendering does not mount
    assert rendered.mount_map(args) == {"from": "component"}
    mounted = calls[1]
    for name in ("key", "height", "feature_group", "layer_control", "css_links", "js_links", "default",
                 "returned_objects"):
        assert mounted[name] == calls[0][name], name
    assert mounted["default"] is not args["default"]  # the shared defaults are never handed out


def test_a_rerun_of_the_same_map_injects_the_same_overlays(store) -> None:
    first = render_map(parts_of(store, ViewState()), "map_x", 600, RETURNED)
    again = render_map(parts_of(store, ViewState()), "map_x", 600, RETURNED)
    other = render_map(parts_of(store, ViewState(sectors=("mobility",))), "map_x", 600, RETURNED)
    assert first["feature_group"] == again["feature_group"] and first["key"] == again["key"]
    assert other["feature_group"] != first["feature_group"] and other["key"] == first["key"]


def test_views_with_different_content_never_share_a_map_key(store) -> None:
    def key(state: ViewState, page: str = "overview", colour: str = "category", height: int = 600) -> tuple:
        return map_key(page, state, colour, height, filter_view(store.thematic, state, CATEGORIES), None)

    states = [ViewState(), ViewState(kreis="03101"), ViewState(kreis="03159"), ViewState(sectors=("mobility",)),
              ViewState(layers=("research", "health")), ViewState(q="Universit"), ViewState(lang="en"),
              ViewState(basemap="none"), ViewState(categories=("university",)), ViewState(gemeinde="03101000")]
    keys = [key(state) for state in states]
    assert len(set(keys)) == len(keys)
    assert key(ViewState(), colour="sectors") != keys[0]
    assert key(ViewState(), page="research") != keys[0] and key(ViewState(), height=400) != keys[0]
    assert key(ViewState()) == keys[0]  # the same view: the same key
    # a filter that keeps every record shows the same map
    everything = tuple(c for layer in TAX.layers for c in layer.category_ids)
    assert shown_key(filter_view(store.thematic, ViewState(categories=everything), CATEGORIES)) == \
        shown_key(filter_view(store.thematic, ViewState(), CATEGORIES))


def test_rows_digest_depends_on_the_ids_their_order_and_the_parts() -> None:
    assert rows_digest(["a", "b"]) == rows_digest(["a", "b"])
    assert len({rows_digest(["a", "b"]), rows_digest(["b", "a"]), rows_digest(["a"]), rows_digest(["a", "b"], "en"),
                rows_digest(["ab"])}) == 5


def test_a_frozen_styler_marshals_as_the_styler_does(store) -> None:
    frame = table_frame(store["sites"], "sites", TAX, "de")
    decimals = {t("column.area_ha", "de"): 1}
    styler = localised_numbers(frame, "de", decimals)
    expected = ArrowData()
    rendered._MARSHALL(expected, styler, "x")
    frozen = freeze_styler(localised_numbers(frame, "de", decimals).set_uuid(styler.uuid))
    got = ArrowData()
    arrow.marshall_styler(got, frozen, "x")  # what st.dataframe calls
    assert got.styler == expected.styler
    assert dataframe_util.convert_pandas_df_to_arrow_bytes(frozen.data) == rendered._TO_ARROW(frame)
    copy = frozen.data.copy()  # another frame: converted as usual
    assert dataframe_util.convert_pandas_df_to_arrow_bytes(copy) == rendered._TO_ARROW(copy)
    plain = ArrowData()
    arrow.marshall_styler(plain, localised_numbers(frame, "de"), "x")  # an unfrozen Styler is marshalled as usual
    assert plain.styler.display_values


def test_shared_builds_once_per_key_and_store_version(store) -> None:
    built = []

    def build(value: str):
        return lambda: built.append(value) or {"value": value}

    data._keep_only(None)  # a clean start: every per-version cache cleared
    data._keep_only(store.cache_key)
    first = data.shared(store, "map", ("a",), build("a"))
    assert data.shared(store, "map", ("a",), build("again")) is first and built == ["a"]
    assert data.shared(store, "map", ("b",), build("b"))["value"] == "b"
    assert data.shared(store, "table", ("a",), build("table a"))["value"] == "table a"  # kinds never mix
    assert built == ["a", "b", "table a"]
    data._keep_only("another build")
    assert data.shared(store, "map", ("a",), build("a, rebuilt"))["value"] == "a, rebuilt"


def test_the_cached_backdrop_payload_draws_the_same_backdrop(store) -> None:
    simplified = simplified_layers(store.layers)
    payloads = boundary_payloads(simplified, "de")
    fresh = {name: payload for name, payload in payloads.items() if name != "states"}
    parts = [dashboard_parts(shown={}, simplified=simplified, payloads=p, taxonomy=TAX, registry=load_registry(),
                             region_bounds=bounds_of(store.region), lang="de", basemap_id="none")
             for p in (payloads, fresh)]
    cached, computed = ([c.payload for c in p.base._children.values() if getattr(c, "z_index", 0) == BACKDROP_Z_INDEX]
                        for p in parts)
    assert len(cached) == 1 and cached == computed
