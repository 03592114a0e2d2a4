"""Soak benchmark of the presenter mode: auto-play for many tour cycles, the server's memory at the start and the end.

Run `python -m benchmarks.soak_present [--cycles N] [--autoplay SECONDS] [--json PATH]` with $REGIONMAP_STORE
pointing at a built store. It starts the real app (`streamlit run app.py`), opens `/present?autoplay=<seconds>` in
headless Chromium and lets the tour play on its own. After each full cycle (back at the first stop) it records the
server process's resident memory (VmRSS), the number of map frames on the page (must stay 1) and the stops seen.
A stop's own `duration` in the tour file wins over `autoplay`, so a cycle of the region tour takes about a minute.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmarks.maps import app_server, proc_status
from regionmap.testing import MAP_IFRAME, launch_chromium
from regionmap.config import PROJECT_ROOT
from regionmap.data.store import open_store, store_at
from regionmap.presenter.tours import Tour, default_tours_dir, load_tours, vocab_from_store

POLL_SECONDS = 0.5
MB = 1024 * 1024
COUNTER = ".st-key-present_stop [data-testid='stCaptionContainer']"


@dataclass
class Cycle:
    cycle: int
    seconds: float
    rss_mb: float
    map_frames: int
    stops_seen: list[int]


@dataclass
class Soak:
    tour: str
    autoplay: float
    stops: int
    expected_cycle_seconds: float
    rss_start_mb: float
    rss_end_mb: float = 0.0
    rss_peak_mb: float = 0.0
    page_errors: list[str] = field(default_factory=list)
    cycles: list[Cycle] = field(default_factory=list)


def first_tour(store_path: Path) -> Tour:
    store = open_store(store_path)
    tours = load_tours(default_tours_dir(), vocab_from_store(store.gemeinden, store.thematic.values()))
    return next(iter(tours.values()))


def stop_number(page) -> int | None:
    """The stop on screen (1-based) from the counter "Station 3 von 10", None while the page is redrawing."""
    counter = page.locator(COUNTER).first
    if counter.count() == 0:
        return None
    numbers = re.findall(r"\d+", counter.inner_text())
    return int(numbers[0]) if numbers else None


def map_frames(page, settle_seconds: float = 5.0) -> int:
    """The map frames on the page once a redraw has settled (a replaced frame lingers for a moment)."""
    deadline = time.monotonic() + settle_seconds
    while (count := page.locator(MAP_IFRAME).count()) != 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    return count


def rss_mb(pid: int) -> float:
    return proc_status(pid, "VmRSS") / MB


def soak(store_path: Path, cycles: int, autoplay: float) -> Soak:
    """Play the first tour for `cycles` cycles and record the server's memory after each."""
    tour = first_tour(store_path)
    n = len(tour.stops)
    expected = sum(tour.stop_interval(i, autoplay) for i in range(n))
    with app_server(PROJECT_ROOT / "serve.py", store_path) as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        result = Soak(tour=tour.id, autoplay=autoplay, stops=n, expected_cycle_seconds=expected, rss_start_mb=0.0)
        page.on("pageerror", lambda exc: result.page_errors.append(str(exc)))
        page.goto(f"{server.url}/present?tour={tour.id}&autoplay={autoplay:g}")
        page.frame_locator(MAP_IFRAME).locator(".rm-legend").first.wait_for(state="attached", timeout=60_000)
        pid = server.process.pid
        result.rss_start_mb = result.rss_peak_mb = rss_mb(pid)
        print(f"tour {tour.id}: {n} stops, about {expected:.0f} s per cycle; server RSS at start "
              f"{result.rss_start_mb:.1f} MB", flush=True)
        deadline_per_cycle = 3 * expected + 60
        for number in range(1, cycles + 1):
            started = time.monotonic()
            seen: list[int] = []
            left_first = False
            while True:
                stop = stop_number(page)
                if stop is not None and (not seen or seen[-1] != stop):
                    seen.append(stop)
                left_first = left_first or (stop is not None and stop != 1)
                if left_first and stop == 1:
                    break
                if time.monotonic() - started > deadline_per_cycle:
                    raise RuntimeError(f"cycle {number} did not finish within {deadline_per_cycle:.0f} s: {seen}")
                result.rss_peak_mb = max(result.rss_peak_mb, rss_mb(pid))
                time.sleep(POLL_SECONDS)
            cycle = Cycle(number, round(time.monotonic() - started, 1), round(rss_mb(pid), 1),
                          map_frames(page), seen)
            result.cycles.append(cycle)
            print(f"cycle {number}: {cycle.seconds:.0f} s, RSS {cycle.rss_mb:.1f} MB, map frames {cycle.map_frames}, "
                  f"stops {seen}", flush=True)
        result.rss_end_mb = round(rss_mb(pid), 1)
        browser.close()
    result.rss_start_mb = round(result.rss_start_mb, 1)
    result.rss_peak_mb = round(result.rss_peak_mb, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=3, help="tour cycles to play (default 3)")
    parser.add_argument("--autoplay", type=float, default=1.0, help="seconds per stop without own duration")
    parser.add_argument("--store", type=Path, default=None, help="the built store (default $REGIONMAP_STORE)")
    parser.add_argument("--json", type=Path, default=None, help="write the figures as JSON to this file")
    args = parser.parse_args(argv)
    if args.cycles < 1:
        parser.error("--cycles must be at least 1")
    store_path = Path(store_at(args.store).location)
    result = soak(store_path, args.cycles, args.autoplay)
    growth = result.rss_end_mb - result.rss_start_mb
    print(f"server RSS: start {result.rss_start_mb:.1f} MB, end {result.rss_end_mb:.1f} MB "
          f"({growth:+.1f} MB), peak {result.rss_peak_mb:.1f} MB; page errors: {len(result.page_errors)}")
    if args.json:
        args.json.write_text(json.dumps(asdict(result), indent=2) + "\n", encoding="utf-8")
    return 1 if result.page_errors else 0


if __name__ == "__main__":
    sys.exit(main())
