"""The load benchmark's protocol-level sessions load the dashboard, change filters and see each run finish with a
map (a short run against one process; its timings are never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_short_load_run_changes_filters_without_errors(built_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.load", "--sessions", "3", "--duration", "6", "--ramp", "1", "--think", "1",
         "--browsers", "0", "--store", str(built_store), "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "filter change -> script finished" in result.stdout
    [record] = json.loads(out.read_text())["records"]
    assert record["sessions_loaded"] == 3 and record["errors"] == 0
    assert record["filter_changes"] >= 3 and record["change_p50_seconds"] > 0
    assert record["bytes_per_change"] > 100_000  # the map and the tables came with each run
    assert set(record["server_cpu_seconds"]) == {"app"} and record["server_cpu_seconds"]["app"] > 0
    assert record["server_peak_rss_mb"]["app"] > 100
