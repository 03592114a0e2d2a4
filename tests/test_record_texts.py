"""Every record's source and indicative note reach the reader in the reader's language: detail cards, the site
sheet's notice and the exposé, for every record of the built store in de, en and fr."""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import pytest
from PIL import Image
from pypdf import PdfReader

from regionmap.config import LANGUAGES
from regionmap.dashboard.details import indicative_basis, is_indicative, record_fields
from regionmap.investor.expose import ExposeContext, pdf as expose_pdf, render_expose, source_attributions
from regionmap.investor.factors import compute_location_factors, location_factors
from regionmap.data.record_texts import TRANSLATED_FIELDS, load_record_texts, localized, text_columns
from regionmap.data.source_registry import load_registry
from regionmap.taxonomy import taxonomy

THEMATIC_LAYERS = taxonomy().layer_ids



def blank_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 5), "white").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def layers(built_store: Path) -> dict[str, gpd.GeoDataFrame]:
    return {name: gpd.read_file(built_store, layer=name) for name in (*THEMATIC_LAYERS, "gemeinden")}


def foreign_texts(lang: str) -> set[str]:
    """The vocabulary's texts in the other languages (those that differ from this language's text)."""
    vocabulary = load_record_texts()
    return {texts[other] for entries in vocabulary.texts.values() for texts in entries.values()
            for other in LANGUAGES if texts[other] != texts[lang]}


def squash(text: str) -> str:
    return " ".join(text.split())


def test_the_store_has_a_text_per_language_and_no_untranslated_column(layers) -> None:
    vocabulary = load_record_texts()
    for name in THEMATIC_LAYERS:
        frame = layers[name]
        for field in TRANSLATED_FIELDS:
            assert field not in frame.columns, (name, field)
        assert frame[list(text_columns("source"))].notna().all().all(), name
    sites = layers["sites"]
    assert sites["indicative"].astype(bool).all()  # every shipped site is indicative, so every one has a note
    for lang in LANGUAGES:
        assert set(sites[f"indicative_note_{lang}"]) == {vocabulary.texts["indicative_note"][t][lang]
                                                         for t in vocabulary.ids("indicative_note")}
    curated = layers["research"]["source_fr"]
    assert curated.str.startswith("Site web de l'établissement").all()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_detail_card_shows_the_source_in_its_language(layers, lang: str) -> None:
    tax = taxonomy()
    foreign = foreign_texts(lang)
    checked = 0
    for name in THEMATIC_LAYERS:
        for _, record in layers[name].iterrows():
            fields = {f.key: f.value for f in record_fields(record, name, tax, lang)}
            assert fields["source"] == record[f"source_{lang}"], (name, record["id"])
            shown = " | ".join([*fields.values(), indicative_basis(record, lang)])
            leaked = [text for text in foreign if text in shown]
            assert not leaked, (lang, name, record["id"], leaked)
            checked += 1
    assert checked == sum(len(layers[name]) for name in THEMATIC_LAYERS)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_site_sheet_notice_and_expose_is_in_its_language(layers, lang: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The sheet's notice for every site; the exposé for one site of each distinct source and note (an exposé takes
    seconds; its map is stubbed: it carries names and distances, no record texts)."""
    monkeypatch.setattr(expose_pdf, "render_site_map", lambda *args, **kwargs: blank_png())
    sites = compute_location_factors(layers["sites"], layers, location_factors())
    context = ExposeContext(gemeinden=layers["gemeinden"], layers=layers,
                            attributions=source_attributions(load_registry()))
    foreign = foreign_texts(lang)
    for _, site in sites.iterrows():
        note = localized(site, "indicative_note", lang)
        assert is_indicative(site) and note and note in indicative_basis(site, lang), site["id"]
        assert not [text for text in foreign if text in indicative_basis(site, lang)], site["id"]
    distinct = sites.drop_duplicates([f"source_{lang}", f"indicative_note_{lang}"])
    for _, site in distinct.iterrows():
        note, source = localized(site, "indicative_note", lang), localized(site, "source", lang)
        reader = PdfReader(io.BytesIO(render_expose(site, context, lang)))
        text = squash(" ".join(page.extract_text() for page in reader.pages))
        assert squash(note) in text and squash(source) in text, (lang, site["id"])
        leaked = [t for t in foreign if squash(t) in text]
        assert not leaked, (lang, site["id"], leaked)
