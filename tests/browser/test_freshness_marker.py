"""Nobody sees a record without seeing how current it is: a record past its layer's maximum age is drawn hollow with a
dashed outline, the legend counts it, and its card says since when it is not confirmed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from browser_support import ROOT, screenshot, wait_for_map
from editing_support import age_records
from regionmap.i18n import format_date, t, tn
from regionmap.testing import MAP_IFRAME, Server, streamlit_server

STALE, STALE_NAME, OLD = "research-tu-braunschweig", "Technische Universität Braunschweig", "2024-03-01"


@pytest.fixture(scope="module")
def stale_app(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on a copy of the store in which one research record was last confirmed long ago."""
    store = tmp_path_factory.mktemp("stale") / "regionmap.gpkg"
    shutil.copy(built_store, store)
    age_records(store, "research", [STALE], OLD)
    with streamlit_server(ROOT / "serve.py", {"REGIONMAP_STORE": str(store)}, cwd=ROOT) as server:
        yield server


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a_stale_record_is_drawn_hollow_counted_and_named(stale_app, watched, lang: str) -> None:
    page = watched.page
    query = urlencode({"q": STALE_NAME, "basemap": "none", "lang": lang, "detail": STALE})
    page.goto(f"{stale_app.url}/research?{query}")  # the one record alone: a marker, not a cluster
    wait_for_map(page, 60_000)
    frame = page.frame_locator(MAP_IFRAME).first
    frame.locator("path.rm-stale").first.wait_for(state="attached", timeout=30_000)
    assert frame.locator("path.rm-stale").count() == 1
    dash = frame.locator("path.rm-stale").first.get_attribute("stroke-dasharray")
    assert dash and dash.replace(",", " ").split() == ["3", "2"]
    row = frame.locator(".rm-legend-stale")
    assert row.get_attribute("data-count") == "1"
    assert row.inner_text().strip() == f"{tn('legend.stale', 12, lang)} (1)"
    notice = t("freshness.overdue_since", lang, date=format_date(OLD, lang))
    page.get_by_text(notice).first.wait_for(timeout=30_000)  # the detail card of the record
    screenshot(page, f"freshness-marker-{lang}")
    watched.assert_clean()


def test_a_tour_that_skips_unconfirmed_records_leaves_the_stale_one_out(stale_app, watched, built_store) -> None:
    """The region tour says `unconfirmed = "skip"`: at the Braunschweig stop the stale TU is neither drawn nor
    counted, while the main dashboard still shows it marked."""
    from regionmap.data.store import open_store
    from regionmap.presenter.tours import SKIP, default_tours_dir, load_tours, vocab_from_store

    store = open_store(built_store)
    tour = load_tours(default_tours_dir(), vocab_from_store(store.gemeinden, store.thematic.values()))["region"]
    assert tour.unconfirmed == SKIP
    index = next(i for i, s in enumerate(tour.stops) if s.id == "braunschweig")
    research = store.layers["research"]
    expected = int((research["ags"] == tour.stops[index].view.ags).sum()) - 1
    assert STALE in set(research.loc[research["ags"] == tour.stops[index].view.ags, "id"])
    page = watched.page
    page.goto(f"{stale_app.url}/present?tour=region&lang=de&basemap=none")
    wait_for_map(page, 60_000)
    for _ in range(index):
        page.locator(".st-key-present_next button").click()
    title = page.locator(".st-key-present_stop h2")
    title.filter(has_text=tour.stops[index].title_in("de")).wait_for(timeout=30_000)
    frame = page.frame_locator(MAP_IFRAME).first
    frame.locator(f".rm-legend-entry[data-layer='research'][data-count='{expected}']").wait_for(timeout=30_000)
    assert frame.locator("path.rm-stale").count() == 0 and frame.locator(".rm-legend-stale").count() == 0
    screenshot(page, "present-skips-unconfirmed")
    watched.assert_clean()
