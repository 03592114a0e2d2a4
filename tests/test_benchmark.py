"""The map benchmark runs and writes one record per N and implementation (its timings are never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import shapely

from regionmap.data.store import open_store

ROOT = Path(__file__).resolve().parents[1]
from benchmarks.maps import IMPLEMENTATIONS, naive_map, synthetic_points  # noqa: E402
FIGURES = ("build_seconds", "payload_bytes", "browser_draw_seconds", "filter_update_seconds", "server_peak_rss_bytes")


def test_quick_benchmark_writes_records(built_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.maps", "--quick", "--no-browser", "--sizes", "1000", "2000",
         "--store", str(built_store), "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "ratio regionmap/naive" in result.stdout
    document = json.loads(out.read_text())
    assert {"cpu_count", "python", "streamlit", "folium"} <= set(document["machine"])
    records = document["records"]
    assert sorted((r["implementation"], r["n_points"]) for r in records) == sorted(
        (impl, n) for impl in IMPLEMENTATIONS for n in (1000, 2000)
    )
    for record in records:
        assert set(FIGURES) <= set(record)
        assert record["build_seconds"] > 0 and record["payload_bytes"] > 0
        if record["implementation"] == "regionmap":
            assert set(FIGURES) <= set(record["ratios_regionmap_over_naive"])


def test_synthetic_points_lie_in_the_municipalities(built_store: Path) -> None:
    gemeinden = open_store(built_store).gemeinden
    points = synthetic_points(gemeinden, 500)
    area = shapely.union_all(gemeinden.geometry.to_numpy())
    assert len(points) == 500 and points["id"].is_unique
    assert shapely.contains_xy(area, points.geometry.x.to_numpy(), points.geometry.y.to_numpy()).all()
    assert points["half"].sum() == 250
    assert synthetic_points(gemeinden, 500).geometry.equals(points.geometry)  # deterministic


def test_naive_baseline_loads_nothing_from_a_cdn(built_store: Path) -> None:
    gemeinden = open_store(built_store).gemeinden
    html = naive_map(gemeinden, synthetic_points(gemeinden, 10)).get_root().render()
    assert "cdn" not in html.lower() and "bootstrap" not in html.lower()
    assert html.count("L.marker(") == 10
