"""Helpers for the browser tests: screenshots, waiting for the map, reading the legend, signing in, axe-core."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from editing_support import clean_copy
from playwright.sync_api import Page

from regionmap.data.store import open_store, store_at
from regionmap.editing.repository import Edits
from regionmap.i18n import t
from regionmap.presenter.tours import default_tours_dir, load_tours, vocab_from_store
from regionmap.taxonomy import taxonomy
from regionmap.testing import MAP_IFRAME, Server, auth_secrets, oidc_provider, streamlit_server

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
# What a page may request: the app on localhost and inline resources.
LOCAL_PREFIXES = ("http://127.0.0.1:", "ws://127.0.0.1:", "http://localhost:", "ws://localhost:", "data:", "blob:",
                  "about:")
# A host name that `phone_browser` (conftest) resolves to 127.0.0.1: the app sees a visitor who is not on loopback
# and shows its public links (QR codes).
HOST = "regionmap.test"
# axe-core: these impacts fail a test; the lesser findings fail it unless their rule is in ACCEPTED, the moderate and
# minor findings in Streamlit's own markup explained in docs/accessibility.md.
FAILING = ("serious", "critical")
ACCEPTED = {"presentation-role-conflict", "heading-order", "region", "landmark-unique"}
AXE = Axe()


def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot under artifacts/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def wait_for_map(page: Page, timeout_ms: int = 30_000, index: int = 0) -> float:
    """Wait until the page's `index`-th map iframe is drawn with its legend; return its height in pixels."""
    page.locator(MAP_IFRAME).nth(index).wait_for(state="attached", timeout=timeout_ms)
    frame = page.frame_locator(MAP_IFRAME).nth(index)
    frame.locator(".leaflet-container").first.wait_for(state="attached", timeout=timeout_ms)
    frame.locator(".rm-legend").first.wait_for(state="attached", timeout=timeout_ms)
    return page.locator(MAP_IFRAME).nth(index).bounding_box()["height"]


def legend_counts(page: Page, index: int = 0) -> dict[str, int]:
    """The legend's "Label (count)" entries of the `index`-th map as {layer id: count}."""
    frame = page.frame_locator(MAP_IFRAME).nth(index)
    entries = frame.locator(".rm-legend-entry")
    return {
        entries.nth(i).get_attribute("data-layer"): int(entries.nth(i).get_attribute("data-count"))
        for i in range(entries.count())
    }


def choose(page: Page, key: str, label: str, multi: bool = False) -> None:
    """Pick `label` in the selectbox (or, `multi`, the multiselect) with widget key `key`."""
    combo = page.locator(f".st-key-{key} [role=combobox]")
    combo.click()
    combo.fill(label)  # filters the (virtualised) list down to the option
    page.get_by_role("option", name=label, exact=True).click()
    if multi:
        page.keyboard.press("Escape")  # a multiselect's list stays open
    page.wait_for_timeout(800)


def combo_value(page: Page, key: str) -> str:
    """The shown value of the selectbox (or the typed text of the multiselect) with widget key `key`."""
    return page.locator(f".st-key-{key} [role=combobox]").input_value()


@contextmanager
def mock_provider(users: list[dict[str, str]]) -> Iterator[Server]:
    """`oidc-provider-mock` with these accounts on loopback; a provider that does not start fails the test."""
    try:
        with oidc_provider(users) as server:
            yield server
    except (RuntimeError, FileNotFoundError) as exc:
        pytest.fail(f"oidc-provider-mock did not start: {exc}")


@contextmanager
def partner_app(provider: Server, built_store: Path, folder: Path, grant: Callable[[Edits], None]) -> Iterator[Server]:
    """The app (serve.py) signing in through `provider`, on its own copy of the store in `folder` with the grants
    `grant` gives; `server.store` is the copy's path."""
    store = Path(clean_copy(built_store, folder))
    grant(store_at(str(store)).edits())
    secrets = auth_secrets(folder / "secrets.toml", provider.url, cookie_secret=f"browser-test-secret-{folder.name}-0123")
    try:
        with streamlit_server(ROOT / "serve.py", {"REGIONMAP_STORE": str(store)}, cwd=ROOT, secrets=secrets) as server:
            server.store = store
            yield server
    except RuntimeError as exc:
        pytest.fail(str(exc))


def sign_in(page: Page, app: Server, provider: Server, person: dict[str, str], lang: str) -> None:
    """Sign `person` in on the maintenance page through the mock provider's form, back on the page signed in."""
    page.goto(f"{app.url}/maintenance?lang={lang}")
    page.get_by_role("button", name=t("auth.sign_in", lang)).click()
    page.wait_for_url(f"{provider.url}/oauth2/authorize?**", timeout=30_000)
    page.get_by_placeholder("sub").fill(person["sub"])
    page.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_url(f"{app.url}/maintenance**", timeout=30_000)  # German, the default, may drop `lang`
    who = f"{person['name']} <{person['email']}>"
    page.get_by_text(t("auth.signed_in_as", lang, who=who), exact=True).wait_for(timeout=30_000)


def _site_stops(built_store: Path) -> list:
    """The first tour's stops that highlight sites, as (index, stop)."""
    store = open_store(built_store)
    tour = next(iter(load_tours(default_tours_dir(), vocab_from_store(store.gemeinden, store.thematic.values(),
                                                                      taxonomy())).values()))
    return [(i, stop) for i, stop in enumerate(tour.stops) if "sites" in stop.layers and stop.highlight]


def shortlist_stop(built_store: Path) -> tuple[int, list[str]]:
    """The index of the first tour's first stop that highlights sites, and up to three of its sites' ids."""
    index, stop = _site_stops(built_store)[0]
    return index, list(stop.highlight[:3])


def fullest_sites_stop(built_store: Path) -> int:
    """The index of the first tour's stop that highlights the most sites."""
    return max(_site_stops(built_store), key=lambda found: len(found[1].highlight))[0]


def wait_until_idle(page: Page, timeout_ms: int = 60_000) -> None:
    """Wait until the app's script run has finished: no element waits for its content (Streamlit's skeletons) and the
    running indicator is gone. A click during a rerun may hit an element the run then replaces."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stSkeleton\"]')"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)


def violations(page: Page) -> list[dict]:
    """axe's violations on the page, and the serious ones inside the map's frame (axe does not enter frames on its
    own). The frame is a component of the page, not a page: its document-level best practices (a main landmark, a
    level-one heading, folium's viewport tag) are the page's, so only its failures count."""
    found = list(AXE.run(page).response["violations"])
    handle = page.locator(MAP_IFRAME).first.element_handle(timeout=1_000) if page.locator(MAP_IFRAME).count() else None
    frame = handle.content_frame() if handle is not None else None
    if frame is not None:
        found += [v for v in AXE.run(frame).response["violations"] if v["impact"] in FAILING]
    return found


def summary(found: list[dict]) -> list[str]:
    """One line per violation and node (the first three of each): rule, impact, element and axe's explanation."""
    return [f"{v['id']} ({v['impact']}): {n['target']} {n['failureSummary'][:160]}"
            for v in found for n in v["nodes"][:3]]


def accessibility_problems(page: Page) -> list[str]:
    """axe's serious and critical findings on the page (and in its map's frame) and the lesser ones not in
    ACCEPTED, summarised; empty when the page passes."""
    return summary([v for v in violations(page) if v["impact"] in FAILING or v["id"] not in ACCEPTED])
