"""At most N enquiries per session within M minutes: the times of each session's recent enquiries, in memory only.

The session key is the browser session's own random key (never stored, never linked to a lead): a flood from one
session is refused, and nothing about the visitor outlives the process.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import deque


class Throttle:
    """The recent enquiries per session key; `take` admits one or says how long to wait."""

    def __init__(self) -> None:
        self._times: dict[str, deque[dt.datetime]] = {}
        self._lock = threading.Lock()

    def wait_minutes(self, key: str, limit: int, minutes: int, now: dt.datetime) -> int:
        """0 when session `key` may send another enquiry at `now`, else the whole minutes until it may."""
        with self._lock:
            times = self._recent(key, minutes, now)
            if len(times) < limit:
                return 0
            return max(1, math.ceil((times[0] + dt.timedelta(minutes=minutes) - now).total_seconds() / 60))

    def take(self, key: str, minutes: int, now: dt.datetime) -> None:
        """Count an enquiry of session `key` at `now`."""
        with self._lock:
            self._recent(key, minutes, now).append(now)

    def _recent(self, key: str, minutes: int, now: dt.datetime) -> deque[dt.datetime]:
        times = self._times.setdefault(key, deque())
        while times and times[0] <= now - dt.timedelta(minutes=minutes):
            times.popleft()
        for stale in [k for k, v in self._times.items() if not v and k != key]:  # keep the map small
            del self._times[stale]
        return times


SESSIONS = Throttle()  # the process's throttle, shared by its sessions
