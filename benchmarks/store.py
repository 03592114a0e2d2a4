"""Store benchmark: what reading costs on each backend, the GeoPackage file and PostGIS.

Run `python -m benchmarks.store --store data/geo/regionmap.gpkg --store postgresql://... [--repeat R]` (default: the
GeoPackage of `make data` and the URL in `.postgis/url` of `make postgis`). For each store it times, as medians of R
runs: `version()` (asked on every rerun of the app), `load_store` (what the app does once per build: every layer on
the GeoPackage, only the check of layers and columns on PostGIS), each layer read whole, the thematic layers and
`gemeinden` filtered by one Kreis, by one municipality and by a bounding box (Braunschweig's), and the simplified
boundaries of the three display zooms (computed from the layers on the GeoPackage, stored by the build on PostGIS).
It prints one table and fails only when reading itself breaks, never on timing.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from regionmap.dashboard.composition import BOUNDARY_LAYERS, DISPLAY_ZOOMS, simplified_layers
from regionmap.data.store import Store, load_store, store_at
from regionmap.taxonomy import taxonomy

ROOT = Path(__file__).resolve().parents[1]
KREIS = "03101"  # Braunschweig
GEMEINDE = "03241001"  # Hannover
BBOX = (10.40, 52.19, 10.62, 52.34)  # around Braunschweig


def _median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _simplified(store: Store, zoom: int) -> object:
    stored = {name: store.read_simplified(name, zoom) for name in BOUNDARY_LAYERS}
    if all(frame is not None for frame in stored.values()):
        return stored
    return simplified_layers({name: store.read_layer(name) for name in BOUNDARY_LAYERS}, zoom)


def measure(store: Store, repeat: int) -> dict[str, float]:
    """Milliseconds per operation (medians), keyed by a short description."""
    thematic = taxonomy().layer_ids
    figures = {
        "version()": _median_ms(store.version, repeat),
        "load_store (app start per build)": _median_ms(lambda: load_store(store), repeat),
    }
    for name in store.layer_names():
        figures[f"read {name}"] = _median_ms(lambda name=name: store.read_layer(name), repeat)
    for what, options in (("Kreis " + KREIS, {"kreis": KREIS}), ("Gemeinde " + GEMEINDE, {"ags": GEMEINDE}),
                          ("bbox Braunschweig", {"bbox": BBOX})):
        figures[f"gemeinden + thematic, {what}"] = _median_ms(
            lambda options=options: [store.read_layer(name, **options) for name in ("gemeinden", *thematic)], repeat)
    for zoom in DISPLAY_ZOOMS:
        figures[f"simplified boundaries, zoom {zoom}"] = _median_ms(lambda zoom=zoom: _simplified(store, zoom), repeat)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", action="append", help="a store location (repeat it; default: both local stores)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    locations = args.store or [str(ROOT / "data" / "geo" / "regionmap.gpkg"),
                               (ROOT / ".postgis" / "url").read_text(encoding="utf-8").strip()]
    stores = [store_at(location) for location in locations]
    results = [measure(store, args.repeat) for store in stores]
    width = max(len(key) for result in results for key in result)
    heading = f"ms (median of {args.repeat})"
    print(f"{heading:<{width}}  " + "  ".join(f"{type(store).__name__:>16}" for store in stores))
    for key in results[0]:
        print(f"{key:<{width}}  " + "  ".join(f"{result.get(key, float('nan')):>16.1f}" for result in results))
    for store in stores:
        print(f"  {type(store).__name__}: {store.location}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
