"""View state <-> URL query parameters: defaults, malformed input as notices, round trips."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from regionmap.config import LANGUAGES, region
from regionmap.i18n import catalog
from regionmap.data.source_registry import registry
from regionmap.taxonomy import taxonomy
from regionmap.investor.comparison import MAX_COMPARED
from regionmap.dashboard.composition import COLOUR_BY
from regionmap.dashboard.indicators import CLASS_RANGE, SCHEMES, indicators
from regionmap.investor.factors import location_factors
from regionmap.investor.finder import site_vocabulary, sort_keys
from regionmap.investor.matching import matching_settings, weighted_criteria
from regionmap.dashboard.urlstate import (
    MAX_QUERY_LENGTH,
    PAGE_PARAMS,
    PARAM_NAMES,
    Notice,
    ViewState,
    Vocab,
    format_number,
    parse_query_params,
    to_query_params,
)

HOSTILE = "<img src=x onerror=alert(1)>"
GEMEINDEN = ("03101000", "03154013", "03154019", "03154501", "03157006", "03241001", "03241002")
SITES = ("sites-hannover-expo-park", "sites-wolfsburg-nord", "sites-peine-01", "sites-goslar-02")
RECORDS = ("research-tu-braunschweig", "health-mhh", *SITES)


@pytest.fixture(scope="module")
def vocab() -> Vocab:
    tax = taxonomy()
    return Vocab(
        layers=[layer.id for layer in tax.layers],
        sectors=tax.sector_ids,
        categories=[c for layer in tax.layers for c in layer.category_ids],
        kreise=region().kreis_ags,
        gemeinden=GEMEINDEN,
        sites=SITES,
        records=RECORDS,
        colours=COLOUR_BY,
        indicators=[item.id for item in indicators()],
        schemes=SCHEMES,
        factors=[factor.id for factor in location_factors()],
        availability=[code.id for code in site_vocabulary().availability],
        planning_status=tax.layer("sites").column("planning_status").choices,
        land_use=tax.layer("sites").column("land_use").choices,
        sort_keys=sort_keys(location_factors()),
        criteria=weighted_criteria(location_factors()),
        classes=CLASS_RANGE,
        max_compared=MAX_COMPARED,
        max_weight=matching_settings().max_weight,
        first_day="2020-01-01",
    )


def keys(notices: list[Notice]) -> list[tuple[str, str]]:
    return [(n.param, n.key) for n in notices]


def test_default_layers_and_basemaps_are_the_configured_ones():
    assert ViewState().layers == tuple(layer.id for layer in taxonomy().layers)
    assert ViewState().basemap == "osm" and Vocab().basemaps == frozenset({"osm", "none"})
    assert registry().offline_basemap == "none"


def test_no_parameters_give_the_default_view(vocab):
    state, notices = parse_query_params({}, vocab)
    assert state == ViewState()
    assert state.layers == taxonomy().layer_ids
    assert state.layers[:5] == ("research", "sites", "health", "events", "mobility")
    assert (state.lang, state.basemap, state.q, state.kreis) == ("de", "osm", "", None)
    assert notices == []
    assert to_query_params(state) == {}


def test_a_full_valid_url(vocab):
    params = {"layers": "sites,research", "sectors": "digital,mobility", "category": "university,logistics",
              "kreis": "03241", "gemeinde": "03241001", "q": "Uni Hannover", "site": "sites-hannover-expo-park",
              "lang": "en", "basemap": "none"}
    state, notices = parse_query_params(params, vocab)
    assert notices == []
    assert state == ViewState(layers=("sites", "research"), sectors=("digital", "mobility"),
                              categories=("university", "logistics"), kreis="03241", gemeinde="03241001",
                              q="Uni Hannover", site="sites-hannover-expo-park", lang="en", basemap="none")
    assert to_query_params(state) == params
    assert list(to_query_params(state)) == list(params)  # fixed order


def test_an_empty_layer_list_means_no_layers_and_survives_the_round_trip(vocab):
    state, notices = parse_query_params({"layers": ""}, vocab)
    assert state.layers == () and notices == []
    assert to_query_params(state) == {"layers": ""}
    assert parse_query_params({"layers": " , ,"}, vocab)[0].layers == ()


def test_unknown_ids_are_dropped_with_a_notice(vocab):
    state, notices = parse_query_params({"layers": "research,bakeries,sites", "sectors": "digital,space_mining",
                                         "category": "arena,zoo"}, vocab)
    assert state.layers == ("research", "sites")
    assert state.sectors == ("digital",)
    assert state.categories == ("arena",)
    assert keys(notices) == [("layers", "url.unknown_value"), ("sectors", "url.unknown_value"),
                             ("category", "url.unknown_value")]
    assert notices[0].value == "bakeries"
    assert notices[0].message("de") == "Unbekannter Wert „bakeries“ in Parameter „layers“ ignoriert."


def test_ids_are_case_and_space_tolerant_and_repeats_are_reported(vocab):
    state, notices = parse_query_params({"layers": " Research , SITES,research,"}, vocab)
    assert state.layers == ("research", "sites")
    assert keys(notices) == [("layers", "url.duplicate_value")]


def test_malformed_ids_are_reported(vocab):
    state, notices = parse_query_params({"sectors": f"digital,{HOSTILE}", "site": "../etc/passwd"}, vocab)
    assert state.sectors == ("digital",) and state.site is None
    assert keys(notices) == [("sectors", "url.malformed_id"), ("site", "url.malformed_id")]


@pytest.mark.parametrize(
    ("params", "expected_key"),
    [
        ({"kreis": "0324"}, "url.malformed_ags"),
        ({"kreis": "032411"}, "url.malformed_ags"),
        ({"kreis": "03a41"}, "url.malformed_ags"),
        ({"kreis": "０３２４１"}, "url.malformed_ags"),  # full-width digits
        ({"kreis": "09162"}, "url.not_in_region"),  # München
        ({"gemeinde": "0324100"}, "url.malformed_ags"),  # 7 digits
        ({"gemeinde": "09162000"}, "url.not_in_store"),
        ({"kreis": "03101", "gemeinde": "03241001"}, "url.not_in_kreis"),
        ({"lang": "xx"}, "url.unknown_value"),
        ({"basemap": "satellite"}, "url.unknown_value"),
        ({"site": "sites-unknown"}, "url.unknown_value"),
    ],
)
def test_bad_values_are_ignored_with_a_notice(vocab, params, expected_key):
    state, notices = parse_query_params(params, vocab)
    assert [n.key for n in notices] == [expected_key]
    assert state.gemeinde is None and state.site is None
    assert state.lang == "de" and state.basemap == "osm"
    if "kreis" in params and expected_key != "url.not_in_kreis":
        assert state.kreis is None
    for lang in LANGUAGES:
        assert notices[0].message(lang)


def test_gemeinde_in_the_chosen_kreis_is_kept(vocab):
    state, notices = parse_query_params({"kreis": "03154", "gemeinde": "03154501"}, vocab)
    assert (state.kreis, state.gemeinde, notices) == ("03154", "03154501", [])
    message = parse_query_params({"kreis": "03101", "gemeinde": "03241001"}, vocab)[1][0].message("de")
    assert message == "Gemeinde „03241001“ liegt nicht im Kreis „03101“ und wurde ignoriert."


def test_an_invalid_kreis_does_not_remove_a_valid_gemeinde(vocab):
    state, notices = parse_query_params({"kreis": "99999", "gemeinde": "03241001"}, vocab)
    assert (state.kreis, state.gemeinde) == (None, "03241001")
    assert keys(notices) == [("kreis", "url.not_in_region")]


def test_duplicated_parameters_use_the_last_value(vocab):
    state, notices = parse_query_params({"lang": ["fr", "en"], "kreis": ["03241"]}, vocab)
    assert (state.lang, state.kreis) == ("en", "03241")
    assert keys(notices) == [("lang", "url.duplicate_param")]
    assert notices[0].message("en") == "Parameter “lang” is given more than once; using “en”."


def test_other_parameters_are_left_alone(vocab):
    state, notices = parse_query_params({"embed_options": "show_toolbar", "tour": "expo", "autoplay": "10", "lang": "fr"}, vocab)
    assert state == ViewState(lang="fr") and notices == []


def test_upper_case_language_and_basemap_are_accepted(vocab):
    state, notices = parse_query_params({"lang": "EN", "basemap": " None "}, vocab)
    assert (state.lang, state.basemap, notices) == ("en", "none", [])


def test_search_text_keeps_markup_as_plain_text(vocab):
    state, notices = parse_query_params({"q": f"  {HOSTILE}   Straße "}, vocab)
    assert state.q == f"{HOSTILE} Straße"
    assert notices == []
    assert to_query_params(state) == {"q": f"{HOSTILE} Straße"}


def test_search_text_loses_control_characters(vocab):
    state, notices = parse_query_params({"q": "Braun\x00schweig\u202e\nUni\x1b[31m"}, vocab)
    assert state.q == "Braun schweig Uni [31m"
    assert keys(notices) == [("q", "url.control_chars")]
    assert "\x00" not in notices[0].message("de")


def test_long_search_text_is_truncated(vocab):
    state, notices = parse_query_params({"q": "x" * 5000}, vocab)
    assert state.q == "x" * MAX_QUERY_LENGTH
    assert keys(notices) == [("q", "url.truncated")]
    assert notices[0].message("de") == f"Suchtext auf {MAX_QUERY_LENGTH} Zeichen gekürzt."


def test_rejected_values_are_shortened_in_messages(vocab):
    _, notices = parse_query_params({"lang": "y" * 10_000}, vocab)
    assert len(notices[0].message("de")) < 200


def test_notice_keys_exist_with_their_parameters(vocab):
    hostile_params = {"layers": "nope", "sectors": "!", "kreis": "1", "gemeinde": "09162000", "q": "\x00" + "a" * 200,
                      "lang": ["xx", "yy"], "basemap": "b", "site": "s"}
    _, notices = parse_query_params(hostile_params, vocab)
    assert len(notices) == 10
    for notice in notices:
        assert notice.key in catalog("de")
        for lang in LANGUAGES:
            assert notice.message(lang)


def random_state(rng: random.Random, vocab: Vocab) -> ViewState:
    def some(values, upto):
        return tuple(rng.sample(sorted(values), rng.randint(0, min(upto, len(values)))))

    kreis = rng.choice([None, *sorted(vocab.kreise)])
    gemeinden = [g for g in sorted(vocab.gemeinden) if kreis is None or g.startswith(kreis)]
    alphabet = "abcÄöüßé <>&\"'%#+,;=?/ {}0123456789"
    q = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 120)))
    return ViewState(
        layers=some(vocab.layers, 5) if rng.random() < 0.7 else ViewState().layers,
        sectors=some(vocab.sectors, 4),
        categories=some(vocab.categories, 4),
        kreis=kreis,
        gemeinde=rng.choice([None, *gemeinden]),
        q=" ".join(q.split())[:MAX_QUERY_LENGTH].rstrip() if rng.random() < 0.5 else "",
        site=rng.choice([None, *sorted(vocab.sites)]),
        lang=rng.choice(LANGUAGES),
        basemap=rng.choice(registry().basemap_ids),
        **random_page_state(rng, vocab),
    )


def random_page_state(rng: random.Random, vocab: Vocab) -> dict:
    """The pages' own controls, each left at its default half of the time."""
    def maybe(value):
        return value if rng.random() < 0.5 else None

    def number():
        return rng.choice([0.0, 0.5, 1.0, 12.25, 150.0, round(rng.uniform(0, 500), rng.randint(0, 6))])

    low, high = sorted([number(), number()])
    factors = rng.sample(sorted(vocab.factors), rng.randint(0, len(vocab.factors)))
    return {
        "colour": maybe(rng.choice(sorted(vocab.colours))),
        "detail": maybe(rng.choice(sorted(vocab.records))),
        "indicator": maybe(rng.choice(sorted(vocab.indicators))),
        "scheme": maybe(rng.choice(sorted(vocab.schemes))),
        "classes": maybe(rng.randint(*vocab.classes)),
        "min_ha": maybe(low),
        "max_ha": maybe(high),
        "availability": tuple(rng.sample(sorted(vocab.availability), rng.randint(0, len(vocab.availability)))),
        "max_km": tuple((factor, number()) for factor in factors),
        "sort": maybe(rng.choice(sorted(vocab.sort_keys))),
        "compare": tuple(rng.sample(sorted(vocab.sites), rng.randint(0, vocab.max_compared))),
    }


