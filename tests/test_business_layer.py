"""The shipped sixth layer 'Wirtschaft & Gründung' (data/geo/curated/business.csv) in the built store and the app."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_app_pages import assert_clean, open_page, widget

from regionmap.i18n import format_number
from regionmap.data.store import open_store
from regionmap.taxonomy import taxonomy
from regionmap.dashboard.urlstate import parse_query_params


@pytest.fixture(scope="module")
def business(built_store: Path):
    return open_store(built_store)["business"]


def test_business_records(business) -> None:
    tax = taxonomy()
    assert len(business) >= 40 and business["id"].str.startswith("business-").all() and business["id"].is_unique
    assert set(business["category"]) == set(tax.layer("business").category_ids) == {"employer", "network",
                                                                                    "startup_centre"}
    for sectors in business["sectors"]:
        assert sectors and set(sectors.split(",")) <= set(tax.sector_ids)
    assert set(business["as_of"]) == {"2026-11"} and all(business[f"source_{lang}"].str.len().gt(0).all() for lang in ("de", "en", "fr"))
    assert business["website"].str.startswith("https://").all()
    assert business[["description_de", "description_en", "description_fr"]].notna().all().all()
    for name in ("Volkswagen AG – Stammwerk Wolfsburg", "Salzgitter AG – Hüttenwerk Salzgitter", "Sartorius AG",
                 "Ottobock SE & Co. KGaA", "KWS SAAT SE & Co. KGaA", "Hannover Rück SE", "hafven",
                 "Measurement Valley e.V."):
        assert name in set(business["name"]), name


def test_business_counts_and_url(built_store: Path, business) -> None:
    store = open_store(built_store)
    assert int(store.gemeinden["n_business"].sum()) == len(business)
    assert int(store.gemeinden.set_index("ags").loc["03103000", "n_business"]) == (business["ags"] == "03103000").sum()
    state, notices = parse_query_params({"layers": "business"}, store.url_vocab(taxonomy()))
    assert (state.layers, notices) == (("business",), [])


def test_overview_shows_the_business_layer(built_store: Path, business, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIONMAP_STORE", str(built_store))
    at = open_page("overview", layers="business")
    assert_clean(at)
    assert "Wirtschaft & Gründung" in widget(at, "multiselect", "w_layers").options
    assert {m.label: m.value for m in at.metric}["Wirtschaft & Gründung"] == format_number(len(business), "de")
