"""Accessibility of the states behind a click, in de/en/fr: axe-core (`browser_support.accessibility_problems`) on the
site finder's shortlist panel with two sites and its enquiry form (as shown, and after a send refused for want of
consent), on the presenter at a stop with sites to add (its QR code shown) and with its shortlist panel open, and on
every tab of the maintenance page signed in as an admin through the OIDC mock, each with content: a record's form,
records due, a change set to review, an enquiry. One browser session per language and area: the sign-in happens
once per language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

from browser_support import (
    HOST,
    accessibility_problems,
    choose,
    mock_provider,
    partner_app,
    shortlist_stop,
    sign_in,
    wait_for_map,
    wait_until_idle,
)
from editing_support import age_records, clean_copy
from regionmap.auth.identity import Identity
from regionmap.data.store import open_store
from regionmap.i18n import t
from regionmap.leads.repository import Leads
from regionmap.leads.throttle import Throttle
from regionmap.testing import Server

LANGS = ("de", "en", "fr")
ADMIN = {"sub": "ada", "email": "ada@metropolregion.example", "name": "Ada Admin"}
EDITOR = Identity("wirtschaft@goslar.example", "gina")
SITE = "sites-goslar-bassgeige"  # a site: its layer's change sets go to review
DUE = ["research-tu-braunschweig", "research-hbk-braunschweig"]
RECORD_NAME = "Technische Universität Braunschweig"
TABS = ("records", "due", "changesets", "import", "leads", "review", "admin")


def two_sites(built_store: Path) -> list[str]:
    return [str(i) for i in open_store(built_store)["sites"]["id"].iloc[[0, 3]]]


@contextmanager
def visitor(phone_browser: Browser, app: Server, width: int, height: int) -> Iterator[tuple[Page, str, list[str]]]:
    """A page of `phone_browser` (the app sees a visitor off loopback and shows its QR codes), the app's address by
    `HOST`, and the page's errors."""
    context = phone_browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page, f"http://{HOST}:{urlsplit(app.url).port}", errors
    finally:
        context.close()


def settled(page: Page) -> None:
    """The run has finished and its last changes are drawn."""
    wait_until_idle(page)
    page.wait_for_timeout(800)


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_the_shortlist_panel_and_its_enquiry_form_pass_axe(app_server, phone_browser, built_store: Path,
                                                           lang: str) -> None:
    with visitor(phone_browser, app_server, 1400, 900) as (page, base, errors):
        shortlist_and_enquiry(page, base, two_sites(built_store), lang)
        assert errors == [], errors


def shortlist_and_enquiry(page: Page, base: str, sites: list[str], lang: str) -> None:
    page.goto(f"{base}/sites?shortlist={','.join(sites)}&basemap=none&lang={lang}")
    form = page.locator(".st-key-shortlist_enquiry")
    form.get_by_label(t("leads.form.name", lang), exact=True).wait_for(timeout=60_000)
    wait_for_map(page)
    settled(page)
    assert page.locator("[class*='st-key-shortlist_row_']").count() == 2
    page.locator(".st-key-shortlist_link img").wait_for()
    problems = {"panel": accessibility_problems(page)}
    form.get_by_label(t("leads.form.name", lang), exact=True).fill("Camille Durand")
    form.get_by_label(t("leads.form.email", lang), exact=True).fill("camille.durand@example.fr")
    form.get_by_role("button", name=t("leads.form.send", lang)).click()  # without consent: refused
    page.locator("[data-testid='stAlertContentError']").first.wait_for(timeout=30_000)
    settled(page)
    problems["refused"] = accessibility_problems(page)
    assert problems == {"panel": [], "refused": []}


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_the_presenter_with_its_shortlist_open_passes_axe(app_server, phone_browser, built_store: Path,
                                                         lang: str) -> None:
    with visitor(phone_browser, app_server, 1920, 1080) as (page, base, errors):
        presenter_with_shortlist(page, base, *shortlist_stop(built_store), lang)
        assert errors == [], errors


