"""A basemap added to `data/sources.toml` alone (a copied data directory, no Python change) is selectable in the
URL vocabulary, the sidebar and the presenter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_app_pages import assert_clean, open_page, widget

from regionmap.presenter.display import parse_present_params
from regionmap.data.source_registry import registry
from regionmap.testing import data_dir_copy
from regionmap.presenter.tours import Stop, stop_query_params
from regionmap.dashboard.urlstate import Vocab, parse_query_params

TOPO_ENTRY = """
[[basemaps]]
id = "topo"
title = "Test topographic tiles"
publisher = "Example publisher"
licence = "CC BY 4.0"
licence_url = "https://example.org/licence"
attribution = "© Example topo"
tiles = "https://tiles.example.org/{z}/{x}/{y}.png"
max_zoom = 17
online = true
label = { de = "Topografie", en = "Topography", fr = "Topographie" }
"""


@pytest.fixture
def topo_basemap(built_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A data directory whose sources.toml has a further basemap 'topo'."""
    monkeypatch.setenv("REGIONMAP_STORE", str(built_store))
    with data_dir_copy(tmp_path / "data", append={"sources.toml": TOPO_ENTRY}):
        yield


def test_a_basemap_added_to_sources_toml_is_selectable(topo_basemap: None) -> None:
    assert registry().basemap_ids == ("osm", "none", "topo")
    state, notices = parse_query_params({"basemap": "TOPO"}, Vocab())
    assert (state.basemap, notices) == ("topo", [])
    params, notices = parse_present_params({"basemap": "topo"}, ["region"])
    assert (params.basemap, notices) == ("topo", [])
    stop = Stop(id="s", view=None, layers=(), sectors=(), categories=(), q="", title={"de": "T"}, text={},
                highlight=(), duration=None)
    assert stop_query_params(stop, basemap="topo")["basemap"] == "topo"

    at = open_page("overview", lang="en", basemap="topo")
    assert_clean(at)
    radio = widget(at, "radio", "w_basemap")
    assert radio.value == "topo" and radio.options == ["OpenStreetMap", "no basemap", "Topography"]


def test_without_the_entry_the_basemap_is_refused() -> None:
    state, notices = parse_query_params({"basemap": "topo"}, Vocab())
    assert state.basemap == registry().default_basemap and [n.key for n in notices] == ["url.unknown_value"]
