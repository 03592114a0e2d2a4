"""The exposé PDF: parsed with pypdf (pages, A4, texts per language, embedded map) and rendered with pdfium."""

from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader
from shapely.geometry import Point, box

from regionmap.config import region
from regionmap.investor.expose import ExposeContext, expose_filename, render_expose, source_attributions
from regionmap.investor.expose.map_image import MAP_FACTORS
from regionmap.investor.factors import compute_location_factors, location_factors, nearest_features
from regionmap.data.source_registry import load_registry
from regionmap.taxonomy import taxonomy

A4_POINTS = (595.28, 841.89)
HOSTILE = "<img src=x onerror=alert(1)>"
ORIGIN = (548_000.0, 5_797_000.0)  # EPSG:25832, near Hannover
CELL = 6_000.0


def gemeinden() -> gpd.GeoDataFrame:
    """A 4 x 3 grid of square municipalities, 6 km wide, in the store's schema."""
    rows = []
    for i in range(4):
        for j in range(3):
            x, y = ORIGIN[0] + i * CELL, ORIGIN[1] + j * CELL
            rows.append({
                "ags": f"032410{i}{j}", "name": f"Gemeinde {i}{j}", "kind": "Stadt" if i == j == 1 else "Gemeinde",
                "kreis_ags": "03241", "kreis_name": "Region Hannover", "population": 10_000 + i * 1000 + j,
                "area_km2": 36.0, "density": 280.5, "n_research": 1, "n_sites": 2, "n_health": 0, "n_events": 3,
                "n_mobility": 4, "geometry": box(x, y, x + CELL, y + CELL),
            })
    return gpd.GeoDataFrame(rows, crs="EPSG:25832").to_crs("EPSG:4326")


def layers() -> dict[str, gpd.GeoDataFrame]:
    def layer(rows: list[tuple[str, str, str, float, float]]) -> gpd.GeoDataFrame:
        frame = gpd.GeoDataFrame(
            [{"id": r[0], "name": r[1], "category": r[2]} for r in rows],
            geometry=[Point(ORIGIN[0] + r[3], ORIGIN[1] + r[4]) for r in rows],
            crs="EPSG:25832",
        )
        return frame.to_crs("EPSG:4326")

    return {
        "mobility": layer([
            ("mobility-hbf", "Hannover Hbf", "station_long_distance", 1_000, 2_000),
            ("mobility-rv", "Lehrte", "station_regional", 9_000, 8_000),
            ("mobility-eddv", "Flughafen Hannover-Langenhagen", "airport", 2_000, 16_000),
            ("mobility-as", "AS Lehrte-Ost (A2) $x^2$", "motorway_junction", 16_000, 12_000),
        ]),
        "research": layer([("research-luh", "Leibniz Universität Hannover", "university", 4_000, 3_000)]),
    }


def site(**changes: object) -> pd.Series:
    values = {
        "id": "sites-test-park", "name": "Gewerbepark Süd – Größe & Lage", "layer": "sites", "category": "logistics",
        "sectors": "logistics,mobility,unknown_sector", "area_ha": 42.5, "size_class": None,
        "availability": "limited", "address": "Hafenstraße 1, 31275 Lehrte", "ags": "03241011",
        "municipality": "Gemeinde 11", "kreis": "Region Hannover", "kreis_ags": "03241",
        "website": "https://example.org/park", "as_of": "2024-05-01", "indicative": True,
        "source_de": "Wirtschaftsförderung (Beispiel)", "source_en": "Economic development agency (example)",
        "source_fr": "Agence de développement économique (exemple)",
        "indicative_note_de": "Fläche geschätzt.", "indicative_note_en": "Area estimated.",
        "indicative_note_fr": "Superficie estimée.",
        "description_de": "Logistikfläche an der A2.", "description_en": "Logistics land on the A2.",
        "description_fr": "Terrain logistique sur l'A2.",
    }
    values.update(changes)
    point = Point(ORIGIN[0] + 9_000, ORIGIN[1] + 9_000)
    frame = gpd.GeoDataFrame([values], geometry=[point], crs="EPSG:25832").to_crs("EPSG:4326")
    return compute_location_factors(frame, layers(), location_factors()).iloc[0]


def context() -> ExposeContext:
    return ExposeContext(
        gemeinden=gemeinden(),
        layers=layers(),
        attributions=source_attributions(load_registry()),
        generated=dt.date(2025, 3, 7),
    )


@lru_cache(maxsize=None)
def rendered(lang: str) -> bytes:
    return render_expose(site(), context(), lang)


