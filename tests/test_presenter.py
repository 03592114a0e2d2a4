"""The presenter state machine (next/previous wrap, autoplay, idle reset, bounded state) and its locale texts."""

from __future__ import annotations

import pickle
import random
import sys
from dataclasses import fields

import pytest

from regionmap.config import LANGUAGES
from regionmap.i18n import LOCALES_DIR, load_catalog
from regionmap.presenter.playback import (
    PresenterState,
    next_stop,
    previous_stop,
    register_input,
    start,
    tick,
    toggle_play,
)
from regionmap.testing import placeholders

N = 10  # stops
INTERVAL = 20.0
IDLE = 120.0


def run(state: PresenterState, until: float, step: float = 1.0, idle: float | None = IDLE) -> PresenterState:
    """Tick from the state's last advance up to `until`, every `step` seconds."""
    now = state.last_advance_at
    while now < until:
        now = min(now + step, until)
        state = tick(state, now, INTERVAL, idle, N)
    return state


def test_start() -> None:
    assert start(100.0) == PresenterState(stop_index=0, playing=True, last_input_at=None, last_advance_at=100.0)
    assert start(5.0, playing=False).playing is False


def test_next_and_previous_wrap_around() -> None:
    state = start(0.0)
    assert previous_stop(state, 1.0, N).stop_index == N - 1
    for i in range(1, N + 1):
        state = next_stop(state, float(i), N)
    assert state.stop_index == 0
    assert next_stop(start(0.0), 1.0, 1).stop_index == 0


def test_input_restarts_both_timers_and_keeps_play_state() -> None:
    paused = start(0.0, playing=False)
    moved = next_stop(paused, 7.0, N)
    assert moved == PresenterState(stop_index=1, playing=False, last_input_at=7.0, last_advance_at=7.0)
    assert previous_stop(moved, 9.0, N) == PresenterState(0, False, 9.0, 9.0)


def test_autoplay_advances_after_the_interval() -> None:
    state = start(0.0)
    assert tick(state, 19.9, INTERVAL, IDLE, N) == state
    advanced = tick(state, 20.0, INTERVAL, IDLE, N)
    assert advanced == PresenterState(1, True, None, 20.0)


def test_autoplay_plays_all_stops_in_order_and_wraps() -> None:
    state = start(0.0)
    seen = [state.stop_index]
    now = 0.0
    while now < INTERVAL * (N + 2):
        now += 0.5
        new = tick(state, now, INTERVAL, IDLE, N)
        if new.stop_index != state.stop_index:
            seen.append(new.stop_index)
        state = new
    assert seen == [*range(N), 0, 1, 2]


def test_a_late_tick_advances_one_stop_only() -> None:
    state = tick(start(0.0), 95.0, INTERVAL, IDLE, N)
    assert (state.stop_index, state.last_advance_at) == (1, 95.0)


def test_per_stop_interval() -> None:
    state = start(0.0)
    assert tick(state, 30.0, 45.0, IDLE, N).stop_index == 0
    assert tick(state, 45.0, 45.0, IDLE, N).stop_index == 1


def test_paused_tour_does_not_advance() -> None:
    state = toggle_play(start(0.0), 1.0)
    assert state == PresenterState(0, False, 1.0, 1.0)
    assert run(state, 100.0) == state


def test_resume_gives_the_stop_its_full_interval() -> None:
    state = toggle_play(start(0.0), 15.0)  # pause at 15 s
    state = toggle_play(state, 60.0)  # play again at 60 s
    assert state == PresenterState(0, True, 60.0, 60.0)
    assert tick(state, 79.0, INTERVAL, IDLE, N).stop_index == 0
    assert tick(state, 80.0, INTERVAL, IDLE, N).stop_index == 1


def test_idle_reset_returns_to_the_start_and_plays() -> None:
    state = toggle_play(next_stop(next_stop(start(0.0), 1.0, N), 2.0, N), 3.0)  # stop 2, paused at 3 s
    assert run(state, 3.0 + IDLE - 1) == PresenterState(2, False, 3.0, 3.0)
    reset = tick(state, 3.0 + IDLE, INTERVAL, IDLE, N)
    assert reset == start(3.0 + IDLE)


