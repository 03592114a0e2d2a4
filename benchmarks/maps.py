"""Map benchmark: regionmap's map pipeline against the naive folium pattern, at 1,000 to 100,000 points.

Run `python -m benchmarks.maps [--quick] [--json PATH] [--sizes N ...]` with $REGIONMAP_STORE pointing at a built
store. For each N and implementation it measures the Python build of the map HTML, its size, and, on a real
`streamlit run` of `benchmarks/bench_app.py` in headless Chromium, the time to the drawn map, the time from a filter
change to the updated map, the server's CPU per interaction and its peak memory. It also measures the cold start of
the real app. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import shapely
from playwright.sync_api import Error as PlaywrightError
from branca.element import MacroElement
from folium.plugins import MarkerCluster
from folium.template import Template

from benchmarks.procstat import cpu_seconds, proc_status
from regionmap.config import PROJECT_ROOT
from regionmap.dashboard.composition import boundary_payloads, dashboard_parts, simplified_layers
from regionmap.maps import BoundaryPayload, MapParts, bounds_of
from regionmap.maps.assets import JQUERY, LEAFLET, MARKERCLUSTER
from regionmap.data.source_registry import Registry, load_registry
from regionmap.data.store import StoreData, open_store, store_at
from regionmap.taxonomy import Taxonomy, taxonomy
from regionmap.testing import CHROMIUM, MAP_IFRAME, Server, launch_chromium, streamlit_server

SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
IMPLEMENTATIONS = ("regionmap", "naive")
LAYER_ID = "research"  # the taxonomy layer the synthetic points pretend to belong to (its categories colour them)
LANG = "en"
SEED = 20261126
# Pan and zoom: two zoom steps in, a pan, two zoom steps out, each without animation; the time of each step until
# the second animation frame after it (Leaflet redraws SVG paths and clusters in the frame after a move).
PAN_ZOOM_JS = """async () => {
    const map = window.map, frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const steps = [m => m.setZoom(m.getZoom() + 1, {animate: false}), m => m.setZoom(m.getZoom() + 1, {animate: false}),
                   m => m.panBy([300, 200], {animate: false}),
                   m => m.setZoom(m.getZoom() - 1, {animate: false}), m => m.setZoom(m.getZoom() - 1, {animate: false})];
    let worst = 0;
    for (const step of steps) {
        const start = performance.now();
        step(map);
        await frames();
        worst = Math.max(worst, performance.now() - start);
    }
    return worst / 1000;
}"""
BROWSER_TIMEOUT_MS = 120_000
# The map is drawn when the benchmark's sentinel names the shown count (the map script ran to its end), the
# boundaries are paths and the points' clusters or markers are on the map (Leaflet.markercluster adds them when its
# chunked loading has finished).
DRAWN_JS = """(n) => document.documentElement.dataset.benchShown === String(n)
    && document.querySelectorAll('.leaflet-pane path').length > 0
    && document.querySelectorAll('.leaflet-marker-icon, .rm-point').length > 0"""


# --- the points -------------------------------------------------------------------------------------------------


def synthetic_points(gemeinden: gpd.GeoDataFrame, n: int, seed: int = SEED) -> gpd.GeoDataFrame:
    """`n` points spread uniformly over the area of the municipalities, in the thematic schema of layer `LAYER_ID`.

    Column `half` marks every second point (the benchmark's filter keeps those). Deterministic for a given seed.
    """
    rng = np.random.default_rng(seed)
    area = shapely.union_all(gemeinden.geometry.to_numpy())
    shapely.prepare(area)
    west, south, east, north = area.bounds
    lon, lat = np.empty(0), np.empty(0)
    while len(lon) < n:  # rejection sampling in the bounding box (the region fills about half of it)
        x = rng.uniform(west, east, 2 * n)
        y = rng.uniform(south, north, 2 * n)
        inside = shapely.contains_xy(area, x, y)
        lon, lat = np.concatenate([lon, x[inside]]), np.concatenate([lat, y[inside]])
    lon, lat = lon[:n], lat[:n]
    categories = np.array(taxonomy().layer(LAYER_ID).category_ids)
    index = np.arange(n)
    return gpd.GeoDataFrame(
        {
            "id": [f"{LAYER_ID}-bench-{i}" for i in index],
            "name": [f"Point {i}" for i in index],
            "layer": LAYER_ID,
            "category": categories[index % len(categories)],
            "sectors": "digital",
            "half": index % 2 == 0,
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )


# --- the two maps -----------------------------------------------------------------------------------------------


class Sentinel(MacroElement):
    """Benchmark only: marks the map's document with the number of shown points once the map script has run."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        document.documentElement.dataset.benchShown = "{{ this.count }}";
        {% endmacro %}"""
    )

    def __init__(self, count: int):
        super().__init__()
        self._name = "Sentinel"
        self.count = int(count)


def regionmap_parts(
    store: StoreData,
    points: gpd.GeoDataFrame,
    simplified: Mapping[str, gpd.GeoDataFrame],
    payloads: Mapping[str, BoundaryPayload],
    tax: Taxonomy,
    registry: Registry,
) -> MapParts:
    """regionmap's map of `points` as a dashboard page composes it (boundary payloads cached by the caller); the
    sentinel travels with the swappable overlays."""
    parts = dashboard_parts(
        shown={LAYER_ID: points},
        simplified=simplified,
        payloads=payloads,
        taxonomy=tax,
        registry=registry,
        region_bounds=bounds_of(store.region),
        lang=LANG,
    )
    Sentinel(len(points)).add_to(parts.overlays[0])
    return parts


class NaiveMap(folium.Map):
    """folium's Map with Leaflet and jQuery from the app's vendor copies (the CDNs do not resolve offline).

    Bootstrap, awesome-markers and Font Awesome are dropped: plain `folium.Marker`s with tooltips do not use them.
    """

    default_js = [("leaflet", LEAFLET.url("leaflet.js")), ("jquery", JQUERY.url("jquery.min.js"))]
    default_css = [("leaflet_css", LEAFLET.url("leaflet.css"))]


class NaiveMarkerCluster(MarkerCluster):
    """folium's MarkerCluster with Leaflet.markercluster from the app's vendor copy."""

    default_js = [("markerclusterjs", MARKERCLUSTER.url("leaflet.markercluster.js"))]
    default_css = [
        ("markerclustercss", MARKERCLUSTER.url("MarkerCluster.css")),
        ("markerclusterdefaultcss", MARKERCLUSTER.url("MarkerCluster.Default.css")),
    ]


def naive_map(gemeinden: gpd.GeoDataFrame, points: gpd.GeoDataFrame) -> folium.Map:
    """The common folium pattern (peer baseline): one Marker per row in a MarkerCluster, unsimplified boundaries."""
    (south, west), (north, east) = bounds_of(gemeinden)
    # Without tiles Leaflet has no maxZoom, which MarkerCluster requires (usually OSM tiles give it one).
    fmap = NaiveMap(location=[(south + north) / 2, (west + east) / 2], zoom_start=8, tiles=None, maxZoom=18)
    folium.GeoJson(
        gemeinden[["name", "geometry"]],
        name="Municipalities",
        tooltip=folium.GeoJsonTooltip(fields=["name"]),
    ).add_to(fmap)
    cluster = NaiveMarkerCluster(name="Points").add_to(fmap)
    for row in points.itertuples():
        folium.Marker([row.geometry.y, row.geometry.x], tooltip=row.name).add_to(cluster)
    folium.LayerControl().add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    Sentinel(len(points)).add_to(fmap)
    return fmap


# --- Python-side measurements -----------------------------------------------------------------------------------


def median_seconds(action: Callable[[], object], runs: int) -> tuple[float, object]:
    """The median wall time of `runs` calls of `action` and the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def measure_build(store: StoreData, points: gpd.GeoDataFrame, implementation: str, runs: int) -> tuple[float, int]:
    """Median seconds to compose the map and render it to HTML, and the HTML's size in bytes.

    regionmap's boundary payloads are built once beforehand, as the app caches them per store build.
    """
    if implementation == "regionmap":
        simplified = simplified_layers(store.layers)
        payloads = boundary_payloads(simplified, LANG)
        tax, registry = taxonomy(), load_registry()

        def build() -> str:
            return regionmap_parts(store, points, simplified, payloads, tax, registry).merged().get_root().render()
    else:

        def build() -> str:
            return naive_map(store.gemeinden, points).get_root().render()

    seconds, html = median_seconds(build, runs)
    return seconds, len(str(html).encode())


# --- the Streamlit server and the browser -----------------------------------------------------------------------


@contextmanager
def app_server(script: Path, store_path: Path, wait_healthy: bool = True) -> Iterator[Server]:
    """`streamlit run script` in the script's folder, reading `store_path`, with the project importable."""
    env = {"REGIONMAP_STORE": str(store_path), "PYTHONPATH": str(PROJECT_ROOT)}
    with streamlit_server(script, env, wait_healthy=wait_healthy) as server:
        yield server


@contextmanager
def bench_app_dir() -> Iterator[Path]:
    """A temporary folder with the bench app, the project's Streamlit config and `static` -> the project's static/."""
    with tempfile.TemporaryDirectory(prefix="regionmap-bench-") as tmp:
        folder = Path(tmp)
        shutil.copy(Path(__file__).with_name("bench_app.py"), folder / "bench_app.py")
        (folder / ".streamlit").mkdir()
        shutil.copy(PROJECT_ROOT / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
        (folder / "static").symlink_to(PROJECT_ROOT / "static", target_is_directory=True)
        yield folder / "bench_app.py"


def wait_drawn_at(page, url: str, count: int) -> None:
    page.goto(url)
    wait_drawn(page, count)


def wait_drawn(page, count: int) -> None:
    """Wait until the map in the st_folium iframe shows `count` points with all its layers.

    Polls every 20 ms; the iframe may be replaced while the app reruns.
    """
    deadline = time.monotonic() + BROWSER_TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        handle = page.query_selector(MAP_IFRAME)
        frame = handle.content_frame() if handle else None
        try:
            if frame is not None and frame.evaluate(DRAWN_JS, count):
                return
        except PlaywrightError:
            pass  # the frame was replaced or is still loading
        page.wait_for_timeout(20)
    raise TimeoutError(f"map with {count} points not drawn within {BROWSER_TIMEOUT_MS / 1000:.0f} s")


@dataclass
class BrowserFigures:
    draw_seconds: float
    pan_zoom_seconds: float
    filter_seconds: float
    filter_server_cpu_seconds: float
    draw_server_cpu_seconds: float
    peak_rss_bytes: int
    session_rss_bytes: int | None = None


def measure_browser(browser, script: Path, store_path: Path, implementation: str, n: int, runs: int,
                    sessions: int) -> BrowserFigures:
    """Median time to the drawn map and from a filter change to the updated map, on a fresh server.

    Each run is a new browser context (a new Streamlit session). With `sessions` > 0, that many more sessions are
    opened afterwards and kept open, and the growth of the server's resident memory per session is reported.
    """
    draws, pan_zooms, filters, draw_cpu, filter_cpu = [], [], [], [], []
    half = (n + 1) // 2
    with app_server(script, store_path) as server:
        pid = server.process.pid
        url = f"{server.url}/?impl={implementation}&n={n}"
        warm_up = browser.new_context()  # the first session fills the server's caches (store, boundaries, points)
        wait_drawn_at(warm_up.new_page(), url, n)
        warm_up.close()
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            cpu = cpu_seconds(pid)
            start = time.perf_counter()
            wait_drawn_at(page, url, n)
            draws.append(time.perf_counter() - start)
            draw_cpu.append(cpu_seconds(pid) - cpu)
            pan_zooms.append(page.query_selector(MAP_IFRAME).content_frame().evaluate(PAN_ZOOM_JS))
            cpu = cpu_seconds(pid)
            start = time.perf_counter()
            page.get_by_text("half", exact=True).click()
            wait_drawn(page, half)
            filters.append(time.perf_counter() - start)
            filter_cpu.append(cpu_seconds(pid) - cpu)
            context.close()
        session_rss = None
        if sessions:
            time.sleep(1)
            before = proc_status(pid, "VmRSS")
            contexts = []
            for _ in range(sessions):
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                wait_drawn_at(page, url, n)
                contexts.append(context)
            time.sleep(1)
            session_rss = (proc_status(pid, "VmRSS") - before) // sessions
            for context in contexts:
                context.close()
        peak = proc_status(pid, "VmHWM")
    return BrowserFigures(statistics.median(draws), statistics.median(pan_zooms), statistics.median(filters), statistics.median(filter_cpu),
                          statistics.median(draw_cpu), peak, session_rss)


def measure_cold_start(browser, store_path: Path) -> float:
    """Seconds from launching `streamlit run app.py` (the real app) to its first map drawn on `/`."""
    with app_server(PROJECT_ROOT / "serve.py", store_path, wait_healthy=False) as server:
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        page = context.new_page()
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.process.poll() is not None:
                    raise RuntimeError("the app did not start")
                time.sleep(0.02)
        page.goto(server.url + "/")
        handle = page.wait_for_selector(MAP_IFRAME, timeout=BROWSER_TIMEOUT_MS)
        frame = handle.content_frame()
        frame.wait_for_selector(".rm-legend", state="attached", timeout=BROWSER_TIMEOUT_MS)
        frame.wait_for_function("() => document.querySelectorAll('.leaflet-pane path').length > 0",
                                timeout=BROWSER_TIMEOUT_MS)
        seconds = time.perf_counter() - server.started
        context.close()
    return seconds


# --- the run ----------------------------------------------------------------------------------------------------


@dataclass
class Record:
    implementation: str
    n_points: int
    build_seconds: float
    payload_bytes: int
    browser_draw_seconds: float | None = None
    pan_zoom_max_seconds: float | None = None
    filter_update_seconds: float | None = None
    server_cpu_seconds_per_draw: float | None = None
    server_cpu_seconds_per_filter_update: float | None = None
    server_peak_rss_bytes: int | None = None
    server_rss_bytes_per_extra_session: int | None = None
    build_runs: int = 0
    browser_runs: int = 0
    ratios_regionmap_over_naive: dict[str, float | None] = field(default_factory=dict)


RATIO_KEYS = ("build_seconds", "payload_bytes", "browser_draw_seconds", "filter_update_seconds",
              "server_peak_rss_bytes")


def machine() -> dict[str, object]:
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                           if line.startswith("model name")), platform.processor()),
        "memory_bytes": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "streamlit": version("streamlit"),
        "folium": version("folium"),
        "streamlit_folium": version("streamlit-folium"),
        "geopandas": version("geopandas"),
        "playwright": version("playwright"),
        "chromium": subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True).stdout.strip()
        if CHROMIUM.exists() else None,
    }


