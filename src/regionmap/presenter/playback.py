"""The presenter's state machine: which stop is on screen, whether the tour plays, and when it moves on.

Pure functions over an immutable `PresenterState`. Time is passed in as `now` (seconds on one clock, e.g.
`time.monotonic()`); nothing here sleeps or reads a clock. The state has four fields and never grows, however long
the tour plays.

- `next_stop`, `previous_stop`, `toggle_play` and `register_input` are presenter input: they restart the idle timer.
- `tick` is called on every rerun: it advances a playing tour once the stop's interval has passed (at most one stop
  per tick, so a late tick never skips stops), and after `idle_reset_after` seconds without input it goes back to the
  first stop and plays. The idle reset happens once per period of input; a tour left playing on its own keeps
  cycling through all stops.
- A clock that goes backwards re-anchors the timers at `now` instead of stalling the tour, and a stop index beyond
  the tour (the tour file lost stops) is wrapped into it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class PresenterState:
    """Stop on screen, playing or paused, time of the last input (None: none since start or reset), last advance."""

    stop_index: int
    playing: bool
    last_input_at: float | None
    last_advance_at: float


def start(now: float, playing: bool = True) -> PresenterState:
    """The state at the beginning of a tour: first stop, playing unless told otherwise."""
    return PresenterState(stop_index=0, playing=playing, last_input_at=None, last_advance_at=now)


def _check_stops(n_stops: int) -> None:
    if n_stops < 1:
        raise ValueError(f"a tour needs at least one stop, got {n_stops}")


def _go(state: PresenterState, now: float, n_stops: int, step: int) -> PresenterState:
    _check_stops(n_stops)
    return PresenterState(
        stop_index=(state.stop_index + step) % n_stops, playing=state.playing, last_input_at=now, last_advance_at=now
    )


def next_stop(state: PresenterState, now: float, n_stops: int) -> PresenterState:
    """Go to the next stop (after the last: the first) on presenter input."""
    return _go(state, now, n_stops, 1)


def previous_stop(state: PresenterState, now: float, n_stops: int) -> PresenterState:
    """Go to the previous stop (before the first: the last) on presenter input."""
    return _go(state, now, n_stops, -1)


def toggle_play(state: PresenterState, now: float) -> PresenterState:
    """Pause a playing tour or resume a paused one; a resumed stop gets its full interval."""
    return replace(state, playing=not state.playing, last_input_at=now, last_advance_at=now)


def register_input(state: PresenterState, now: float) -> PresenterState:
    """Note presenter input that does not move the tour (e.g. a language switch)."""
    return replace(state, last_input_at=now)


def tick(
    state: PresenterState, now: float, interval: float, idle_reset_after: float | None, n_stops: int
) -> PresenterState:
    """The state at time `now`: idle reset first, then auto-advance of a playing tour.

    `interval` is the number of seconds the current stop is shown; `idle_reset_after` None disables the idle reset.
    """
    _check_stops(n_stops)
    if interval <= 0 or (idle_reset_after is not None and idle_reset_after <= 0):
        raise ValueError(f"interval ({interval}) and idle_reset_after ({idle_reset_after}) must be positive")
    if not 0 <= state.stop_index < n_stops:
        state = replace(state, stop_index=state.stop_index % n_stops)
    if now < state.last_advance_at or (state.last_input_at is not None and now < state.last_input_at):
        return replace(state, last_input_at=None if state.last_input_at is None else now, last_advance_at=now)
    if state.last_input_at is not None and idle_reset_after is not None:
        if now - state.last_input_at >= idle_reset_after:
            return start(now)
    if state.playing and now - state.last_advance_at >= interval:
        return replace(state, stop_index=(state.stop_index + 1) % n_stops, last_advance_at=now)
    return state