def test_idle_reset_after_navigating_while_playing() -> None:
    state = next_stop(start(0.0), 10.0, N)
    state = run(state, 10.0 + IDLE - 0.5)
    assert state.stop_index != 0 and state.last_input_at == 10.0
    state = tick(state, 10.0 + IDLE, INTERVAL, IDLE, N)
    assert state == start(10.0 + IDLE)


def test_idle_reset_happens_once_per_input() -> None:
    """A tour left alone keeps cycling through every stop: no reset every `idle_reset_after` seconds."""
    state = start(0.0)
    indices = set()
    now = 0.0
    while now < IDLE * 5:
        now += 1.0
        state = tick(state, now, INTERVAL, IDLE, N)
        indices.add(state.stop_index)
    assert indices == set(range(N)) and state.last_input_at is None


def test_language_switch_counts_as_input() -> None:
    state = toggle_play(start(0.0), 0.0)
    state = register_input(state, IDLE - 10)
    assert state == PresenterState(0, False, IDLE - 10, 0.0)
    assert tick(state, IDLE + 5, INTERVAL, IDLE, N).playing is False
    assert tick(state, 2 * IDLE - 10, INTERVAL, IDLE, N) == start(2 * IDLE - 10)


def test_idle_reset_can_be_disabled() -> None:
    state = toggle_play(start(0.0), 1.0)
    assert tick(state, 1e6, INTERVAL, None, N) == state


def test_clock_going_backwards_reanchors_instead_of_stalling() -> None:
    state = next_stop(start(1000.0), 1005.0, N)
    back = tick(state, 10.0, INTERVAL, IDLE, N)
    assert back == PresenterState(1, True, 10.0, 10.0)
    assert tick(back, 30.0, INTERVAL, IDLE, N).stop_index == 2


def test_stop_index_beyond_a_shorter_tour_is_wrapped() -> None:
    state = PresenterState(12, False, None, 0.0)
    assert tick(state, 1.0, INTERVAL, IDLE, N).stop_index == 2
    assert next_stop(state, 1.0, N).stop_index == 3


@pytest.mark.parametrize(
    ("interval", "idle", "n"), [(0, IDLE, N), (-1, IDLE, N), (INTERVAL, 0, N), (INTERVAL, IDLE, 0)]
)
def test_invalid_arguments(interval: float, idle: float, n: int) -> None:
    with pytest.raises(ValueError):
        tick(start(0.0), 1.0, interval, idle, n)


def test_ten_thousand_ticks_keep_the_state_size_constant() -> None:
    """Hours of auto-play with random presenter input: four fields, no per-stop accumulation."""
    rng = random.Random(6)
    state = start(0.0)
    assert not hasattr(state, "__dict__") and [f.name for f in fields(state)] == [
        "stop_index", "playing", "last_input_at", "last_advance_at"
    ]
    bounded = {len(pickle.dumps(PresenterState(0, True, last_input, 0.0))) for last_input in (None, 0.0)}
    object_sizes, sizes = set(), set()
    now = 0.0
    for _ in range(10_000):
        now += rng.choice((0.5, 1.0, 3.0))
        roll = rng.random()
        if roll < 0.01:
            state = next_stop(state, now, N)
        elif roll < 0.015:
            state = previous_stop(state, now, N)
        elif roll < 0.017:
            state = toggle_play(state, now)
        state = tick(state, now, INTERVAL, IDLE, N)
        assert 0 <= state.stop_index < N
        object_sizes.add(sys.getsizeof(state))
        sizes.add(len(pickle.dumps(state)))
    assert len(object_sizes) == 1 and sizes <= bounded


# --- locale texts of the presenter ------------------------------------------------------------------------------------


def test_present_locales_have_the_same_keys_and_placeholders() -> None:
    catalogs = {lang: load_catalog(LOCALES_DIR / f"present.{lang}.toml") for lang in LANGUAGES}
    german = catalogs["de"]
    assert german and all(key.startswith("present.") for key in german)
    for lang, texts in catalogs.items():
        assert texts.keys() == german.keys(), lang
        for key, template in texts.items():
            assert placeholders(template) == placeholders(german[key]), (lang, key)
            template.format(**{name: "x" for name in placeholders(template)})
    assert catalogs["fr"]["present.stop"].format(number=2, total=10) == "Étape 2 sur 10"
