"""A thematic layer added by configuration alone: a copied data directory with one more `[[layers]]` entry and its
CSV, and no Python change.

The added layer must appear in the store build (its own layer and the `n_<layer>` count of the municipalities),
`regionmap validate`, the URL vocabulary, the sidebar, the legend, the overview figures, the Kommunen indicators and
the data page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from test_app_pages import assert_clean, open_page, widget

from regionmap.dashboard.composition import dashboard_parts
from regionmap.testing import legend_counts
from regionmap.dashboard.filters import key_figures
from regionmap.i18n import format_number
from regionmap.dashboard.indicators import indicators
from regionmap.maps import bounds_of
from regionmap.data.source_registry import registry
from regionmap.data.store import open_store
from regionmap.taxonomy import taxonomy
from regionmap.testing import data_dir_copy
from regionmap.dashboard.urlstate import parse_query_params, to_query_params

COWORKING_ENTRY = """
[[layers]]
id = "coworking"
icon = "groups"
page = ""
sources = []
colour = "#6d4c41"
label = { de = "Coworking-Räume", en = "Coworking spaces", fr = "Espaces de coworking" }
categories = [
  { id = "coworking_space", colour = "#6d4c41", label = { de = "Coworking-Space", en = "Coworking space", fr = "Espace de coworking" } },
  { id = "makerspace", colour = "#a1887f", label = { de = "Makerspace", en = "Makerspace", fr = "Makerspace" } },
]

[layers.curated]
optional = ["address", "website", "description_de", "description_en", "description_fr"]
columns = [{ name = "desks", type = "float", required = false }]
"""
# Three points well inside Hannover, Braunschweig and Göttingen.
COWORKING_CSV = """id,name,category,sectors,ags,address,website,source,as_of,description_de,description_en,description_fr,lon,lat,desks
coworking-a,Coworking Hannover Mitte,coworking_space,digital,03241001,,,operator_website,2026-11,,,,9.7350,52.3740,40
coworking-b,Makerspace Braunschweig,makerspace,"production,digital",03101000,,,operator_website,2026-11,,,,10.5230,52.2640,
coworking-c,Coworking Göttingen,coworking_space,digital,03159016,,,operator_website,2026-11,,,,9.9350,51.5330,12.5
"""
EXPECTED_COUNTS = {"03241001": 1, "03101000": 1, "03159016": 1}


@pytest.fixture(scope="module")
def coworking_store(source_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store built from a data directory whose layers.toml has a sixth layer 'coworking' (and its CSV)."""
    from regionmap.data.pipeline import build_store

    root = tmp_path_factory.mktemp("coworking")
    with data_dir_copy(root / "data", append={"layers.toml": COWORKING_ENTRY},
                       files={"geo/curated/coworking.csv": COWORKING_CSV}):
        out = root / "store" / "regionmap.gpkg"
        build_store(source_dir=source_dir, out=out)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("REGIONMAP_STORE", str(out))
            yield out


def test_the_registry_lists_the_new_layer(coworking_store: Path) -> None:
    tax = taxonomy()
    assert tax.layer_ids[-1] == "coworking" and tax.layer("coworking").columns == ("desks",)
    assert "coworking" in tax.layers_on("")  # page "": shown on the overview only


def test_the_store_has_the_layer_and_its_counts(coworking_store: Path) -> None:
    layer = gpd.read_file(coworking_store, layer="coworking")
    assert sorted(layer["id"]) == ["coworking-a", "coworking-b", "coworking-c"]
    assert set(layer["layer"]) == {"coworking"} and set(layer["kreis"]) == {"Region Hannover", "Braunschweig",
                                                                            "Göttingen"}
    assert sorted(layer["desks"].dropna()) == [12.5, 40.0]
    store = open_store(coworking_store)
    assert list(store.thematic)[-1] == "coworking"
    counts = store.gemeinden.set_index("ags")["n_coworking"]
    assert int(counts.sum()) == 3 and {ags: int(counts[ags]) for ags in EXPECTED_COUNTS} == EXPECTED_COUNTS
    assert store.manifest["layers"]["coworking"]["features"] == 3


def test_validate_checks_the_new_file_and_layer(coworking_store: Path) -> None:
    from regionmap.data.validation import run_validation

    report = run_validation([], store=coworking_store)
    assert report.ok, report.format()
    assert any(path.endswith("coworking.csv") for path in report.checked)
    assert any(path.endswith("[coworking]") for path in report.checked)


def test_the_url_vocabulary_names_the_layer(coworking_store: Path) -> None:
    store = open_store(coworking_store)
    vocab = store.url_vocab(taxonomy())
    state, notices = parse_query_params({"layers": "coworking,research", "category": "makerspace"}, vocab)
    assert notices == [] and state.layers == ("coworking", "research") and state.categories == ("makerspace",)
    assert "coworking" in parse_query_params({}, vocab)[0].layers
    assert to_query_params(state)["layers"] == "coworking,research"


def test_the_legend_and_figures_count_the_layer(coworking_store: Path) -> None:
    from regionmap.dashboard.composition import boundary_payloads, simplified_layers

    store = open_store(coworking_store)
    shown = {"coworking": store["coworking"]}
    simplified = simplified_layers(store.layers)
    html = dashboard_parts(shown=shown, simplified=simplified, payloads=boundary_payloads(simplified, "en"),
                           taxonomy=taxonomy(), registry=registry(), region_bounds=bounds_of(store.region),
                           lang="en").merged().get_root().render()
    assert "Coworking spaces" in html and "Makerspace" in html
    assert legend_counts(shown) == {"coworking": 3}
    assert key_figures(store.gemeinden, store.thematic)["counts"]["coworking"] == 3
    ids = [item.id for item in indicators()]
    assert {"coworking_count", "coworking_per_10k"} <= set(ids)


def test_the_overview_shows_the_layer_in_sidebar_and_figures(coworking_store: Path) -> None:
    at = open_page("overview", lang="en")
    assert_clean(at)
    layers = widget(at, "multiselect", "w_layers")
    assert "Coworking spaces" in layers.options and "coworking" in layers.value
    assert "Coworking space" in " ".join(widget(at, "multiselect", "w_categories").options)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Coworking spaces"] == format_number(3, "en")


def test_the_thematic_pages_keep_their_own_layers(coworking_store: Path) -> None:
    at = open_page("research", lang="en")
    assert_clean(at)
    assert all("Coworking" not in option for option in widget(at, "multiselect", "w_categories").options)


def test_the_municipalities_page_offers_the_count(coworking_store: Path) -> None:
    at = open_page("municipalities", lang="en", gemeinde="03101000", kreis="03101")
    assert_clean(at)
    chooser = at.selectbox(key="choropleth_indicator")
    assert any("Coworking spaces" in option for option in chooser.options)
    table = at.dataframe[0].value
    assert "Makerspace Braunschweig" in set(table["Name"])


def test_the_data_page_lists_and_offers_the_layer(coworking_store: Path) -> None:
    at = open_page("data", lang="en")
    assert_clean(at)
    curated = next(frame.value for frame in at.table if "Coworking spaces" in set(frame.value.iloc[:, 0]))
    row = curated[curated.iloc[:, 0] == "Coworking spaces"].iloc[0]
    assert int(row.iloc[1]) == 3
    labels = [button.proto.label for button in at.get("download_button")]
    assert any("Coworking spaces" in label for label in labels)
