"""Tour files: one broken tour per validation error, the shipped tour against the real data, stops as URL state."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import geopandas as gpd
import pytest

from regionmap.config import LANGUAGES, region
from regionmap.errors import ConfigError
from regionmap.taxonomy import taxonomy
from regionmap.testing import qr_matrix
from regionmap.presenter.tours import (
    Stop,
    TourError,
    TourVocab,
    View,
    default_tours_dir,
    load_tour,
    load_tours,
    stop_query_params,
    stop_share_url,
    stop_view_state,
    vocab_from_store,
)
from regionmap.dashboard.urlstate import Vocab, parse_query_params

THEMATIC_LAYERS = taxonomy().layer_ids
HOSTILE = "<img src=x onerror=alert(1)>"

HEADER = """\
id = "test"
interval = 15
title = { de = "Testtour", en = "Test tour", fr = "Visite test" }
"""

GOOD_STOP = """\
[[stops]]
id = "good"
kreis = "03101"
layers = ["research"]
title = { de = "Gut", en = "Good", fr = "Bon" }
"""

TEXT = 'text = { de = "Text", en = "Text", fr = "Texte" }\n'
TITLE = 'title = { de = "T", en = "T", fr = "T" }\n'


@pytest.fixture
def vocab() -> TourVocab:
    """A small vocabulary: the real taxonomy, two Kreise, two municipalities, three points, the region's extent."""
    tax = taxonomy()
    return TourVocab(
        layers=frozenset(layer.id for layer in tax.layers),
        sectors=frozenset(tax.sector_ids),
        categories={layer.id: frozenset(layer.category_ids) for layer in tax.layers},
        kreise=frozenset({"03101", "03241"}),
        gemeinden=frozenset({"03101000", "03241001"}),
        points={"research-tu-braunschweig": "research", "sites-a": "sites", "health-b": "health"},
        region_bounds=(8.6985, 51.2952, 11.0862, 53.2195),
    )


def write_tour(directory: Path, body: str, name: str = "tour.toml", header: str = HEADER) -> Path:
    path = directory / name
    path.write_text(header + "\n" + body, encoding="utf-8")
    return path


def broken_stop(fields: str, stop_id: str = "bad") -> str:
    """A valid first stop, then a second stop with the given fields."""
    return f'{GOOD_STOP}\n[[stops]]\nid = "{stop_id}"\n{fields}'


def assert_tour_error(exc: TourError, path: Path, field: str | None, *fragments: str, stop: int | None = 1,
                      stop_id: str | None = "bad") -> None:
    message = str(exc)
    assert exc.path == path and message.startswith(f"{path}: ")
    assert exc.stop_index == stop and exc.field == field
    if stop is not None:
        assert exc.stop_id == stop_id
        assert f"stops[{stop}]" + (f" (id '{stop_id}')" if stop_id else "") in message
    if field is not None:
        assert f"field '{field}'" in message
    for fragment in fragments:
        assert fragment in message, message


# --- a valid tour -----------------------------------------------------------------------------------------------------


