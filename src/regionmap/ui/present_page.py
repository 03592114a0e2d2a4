"""The presenter page (`/present`): a guided tour on a full-screen map for trade-fair screens.

URL: `/present?tour=<id>&lang=<de|en|fr>&autoplay=<seconds>&basemap=<none|osm>&contrast=<theme>`, `contrast=high`
the high-contrast theme of data/present_themes.toml for a bright stand. The tour, language, basemap and theme live in
the URL; the only session state is the presenter's `PresenterState` (with the tour and autoplay it belongs
to), so hours of auto-play keep the session's state the same size. A small timer fragment ticks the state machine
(`regionmap.presenter.playback.tick`), every second while the tour plays, and reruns the page when the stop changes.
"""

from __future__ import annotations

import time
from dataclasses import replace
from collections.abc import Callable
from functools import lru_cache

import streamlit as st

from regionmap.presenter import playback as presenter
from regionmap.config import LANGUAGES, public_url
from regionmap.dashboard.composition import dashboard_parts
from regionmap.errors import RegionmapError
from regionmap.dashboard.filters import bounds_for
from regionmap.i18n import format_number, normalise_lang, t
from regionmap.maps import bounds_of
from regionmap.maps.elements import OverlayGroup
from regionmap.maps.stage import StageContrast, StageStyle, ViewTransition
from regionmap.presenter.display import (
    PresentParams,
    confirmed_only,
    highlight_layer,
    highlighted,
    parse_present_params,
    share_base_url,
)
from regionmap.presenter.qr import qr_png
from regionmap.presenter.themes import Theme, load_themes, page_css
from regionmap.data.store import StoreData
from regionmap.presenter.tours import (
    SKIP,
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
from regionmap.ui.focus import keep_focus
from regionmap.ui.layout import FOCUS_CSS, shown_layers
from regionmap.ui.navigation import PAGES
from regionmap.ui.mapview import draw_map
from regionmap.ui import present_shortlist
from regionmap.ui.text import document_language, plain

STATE_KEY = "presenter"
MAP_HEIGHT = 760  # the iframe's height until the page's CSS (MAP_HEIGHT_CSS) fits it to the screen
TICK_SECONDS = 1.0  # how often a playing tour checks whether its stop's time is up
IDLE_CHECK_SECONDS = 10.0  # how often a paused tour checks for the idle reset
IDLE_RESET_SECONDS = 180.0  # without input for this long, the tour returns to its first stop and plays
QR_SCALE = 6
FLIGHT_SECONDS = 0.6  # the map's flight from one stop's view to the next
QR_WIDTH = 260  # pixels on screen
SHARE_PAGE = ""  # the dashboard's start page
PAGE_PATH = next(spec.url_path for spec in PAGES if spec.path == "pages/present.py")  # this page's URL path

# Sized to be read from three metres on a 1920 × 1080 screen (text scales with the width, e.g. 28 px stop text and
# 23 px captions at 1920 px), the map filling the height below the head row; on a phone the map takes 60 % of the
# height and the stop text follows it.
CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"], [data-testid="stHeader"],
[data-testid="stAppHeader"], [data-testid="stToolbar"] { display: none !important; }
[data-stale="true"] { opacity: 1 !important; transition: none !important; }  /* no fading to white on a stop change */
[data-testid="stMainBlockContainer"] { padding: 0.6rem 1.2rem 0 1.2rem; max-width: 100%; }
.stApp { background: #ffffff; color: #000000; }
.st-key-present_head p { font-size: clamp(1rem, 1.3vw, 1.8rem); margin: 0; color: #000000; }
.st-key-present_head h1 { font-size: clamp(1.3rem, 1.75vw, 2.4rem); line-height: 1.15; padding: 0; color: #0b2a4a; }
.st-key-present_stop h2 { font-size: clamp(1.5rem, 2.4vw, 3.2rem); line-height: 1.15; color: #0b2a4a; padding-top: 0; }
.st-key-present_stop p { font-size: clamp(1.05rem, 1.45vw, 2rem); line-height: 1.42; color: #000000; }
.st-key-present_stop [data-testid="stCaptionContainer"], .st-key-present_status [data-testid="stCaptionContainer"],
.st-key-present_qr [data-testid="stCaptionContainer"], .st-key-present_qr [data-testid="stImageCaption"] {
    font-size: clamp(0.95rem, 1.2vw, 1.6rem); color: #333333; }
.st-key-present_qr_notice [data-testid="stCaptionContainer"] { font-size: 0.85rem; line-height: 1.3; color: #5a5a5a; }
.st-key-present_qr_notice { margin-top: -0.5rem; }
/* Captions at their own colour, not faded: a bright stand needs the contrast (WCAG 1.4.3, docs/accessibility.md). */
.stApp [data-testid="stCaptionContainer"] { opacity: 1 !important; }
.st-key-present_controls button { min-height: clamp(2.75rem, 4vw, 5.25rem); min-width: clamp(2.75rem, 4vw, 5.25rem);
    padding: 0 clamp(0.6rem, 1vw, 1.4rem); }
.st-key-present_controls button p { font-size: clamp(1.05rem, 1.25vw, 1.7rem); font-weight: 700; white-space: nowrap; }
/* A site's name wraps inside its button rather than ending in an ellipsis. */
.st-key-present_shortlist_sites button { max-width: 100%; height: auto; }
.st-key-present_shortlist_sites button p { white-space: normal; overflow: visible; text-overflow: clip; text-align: left; }
</style>
"""
# The map fills the height below the head row (taller by a line when the QR notice is shown); 55 % on a phone.
MAP_HEIGHT_CSS = """
<style>
.st-key-present_map iframe { height: calc(100vh - clamp(5.5rem, 6.2vw, 10rem) - EXTRA) !important; min-height: 20rem; }
@media (max-width: 640px) { .st-key-present_map iframe { height: 55vh !important; } }
</style>
"""
NOTICE_LINE = "1.4rem"


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
    return {name: st.query_params.get(name) for name in ("tour", "lang", "autoplay", "basemap", "contrast")}


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


def _touched() -> None:
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


def _map(store: StoreData, tour: Tour, stop: Stop, params: PresentParams, theme: Theme | None) -> None:
    """The stop's map: its layers, filters and highlighted points on the tour's one mounted map."""
    state = stop_view_state(stop, params.lang, params.basemap)
    shown = shown_layers(store, state, tuple(stop.layers))
    layers = {layer_id: store.layers[layer_id] for layer_id in stop.layers}
    if tour.unconfirmed == SKIP:  # the tour file's rule; else they are drawn marked, as on every map
        shown, layers = confirmed_only(shown), confirmed_only(layers)
    region = bounds_of(store.region)
    if stop.view is not None and stop.view.kind == "bounds":
        w, s, e, n = stop.view.bounds
        fit = ((s, w), (n, e))
    elif state.kreis or state.gemeinde:
        fit = bounds_for(store.gemeinden, store.kreise, state.kreis, state.gemeinde)
    else:
        fit = region
    # The base (boundaries, region view) is the same at every stop, so the mounted map stays: the stop's view,
    # points and legend are swapped in as overlays, and the map flies to the new view.
    parts = dashboard_parts(
        shown=shown,
        simplified=data.simplified(store),
        payloads=data.payloads(store, params.lang),
        taxonomy=data.tax(),
        registry=data.registry(),
        region_bounds=region,
        lang=params.lang,
        basemap_id=params.basemap,
    )
    StageStyle().add_to(parts.base)
    if theme is not None:
        StageContrast(text=theme.text, background=theme.background, boundary_colour=theme.boundary_colour,
                      boundary_scale=theme.boundary_scale, marker_outline=theme.marker_outline,
                      marker_outline_width=theme.marker_outline_width, legend_scale=theme.legend_scale
                      ).add_to(parts.base)
    ViewTransition(fit, duration=FLIGHT_SECONDS).add_to(parts.overlays[0])
    points = highlighted(layers, stop)
    if points is not None:
        group = OverlayGroup(control=False)
        highlight_layer(points, t("present.highlight", params.lang)).add_to(group)
        parts = replace(parts, overlays=(*parts.overlays, group))
    draw_map(parts, key=f"present_map_{tour.id}", height=MAP_HEIGHT, returned_objects=())


def _share_url(stop: Stop, params: PresentParams) -> tuple[str | None, str | None, str | None]:
    """The QR link of the stop's view; when there is none, the presenter's notice saying why and its tooltip."""
    base = share_base_url(public_url(), st.context.url, PAGE_PATH)
    if base is None:
        return None, t("present.qr_local", params.lang), t("present.qr_local_help", params.lang)
    try:
        url = stop_share_url(base, SHARE_PAGE, stop, params.lang, params.basemap)
        _qr(url)  # a URL too long for a QR code fails here
    except RegionmapError as exc:
        return None, plain(t("present.qr_unavailable", params.lang, error=str(exc))), None
    return url, None, None


def presenter_page() -> None:
    """Render the presenter page for this run."""
    view.ensure_entrypoint()
    st.html(CSS)
    st.html(FOCUS_CSS)
    query = _query()
    lang = normalise_lang((query["lang"] or "").strip().lower())
    document_language(lang)
    keep_focus()
    store = data.store(lang)
    try:
        available = tours(store)
    except TourError as exc:
        st.error(plain(t("present.invalid_tour", lang, error=str(exc))))
        return
    if not available:
        st.error(plain(t("present.no_tours", lang, path=str(default_tours_dir()))))
        return
    themes = load_themes()
    params, notices = parse_present_params(query, list(available), list(themes))
    lang = params.lang
    theme = themes.get(params.contrast) if params.contrast else None
    if theme is not None:
        st.html(page_css(theme))
    tour = available[params.tour_id]
    state = _state(tour, params, time.time())
    stop = tour.stops[state.stop_index]

    shortlist = present_shortlist.shortlist_ids(store)
    share_url, qr_notice, qr_help = _share_url(stop, params)
    head, controls = st.columns([6, 5], vertical_alignment="center")
    with head, st.container(key="present_head"):
        st.markdown(f"# {plain(data.region_name(lang))}")
        st.markdown(plain(tour.title_in(lang)))
    with controls:
        _controls(tour, state, lang)
        if qr_notice is not None:
            with st.container(key="present_qr_notice"):  # for the presenter, small, beside the buttons
                st.caption(qr_notice, help=qr_help)
    st.html(MAP_HEIGHT_CSS.replace("EXTRA", NOTICE_LINE if qr_notice is not None else "0rem"))
    for notice in notices:
        st.warning(plain(notice.message(lang)), icon="⚠️")
    for message in present_shortlist.url_notices(lang):
        st.warning(plain(message), icon="⚠️")

    map_col, side = st.columns([5, 2], gap="medium")
    with side:  # first: the stop's text is sent while the map is composed
        with st.container(key="present_stop"):
            st.caption(t("present.stop", lang, number=state.stop_index + 1, total=len(tour.stops)))
            st.markdown(f"## {plain(stop.title_in(lang))}")
            if stop.text_in(lang):
                st.markdown(plain(stop.text_in(lang)))
        with st.container(key="present_status"):
            seconds = format_number(tour.stop_interval(state.stop_index, params.autoplay), lang)
            st.caption(t("present.playing", lang, seconds=seconds) if state.playing else t("present.paused", lang))
        opened = present_shortlist.panel(store, stop, shortlist, lang, _touched, PAGE_PATH,
                                         skip_unconfirmed=tour.unconfirmed == SKIP)
        if not opened and share_url is not None:
            with st.container(key="present_qr"):
                st.image(_qr(share_url), caption=t("present.qr", lang), width=QR_WIDTH, alt=t("present.qr_alt", lang))
    with map_col, st.container(key="present_map"):
        _map(store, tour, stop, params, theme)

    if state.playing or state.last_input_at is not None:
        every = TICK_SECONDS if state.playing else IDLE_CHECK_SECONDS
        st.fragment(_ticker, run_every=every)(tour, params.autoplay)