EXPECTED = {
    "de": ["Standort-Exposé", "Eckdaten", "Standortfaktoren", "Hinweis: Richtwerte", "Gemeindeprofil: Gemeinde 11",
           "Luftlinie", "Erstellt am 07.03.2025", "Seite 1 von 2", "Logistik, Mobilität & Automotive", "42,5", "ha",
           "Stand 01.05.2024", "Logistikfläche an der A2.", "eingeschränkt verfügbar",
           "Standorteintrag: Wirtschaftsförderung (Beispiel)", "Grundlage der Angaben: Fläche geschätzt."],
    "en": ["Site exposé", "Key data", "Location factors", "Note: indicative values", "Municipality profile: Gemeinde 11",
           "straight-line", "Generated on", "Page 1 of 2", "Logistics, Mobility & automotive", "42.5",
           "Logistics land on the A2.", "limited availability",
           "Site record: Economic development agency (example)", "What the values rest on: Area estimated."],
    "fr": ["Fiche de présentation du site", "Données clés", "Facteurs de localisation", "Remarque : valeurs indicatives",
           "Profil de la commune : Gemeinde 11", "à vol d'oiseau", "Créé le", "Page 1 sur 2", "Logistique",
           "42,5", "Terrain logistique sur l'A2.", "disponibilité limitée",
           "Fiche du site : Agence de développement économique (exemple)",
           "Base des indications : Superficie estimée."],
}
EVERY_LANGUAGE = ["Gewerbepark Süd – Größe & Lage", "Hannover Hbf", "Flughafen Hannover-Langenhagen",
                  "AS Lehrte-Ost (A2) $x^2$", "© GeoBasis-DE / BKG", "© DB Station&Service AG", "© OpenFlights.org",
                  "regionmap", "Gemeinde 11", "unknown_sector"]


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("lang", ["de", "en", "fr"])
def test_pages_size_texts_and_image(lang: str) -> None:
    pdf = rendered(lang)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4_POINTS, abs=0.5)
    text = text_of(pdf)
    for expected in EXPECTED[lang] + EVERY_LANGUAGE + [region().name(lang), region().short_names[lang]]:
        assert expected in text, (lang, expected)
    for other in {"de", "en", "fr"} - {lang}:
        for field in ("source", "indicative_note", "description"):
            assert site()[f"{field}_{other}"] not in text, (lang, field, other)
    images = reader.pages[0].images
    assert len(images) == 1 and images[0].image.size[0] >= 1200
    assert reader.metadata.title.endswith("Gewerbepark Süd – Größe & Lage")
    assert len(pdf) < 1_000_000


def test_page_renders_with_map_and_text() -> None:
    document = pdfium.PdfDocument(rendered("de"))
    pixels = np.asarray(document[0].render(scale=1).to_pil().convert("L"))
    assert pixels.shape[0] > pixels.shape[1]  # portrait
    dark = pixels < 128
    assert dark.mean() > 0.01  # text and map drawn, not a blank page
    assert (pixels < 250).mean() < 0.6  # mostly white paper, not a filled page
    middle = pixels[int(pixels.shape[0] * 0.3) : int(pixels.shape[0] * 0.6)]
    assert len(np.unique(middle)) > 20  # the map area holds an image with many shades


def test_map_shows_the_nearest_features() -> None:
    targets = nearest_features(site(), layers(), location_factors(), taxonomy(), "en", MAP_FACTORS)
    assert [t.name for t in targets] == ["Hannover Hbf", "Flughafen Hannover-Langenhagen", "Leibniz Universität Hannover",
                                         "AS Lehrte-Ost (A2) $x^2$"]
    assert all(t.km > 0 for t in targets) and targets[1].category_label == "Airport"


def test_hostile_and_missing_values_keep_the_layout() -> None:
    long_word = "X" * 400
    hostile = site(name=HOSTILE + " " + long_word, address="=cmd|' /C calc'!A0 $\\frac{1}{0}$", indicative=False,
                   sectors=None, area_ha=None, size_class="M", availability=HOSTILE, website=None, description_fr=None,
                   municipality=HOSTILE, ags="09999999", source_fr=None, as_of=None)
    for column in ("dist_airport_km", "nearest_airport", "nearest_airport_id"):
        hostile[column] = None
    pdf = render_expose(hostile, context(), "fr")
    reader = PdfReader(io.BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 3
    text = text_of(pdf)
    assert HOSTILE in text and "M (5 à 20 ha)" in text and "Remarque" not in text
    assert "Terrain logistique" not in text and "Logistikfläche an der A2." in text  # falls back to German
    assert "Profil de la commune" not in text  # municipality not in the store


def test_bad_input() -> None:
    nowhere = site()
    nowhere["geometry"] = None
    with pytest.raises(ValueError, match="sites-test-park"):
        render_expose(nowhere, context(), "de")
    assert expose_filename(site(), "xx") == "expose-sites-test-park-de.pdf"
    assert expose_filename(pd.Series({"id": "../../etc/passwd"}), "en") == "expose-etc-passwd-en.pdf"


def test_logistics_site_from_the_built_store(built_store) -> None:
    """The issue's path on real data: logistics sites under 10 km from a junction, compare two, exposé of one."""
    from regionmap.investor.comparison import compare_sites
    from regionmap.investor.finder import SiteQuery, find_sites, sort_sites

    store = {name: gpd.read_file(built_store, layer=name) for name in ("sites", "mobility", "research", "gemeinden")}
    sites = compute_location_factors(store["sites"], store, location_factors())
    found = sort_sites(find_sites(sites, SiteQuery(types={"logistics"}, max_km={"motorway": 10.0})), "motorway")
    assert len(found) >= 2 and (found["dist_motorway_km"] <= 10).all() and (found["category"] == "logistics").all()
    comparison = compare_sites(sites, list(found["id"][:2]))
    assert comparison.better.loc["motorway", found["id"].iloc[0]]  # the closest to a junction is marked better
    ctx = ExposeContext(gemeinden=store["gemeinden"], layers=store, attributions=source_attributions(load_registry()))
    site_row = found.iloc[0]
    pdf = render_expose(site_row, ctx, "en")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2 and len(reader.pages[0].images) == 1
    text = text_of(pdf)
    for expected in (site_row["name"], site_row["nearest_motorway"], site_row["municipality"], "Logistics"):
        assert " ".join(str(expected).split()) in text
