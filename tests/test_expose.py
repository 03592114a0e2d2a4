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
from regionmap.i18n import t
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


# --- nothing covered, nothing cut off -------------------------------------------------------------------------------


def _area(a, b) -> float:
    """The area (display pixels²) that two boxes share."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(width, 0.0) * max(height, 0.0)


def map_boxes(site_row: pd.Series, store: dict, lang: str = "de") -> tuple[list, list, object]:
    """The drawn map's distance-label boxes (with their frames), marker boxes and map frame, measured by the
    renderer after a full draw: labels are the framed annotations, markers the one-point scatters."""
    from matplotlib.collections import PathCollection

    from regionmap.investor.expose.map_image import draw_site_map, label_box, marker_box
    from regionmap.investor.expose.pdf import MAP_SIZE_MM
    from regionmap.spatial import METRIC_CRS

    targets = nearest_features(site_row, store, location_factors(), taxonomy(), lang, MAP_FACTORS)
    point = gpd.GeoSeries([site_row.geometry], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
    fig = draw_site_map(site_row, point, store["gemeinden"], targets, lang, MAP_SIZE_MM)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    labels = [label_box(text, renderer) for text in ax.texts if text.get_bbox_patch() is not None]
    markers = [marker_box(c, renderer) for c in ax.collections
               if isinstance(c, PathCollection) and len(c.get_offsets()) == 1]
    assert len(labels) == len(targets) and len(markers) == len(targets) + 1  # every target, and the site
    return labels, markers, ax.get_window_extent(renderer)


def test_map_labels_cover_no_other_label_nor_any_marker() -> None:
    labels, markers, frame = map_boxes(site(), {**layers(), "gemeinden": gemeinden()})
    for i, box_i in enumerate(labels):
        assert _area(box_i, frame) == pytest.approx(box_i.width * box_i.height)  # inside the map
        assert all(_area(box_i, other) == 0 for other in labels[i + 1:] + markers)


def test_map_labels_of_every_site_in_the_store_cover_nothing(built_store) -> None:
    store = {name: gpd.read_file(built_store, layer=name) for name in ("sites", "mobility", "research", "gemeinden")}
    covered = []
    for _, site_row in store["sites"].iterrows():
        labels, markers, frame = map_boxes(site_row, store)
        for i, box_i in enumerate(labels):
            if _area(box_i, frame) < box_i.width * box_i.height - 0.5:
                covered.append((site_row["id"], i, "outside the map"))
            covered += [(site_row["id"], i, "label") for other in labels[i + 1:] if _area(box_i, other) > 0]
            covered += [(site_row["id"], i, "marker") for other in markers if _area(box_i, other) > 0]
    assert covered == []


def test_long_map_labels_wrap_instead_of_being_cut() -> None:
    from regionmap.investor.expose.map_image import wrap_label

    assert wrap_label("HAWK Hochschule für angewandte Wissenschaft und Kunst") == (
        "HAWK Hochschule für angewandte\nWissenschaft und Kunst")
    assert wrap_label("X" * 400).count("\n") == 2 and wrap_label("X" * 400).endswith("…")


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_pdf_text_stays_within_the_page_margins(lang: str) -> None:
    from regionmap.investor.expose.pdf import MARGIN

    hostile = site(name="Gewerbe- und Industriepark " + "Y" * 160, address="Z" * 300,
                   description_fr="Terrain " * 120, description_de="Fläche " * 120)
    for pdf in (rendered(lang), render_expose(hostile, context(), lang)):
        document = pdfium.PdfDocument(pdf)
        for page in document:
            width, _ = page.get_size()
            left, right = MARGIN * 72 / 25.4 - 1.0, width - MARGIN * 72 / 25.4 + 1.0
            text = page.get_textpage()
            boxes = [text.get_charbox(i) for i in range(text.count_chars())]
            outside = [text.get_text_range(i, 1) for i, b in enumerate(boxes) if b[2] > b[0] and (b[0] < left or b[2] > right)]
            assert outside == [], (lang, "".join(outside)[:80])


def test_the_population_row_carries_its_reference_date(built_store) -> None:
    from regionmap.data.store import open_store
    from regionmap.investor.expose import ExposeContext, source_attributions
    from regionmap.investor.expose.pdf import _profile_rows
    from regionmap.data.source_registry import load_registry

    store = open_store(built_store)
    context = ExposeContext(gemeinden=store.gemeinden, layers=store.thematic,
                            attributions=source_attributions(load_registry()), population_as_of="2023-12-31")
    rows = dict(_profile_rows(store.gemeinden.iloc[0], context, "de"))
    assert "Einwohner: Stand 31.12.2023" in rows


@pytest.mark.parametrize("lang", ["de", "en", "fr"])
def test_pdf_has_language_title_and_an_alternative_text_for_its_map(lang: str) -> None:
    """What fpdf2 gives a screen reader: the document language, a title shown as the window's title, the map's text
    alternative and a bookmark per section (the rest of the structure tree, headings, paragraphs, tables and reading
    order, fpdf2 does not write)."""
    reader = PdfReader(io.BytesIO(rendered(lang)))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == lang and reader.metadata.title

    def alternatives(node: object) -> list[str]:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            return [text for child in node for text in alternatives(child)]
        if not isinstance(node, dict):
            return []
        return ([str(node["/Alt"])] if "/Alt" in node else []) + alternatives(node.get("/K", []))

    alt = alternatives(root["/StructTreeRoot"])
    expected = t("investor.expose.map_alt", lang, name=site()["name"], place="", nearest="").split("(")[0]
    assert any(text.startswith(expected.strip()) for text in alt), alt
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])  # viewers show the title, not the file name
    # Every section heading is a bookmark, in reading order.
    bookmarks = [item.title for item in reader.outline]
    assert bookmarks[:2] == [t("investor.expose.key_data", lang), t("investor.expose.location_factors", lang)], bookmarks
    assert bookmarks[-1] == t("investor.expose.sources", lang)


INVESTOR_EXPECTED = {
    "de": ["Planung & Preise", "Nettofläche (ha) 38,0 ha", "Preis 45–60 €/m²", "Planungsstand B-Plan rechtskräftig",
           "Gebietsart Industriegebiet (GI)", "Erschlossen ja", "Verfügbar ab 01.06.2027", "Breitband 1.000 Mbit/s",
           "Gleisanschluss ja", "Eigentümer öffentlich", "Kontakt", "Wirtschaftsförderung Lehrte", "Erika Mustermann",
           "standorte@example.org", "+49 (5132) 505-0", "bestätigt von Region Hannover am 20.11.2026",
           "Bruttofläche 42,5 ha"],
    "en": ["Planning & prices", "Price 45–60 €/m²", "Planning status Land-use plan in force",
           "Zoning Industrial zone (GI)", "Broadband 1,000 Mbit/s", "Available from 1 Jun 2027", "Contact",
           "Owner public", "confirmed by Region Hannover on 20 Nov 2026"],
    "fr": ["Urbanisme et prix", "Prix 45–60 €/m²", "Plan d'urbanisme en vigueur", "Zone industrielle (GI)",
           "1 000 Mbit/s", "1 juin 2027", "Contact", "confirmé par Region Hannover le 20 nov. 2026"],
}


@pytest.mark.parametrize("lang", ["de", "en", "fr"])
def test_planning_prices_and_contact_of_a_confirmed_site(lang: str) -> None:
    from sites_fixture import INVESTOR_FIELDS

    text = text_of(render_expose(site(**INVESTOR_FIELDS), context(), lang))
    for expected in INVESTOR_EXPECTED[lang]:
        assert expected in text, (lang, expected)
    assert t("investor.expose.indicative_heading", lang) not in text  # confirmed: no longer indicative
    flat = " ".join(text.split())
    assert " ".join(t("investor.expose.partner_note", lang, organisation="Region Hannover").split()) in flat
    assert " ".join(t("investor.expose.curated_note", lang).split()) not in flat


def test_price_on_request_and_unstated_facts_and_hostile_contact() -> None:
    text = text_of(render_expose(site(price_on_request="true", contact_org=HOSTILE,
                                      contact_person='=HYPERLINK("x")'), context(), "de"))
    assert "Preis auf Anfrage" in text and "Planungsstand —" in text and "Telefon —" in text
    assert HOSTILE in text and '=HYPERLINK("x")' in text  # printed as text
    assert "Hinweis: Richtwerte" in text  # not confirmed: still indicative
    assert " ".join(t("investor.expose.curated_note", "de").split()) in " ".join(text.split())
    plain = text_of(rendered("de"))
    assert "Planung & Preise" not in plain and "Kontakt" not in plain  # a site stating none of them