def test_round_trip_of_many_generated_states(vocab):
    rng = random.Random(4)
    for _ in range(1000):
        state = random_state(rng, vocab)
        params = to_query_params(state)
        assert all(isinstance(v, str) for v in params.values())
        parsed, notices = parse_query_params(params, vocab)
        assert (parsed, notices) == (state, []), params


def test_round_trip_through_a_real_query_string(vocab):
    from urllib.parse import parse_qs, urlencode

    rng = random.Random(5)
    for _ in range(200):
        state = random_state(rng, vocab)
        query = urlencode(to_query_params(state))
        parsed, notices = parse_query_params(parse_qs(query, keep_blank_values=True), vocab)
        assert (parsed, notices) == (state, []), query


def test_defaults_are_omitted_one_by_one():
    assert to_query_params(replace(ViewState(), lang="fr")) == {"lang": "fr"}
    assert to_query_params(replace(ViewState(), basemap="none")) == {"basemap": "none"}
    assert to_query_params(replace(ViewState(), layers=("health",))) == {"layers": "health"}


# --- the pages' own parameters -----------------------------------------------------------------------------------


def test_every_page_control_from_the_url(vocab):
    params = {"colour": "sectors", "detail": "research-tu-braunschweig", "indicator": "density",
              "scheme": "natural_breaks", "classes": "4", "size": "5-20.5", "availability": "available,limited",
              "planning_status": "in_force,in_preparation", "land_use": "GI,GE", "serviced": "1", "rail_siding": "1",
              "dist": "motorway:0.5,airport:30", "broadband": "250", "op24": "1", "w": "motorway:3,area_ha:0",
              "as_of": "2026-06-30", "sort": "motorway", "compare": "sites-peine-01,sites-wolfsburg-nord",
              "shortlist": "sites-wolfsburg-nord,sites-peine-01"}
    state, notices = parse_query_params(params, vocab)
    assert notices == []
    assert state == ViewState(colour="sectors", detail="research-tu-braunschweig", indicator="density",
                              scheme="natural_breaks", classes=4, min_ha=5.0, max_ha=20.5,
                              availability=("available", "limited"), planning_status=("in_force", "in_preparation"),
                              land_use=("GI", "GE"), serviced=True, rail_siding=True,
                              max_km=(("motorway", 0.5), ("airport", 30.0)), min_broadband=250.0,
                              operation_24h=True, weights=(("motorway", 3), ("area_ha", 0)), as_of="2026-06-30",
                              sort="motorway", compare=("sites-peine-01", "sites-wolfsburg-nord"),
                              shortlist=("sites-wolfsburg-nord", "sites-peine-01"))
    assert to_query_params(state) == params
    assert list(to_query_params(state)) == [p.name for p in PAGE_PARAMS]  # declared order


