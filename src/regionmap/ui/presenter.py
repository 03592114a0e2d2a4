"""The presenter page (`/present`): a guided tour on a full-screen map for trade-fair screens.

URL: `/present?tour=<id>&lang=<de|en|fr>&autoplay=<seconds>&basemap=<none|osm>`. The tour, language and basemap
live in the URL; the only session state is the presenter's `PresenterState` (with the tour and autoplay it belongs
to), so hours of auto-play keep the session's state the same size. A small timer fragment ticks the state machine
(`regionmap.presenter.tick`), every second while the tour plays, and reruns the page when the stop changes.
"""

from __future__ import annotations

import time
from dataclasses import replace
from collections.abc import Callable
from functools import lru_cache

import streamlit as st

from regionmap import presenter
from regionmap.config import LANGUAGES, public_url
from regionmap.dashboard import dashboard_parts
from regionmap.errors import RegionmapError
from regionmap.filters import bounds_for
from regionmap.i18n import format_number, normalise_lang, t
from regionmap.maps import bounds_of
from regionmap.maps.elements import OverlayGroup
from regionmap.presentation import PresentParams, highlight_layer, highlighted, parse_present_params
from regionmap.qr import qr_png
from regionmap.store import StoreData
from regionmap.tours import (
    Stop,
    Tour,
    TourError,
    default_tours_dir,
    load_tours,
    stop_share_url,
    stop_view_state,
    vocab_from_store,
)
from regionmap.ui import data, view
from regionmap.ui.layout import shown_layers
from regionmap.ui.mapview import draw_map, plain

STATE_KEY = "presenter"
MAP_HEIGHT = 760
TICK_SECONDS = 1.0  # how often a playing tour checks whether its stop's time is up
IDLE_CHECK_SECONDS = 10.0  # how often a paused tour checks for the idle reset
IDLE_RESET_SECONDS = 180.0  # without input for this long, the tour returns to its first stop and plays
QR_SCALE = 6
SHARE_PAGE = ""  # the dashboard's start page

CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"], [data-testid="stHeader"],
[data-testid="stAppHeader"], [data-testid="stToolbar"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 0.8rem 1.5rem 0.5rem 1.5rem; max-width: 100%; }
.stApp { background: #ffffff; color: #000000; }
.st-key-present_head p { font-size: 1.3rem; margin: 0; color: #000000; }
.st-key-present_head h1 { font-size: 2.1rem; padding: 0; color: #0b2a4a; }
.st-key-present_stop h2 { font-size: 2.2rem; line-height: 1.15; color: #0b2a4a; padding-top: 0; }
.st-key-present_stop p { font-size: 1.45rem; line-height: 1.45; color: #000000; }
.st-key-present_controls button { min-height: 4rem; min-width: 4rem; font-size: 1.5rem; font-weight: 700; }
.st-key-present_controls button p { font-size: 1.5rem; font-weight: 700; }
</style>
"""


@lru_cache(maxsize=64)
def _qr(url: str) -> bytes:
    return qr_png(url, scale=QR_SCALE)


@data.per_store_version
@st.cache_resource(show_spinner=False, max_entries=4)
def _tours(cache_key: str, files: tuple[tuple[str, float], ...], _store: StoreData) -> dict[str, Tour]:
    """Cached on the store build and the tour files' names and modification times (`files`)."""
    return load_tours(default_tours_dir(), vocab_from_store(_store.gemeinden, _store.thematic.values(), data.tax()))


def tours(store: StoreData) -> dict[str, Tour]:
    """The shipped tours validated against the store (reloaded when the store or a tour file changes)."""
    files = tuple((p.name, p.stat().st_mtime) for p in sorted(default_tours_dir().glob("*.toml")))
    return _tours(store.cache_key, files, store)


def _query() -> dict[str, str | None]:
    return {name: st.query_params.get(name) for name in ("tour", "lang", "autoplay", "basemap")}


def _state(tour: Tour, params: PresentParams, now: float) -> presenter.PresenterState:
    """This session's presenter state, new when the tour or auto-play changed, ticked to `now`."""
    owner = (tour.id, params.autoplay)
    saved = st.session_state.get(STATE_KEY)
    state = saved[1] if saved and saved[0] == owner else presenter.start(now, playing=params.autoplay is not None)
    state = _tick(state, tour, params.autoplay, now)
    st.session_state[STATE_KEY] = (owner, state)
    return state


def _tick(state: presenter.PresenterState, tour: Tour, autoplay: float | None, now: float) -> presenter.PresenterState:
    return presenter.tick(state, now, tour.stop_interval(state.stop_index, autoplay), IDLE_RESET_SECONDS,
                          len(tour.stops))


Change = Callable[[presenter.PresenterState, float], presenter.PresenterState]


def _update(change: Change) -> None:
    """Apply presenter input (a function of the state and the time) to this session's state."""
    owner, state = st.session_state[STATE_KEY]
    st.session_state[STATE_KEY] = (owner, change(state, time.time()))


def _ticker(tour: Tour, autoplay: float | None) -> None:
    """Tick the state machine; rerun the page when the stop or play mode changed (auto-advance, idle reset)."""
    owner, state = st.session_state[STATE_KEY]
    new = _tick(state, tour, autoplay, time.time())
    st.session_state[STATE_KEY] = (owner, new)
    if (new.stop_index, new.playing) != (state.stop_index, state.playing):
        st.rerun()


def _set_lang(lang: str) -> None:
    st.query_params["lang"] = lang
    _update(presenter.register_input)


def _controls(tour: Tour, state: presenter.PresenterState, lang: str) -> None:
    n = len(tour.stops)
    with st.container(key="present_controls", horizontal=True, gap="small"):
        st.button("◀ " + t("present.previous", lang), key="present_previous",
                  on_click=_update, args=(lambda s, now: presenter.previous_stop(s, now, n),))
        st.button(("❚❚ " + t("present.pause", lang)) if state.playing else ("▶ " + t("present.play", lang)),
                  key="present_play", type="primary", on_click=_update, args=(presenter.toggle_play,))
        st.button(t("present.next", lang) + " ▶", key="present_next",
                  on_click=_update, args=(lambda s, now: presenter.next_stop(s, now, n),))
        for code in LANGUAGES:
            st.button(code.upper(), key=f"present_lang_{code}", help=t("present.language", lang),
                      type="primary" if code == lang else "secondary", on_click=_set_lang, args=(code,))


def _map(store: StoreData, tour: Tour, stop: Stop, params: PresentParams) -> None:
    state = stop_view_state(stop, params.lang, params.basemap)
    shown = shown_layers(store, state, tuple(stop.layers))
    if stop.view is not None and stop.view.kind == "bounds":
        w, s, e, n = stop.view.bounds
        fit = ((s, w), (n, e))
    elif state.kreis or state.gemeinde:
        fit = bounds_for(store.gemeinden, store.kreise, state.kreis, state.gemeinde)
    else:
        fit = None
    parts = dashboard_parts(
        shown=shown,
        simplified=data.simplified(store),
        payloads=data.payloads(store, params.lang),
        taxonomy=data.tax(),
        registry=data.registry(),
        region_bounds=bounds_of(store.region),
        lang=params.lang,
        basemap_id=params.basemap,
        fit_bounds=fit,
    )
    points = highlighted(store.layers, stop)
    if points is not None:
        group = OverlayGroup(control=False)
        highlight_layer(points, t("present.highlight", params.lang)).add_to(group)
        parts = replace(parts, overlays=(*parts.overlays, group))
    # Stops with the same view keep the mounted map and swap only its points and legend.
    draw_map(parts, key=f"present_map_{tour.id}", height=MAP_HEIGHT, returned_objects=())


def _qr_code(stop: Stop, lang: str) -> None:
    try:
        url = stop_share_url(public_url(), SHARE_PAGE, stop, lang)
        image = _qr(url)
    except RegionmapError as exc:
        st.caption(plain(t("present.qr_unavailable", lang, error=str(exc))))
        return
    st.image(image, caption=t("present.qr", lang), width=220)


def presenter_page() -> None:
    """Render the presenter page for this run."""
    view.ensure_entrypoint()
    st.html(CSS)
    query = _query()
    lang = normalise_lang((query["lang"] or "").strip().lower())
    store = data.store(lang)
    try:
        available = tours(store)
    except TourError as exc:
        st.error(plain(t("present.invalid_tour", lang, error=str(exc))))
        return
    if not available:
        st.error(plain(t("present.no_tours", lang, path=str(default_tours_dir()))))
        return
    params, notices = parse_present_params(query, list(available))
    lang = params.lang
    tour = available[params.tour_id]
    state = _state(tour, params, time.time())
    stop = tour.stops[state.stop_index]

    head, controls = st.columns([3, 2], vertical_alignment="center")
    with head, st.container(key="present_head"):
        st.markdown(f"# {plain(data.region_name(lang))}")
        st.markdown(plain(tour.title_in(lang)))
    with controls:
        _controls(tour, state, lang)
    for notice in notices:
        st.warning(plain(notice.message(lang)), icon="⚠️")

    map_col, side = st.columns([3, 1], gap="medium")
    with map_col:
        _map(store, tour, stop, params)
    with side:
        with st.container(key="present_stop"):
            st.caption(t("present.stop", lang, number=state.stop_index + 1, total=len(tour.stops)))
            st.markdown(f"## {plain(stop.title_in(lang))}")
            if stop.text_in(lang):
                st.markdown(plain(stop.text_in(lang)))
        seconds = format_number(tour.stop_interval(state.stop_index, params.autoplay), lang)
        st.caption(t("present.playing", lang, seconds=seconds) if state.playing else t("present.paused", lang))
        _qr_code(stop, lang)

    if state.playing or state.last_input_at is not None:
        every = TICK_SECONDS if state.playing else IDLE_CHECK_SECONDS
        st.fragment(_ticker, run_every=every)(tour, params.autoplay)