def test_valid_tour_is_read(tmp_path: Path, vocab: TourVocab) -> None:
    body = GOOD_STOP + f"""
[[stops]]
id = "all"
gemeinde = "03241001"
layers = ["research", "sites"]
sectors = ["mobility", "digital"]
categories = ["university", "logistics"]
q = "  TU Braunschweig  "
highlight = ["research-tu-braunschweig", "sites-a"]
duration = 40.5
title = {{ de = "  Alles ", en = "All", fr = "Tout" }}
{TEXT}
[[stops]]
id = "box"
bounds = [10.0, 52.0, 10.5, 52.5]
{TITLE}{TEXT}
[[stops]]
id = "region"
region = true
{TITLE}"""
    tour = load_tour(write_tour(tmp_path, body), vocab)
    assert (tour.id, tour.interval, tour.title_in("fr"), len(tour.stops)) == ("test", 15.0, "Visite test", 4)
    good, full, box, whole = tour.stops
    assert good.view == View("kreis", ags="03101") and good.text == {} and good.text_in("en") == ""
    assert full.view == View("gemeinde", ags="03241001")
    assert full.layers == ("research", "sites") and full.sectors == ("mobility", "digital")
    assert full.categories == ("university", "logistics") and full.q == "TU Braunschweig"
    assert full.highlight == ("research-tu-braunschweig", "sites-a") and full.duration == 40.5
    assert full.title_in("de") == "Alles" and full.title_in("xx") == "Alles" and full.text_in("fr") == "Texte"
    assert box.view == View("bounds", bounds=(10.0, 52.0, 10.5, 52.5)) and box.layers == ()
    assert whole.view == View("region")
    assert [tour.stop_interval(i) for i in range(4)] == [15.0, 40.5, 15.0, 15.0]
    assert tour.stop_interval(0, override=8) == 8 and tour.stop_interval(1, override=8) == 8


def test_hostile_text_is_kept_as_plain_text(tmp_path: Path, vocab: TourVocab) -> None:
    body = f"""[[stops]]
id = "x"
layers = ["research"]
q = "{HOSTILE}"
title = {{ de = "{HOSTILE}", en = "{HOSTILE}", fr = "{HOSTILE}" }}
"""
    stop = load_tour(write_tour(tmp_path, body), vocab).stops[0]
    assert stop.title_in("en") == HOSTILE and stop.q == HOSTILE
    url = stop_share_url("https://karte.example.org", "", stop, "fr")
    assert "<" not in url and " " not in url
    assert parse_qs(urlsplit(url).query)["q"] == [HOSTILE]


# --- one test per validation error ------------------------------------------------------------------------------------

STOP_ERRORS = {
    "unknown_layer": ('layers = ["research", "weather"]\n' + TITLE, "layers", "unknown layer 'weather'", "research"),
    "layers_not_a_list": ('layers = "research"\n' + TITLE, "layers", "expected a list of strings"),
    "duplicate_layer": ('layers = ["sites", "sites"]\n' + TITLE, "layers", "listed twice"),
    "unknown_sector": ('layers = ["research"]\nsectors = ["space_mining"]\n' + TITLE, "sectors",
                       "unknown sector 'space_mining'"),
    "unknown_category": ('layers = ["research"]\ncategories = ["airport"]\n' + TITLE, "categories",
                         "unknown category for the stop's layers 'airport'", "university"),
    "category_without_layers": ('kreis = "03101"\ncategories = ["university"]\n' + TITLE, "categories",
                                "needs the stop's 'layers'"),
    "kreis_outside_region": ('kreis = "03402"\n' + TITLE, "kreis", "'03402' is not a Kreis of the region"),
    "kreis_not_a_string": ("kreis = 3101\n" + TITLE, "kreis", "must be an AGS string of 5 digits"),
    "gemeinde_not_in_store": ('gemeinde = "03101001"\n' + TITLE, "gemeinde", "'03101001' is not a municipality"),
    "gemeinde_malformed": ('gemeinde = "0324100"\n' + TITLE, "gemeinde", "8 digits"),
    "unknown_highlight": ('layers = ["research"]\nhighlight = ["research-nowhere"]\n' + TITLE, "highlight",
                          "unknown point id 'research-nowhere'"),
    "highlight_layer_not_shown": ('layers = ["research"]\nhighlight = ["sites-a"]\n' + TITLE, "highlight",
                                  "'sites-a' is in layer 'sites', not shown here"),
    "missing_title_translation": ('layers = ["research"]\ntitle = { de = "T", en = "T" }\n', "title.fr",
                                  "missing translation"),
    "blank_text_translation": ('layers = ["research"]\n' + TITLE + 'text = { de = "T", en = "  ", fr = "T" }\n',
                               "text.en", "missing translation"),
    "unknown_language": ('layers = ["research"]\ntitle = { de = "T", en = "T", fr = "T", es = "T" }\n', "title.es",
                         "unknown language"),
    "missing_title": ('layers = ["research"]\n', "title", "missing"),
    "empty_stop": (TITLE, None, "empty stop"),
    "region_false_is_no_view": ("region = false\n" + TITLE, None, "empty stop"),
    "two_views": ('kreis = "03101"\ngemeinde = "03101000"\n' + TITLE, "gemeinde", "only one view"),
    "bounds_west_not_less_than_east": ("bounds = [10.5, 52.0, 10.0, 52.5]\n" + TITLE, "bounds",
                                       "west 10.5 must be less than east 10.0"),
    "bounds_south_not_less_than_north": ("bounds = [10.0, 52.5, 10.5, 52.5]\n" + TITLE, "bounds",
                                         "south 52.5 must be less than north 52.5"),
    "bounds_outside_region": ("bounds = [13.0, 52.3, 13.6, 52.7]\n" + TITLE, "bounds", "outside the region"),
    "bounds_lat_lon_swapped": ("bounds = [52.0, 10.0, 52.5, 10.5]\n" + TITLE, "bounds", "outside the region"),
    "bounds_not_four_numbers": ('bounds = [10.0, 52.0, "10.5"]\n' + TITLE, "bounds", "four numbers"),
    "bounds_nan": ("bounds = [10.0, 52.0, nan, 52.5]\n" + TITLE, "bounds", "four numbers"),
    "duration_not_positive": ('layers = ["research"]\nduration = 0\n' + TITLE, "duration", "positive number"),
    "duration_boolean": ('layers = ["research"]\nduration = true\n' + TITLE, "duration", "positive number"),
    "unknown_field": ('layer = ["research"]\n' + TITLE, "layer", "unknown field"),
    "q_not_a_string": ('layers = ["research"]\nq = 3\n' + TITLE, "q", "expected a string"),
    "q_control_characters": ('layers = ["research"]\nq = "TU\\u202eBS"\n' + TITLE, "q", "control characters"),
}