def test_site_finder_codes_and_flags_from_the_url(vocab):
    state, notices = parse_query_params({"land_use": "gi,XX,GE", "planning_status": "none,<b>", "serviced": "yes",
                                         "rail_siding": "0"}, vocab)
    assert (state.land_use, state.planning_status) == (("GI", "GE"), ("none",))  # codes as the data spells them
    assert (state.serviced, state.rail_siding) == (False, False)
    assert keys(notices) == [("planning_status", "url.malformed_id"), ("land_use", "url.unknown_value"),
                             ("serviced", "url.unknown_value")]  # in the order of PAGE_PARAMS
    assert to_query_params(state, ("land_use", "planning_status", "serviced", "rail_siding")) == {
        "land_use": "GI,GE", "planning_status": "none"}


def test_open_size_ranges(vocab):
    for text, expected in (("5-", (5.0, None)), ("-20", (None, 20.0)), ("0-0", (0.0, 0.0)), ("-", (None, None))):
        state, notices = parse_query_params({"size": text}, vocab)
        assert ((state.min_ha, state.max_ha), notices) == (expected, []), text
        assert parse_query_params(to_query_params(state), vocab)[0] == state


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"classes": "9"}, [("classes", "url.out_of_range")]),
        ({"classes": "2"}, [("classes", "url.out_of_range")]),
        ({"classes": "four"}, [("classes", "url.out_of_range")]),
        ({"classes": "٤"}, [("classes", "url.out_of_range")]),  # Arabic-Indic digit four
        ({"indicator": "happiness"}, [("indicator", "url.unknown_value")]),
        ({"scheme": HOSTILE}, [("scheme", "url.malformed_id")]),
        ({"colour": "rainbow"}, [("colour", "url.unknown_value")]),
        ({"detail": "research-nowhere"}, [("detail", "url.unknown_value")]),
        ({"size": "20-5"}, [("size", "url.malformed_range")]),
        ({"size": "12"}, [("size", "url.malformed_range")]),
        ({"size": "5,5-20"}, [("size", "url.malformed_number")]),  # a decimal comma is not the machine format
        ({"size": "1e3-"}, [("size", "url.malformed_number")]),
        ({"size": "nan-inf"}, [("size", "url.malformed_number")]),
        ({"availability": "available,sold"}, [("availability", "url.unknown_value")]),
        ({"dist": "motorway:0,5"}, [("dist", "url.malformed_distance")]),  # "motorway:0" is kept, "5" is not a pair
        ({"dist": "moon:5"}, [("dist", "url.unknown_value")]),
        ({"dist": "motorway:-1"}, [("dist", "url.malformed_number")]),
        ({"dist": "motorway:five"}, [("dist", "url.malformed_number")]),
        ({"dist": "motorway:1,motorway:2"}, [("dist", "url.duplicate_value")]),
        ({"sort": "price"}, [("sort", "url.unknown_value")]),
        ({"compare": "sites-peine-01,sites-unknown"}, [("compare", "url.unknown_value")]),
        ({"compare": ",".join(SITES)}, [("compare", "url.too_many")]),
    ],
)
def test_bad_page_values_are_ignored_with_a_notice(vocab, params, expected):
    state, notices = parse_query_params(params, vocab)
    assert keys(notices) == expected
    for notice in notices:
        assert notice.key in catalog("de")
        for lang in LANGUAGES:
            assert notice.message(lang) and "{" not in notice.message(lang)
    defaults = ViewState()
    if "classes" in params:
        assert state.classes is None
    if "size" in params:
        assert (state.min_ha, state.max_ha) == (None, None)
    if "dist" in params:
        assert state.max_km in ((), (("motorway", 0.0),), (("motorway", 1.0),))
    if "compare" in params:
        assert len(state.compare) <= MAX_COMPARED and set(state.compare) <= set(SITES)
    assert state.lang == defaults.lang


