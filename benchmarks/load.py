"""Load benchmark: many concurrent dashboard sessions against one app process, or N replicas behind HAProxy.

    python -m benchmarks.load --sessions 50 [--replicas 1 2] [--duration S] [--think S] [--browsers 2] [--json PATH]

Each session is a protocol-level client, not a browser: it loads `/` (which gives it HAProxy's cookie), opens
Streamlit's websocket `/_stcore/stream` and speaks its protobuf messages (`streamlit.proto`) as the frontend does:
a `BackMsg.rerun_script` with the page's query string and the widget values, answered by `ForwardMsg`s up to
`script_finished`. After loading the dashboard, every session changes a filter every `--think` seconds on average
(a Kreis in the sidebar, or a thematic layer switched off or on again) and times it from sending the rerun until
the script finished; a run counts as an error when it times out, raises, or sends no map. A few real Chromium pages
(`--browsers`) keep reloading deep links during the run and check the drawn map's legend counts against the counts
they saw before the load.

Server CPU is read from /proc/<pid>/stat over the measurement window (summed over the replicas; HAProxy apart), RSS
sampled every half second. Everything runs on 127.0.0.1 and stops after ramp + duration + a bounded drain.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.procstat import cpu_seconds, machine_cpu_seconds, proc_status, tree_cpu_seconds
from regionmap.config import PROJECT_ROOT, STORE_ENV, store_location
from regionmap.replicas import Deployment
from regionmap.testing import MAP_IFRAME, chromium_options, streamlit_server

MAP_COMPONENT = "streamlit_folium.st_folium"
KREIS_WIDGET, LAYERS_WIDGET = "w_kreis", "w_layers"  # the sidebar's widget keys (regionmap.ui.view)
QUERY = "basemap=none"  # no tiles: loopback only
RUN_TIMEOUT_S = 30.0
BROWSER_TIMEOUT_MS = 60_000
MB = 1024 * 1024


@dataclass
class Target:
    """Where the sessions connect, and the processes whose CPU and memory are measured."""

    url: str
    apps: dict[str, int]  # name -> pid
    proxy_pid: int | None = None


@contextmanager
def serving(replicas: int, proxy: bool, store: str) -> Iterator[Target]:
    """One `streamlit run serve.py` reached directly, or `replicas` of them behind HAProxy (`scripts/replicas`)."""
    if replicas == 1 and not proxy:
        with streamlit_server(PROJECT_ROOT / "serve.py", {STORE_ENV: store}, cwd=PROJECT_ROOT) as server:
            yield Target(server.url, {"app": server.process.pid})
        return
    with tempfile.TemporaryDirectory(prefix="regionmap-load-") as state_dir:
        script, options = [str(PROJECT_ROOT / "scripts" / "replicas")], ["--state-dir", state_dir]
        subprocess.run([*script, "start", "--replicas", str(replicas), "--store", store, *options], check=True,
                       stdout=subprocess.DEVNULL)
        try:
            deployment = Deployment.from_json((Path(state_dir) / "state.json").read_text())
            yield Target(deployment.url, {r.name: r.pid for r in deployment.replicas}, deployment.haproxy_pid)
        finally:
            subprocess.run([*script, "stop", *options], stdout=subprocess.DEVNULL)


# --- one protocol-level session ----------------------------------------------------------------------------------


class RunFailed(Exception):
    """A script run that raised, sent no map, or did not finish in time."""


@dataclass
class Run:
    """What one script run sent: the widgets (by key: their element), whether the map came, the bytes."""

    widgets: dict[str, object] = field(default_factory=dict)
    maps: int = 0
    nbytes: int = 0


class Session:
    """A dashboard session over Streamlit's websocket, as its frontend would hold it."""

    def __init__(self, base_url: str, rng: random.Random) -> None:
        self.base_url = base_url
        self.rng = rng
        self.query = QUERY
        self.widgets: dict[str, object] = {}
        self.states: dict[str, tuple[str, object]] = {}  # widget id -> (value field, value) sent with every rerun
        self.ws = None

    async def open(self) -> float:
        """Load `/` (HAProxy's cookie), connect the websocket, run the page; the seconds until it finished."""
        start = time.perf_counter()
        cookie = await asyncio.to_thread(self._page_cookie)
        ws_url = "ws" + self.base_url.removeprefix("http") + "/_stcore/stream"
        self.ws = await websockets.connect(ws_url, subprotocols=["streamlit"], origin=self.base_url,
                                           additional_headers={"Cookie": cookie} if cookie else None,
                                           max_size=None, open_timeout=RUN_TIMEOUT_S)
        await self.rerun()
        return time.perf_counter() - start

    def _page_cookie(self) -> str:
        with urllib.request.urlopen(f"{self.base_url}/?{self.query}", timeout=RUN_TIMEOUT_S) as response:
            response.read()
            return "; ".join(c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or [])

    async def rerun(self) -> Run:
        """Send a rerun with the query string and the changed widgets' values; wait for the script to finish."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        for widget_id, (kind, value) in self.states.items():
            widget = state.widget_states.widgets.add()
            widget.id = widget_id
            if kind == "string_array_value":
                widget.string_array_value.data.extend(value)
            else:
                setattr(widget, kind, value)
        await self.ws.send(message.SerializeToString())
        run = await asyncio.wait_for(self._receive(), RUN_TIMEOUT_S)
        self.widgets.update(run.widgets)
        if run.maps == 0:
            raise RunFailed("the run sent no map")
        return run

    async def _receive(self) -> Run:
        run = Run()
        while True:
            data = await self.ws.recv()
            run.nbytes += len(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                element_kind = element.WhichOneof("type")
                if element_kind == "exception":
                    raise RunFailed(f"the app raised {element.exception.type}: {element.exception.message}")
                value = getattr(element, element_kind)
                if element_kind == "component_instance" and value.component_name == MAP_COMPONENT:
                    run.maps += 1
                if getattr(value, "id", "").startswith("$$ID-"):
                    run.widgets[value.id.rsplit("-", 1)[1]] = value
            elif kind == "page_info_changed":
                self.query = msg.page_info_changed.query_string  # the frontend's URL, sent with the next rerun
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return run
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise RunFailed("the script did not compile")

    def change_filter(self) -> str:
        """Pick the next filter change, as a person would in the sidebar: another Kreis, or a layer off or on."""
        kreis, layers = self.widgets[KREIS_WIDGET], self.widgets[LAYERS_WIDGET]
        if self.rng.random() < 0.5:
            current = self.states.get(kreis.id, ("", kreis.options[0]))[1]
            choice = self.rng.choice([o for o in kreis.options if o != current])
            self.states[kreis.id] = ("string_value", choice)
            return "kreis"
        shown = list(self.states.get(layers.id, ("", list(layers.raw_values)))[1])
        if len(shown) == len(layers.options):
            shown.remove(self.rng.choice(shown))
        else:
            shown = list(layers.options)  # the missing one back
        self.states[layers.id] = ("string_array_value", shown)
        return "layers"

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


# --- the run ---------------------------------------------------------------------------------------------------


@dataclass
class Results:
    """Timings and errors of one configuration, filled while it runs."""

    loads: list[float] = field(default_factory=list)
    changes: list[float] = field(default_factory=list)  # inside the measurement window
    errors: list[str] = field(default_factory=list)
    browser_draws: list[float] = field(default_factory=list)
    browser_checks: int = 0
    browser_errors: list[str] = field(default_factory=list)
    bytes_per_change: list[int] = field(default_factory=list)


@dataclass
class Window:
    """The measurement window: every session has loaded (or the ramp is over) until `duration` later."""

    start: float = float("inf")
    end: float = float("inf")

    def inside(self, t: float) -> bool:
        return self.start <= t <= self.end


async def session_loop(index: int, target: Target, args: argparse.Namespace, window: Window, results: Results,
                       loaded: asyncio.Event, counter: list[int]) -> None:
    rng = random.Random(args.seed + index)
    await asyncio.sleep(args.ramp * index / max(args.sessions, 1))
    session = Session(target.url, rng)
    try:
        try:
            results.loads.append(await session.open())
        finally:
            counter[0] += 1
            if counter[0] == args.sessions:
                loaded.set()
        while time.perf_counter() < window.end:
            await asyncio.sleep(args.think * rng.uniform(0.5, 1.5))
            if time.perf_counter() >= window.end:
                break
            session.change_filter()
            sent = time.perf_counter()
            run = await session.rerun()
            if window.inside(sent):
                results.changes.append(time.perf_counter() - sent)
                results.bytes_per_change.append(run.nbytes)
    except (RunFailed, OSError, asyncio.TimeoutError, websockets.WebSocketException) as exc:
        results.errors.append(f"session {index}: {type(exc).__name__}: {exc}")
    finally:
        await session.close()


async def browser_loop(index: int, browser, target: Target, urls: list[str], pause: float, window: Window,
                       results: Results, ready: asyncio.Event) -> None:
    """A real page reloading a deep link: the map must draw and its legend keep the counts seen before the load."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    page.on("pageerror", lambda exc: results.browser_errors.append(f"page {index}: {exc}"))
    url = f"{target.url}{urls[index % len(urls)]}"
    expected = None
    try:
        while True:
            start = time.perf_counter()
            await page.goto(url)
            frame = page.frame_locator(MAP_IFRAME).first
            await frame.locator(".rm-legend").first.wait_for(state="attached", timeout=BROWSER_TIMEOUT_MS)
            await frame.locator(".leaflet-interactive").first.wait_for(state="attached", timeout=BROWSER_TIMEOUT_MS)
            drawn = time.perf_counter() - start
            entries = frame.locator(".rm-legend-entry")
            counts = {await entries.nth(i).get_attribute("data-layer"): await entries.nth(i).get_attribute("data-count")
                      for i in range(await entries.count())}
            if expected is None:
                expected = counts
                ready.set()
            elif window.inside(start):
                results.browser_draws.append(drawn)
                results.browser_checks += 1
                if counts != expected:
                    results.browser_errors.append(f"page {index}: legend {counts} != {expected}")
            if time.perf_counter() >= window.end:
                break
            await asyncio.sleep(pause)
    except Exception as exc:  # a Playwright timeout or error is a finding, not a crash of the benchmark
        results.browser_errors.append(f"page {index}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        ready.set()
    finally:
        await context.close()


async def sample_memory(pids: dict[str, int], peaks: dict[str, int], stop: asyncio.Event) -> None:
    """The peak of each process's RSS, and of their sum (key `total`), every half second."""
    while not stop.is_set():
        rss = {name: proc_status(pid, "VmRSS") for name, pid in pids.items() if Path(f"/proc/{pid}").exists()}
        for name, value in {**rss, "total": sum(rss.values())}.items():
            peaks[name] = max(peaks.get(name, 0), value)
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except asyncio.TimeoutError:
            pass


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0..100) of `values`, by linear interpolation; None without values."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[max(0, min(98, round(q) - 1))]