@pytest.mark.parametrize("case", STOP_ERRORS, ids=list(STOP_ERRORS))
def test_stop_error(case: str, tmp_path: Path, vocab: TourVocab) -> None:
    fields, field, *fragments = STOP_ERRORS[case]
    path = write_tour(tmp_path, broken_stop(fields))
    with pytest.raises(TourError) as info:
        load_tour(path, vocab)
    assert_tour_error(info.value, path, field, *fragments)


def test_duplicate_stop_ids(tmp_path: Path, vocab: TourVocab) -> None:
    path = write_tour(tmp_path, GOOD_STOP + "\n" + GOOD_STOP)
    with pytest.raises(TourError) as info:
        load_tour(path, vocab)
    assert_tour_error(info.value, path, "id", "duplicate stop id (also stops[0])", stop_id="good")


def test_bad_stop_id(tmp_path: Path, vocab: TourVocab) -> None:
    path = write_tour(tmp_path, broken_stop("", stop_id="Bad Id"))
    with pytest.raises(TourError) as info:
        load_tour(path, vocab)
    assert_tour_error(info.value, path, "id", "must be a string matching", stop_id=None)


def test_stop_not_a_table(tmp_path: Path, vocab: TourVocab) -> None:
    path = write_tour(tmp_path, "stops = [1]\n")
    with pytest.raises(TourError) as info:
        load_tour(path, vocab)
    assert_tour_error(info.value, path, None, "expected a table", stop=0, stop_id=None)


def test_bad_toml(tmp_path: Path, vocab: TourVocab) -> None:
    path = write_tour(tmp_path, GOOD_STOP.replace('"03101"', '"03101') + TEXT)
    with pytest.raises(TourError) as info:
        load_tour(path, vocab)
    assert_tour_error(info.value, path, None, "invalid TOML", "line", stop=None)