def test_numbers_are_written_with_a_decimal_point():
    assert [format_number(v) for v in (0.0, 0.5, 12.0, 12.25, 1234567.5, 0.000001)] == \
        ["0", "0.5", "12", "12.25", "1234567.5", "0.000001"]


def test_a_page_writes_the_sidebar_and_only_its_own_parameters():
    state = ViewState(kreis="03241", indicator="density", sort="motorway", colour="sectors")
    assert to_query_params(state, ("indicator", "scheme", "classes")) == {"kreis": "03241", "indicator": "density"}
    assert to_query_params(state, ()) == {"kreis": "03241"}
    assert to_query_params(state) == {"kreis": "03241", "colour": "sectors", "indicator": "density", "sort": "motorway"}


def test_every_parameter_is_declared_once():
    assert len(PARAM_NAMES) == len(set(PARAM_NAMES))


def test_the_vocabularies_come_from_the_data_files(built_store):
    from regionmap.data.store import open_store

    vocab = open_store(built_store).url_vocab(taxonomy())
    assert vocab.factors == {f.id for f in location_factors()} and "motorway" in vocab.factors
    assert vocab.availability == {c.id for c in site_vocabulary().availability}
    assert vocab.indicators == {item.id for item in indicators()} and "sites_per_10k" in vocab.indicators
    assert vocab.sort_keys >= {"name"} | vocab.factors
    assert vocab.sites <= vocab.records and len(vocab.records) > len(vocab.sites)


