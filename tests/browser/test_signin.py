"""Partner sign-in in the real app: a real OpenID Connect sign-in through `oidc-provider-mock` on loopback (the app
behind serve.py's middleware, so /oauth2callback goes through it), sign-out, a forged identity cookie, and every other
page readable signed out. A missing provider fails these tests, never skips them.

The mock's pages load their stylesheet from a CDN: the browser context aborts every https request (nothing here is
https), so nothing leaves the machine, and the tests check that no other request left the app's and provider's host.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer
from playwright.sync_api import Browser, Page

from browser_support import LOCAL_PREFIXES, ROOT, mock_provider, screenshot
from browser_support import accessibility_problems as axe_problems
from regionmap.auth.session import USER_COOKIE
from regionmap.i18n import t
from regionmap.testing import Server, auth_secrets, streamlit_server
from regionmap.ui.navigation import PAGES

COOKIE_SECRET = "browser-test-cookie-secret-0123456789"
PARTNER = {"sub": "gerda", "email": "sites@goslar.example", "name": "Gerda Goslar"}
CDN = "https://cdn.jsdelivr.net/"  # the mock provider's stylesheet (aborted)


@pytest.fixture(scope="module")
def provider() -> Iterator[Server]:
    with mock_provider([PARTNER]) as server:
        yield server


@pytest.fixture(scope="module")
def signin_app(provider: Server, built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app (serve.py) with an [auth] section pointing at the mock provider."""
    folder = tmp_path_factory.mktemp("auth")
    secrets = auth_secrets(folder / "secrets.toml", provider.url, cookie_secret=COOKIE_SECRET)
    store = folder / built_store.name  # a copy: the page logs sign-ins and refusals into the store's history
    shutil.copy(built_store, store)
    try:
        with streamlit_server(ROOT / "serve.py", {"REGIONMAP_STORE": str(store)}, cwd=ROOT,
                              secrets=secrets) as server:
            yield server
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def browsing(browser: Browser) -> Iterator[tuple[Page, list[str], list[str]]]:
    """A fresh page whose https requests are aborted; with its page errors and requests off the loopback host."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.route("https://**/*", lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda r: None if r.url.startswith((*LOCAL_PREFIXES, CDN)) else outside.append(r.url))
    yield page, errors, outside
    context.close()


def heading(page: Page, text: str) -> None:
    page.get_by_role("heading", name=text, level=1).wait_for(timeout=30_000)


def accessibility_problems(page: Page) -> list[str]:
    """axe's serious findings and the unexplained lesser ones on the page, once it has settled."""
    page.wait_for_timeout(500)
    return axe_problems(page)


def test_a_partner_signs_in_through_the_provider_lands_on_the_page_and_signs_out(signin_app, provider, browsing):
    page, errors, outside = browsing
    page.goto(f"{signin_app.url}/maintenance?lang=en")
    heading(page, t("page.maintenance", "en"))
    page.get_by_text(t("auth.purpose", "en")).wait_for()
    assert accessibility_problems(page) == []
    page.get_by_role("button", name=t("auth.sign_in", "en")).click()

    page.wait_for_url(f"{provider.url}/oauth2/authorize?**", timeout=30_000)
    page.get_by_placeholder("sub").fill("gerda")  # the mock's form: the subject to sign in as
    page.get_by_role("button", name="Authorize", exact=True).click()

    page.wait_for_url(f"{signin_app.url}/maintenance?lang=en", timeout=30_000)  # back where the sign-in started
    greeting = t("auth.signed_in_as", "en", who="Gerda Goslar <sites@goslar.example>")
    page.get_by_text(greeting, exact=True).wait_for(timeout=30_000)
    assert page.get_by_role("button", name=t("auth.sign_in", "en")).count() == 0
    assert USER_COOKIE in {cookie["name"] for cookie in page.context.cookies()}
    screenshot(page, "signin-signed-in")
    assert accessibility_problems(page) == []

    page.get_by_role("button", name=t("auth.sign_out", "en")).click()
    page.wait_for_url(f"{provider.url}/oauth2/end_session?**", timeout=30_000)  # the provider's own sign-out
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{signin_app.url}/maintenance?lang=en", timeout=30_000)
    page.get_by_role("button", name=t("auth.sign_in", "en")).wait_for(timeout=30_000)
    assert page.get_by_text(greeting).count() == 0
    assert USER_COOKIE not in {cookie["name"] for cookie in page.context.cookies()}
    assert errors == [] and outside == []


def forged(kind: str) -> str:
    """An identity cookie Streamlit must not accept: garbage, or the real format signed with another secret."""
    if kind == "garbage":
        return "forged"
    claims = {**PARTNER, "is_logged_in": True, "provider": "default", "origin": "http://127.0.0.1"}
    return URLSafeTimedSerializer("not-the-apps-secret", salt=USER_COOKIE).dumps(json.dumps(claims))


@pytest.mark.parametrize("kind", ["garbage", "other_secret"])
def test_a_forged_identity_cookie_gets_a_clear_message_and_no_access(signin_app, provider, browsing, kind):
    page, errors, outside = browsing
    page.context.add_cookies([{"name": USER_COOKIE, "value": forged(kind), "url": signin_app.url}])
    page.goto(f"{signin_app.url}/maintenance")
    heading(page, t("page.maintenance", "de"))
    page.get_by_text(t("auth.cookie_invalid", "de")).wait_for(timeout=30_000)
    page.get_by_role("button", name=t("auth.sign_in", "de")).wait_for()
    assert page.get_by_text("Angemeldet als").count() == 0
    assert page.get_by_role("button", name=t("auth.sign_out", "de")).count() == 0
    screenshot(page, f"signin-forged-{kind}")
    assert accessibility_problems(page) == []
    # Signing in again replaces the cookie.
    page.get_by_role("button", name=t("auth.sign_in", "de")).click()
    page.wait_for_url(f"{provider.url}/oauth2/authorize?**", timeout=30_000)
    page.get_by_role("button", name="gerda", exact=True).click()  # the provider's one-click sign-in
    page.wait_for_url(f"{signin_app.url}/maintenance", timeout=30_000)
    page.get_by_text(t("auth.signed_in_as", "de", who="Gerda Goslar <sites@goslar.example>")).wait_for(timeout=30_000)
    assert page.get_by_text(t("auth.cookie_invalid", "de")).count() == 0
    assert errors == [] and outside == []


READABLE = [spec for spec in PAGES if spec.url_path != "maintenance" and not spec.hidden]


@pytest.mark.parametrize("spec", READABLE, ids=[spec.url_path for spec in READABLE])
def test_every_other_page_is_readable_signed_out(signin_app, browsing, spec):
    page, errors, outside = browsing
    page.goto(f"{signin_app.url}/{spec.url_path}?lang=en")
    heading(page, t(spec.title_key, "en"))
    page.wait_for_timeout(500)
    assert page.get_by_role("button", name=t("auth.sign_in", "en")).count() == 0
    assert page.get_by_text(t("auth.purpose", "en")).count() == 0
    assert errors == [] and outside == []
