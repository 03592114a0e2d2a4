"""Browser tests: the real app started with `streamlit run`, driven by Playwright in Debian's Chromium.

A missing Chromium is a failure, never a skip. Every page records its errors and every request that leaves the app's
host; tests assert both are empty. Screenshots go to `artifacts/screenshots/` (kept by CI as test artifacts).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from browser_support import ROOT
from regionmap.testing import Server, launch_chromium, streamlit_server

LOCAL_PREFIXES = ("http://127.0.0.1:", "ws://127.0.0.1:", "http://localhost:", "ws://localhost:", "data:", "blob:",
                  "about:")


@pytest.fixture(scope="session")
def app_server(built_store: Path) -> Iterator[Server]:
    """`streamlit run serve.py` (the app behind its middleware) on a free port, reading the session's freshly built store."""
    try:
        with streamlit_server(ROOT / "serve.py", {"REGIONMAP_STORE": str(built_store)}, cwd=ROOT) as server:
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


@dataclass
class Watched:
    """A page with the errors and off-host requests seen while it was open."""

    page: Page
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.errors == [], f"page errors: {self.errors}"
        assert self.outside == [], f"requests outside the app's host: {self.outside}"


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    """A fresh page (1600x1000) that records page errors and requests leaving the app's host."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    seen = Watched(page)
    page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
    page.on("request", lambda request: None if request.url.startswith(LOCAL_PREFIXES) else seen.outside.append(request.url))
    yield seen
    context.close()