# --- the real store built from the sources ---------------------------------------------------------------------


def test_urls_against_the_real_store(built_store):
    from regionmap.data.store import open_store

    store = open_store(built_store)
    vocab = store.url_vocab(taxonomy())
    assert len(vocab.gemeinden) == 381 and len(vocab.kreise) == 18 and vocab.layers == frozenset(ViewState().layers)
    site = sorted(store["sites"]["id"])[0]
    params = {"kreis": "03159", "gemeinde": "03159016", "sectors": "health,digital", "site": site, "lang": "fr"}
    state, notices = parse_query_params(params, vocab)
    assert notices == [] and state.gemeinde == "03159016" and state.site == site
    assert parse_query_params(to_query_params(state), vocab) == (state, [])
    _, notices = parse_query_params({"gemeinde": "03159999", "kreis": "03401"}, vocab)  # 03401: Delmenhorst
    assert [n.key for n in notices] == ["url.not_in_region", "url.not_in_store"]


@pytest.mark.parametrize(("params", "expected"), [
    ({"w": "motorway:9"}, ("w", "url.malformed_weight")),
    ({"w": "motorway:-1"}, ("w", "url.malformed_weight")),
    ({"w": "nowhere:2"}, ("w", "url.unknown_value")),
    ({"w": "motorway"}, ("w", "url.malformed_weight")),
    ({"broadband": "1,5"}, ("broadband", "url.malformed_number")),
    ({"as_of": "2019-12-31"}, ("as_of", "url.malformed_day")),
    ({"as_of": "2999-01-01"}, ("as_of", "url.malformed_day")),
    ({"as_of": "2026-02-30"}, ("as_of", "url.malformed_day")),
    ({"as_of": "<script>"}, ("as_of", "url.malformed_day")),
])
def test_malformed_matching_values_are_dropped_with_a_notice(vocab, params, expected):
    state, notices = parse_query_params(params, vocab)
    assert keys(notices) == [expected]
    assert (state.weights, state.min_broadband, state.as_of) == ((), None, None)


def test_weights_keep_the_first_of_a_criterion(vocab):
    state, notices = parse_query_params({"w": "motorway:2,motorway:4,area_ha:1"}, vocab)
    assert state.weights == (("motorway", 2), ("area_ha", 1)) and keys(notices) == [("w", "url.duplicate_value")]
