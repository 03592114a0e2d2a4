"""The presenter page (/present) in AppTest: stops, controls, languages, URL parameters, auto-play and idle reset."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from regionmap.config import public_url, region
from regionmap.i18n import t
from regionmap.presenter.tours import default_tours_dir, load_tours, stop_share_url, vocab_from_store
from regionmap.data.store import open_store
from regionmap.ui.text import plain
from regionmap.presenter.display import (
    AUTOPLAY_RANGE,
    confirmed_only,
    highlight_layer,
    highlighted,
    is_loopback_host,
    parse_autoplay,
    parse_present_params,
    share_base_url,
)
from regionmap.ui.present_page import IDLE_RESET_SECONDS, STATE_KEY

APP = Path(__file__).resolve().parents[1] / "app.py"
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def tour(built_store: Path):
    store = open_store(built_store)
    return load_tours(default_tours_dir(), vocab_from_store(store.gemeinden, store.thematic.values()))["region"]


def present(monkeypatch: pytest.MonkeyPatch, built_store: Path, **params: str) -> AppTest:
    """The app switched to /present with these query parameters, after its first run there."""
    monkeypatch.setenv("REGIONMAP_STORE", str(built_store))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("pages/present.py")
    at.query_params.clear()
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def stop_title(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("## "))[3:]


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


# --- pure parts ---------------------------------------------------------------------------------------------------


def test_params_default_to_first_tour_german_paused_without_basemap() -> None:
    params, notices = parse_present_params({}, ["region", "other"])
    assert (params.tour_id, params.lang, params.autoplay, params.basemap) == ("region", "de", None, "none")
    assert notices == []


def test_params_are_read() -> None:
    query = {"tour": "other", "lang": "fr", "autoplay": "12.5", "basemap": "osm"}
    params, notices = parse_present_params(query, ["region", "other"])
    assert (params.tour_id, params.lang, params.autoplay, params.basemap) == ("other", "fr", 12.5, "osm")
    assert notices == []


@pytest.mark.parametrize("value", ["x", "-3", "0.5", "nan", "inf", "1e9", "5s", HOSTILE])
def test_malformed_autoplay_is_a_notice(value: str) -> None:
    assert parse_autoplay(value) == (None, False)
    params, notices = parse_present_params({"autoplay": value}, ["region"])
    assert params.autoplay is None
    assert [n.param for n in notices] == ["autoplay"]


@pytest.mark.parametrize(("value", "seconds"), [(None, None), ("", None), ("0", None), (" 8 ", 8.0),
                                                (str(AUTOPLAY_RANGE[1]), AUTOPLAY_RANGE[1])])
def test_autoplay_values(value: str | None, seconds: float | None) -> None:
    assert parse_autoplay(value) == (seconds, True)


def test_unknown_tour_language_and_basemap_fall_back_with_notices() -> None:
    params, notices = parse_present_params({"tour": HOSTILE, "lang": "xx", "basemap": "satellite"}, ["region"])
    assert (params.tour_id, params.lang, params.basemap) == ("region", "de", "none")
    assert [n.param for n in notices] == ["tour", "lang", "basemap"]
    assert "region" in notices[0].message("en")


def test_highlighted_records_come_from_the_stop_layers(built_store: Path, tour) -> None:
    store = open_store(built_store)
    stop = next(s for s in tour.stops if s.highlight)
    points = highlighted(store.layers, stop)
    assert sorted(points["id"]) == sorted(stop.highlight)
    assert not points["stale"].any()  # the sources' sites are current
    assert highlighted(store.layers, tour.stops[0]) is None


def test_unconfirmed_highlights_are_marked_or_left_out(built_store: Path, tour) -> None:
    import pandas as pd

    store = open_store(built_store)
    stop = next(s for s in tour.stops if s.highlight)
    sites = store.layers["sites"].copy()
    old = sites["id"] == stop.highlight[0]
    sites.loc[old, "as_of"] = "2024-01-01"  # past the sites' six months
    layers = {**store.layers, "sites": sites}
    points = highlighted(layers, stop)
    assert points.set_index("id")["stale"].to_dict() == {i: i == stop.highlight[0] for i in stop.highlight}
    assert '"stale":[' in highlight_layer(points, "x").payload  # drawn hollow like every overdue marker
    kept = confirmed_only(layers)
    assert stop.highlight[0] not in set(kept["sites"]["id"]) and len(kept["sites"]) == len(sites) - 1
    assert pd.Index(kept["research"]["id"]).equals(pd.Index(store.layers["research"]["id"]))
    assert sorted(highlighted(kept, stop)["id"]) == sorted(stop.highlight[1:])


# --- the page -----------------------------------------------------------------------------------------------------


def test_page_shows_stop_one_in_german(monkeypatch, built_store, tour) -> None:
    at = present(monkeypatch, built_store)
    assert stop_title(at) == plain(tour.stops[0].title_in("de"))
    assert f"Station 1 von {len(tour.stops)}" in captions(at)
    assert "Angehalten" in captions(at)
    assert [w.value for w in at.warning] == []
    assert at.button(key="present_play").label.endswith("Abspielen")


def test_next_and_previous_change_the_stop(monkeypatch, built_store, tour) -> None:
    at = present(monkeypatch, built_store)
    n = len(tour.stops)
    at.button(key="present_next").click().run()
    assert stop_title(at) == plain(tour.stops[1].title_in("de"))
    assert f"Station 2 von {n}" in captions(at)
    at.button(key="present_previous").click().run()
    at.button(key="present_previous").click().run()
    assert stop_title(at) == plain(tour.stops[-1].title_in("de"))
    assert f"Station {n} von {n}" in captions(at)


def test_language_buttons_switch_the_text(monkeypatch, built_store, tour) -> None:
    at = present(monkeypatch, built_store)
    at.button(key="present_next").click().run()
    for lang, counter in (("en", "Stop 2 of"), ("fr", "Étape 2 sur"), ("de", "Station 2 von")):
        at.button(key=f"present_lang_{lang}").click().run()
        assert at.query_params["lang"] == lang
        assert stop_title(at) == plain(tour.stops[1].title_in(lang))
        assert any(m.value == plain(tour.stops[1].text_in(lang)) for m in at.markdown)
        assert any(c.startswith(counter) for c in captions(at))


def test_url_language_and_tour(monkeypatch, built_store, tour) -> None:
    at = present(monkeypatch, built_store, tour="region", lang="fr")
    assert stop_title(at) == plain(tour.stops[0].title_in("fr"))
    assert at.markdown[0].value == f"# {plain(region().name('fr'))}"
    assert at.markdown[1].value == plain(tour.title_in("fr"))


def test_malformed_params_give_notices_not_errors(monkeypatch, built_store, tour) -> None:
    at = present(monkeypatch, built_store, tour=HOSTILE, lang="xx", autoplay="soon", basemap="<b>")
    notices = [w.value for w in at.warning]
    assert len(notices) == 4
    assert plain(HOSTILE) in notices[0]  # shown as typed, escaped for st.markdown
    assert all("<" not in n.replace("\\<", "") for n in notices)
    assert stop_title(at) == plain(tour.stops[0].title_in("de"))
    assert "Angehalten" in captions(at)


def test_autoplay_param_plays_with_its_interval(monkeypatch, built_store, tour) -> None:
    at = present(monkeypatch, built_store, autoplay="7")
    assert at.button(key="present_play").label.endswith("Pause")
    assert tour.stops[0].duration is not None and tour.stops[0].duration != 7
    assert "Läuft automatisch: alle 7\u00a0s" in captions(at)  # ?autoplay= wins over the stop's own duration
    at.button(key="present_next").click().run()
    assert "Läuft automatisch: alle 7\u00a0s" in captions(at)
    at.button(key="present_play").click().run()
    assert "Angehalten" in captions(at)


def test_a_playing_tour_advances_when_its_interval_has_passed(monkeypatch, built_store, tour) -> None:
    at = present(monkeypatch, built_store, autoplay="5")
    owner, state = at.session_state[STATE_KEY]
    at.session_state[STATE_KEY] = (owner, replace(state, last_advance_at=time.time() - 60))
    at.run()
    assert stop_title(at) == plain(tour.stops[1].title_in("de"))


def test_idle_reset_returns_to_the_start_and_plays(monkeypatch, built_store, tour) -> None:
    at = present(monkeypatch, built_store)
    at.button(key="present_next").click().run()
    at.button(key="present_next").click().run()
    owner, state = at.session_state[STATE_KEY]
    assert state.stop_index == 2 and not state.playing
    at.session_state[STATE_KEY] = (owner, replace(state, last_input_at=time.time() - IDLE_RESET_SECONDS - 1))
    at.run()
    assert stop_title(at) == plain(tour.stops[0].title_in("de"))
    assert at.button(key="present_play").label.endswith("Pause")


def test_session_state_stays_bounded_over_a_tour(monkeypatch, built_store, tour) -> None:
    at = present(monkeypatch, built_store)
    keys = set(at.session_state.keys())
    for _ in range(len(tour.stops) + 2):
        at.button(key="present_next").click().run()
    after = set(at.session_state.keys())
    assert len(after) == len(keys)  # Streamlit's own widget ids may change, their number does not
    assert {k for k in after if k.startswith("present")} == {k for k in keys if k.startswith("present")}


def test_language_and_basemap_are_read_like_the_dashboard_reads_them() -> None:
    params, notices = parse_present_params({"lang": " EN ", "basemap": "OSM"}, ["region"])
    assert (params.lang, params.basemap, notices) == ("en", "osm", [])


# --- QR codes: where visitors' phones reach the dashboard ------------------------------------------------------


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "localhost.", "kiosk.localhost", "127.0.0.1", "127.1.2.3",
                                  "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "0.0.0.0", "::"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize("host", ["regionmap.test", "192.168.1.20", "10.0.0.5", "128.0.0.1", "2001:db8::1",
                                  "[2001:db8::1]", "fe80::1%eth0", "::ffff:192.168.1.20", "localhost.example.org",
                                  "127.0.0.1.nip.io"])
def test_hosts_other_machines_can_reach(host: str) -> None:
    assert not is_loopback_host(host)


@pytest.mark.parametrize(("browser_url", "base"), [
    ("http://192.168.1.20:8501/present", "http://192.168.1.20:8501"),
    ("http://regionmap.test:8731/present", "http://regionmap.test:8731"),
    ("https://fair.example.org/regionmap/present", "https://fair.example.org/regionmap"),
    ("http://[2001:db8::1]:8501/present", "http://[2001:db8::1]:8501"),
    ("http://user:secret@fair.example.org:8501/present/", "http://fair.example.org:8501"),
    ("http://127.0.0.1:8501/present", None),
    ("http://localhost:8501/present", None),
    ("http://[::1]:8501/present", None),
    ("http://0.0.0.0:8501/present", None),
    ("ftp://fair.example.org/present", None),
    ("http://fair.example.org:99999/present", None),
    ("", None),
    (None, None),
])
def test_share_base_url_without_configuration_is_the_browsers_address(browser_url: str | None, base: str | None) -> None:
    assert share_base_url(None, browser_url, "present") == base
    assert share_base_url("  ", browser_url, "present") == base


def test_configured_public_url_wins_over_the_browsers_address(monkeypatch: pytest.MonkeyPatch) -> None:
    for browser_url in ("http://127.0.0.1:8501/present", "http://192.168.1.20:8501/present", None):
        assert share_base_url("https://karte.example.org", browser_url, "present") == "https://karte.example.org"
    monkeypatch.setenv("REGIONMAP_PUBLIC_URL", " https://karte.example.org ")
    assert public_url() == "https://karte.example.org"
    monkeypatch.delenv("REGIONMAP_PUBLIC_URL")
    assert public_url() is None  # no made-up localhost default


def test_qr_link_from_the_browsers_address_keeps_the_whole_view(tour) -> None:
    stop = next(s for s in tour.stops if s.view is not None and s.view.kind == "gemeinde")
    base = share_base_url(None, "http://192.168.1.20:8501/present", "present")
    url = stop_share_url(base, "", stop, "fr", "none")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "192.168.1.20:8501", "/")
    query = parse_qs(parts.query)
    assert query["lang"] == ["fr"] and query["basemap"] == ["none"] and query["gemeinde"] == [stop.view.ags]
    assert query["layers"] == [",".join(stop.layers)]


def qr_images(at: AppTest) -> list:
    return list(at.get("image"))


def test_without_a_public_address_the_presenter_gets_a_notice_and_no_qr_code(monkeypatch, built_store) -> None:
    monkeypatch.delenv("REGIONMAP_PUBLIC_URL", raising=False)
    at = present(monkeypatch, built_store, lang="en")  # AppTest has no browser address: like a loopback one
    assert qr_images(at) == []
    notice = [c for c in captions(at) if "REGIONMAP_PUBLIC_URL=https://" in c]
    assert notice == [t("present.qr_local", "en")]
    assert "localhost" not in " ".join(captions(at))


def test_with_a_public_address_the_stop_has_its_qr_code(monkeypatch, built_store) -> None:
    monkeypatch.setenv("REGIONMAP_PUBLIC_URL", "https://karte.example.org")
    at = present(monkeypatch, built_store, lang="en")
    assert len(qr_images(at)) == 1
    assert t("present.qr", "en") in str(qr_images(at)[0].proto)
    assert not [c for c in captions(at) if "REGIONMAP_PUBLIC_URL" in c]