def add_ratios(records: list[Record]) -> None:
    """Fill regionmap's `ratios_regionmap_over_naive` from the naive record of the same N."""
    naive = {r.n_points: r for r in records if r.implementation == "naive"}
    for record in records:
        base = naive.get(record.n_points)
        if record.implementation != "regionmap" or base is None:
            continue
        for key in RATIO_KEYS:
            ours, theirs = getattr(record, key), getattr(base, key)
            record.ratios_regionmap_over_naive[key] = round(ours / theirs, 4) if ours is not None and theirs else None


def table(records: list[Record], cold_start: float | None) -> str:
    def fmt(value: float | None, unit: str) -> str:
        if value is None:
            return "-"
        if unit == "MB":
            return f"{value / 1e6:.2f}"
        return f"{value:.3f}" if unit == "s" else f"{value:.2f}"

    columns = [("build_seconds", "build s", "s"), ("payload_bytes", "payload MB", "MB"),
               ("browser_draw_seconds", "draw s", "s"), ("pan_zoom_max_seconds", "pan/zoom s", "s"),
               ("filter_update_seconds", "filter s", "s"),
               ("server_peak_rss_bytes", "peak RSS MB", "MB")]
    head = f"{'implementation':<22}{'N':>9}" + "".join(f"{title:>13}" for _, title, _ in columns)
    lines = [head, "-" * len(head)]
    for r in records:
        lines.append(f"{r.implementation:<22}{r.n_points:>9,}" + "".join(
            f"{fmt(getattr(r, key), unit):>13}" for key, _, unit in columns))
        if r.ratios_regionmap_over_naive:
            lines.append(f"{'  ratio regionmap/naive':<22}{r.n_points:>9,}" + "".join(
                f"{fmt(r.ratios_regionmap_over_naive.get(key), 'x'):>13}" for key, _, _ in columns))
    if cold_start is not None:
        lines.append(f"cold start (streamlit run app.py -> first map on /): {cold_start:.2f} s")
    return "\n".join(lines)


