"""Two app replicas behind HAProxy, started by `scripts/replicas` (which installs Debian's haproxy when missing; a
failure to install or start it fails the test, in CI as anywhere): a browser session stays on its replica across
reruns, and when that replica dies a reload lands on the other one, whose URL restores the view."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import BrowserContext

from browser_support import ROOT, choose, combo_value, legend_counts, screenshot, wait_for_map
from regionmap.data.store import open_store
from regionmap.replicas import Deployment, running, server_stats

TIMEOUT = 60_000
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def replicas(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """`scripts/replicas start --replicas 2` on the session's store, with its own state folder; stopped afterwards."""
    state_dir = tmp_path_factory.mktemp("replicas")
    script = [str(ROOT / "scripts" / "replicas")]
    options = ["--state-dir", str(state_dir)]
    started = subprocess.run([*script, "start", "--replicas", "2", "--store", str(built_store), *options],
                             capture_output=True, text=True, timeout=900)
    if started.returncode != 0:
        pytest.fail(f"scripts/replicas start failed:\n{started.stdout}\n{started.stderr}")
    try:
        yield Deployment.from_json((state_dir / "state.json").read_text())
    finally:
        subprocess.run([*script, "stop", *options], capture_output=True, timeout=60)


def serverid(context: BrowserContext) -> str:
    """The replica HAProxy's stickiness cookie names."""
    values = [c["value"] for c in context.cookies() if c["name"] == "SERVERID"]
    assert len(values) == 1, context.cookies()
    return values[0]


def test_a_session_keeps_its_replica_and_a_reload_after_its_death_restores_the_view(replicas, watched, built_store):
    page = watched.page
    # Without the HTTP cache every response comes from a replica (a cached one keeps the header of the first).
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    answered: list[str | None] = []  # the replica named by each response of the proxy
    page.on("response", lambda r: answered.append(r.headers.get("x-regionmap-replica"))
            if r.url.startswith(replicas.url) else None)
    page.goto(f"{replicas.url}/?basemap=none")
    wait_for_map(page, TIMEOUT)
    overview = legend_counts(page)
    first = serverid(page.context)
    assert first in {r.name for r in replicas.replicas}

    kreise = open_store(built_store).kreise.sort_values("ags")
    for ags, name in zip(kreise["ags"][:2], kreise["name"][:2]):  # two reruns, each remounting the map
        choose(page, "w_kreis", name)
        page.wait_for_function("(ags) => new URLSearchParams(location.search).get('kreis') === ags", arg=ags,
                               timeout=TIMEOUT)
        wait_for_map(page, TIMEOUT)
    shown = legend_counts(page)
    assert shown != overview and sum(shown.values()) < sum(overview.values())
    assert serverid(page.context) == first
    assert set(answered) == {first}, answered  # every request of the session, the map's frames too
    stats = server_stats(replicas.stats_url)
    other = next(r for r in replicas.replicas if r.name != first)
    assert int(stats[first]["stot"]) > 0 and int(stats[other.name]["stot"]) == 0
    watched.assert_clean()
    view = page.url
    screenshot(page, "replicas-before-kill")

    victim = next(r for r in replicas.replicas if r.name == first)
    os.kill(victim.pid, signal.SIGKILL)
    answered.clear()
    page.reload()
    wait_for_map(page, TIMEOUT)
    page.wait_for_function("(ags) => new URLSearchParams(location.search).get('kreis') === ags",
                           arg=kreise["ags"].iloc[1], timeout=TIMEOUT)
    screenshot(page, "replicas-after-kill")
    assert not running(victim.pid, "streamlit")
    assert serverid(page.context) == other.name
    assert set(answered) == {other.name}, answered
    assert parse_qs(urlsplit(page.url).query) == parse_qs(urlsplit(view).query)
    assert combo_value(page, "w_kreis") == kreise["name"].iloc[1]
    assert legend_counts(page) == shown
    page.wait_for_timeout(3_000)  # HAProxy checks every second and marks a replica down after two failures
    assert server_stats(replicas.stats_url)[first]["status"] == "DOWN"