def presenter_with_shortlist(page: Page, base: str, index: int, chosen: list[str], lang: str) -> None:
    page.goto(f"{base}/present?lang={lang}&basemap=none&shortlist={','.join(chosen[:2])}")
    page.locator(".st-key-present_next button").wait_for(timeout=60_000)
    wait_until_idle(page)
    for number in range(2, index + 2):  # to the stop whose sites can go on the list
        page.locator(".st-key-present_next button").click()
        stop = re.escape(t("present.stop", lang, number=number, total=999)).replace("999", r"\d+")
        page.locator(".st-key-present_stop").get_by_text(re.compile(f"^{stop}$")).wait_for(timeout=60_000)
        wait_until_idle(page)
    page.locator(f".st-key-present_shortlist_add_{chosen[0]} button").first.wait_for(timeout=60_000)
    page.locator(".st-key-present_qr img").wait_for(timeout=60_000)  # the view's QR code, off loopback
    wait_for_map(page)
    settled(page)
    problems = {"stop": accessibility_problems(page)}
    page.locator(".st-key-present_shortlist_count button").first.click()
    page.locator(".st-key-present_shortlist_qr img").wait_for(timeout=60_000)
    settled(page)
    problems["shortlist"] = accessibility_problems(page)
    assert problems == {"stop": [], "shortlist": []}


@pytest.fixture(scope="module")
def provider() -> Iterator[Server]:
    with mock_provider([ADMIN]) as server:
        yield server


@pytest.fixture(scope="module")
def admin_app(provider: Server, built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app with ADMIN as its admin and something in every tab: two research records due for confirmation, an
    editor's submitted change to a site (to review) and an enquiry about two sites."""
    folder = tmp_path_factory.mktemp("axe_admin")
    aged = Path(clean_copy(built_store, tmp_path_factory.mktemp("axe_aged")))
    age_records(aged, "research", DUE, "2024-03-01")
    sites = two_sites(built_store)

    def grant(edits) -> None:
        edits.set_grant(None, ADMIN["email"], "admin", "Metropolregion")
        edits.set_grant(None, EDITOR.email, "editor", "Wirtschaftsförderung Goslar", kreise=["03153"],
                        layers=["sites"])
        record = edits.current_records("sites")[SITE]
        changeset = edits.open_change_set(EDITOR, "sites")
        edits.put_change(EDITOR, changeset, dict(record.values, area_ha="7"), record_id=SITE)
        edits.submit(EDITOR, changeset)
        leads = Leads(edits, throttle=Throttle())
        leads.submit_enquiry("axe", name="Ines Investor", company="Invest AG", email="ines@investor.example",
                             message="Bitte um Rückruf.", lang="de", site_ids=sites, consent_given=True,
                             consent_shown=leads.consent_text("de", leads.route(sites)))

    with partner_app(provider, aged, folder, grant) as server:
        yield server


def open_tab(page: Page, name: str, lang: str) -> None:
    page.get_by_role("tab", name=t(f"maintenance.tab.{name}", lang), exact=True).click()
    settled(page)


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_every_maintenance_tab_passes_axe(admin_app, provider, browser: Browser, lang: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.route("https://**/*", lambda route: route.abort())  # the mock provider's stylesheet
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        sign_in(page, admin_app, provider, ADMIN, lang)
        settled(page)
        assert page.get_by_role("tab").count() == len(TABS)
        problems: dict[str, list[str]] = {}
        for name in TABS:
            open_tab(page, name, lang)
            panel = page.get_by_role("tabpanel")  # the shown tab's (the others are hidden)
            if name == "records":  # a record's form
                choose(page, "mt_record_research", f"{RECORD_NAME} ({DUE[0]})")
                settled(page)
                page.get_by_role("heading", name=re.compile(re.escape(RECORD_NAME))).first.wait_for(timeout=30_000)
                open_tab(page, name, lang)
            elif name == "review":
                panel.get_by_label(t("maintenance.review.comment", lang)).wait_for(timeout=30_000)
            elif name == "due":
                panel.get_by_role("button", name=t("maintenance.due.confirm_one", lang)).first.wait_for(timeout=30_000)
            elif name == "leads":  # the enquiries are loaded on request
                page.get_by_role("button", name=t("leads.tab.show", lang)).click()
                page.locator(".st-key-mt_leads_table").wait_for(timeout=30_000)
                open_tab(page, name, lang)  # the run may have shown the first tab
                assert "ines@investor.example" in page.locator(".st-key-mt_leads_table").inner_text()
            problems[name] = accessibility_problems(page)
        assert problems == {name: [] for name in TABS}
        assert errors == [], errors
    finally:
        context.close()
