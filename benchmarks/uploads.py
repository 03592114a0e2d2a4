"""Upload benchmark: from the bytes of a file to the map payload, at 1,000 to 100,000 points.

Run `python -m benchmarks.uploads [--sizes N ...] [--repeat R] [--browser]`. For each size it writes a semicolon CSV
with decimal commas (as Excel writes it in German) and a GeoJSON of random points inside the region, then times
reading and placing the file (`load_upload`), styling it by a category column, and serialising the point payload the
map sends to the browser. It prints a table (median of the repeats) and fails only when the pipeline itself breaks.

`--browser` (needs `$REGIONMAP_STORE` and Debian's Chromium) also measures what a person waits for: the app started
with `streamlit run`, the CSV dropped on the sidebar's file input, and the seconds until the map shows the upload's
legend entry with its count and its first markers or clusters (once per size, in a fresh browser context).
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd

from regionmap.maps.points import point_payload
from regionmap.uploads.settings import settings
from regionmap.uploads.style import CLASS_COLUMN, style_by
from regionmap.uploads.upload import load_upload

SIZES = (1_000, 10_000, 100_000)
SEED = 20261201
BOUNDS = (9.0, 51.5, 11.0, 53.0)  # lon/lat box over the region


def _points(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(SEED + n)
    return pd.DataFrame({
        "Name": [f"Betrieb {i}" for i in range(n)],
        "Branche": rng.choice(["Logistik", "IT", "Handel", "Industrie", "Dienstleistung"], n),
        "Länge": rng.uniform(BOUNDS[0], BOUNDS[2], n).round(6),
        "Breite": rng.uniform(BOUNDS[1], BOUNDS[3], n).round(6),
    })


def csv_bytes(n: int) -> bytes:
    """A German Excel CSV: `;` separated, decimal commas, Windows-1252."""
    return _points(n).to_csv(sep=";", decimal=",", index=False).encode("cp1252")


def geojson_bytes(n: int) -> bytes:
    frame = _points(n)
    return gpd.GeoDataFrame(frame.drop(columns=["Länge", "Breite"]),
                            geometry=gpd.points_from_xy(frame["Länge"], frame["Breite"]), crs="EPSG:4326").to_json(
        drop_id=True).encode()


def _timed(step: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure(name: str, data: bytes, repeat: int) -> dict[str, float]:
    """Seconds to read and place, to style, and to build the payload; payload size in MB."""
    read_s, upload = _timed(lambda: load_upload(name, data), repeat)
    frame = upload.frame
    style_s, styled = _timed(lambda: style_by(frame, "Branche", settings().style, "de"), repeat)
    coloured = frame.assign(**{CLASS_COLUMN: styled.values, "name": frame["Name"]})
    payload_s, payload = _timed(lambda: point_payload(coloured, colour=settings().style.colour, by=CLASS_COLUMN,
                                                      classes=styled.classes), repeat)
    return {"read_s": read_s, "style_s": style_s, "payload_s": payload_s,
            "total_s": read_s + style_s + payload_s, "payload_mb": len(payload.json.encode()) / 1e6,
            "points": payload.count}


def browser_times(sizes: list[int]) -> dict[int, float]:
    """Seconds from dropping the CSV on the file input to the drawn upload layer, per size, in the real app."""
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    from regionmap import config
    from regionmap.testing import MAP_IFRAME, launch_chromium, streamlit_server

    root = Path(__file__).resolve().parents[1]
    times: dict[int, float] = {}
    with streamlit_server(root / "serve.py", {"REGIONMAP_STORE": str(config.store_location())}, cwd=root) as server, \
            sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for n in sizes:
            data = csv_bytes(n)
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            page.goto(f"{server.url}/?basemap=none")
            frame = page.frame_locator(MAP_IFRAME)
            frame.locator(".rm-legend").first.wait_for(state="attached", timeout=60_000)
            started = time.perf_counter()
            page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
                files=[{"name": f"betriebe_{n}.csv", "mimeType": "text/csv", "buffer": data}])
            frame.locator(f".rm-legend-entry[data-layer='upload'][data-count='{n}']").wait_for(
                state="attached", timeout=300_000)
            frame.locator(f".rm-cluster, path.rm-point[fill='{settings().style.colour}']").first.wait_for(
                state="attached", timeout=300_000)
            times[n] = time.perf_counter() - started
            context.close()
        browser.close()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--browser", action="store_true", help="also time upload to drawn map in the real app")
    args = parser.parse_args(argv)
    out = io.StringIO()
    out.write(f"{'file':<28} {'points':>8} {'read+place':>11} {'style':>7} {'payload':>8} {'total':>7} {'MB':>6}\n")
    for n in args.sizes:
        for name, data in ((f"betriebe_{n}.csv", csv_bytes(n)), (f"betriebe_{n}.geojson", geojson_bytes(n))):
            m = measure(name, data, args.repeat)
            out.write(f"{name:<28} {m['points']:>8,} {m['read_s']:>10.2f}s {m['style_s']:>6.2f}s "
                      f"{m['payload_s']:>7.2f}s {m['total_s']:>6.2f}s {m['payload_mb']:>6.2f}\n")
    if args.browser:
        out.write(f"\n{'upload to drawn map (browser)':<28} {'points':>8} {'seconds':>8}\n")
        for n, seconds in browser_times(args.sizes).items():
            out.write(f"{f'betriebe_{n}.csv':<28} {n:>8,} {seconds:>7.2f}s\n")
    print(out.getvalue(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