def test_not_utf8(tmp_path: Path, vocab: TourVocab) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes((HEADER + GOOD_STOP).replace("Gut", "Grüße").encode("latin-1"))
    with pytest.raises(TourError) as info:
        load_tour(path, vocab)
    assert_tour_error(info.value, path, None, stop=None)


def test_missing_file(tmp_path: Path, vocab: TourVocab) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(TourError) as info:
        load_tour(path, vocab)
    assert_tour_error(info.value, path, None, "cannot read the file", stop=None)


TOUR_ERRORS = {
    "missing_interval": ('id = "t"\ntitle = { de = "T", en = "T", fr = "T" }\n', "interval", "missing"),
    "negative_interval": ('id = "t"\ninterval = -5\ntitle = { de = "T", en = "T", fr = "T" }\n', "interval",
                          "positive number"),
    "missing_tour_title_translation": ('id = "t"\ninterval = 10\ntitle = { de = "T", fr = "T" }\n', "title.en",
                                       "missing translation"),
    "bad_tour_id": ('id = "../etc"\ninterval = 10\ntitle = { de = "T", en = "T", fr = "T" }\n', "id", "matching"),
    "unknown_tour_field": (HEADER + 'intervall = 10\n', "intervall", "unknown field"),
    "bad_unconfirmed_rule": (HEADER + 'unconfirmed = "hide"\n', "unconfirmed", "'mark', 'skip'", "'hide'"),
}


@pytest.mark.parametrize("case", TOUR_ERRORS, ids=list(TOUR_ERRORS))
def test_tour_error(case: str, tmp_path: Path, vocab: TourVocab) -> None:
    header, field, *fragments = TOUR_ERRORS[case]
    path = write_tour(tmp_path, GOOD_STOP, header=header)
    with pytest.raises(TourError) as info:
        load_tour(path, vocab)
    assert_tour_error(info.value, path, field, *fragments, stop=None)


def test_tour_without_stops(tmp_path: Path, vocab: TourVocab) -> None:
    path = write_tour(tmp_path, "")
    with pytest.raises(TourError) as info:
        load_tour(path, vocab)
    assert_tour_error(info.value, path, "stops", "at least one [[stops]]", stop=None)


def test_load_tours_by_id_in_file_order(tmp_path: Path, vocab: TourVocab) -> None:
    write_tour(tmp_path, GOOD_STOP, "b.toml", header=HEADER.replace('"test"', '"second"'))
    write_tour(tmp_path, GOOD_STOP, "a.toml")
    (tmp_path / "README.md").write_text("not a tour")
    assert list(load_tours(tmp_path, vocab)) == ["test", "second"]


def test_load_tours_duplicate_tour_id(tmp_path: Path, vocab: TourVocab) -> None:
    first = write_tour(tmp_path, GOOD_STOP, "a.toml")
    second = write_tour(tmp_path, GOOD_STOP, "b.toml")
    with pytest.raises(TourError) as info:
        load_tours(tmp_path, vocab)
    assert_tour_error(info.value, second, "id", "tour id 'test' is also used by", str(first), stop=None)


def test_load_tours_missing_directory(tmp_path: Path, vocab: TourVocab) -> None:
    with pytest.raises(TourError, match="tour directory not found"):
        load_tours(tmp_path / "none", vocab)


def test_load_tours_stops_at_a_broken_file(tmp_path: Path, vocab: TourVocab) -> None:
    write_tour(tmp_path, GOOD_STOP, "a.toml")
    broken = write_tour(tmp_path, broken_stop('layers = ["weather"]\n' + TITLE), "b.toml",
                        header=HEADER.replace('"test"', '"other"'))
    with pytest.raises(TourError) as info:
        load_tours(tmp_path, vocab)
    assert_tour_error(info.value, broken, "layers", "weather")


# --- stops as dashboard URL state -------------------------------------------------------------------------------------


