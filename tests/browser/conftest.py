"""Browser tests: the real app started with `streamlit run`, driven by Playwright in Debian's Chromium.

A missing Chromium is a failure, never a skip. Every page records its errors and every request that leaves the app's
host; tests assert both are empty. Screenshots go to `artifacts/screenshots/` (kept by CI as test artifacts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from browser_support import HOST, LOCAL_PREFIXES, ROOT
from editing_support import clean_copy
from regionmap.testing import CHROMIUM, CHROMIUM_ARGS, Server, launch_chromium, streamlit_server



@pytest.fixture(scope="session")
def app_server(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`streamlit run serve.py` (the app behind its middleware) on a free port, reading a copy of the session's
    freshly built store: what visitors do there (shortlists count as interest) stays out of the other tests' store."""
    store = clean_copy(built_store, tmp_path_factory.mktemp("app_store"))
    try:
        with streamlit_server(ROOT / "serve.py", {"REGIONMAP_STORE": store}, cwd=ROOT) as server:
            yield server
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (a missing browser fails the test run)."""
    with sync_playwright() as playwright:
        try:
            browser = launch_chromium(playwright)
        except FileNotFoundError as exc:
            pytest.fail(str(exc))
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def phone_browser(browser: Browser) -> Iterator[Browser]:
    """A Chromium that resolves `HOST` to 127.0.0.1: the app sees a non-loopback address, as a phone on the stand's
    network would reach it."""
    other = browser.browser_type.launch(executable_path=str(CHROMIUM),
                                        args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"])
    yield other
    other.close()


@dataclass
class Watched:
    """A page with the errors and off-host requests seen while it was open."""

    page: Page
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.errors == [], f"page errors: {self.errors}"
        assert self.outside == [], f"requests outside the app's host: {self.outside}"


def watched_page(browser: Browser, width: int, height: int) -> tuple[BrowserContext, Watched]:
    """A fresh page of the given viewport (a phone below 640 px) that records page errors and requests leaving the
    app's host, in its own context."""
    phone = width < 640
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True,
                                  is_mobile=phone, has_touch=phone)
    page = context.new_page()
    seen = Watched(page)
    page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
    page.on("request", lambda request: None if request.url.startswith(LOCAL_PREFIXES) else seen.outside.append(request.url))
    return context, seen


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    """A fresh page (1600x1000) that records page errors and requests leaving the app's host."""
    context, seen = watched_page(browser, 1600, 1000)
    yield seen
    context.close()


@pytest.fixture
def sized(browser: Browser) -> Iterator[Callable[[int, int], Watched]]:
    """`sized(width, height)`: a fresh watched page of that viewport; every page is closed after the test."""
    contexts: list[BrowserContext] = []

    def open_page(width: int, height: int) -> Watched:
        context, seen = watched_page(browser, width, height)
        contexts.append(context)
        return seen

    yield open_page
    for context in contexts:
        context.close()