def run(sizes: tuple[int, ...], quick: bool, browser_on: bool, store_path: Path) -> dict[str, object]:
    """Every measurement; returns the JSON document."""
    store = open_store(store_path)
    build_runs = 1 if quick else 5
    browser_runs = 1 if quick else 3
    records: list[Record] = []
    for n in sizes:
        points = synthetic_points(store.gemeinden, n)
        for implementation in IMPLEMENTATIONS:
            runs = 1 if implementation == "naive" and n >= 10_000 else build_runs
            seconds, size = measure_build(store, points, implementation, runs)
            records.append(Record(implementation, n, round(seconds, 4), size, build_runs=runs))
            print(f"built {implementation} n={n}: {seconds:.3f} s, {size / 1e6:.2f} MB", file=sys.stderr)
    cold_start = None
    if browser_on:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright, bench_app_dir() as script:
            browser = launch_chromium(playwright)
            for record in records:
                if record.implementation == "naive" and record.n_points > (1_000 if quick else 10_000):
                    continue  # the naive map takes about a minute in the browser at 10,000 points (see the README)
                sessions = 0 if quick or record.implementation == "naive" else 3
                figures = measure_browser(browser, script, store_path, record.implementation, record.n_points,
                                          browser_runs, sessions)
                record.browser_draw_seconds = round(figures.draw_seconds, 3)
                record.pan_zoom_max_seconds = round(figures.pan_zoom_seconds, 3)
                record.filter_update_seconds = round(figures.filter_seconds, 3)
                record.server_cpu_seconds_per_draw = round(figures.draw_server_cpu_seconds, 3)
                record.server_cpu_seconds_per_filter_update = round(figures.filter_server_cpu_seconds, 3)
                record.server_peak_rss_bytes = figures.peak_rss_bytes
                record.server_rss_bytes_per_extra_session = figures.session_rss_bytes
                record.browser_runs = browser_runs
                print(f"browser {record.implementation} n={record.n_points}: {figures}", file=sys.stderr)
            cold_runs = [measure_cold_start(browser, store_path) for _ in range(1 if quick else 3)]
            cold_start = round(statistics.median(cold_runs), 3)
            browser.close()
    add_ratios(records)
    print(table(records, cold_start))
    return {
        "benchmark": "regionmap.maps vs naive folium (MarkerCluster of Markers + unsimplified GeoJson)",
        "quick": quick,
        "store": str(store_path),
        "machine": machine(),
        "cold_start_seconds": cold_start,
        "records": [asdict(r) for r in records],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.maps", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 1,000 and 10,000, one run each (for CI)")
    parser.add_argument("--json", type=Path, help="write the records to this JSON file")
    parser.add_argument("--sizes", type=int, nargs="+", help="numbers of points (default 1000 10000 100000)")
    parser.add_argument("--no-browser", action="store_true", help="only the Python-side figures")
    parser.add_argument("--store", type=Path, default=None, help="the store (default $REGIONMAP_STORE)")
    args = parser.parse_args(argv)
    sizes = tuple(args.sizes) if args.sizes else (QUICK_SIZES if args.quick else SIZES)
    if any(n < 2 for n in sizes):
        parser.error("--sizes: every N must be at least 2")
    store_path = Path(store_at(args.store).location)
    document = run(sizes, args.quick, not args.no_browser, store_path)
    if args.json:
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