def make_stop(**changes: object) -> Stop:
    values: dict[str, object] = dict(
        id="s", view=None, layers=(), sectors=(), categories=(), q="", title={"de": "T", "en": "T", "fr": "T"},
        text={}, highlight=(), duration=None,
    )
    values.update(changes)
    return Stop(**values)  # type: ignore[arg-type]


def test_stop_query_params_use_the_dashboard_names() -> None:
    stop = make_stop(view=View("gemeinde", ags="03159016"), layers=("research", "health"),
                     sectors=("health", "digital"), categories=("university", "university_hospital"), q="Klinik")
    assert stop_query_params(stop, "en") == {
        "layers": "research,health", "sectors": "health,digital", "category": "university,university_hospital",
        "gemeinde": "03159016", "q": "Klinik", "lang": "en", "basemap": "none",
    }
    assert stop_query_params(make_stop(view=View("kreis", ags="03101"), layers=("sites",)), "fr", "osm") == {
        "layers": "sites", "kreis": "03101", "lang": "fr",
    }


def test_stop_query_params_views_without_url_state() -> None:
    box = make_stop(view=View("bounds", bounds=(10.0, 52.0, 10.5, 52.5)), layers=("mobility",), highlight=("x",))
    assert stop_query_params(box) == {"layers": "mobility", "basemap": "none"}
    assert stop_query_params(make_stop(view=View("region"), layers=THEMATIC_LAYERS)) == {"basemap": "none"}
    assert stop_query_params(make_stop(view=View("region"))) == {"layers": "", "basemap": "none"}


def test_stop_query_params_round_trip_through_the_dashboard_parser(vocab: TourVocab) -> None:
    stop = make_stop(view=View("gemeinde", ags="03241001"), layers=("research", "sites"), sectors=("mobility",),
                     categories=("university", "logistics"), q=HOSTILE)
    url_vocab = Vocab(layers=vocab.layers, sectors=vocab.sectors, categories=set().union(*vocab.categories.values()),
                      kreise=vocab.kreise, gemeinden=vocab.gemeinden)
    for lang in LANGUAGES:
        for basemap in ("none", "osm"):
            state, notices = parse_query_params(stop_query_params(stop, lang, basemap), url_vocab)
            assert notices == [] and state == stop_view_state(stop, lang, basemap)


def test_stop_query_params_reject_unknown_language_and_basemap() -> None:
    with pytest.raises(ValueError, match="language 'es'"):
        stop_query_params(make_stop(), "es")
    with pytest.raises(ValueError, match="basemap 'satellite'"):
        stop_query_params(make_stop(), "de", "satellite")


def test_stop_share_url() -> None:
    stop = make_stop(view=View("kreis", ags="03101"), layers=("research", "mobility"), q="TU & PTB")
    url = stop_share_url("https://karte.example.org/", "", stop, "en")
    assert url == "https://karte.example.org/?layers=research,mobility&kreis=03101&q=TU+%26+PTB&lang=en&basemap=osm"
    assert stop_share_url("http://fair.example:8080/regionmap", "/kommunen/", stop, "de").startswith(
        "http://fair.example:8080/regionmap/kommunen?layers=research,mobility&kreis=03101&q=TU+%26+PTB"
    )


def test_stop_share_url_carries_language_and_basemap_even_when_they_are_the_defaults() -> None:
    whole = make_stop(view=View("region"), layers=THEMATIC_LAYERS)
    assert stop_share_url("https://karte.example.org", "", whole, "de") == "https://karte.example.org/?lang=de&basemap=osm"
    offline = parse_qs(urlsplit(stop_share_url("https://karte.example.org", "", whole, "fr", "none")).query)
    assert offline == {"lang": ["fr"], "basemap": ["none"]}


@pytest.mark.parametrize("base", ["karte.example.org", "javascript:alert(1)", "https://", "ftp://x.org",
                                  "https://x.org/?a=1", "https://x.org/#top", ""])
