"""The replicas' HAProxy configuration and state (starting them is tested in tests/browser/test_replicas.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from regionmap.replicas import TEMPLATE, Deployment, Replica, ReplicaError, load, render_config, start, stop


def test_the_config_makes_sessions_sticky_passes_the_websocket_and_checks_health() -> None:
    config = render_config(TEMPLATE.read_text(), [("app1", 8601), ("app2", 8602)], 8500, 8499)
    lines = [line.strip() for line in config.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert "bind 127.0.0.1:8500" in lines and "bind 127.0.0.1:8499" in lines
    assert "cookie SERVERID insert indirect nocache httponly" in lines
    assert "option httpchk GET /_stcore/health" in lines
    assert "server app1 127.0.0.1:8601 cookie app1" in lines and "server app2 127.0.0.1:8602 cookie app2" in lines
    assert any(line.startswith("timeout tunnel") for line in lines)
    assert "$" not in "\n".join(lines)  # every field filled in


def test_the_state_survives_a_round_trip_and_stop_without_state_does_nothing(tmp_path: Path) -> None:
    deployment = Deployment("http://127.0.0.1:1", "http://127.0.0.1:2/", 4_000_000,
                            (Replica("app1", 3, 4_000_001),), "store.gpkg")
    assert Deployment.from_json(deployment.to_json()) == deployment
    assert not deployment.alive()  # no such processes
    assert load(tmp_path) is None and stop(tmp_path) is None


def test_start_names_a_missing_store(tmp_path: Path) -> None:
    with pytest.raises(ReplicaError, match="no data store at .*missing.gpkg"):
        start(2, str(tmp_path / "missing.gpkg"), state_dir=tmp_path)
    with pytest.raises(ReplicaError, match="at least 1"):
        start(0, state_dir=tmp_path)