async def warm_up(target: Target) -> None:
    """One untimed session on every replica (its imports and caches), as the map benchmark does. Behind HAProxy a
    new client goes to the replica with the fewest connections, so the sessions stay open until each has one."""
    sessions = [Session(target.url, random.Random(i)) for i in range(len(target.apps))]
    for session in sessions:
        await session.open()
    for session in sessions:
        await session.close()


async def run_load(target: Target, args: argparse.Namespace, urls: list[str]) -> dict[str, object]:
    results, window = Results(), Window()
    loaded, stop_sampling = asyncio.Event(), asyncio.Event()
    await warm_up(target)
    playwright = browser = None
    browser_tasks: list[asyncio.Task] = []
    if args.browsers:
        from playwright.async_api import async_playwright

        playwright = await async_playwright().start()
        browser = await playwright.chromium.launch(**chromium_options())
        readies = [asyncio.Event() for _ in range(args.browsers)]
        browser_tasks = [asyncio.create_task(browser_loop(i, browser, target, urls, args.browser_pause, window,
                                                          results, ready))
                         for i, ready in enumerate(readies)]
        # Each page's first draw, before the load, gives the legend counts it must keep showing.
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), BROWSER_TIMEOUT_MS / 1000 * 2)
    pids = {**target.apps, **({"haproxy": target.proxy_pid} if target.proxy_pid else {})}
    peaks: dict[str, int] = {}
    sampler = asyncio.create_task(sample_memory(pids, peaks, stop_sampling))
    counter = [0]
    ramp_end = time.perf_counter() + args.ramp
    window.end = ramp_end + RUN_TIMEOUT_S + args.duration  # until the sessions have loaded
    tasks = [asyncio.create_task(session_loop(i, target, args, window, results, loaded, counter))
             for i in range(args.sessions)]
    try:
        await asyncio.wait_for(loaded.wait(), args.ramp + RUN_TIMEOUT_S)
    except asyncio.TimeoutError:
        results.errors.append(f"only {counter[0]} of {args.sessions} sessions loaded within the ramp")
    window.start = time.perf_counter()
    window.end = window.start + args.duration
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    server_pids = set(pids.values())
    machine_before, client_before = machine_cpu_seconds(), tree_cpu_seconds(os.getpid(), server_pids)
    await asyncio.sleep(args.duration)
    cpu_after = {name: cpu_seconds(pid) for name, pid in pids.items() if Path(f"/proc/{pid}").exists()}
    machine_after, client_after = machine_cpu_seconds(), tree_cpu_seconds(os.getpid(), server_pids)
    elapsed = time.perf_counter() - window.start
    _, pending = await asyncio.wait(tasks + browser_tasks, timeout=RUN_TIMEOUT_S + BROWSER_TIMEOUT_MS / 1000)
    for task in pending:
        task.cancel()
        results.errors.append("a session did not end within its timeout after the window")
    stop_sampling.set()
    await sampler
    if browser is not None:
        await browser.close()
        await playwright.stop()
    server_cpu = {name: round(cpu_after[name] - cpu_before[name], 2) for name in cpu_after}
    app_cpu = sum(v for k, v in server_cpu.items() if k != "haproxy")
    # This process, Playwright's driver and Chromium; a process that ended inside the window is not counted.
    client_cpu = sum(used - client_before.get(pid, 0.0) for pid, used in client_after.items())
    machine_busy = machine_after[0] - machine_before[0]
    changes = sorted(results.changes)
    return {
        "sessions": args.sessions,
        "replicas": len(target.apps),
        "proxy": target.proxy_pid is not None,
        "think_seconds": args.think,
        "window_seconds": round(elapsed, 1),
        "sessions_loaded": len(results.loads),
        "load_p50_seconds": _round(percentile(results.loads, 50)),
        "load_p95_seconds": _round(percentile(results.loads, 95)),
        "filter_changes": len(changes),
        "changes_per_second": round(len(changes) / elapsed, 2),
        "change_p50_seconds": _round(percentile(changes, 50)),
        "change_p95_seconds": _round(percentile(changes, 95)),
        "change_max_seconds": _round(changes[-1] if changes else None),
        "bytes_per_change": int(statistics.median(results.bytes_per_change)) if results.bytes_per_change else None,
        "errors": len(results.errors),
        "error_samples": results.errors[:5],
        "server_cpu_seconds": server_cpu,
        "app_cpu_cores": round(app_cpu / elapsed, 2),
        "app_cpu_seconds_per_change": round(app_cpu / len(changes), 3) if changes else None,
        "server_peak_rss_mb": {name: round(value / MB) for name, value in peaks.items()},
        "client_cpu_seconds": round(client_cpu, 1),
        "machine_busy_cores": round(machine_busy / elapsed, 2),
        "others_cpu_cores": round((machine_busy - sum(server_cpu.values()) - client_cpu) / elapsed, 2),
        "machine_cores": os.cpu_count(),
        "browser_pages": args.browsers,
        "browser_checks": results.browser_checks,
        "browser_draw_p50_seconds": _round(percentile(results.browser_draws, 50)),
        "browser_errors": results.browser_errors[:5],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def browser_urls(store: str) -> list[str]:
    """The deep links the browser pages reload: the first Kreis of the store, and two layers."""
    from regionmap.data.store import store_at

    first_kreis = sorted(store_at(store).read_layer("kreise")["ags"])[0]
    return [f"/?{QUERY}&kreis={first_kreis}", f"/?{QUERY}&layers=research,health"]


def line(record: dict[str, object]) -> str:
    where = (f"{record['replicas']} replica(s) behind HAProxy" if record["proxy"] else "one process, direct")
    cpu = ", ".join(f"{k} {v} s" for k, v in record["server_cpu_seconds"].items())
    rss = ", ".join(f"{k} {v}" for k, v in record["server_peak_rss_mb"].items())
    return "\n".join([
        f"{record['sessions']} sessions, {where}, think {record['think_seconds']} s, window {record['window_seconds']} s",
        f"  filter change -> script finished: p50 {record['change_p50_seconds']} s, p95 {record['change_p95_seconds']} s,"
        f" max {record['change_max_seconds']} s over {record['filter_changes']} changes"
        f" ({record['changes_per_second']}/s, {record['bytes_per_change']} bytes each); errors {record['errors']}",
        f"  page load (GET / + websocket + first run): p50 {record['load_p50_seconds']} s,"
        f" p95 {record['load_p95_seconds']} s ({record['sessions_loaded']} sessions)",
        f"  server CPU over the window: {cpu} = {record['app_cpu_cores']} cores for the app,"
        f" {record['app_cpu_seconds_per_change']} s per change; peak RSS MB: {rss}",
        f"  load client CPU (with Playwright and Chromium) {record['client_cpu_seconds']} s; machine busy"
        f" {record['machine_busy_cores']} of {record['machine_cores']} cores, of which"
        f" {record['others_cpu_cores']} cores other jobs'",
        f"  browser pages {record['browser_pages']}: {record['browser_checks']} checked draws, p50"
        f" {record['browser_draw_p50_seconds']} s, problems {record['browser_errors'] or 'none'}",
        *(f"  error: {e}" for e in record["error_samples"]),
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=50, help="concurrent protocol-level sessions (default 50)")
    parser.add_argument("--replicas", type=int, nargs="+", default=[1],
                        help="configurations to run: 1 is one process reached directly, N > 1 are N replicas "
                             "behind HAProxy (default: 1)")
    parser.add_argument("--proxy", action="store_true", help="put HAProxy in front of a single replica too")
    parser.add_argument("--duration", type=float, default=60, help="measurement window in seconds (default 60)")
    parser.add_argument("--ramp", type=float, default=20, help="seconds over which the sessions open (default 20)")
    parser.add_argument("--think", type=float, default=10,
                        help="mean seconds between a session's filter changes, uniform in 0.5..1.5 times it "
                             "(default 10: a visitor acting every 10 s, as in docs/scaling.md)")
    parser.add_argument("--browsers", type=int, default=2, help="real Chromium pages checking the map (default 2)")
    parser.add_argument("--browser-pause", type=float, default=20,
                        help="seconds between a page's reloads (default 20: a draw costs Chromium 2 to 3 s of CPU)")
    parser.add_argument("--store", default=None, help="the store (default $REGIONMAP_STORE or data/geo/regionmap.gpkg)")
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--json", type=Path, help="write the records to this file")
    args = parser.parse_args(argv)
    store = args.store or store_location()
    urls = browser_urls(store) if args.browsers else []
    records = []
    for replicas in args.replicas:
        with serving(replicas, args.proxy, store) as target:
            record = asyncio.run(run_load(target, args, urls))
        print(line(record), flush=True)
        records.append(record)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"records": records}, indent=2))
    return 0 if all(r["errors"] == 0 and not r["browser_errors"] for r in records) else 1


if __name__ == "__main__":
    sys.exit(main())