def test_stop_share_url_rejects_bad_base_urls(base: str) -> None:
    with pytest.raises(ConfigError, match="share base URL"):
        stop_share_url(base, "", make_stop(layers=("sites",)), "de")


# --- the shipped tour against the real data ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store_vocab(built_store: Path) -> TourVocab:
    """The vocabulary of a store built from the real sources and the curated layers."""
    points = [gpd.read_file(built_store, layer=layer) for layer in THEMATIC_LAYERS]
    return vocab_from_store(gpd.read_file(built_store, layer="gemeinden"), points)


@pytest.fixture(scope="module")
def store_gemeinden(built_store: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(built_store, layer="gemeinden")


def test_vocab_from_store(store_vocab: TourVocab, built_store: Path) -> None:
    assert store_vocab.kreise == frozenset(region().kreis_ags)
    assert len(store_vocab.gemeinden) == 381 and "03159016" in store_vocab.gemeinden
    assert store_vocab.layers == frozenset(THEMATIC_LAYERS)
    assert store_vocab.categories["research"] >= {"university"}
    w, s, e, n = store_vocab.region_bounds
    assert 8.6 < w < 8.8 and 51.2 < s < 51.4 and 11.0 < e < 11.2 and 53.1 < n < 53.3
    research = gpd.read_file(built_store, layer="research")
    assert len(research) > 0 and all(store_vocab.points[pid] == "research" for pid in research["id"])


def test_shipped_tours_validate_against_the_real_data(store_vocab: TourVocab) -> None:
    """Every stop has texts in all languages, and its share link fits a QR code of version ≤ 7 (45 × 45 modules)."""
    tours = load_tours(default_tours_dir(), store_vocab)
    assert "region" in tours
    for tour in tours.values():
        for stop in tour.stops:
            for lang in LANGUAGES:
                assert stop.title_in(lang) and stop.text_in(lang)
                url = stop_share_url("https://karte.metropolregion.example.org", "", stop, lang)
                assert len(qr_matrix(url)) <= 17 + 4 * 7, url


def test_region_tour_contents(store_vocab: TourVocab, store_gemeinden: gpd.GeoDataFrame) -> None:
    tour = load_tour(default_tours_dir() / "region.toml", store_vocab)
    assert [stop.id for stop in tour.stops] == [
        "region", "hannover", "braunschweig", "goettingen", "wolfsburg",
        "research", "sites", "health", "mobility", "expo-real",
    ]
    names = dict(zip(store_gemeinden["ags"], store_gemeinden["name"], strict=True))
    cities = {stop.view.ags: stop.title_in("de") for stop in tour.stops[1:5] if stop.view is not None}
    assert cities == {ags: names[ags] for ags in ("03241001", "03101000", "03159016", "03103000")}
    assert tour.stops[0].view == View("region")
    assert [stop.layers for stop in tour.stops[5:9]] == [("research",), ("sites",), ("health",), ("mobility",)]
    assert "sites" in tour.stops[9].layers
    population = int(store_gemeinden["population"].sum())
    assert round(population / 1e5) == 39  # "3.9 million" in the first stop's text
    assert "3,9" in tour.stops[0].text_in("de") and "3.9" in tour.stops[0].text_in("en")
    for lang in LANGUAGES:
        assert "381" in tour.stops[0].text_in(lang) and "18" in tour.stops[0].text_in(lang)


def test_the_unconfirmed_rule_defaults_to_mark(tmp_path: Path, vocab: TourVocab) -> None:
    from regionmap.presenter.tours import MARK, SKIP

    assert load_tour(write_tour(tmp_path, GOOD_STOP), vocab).unconfirmed == MARK
    skipping = write_tour(tmp_path, GOOD_STOP, header=HEADER + 'unconfirmed = "skip"\n')
    assert load_tour(skipping, vocab).unconfirmed == SKIP
