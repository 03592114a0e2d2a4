"""An enquiry from a visitor's shortlist reaches the right partner and nobody else, in the real app: a visitor opens
a shortlist link on a phone, sends an enquiry with consent, and the editor of the Kreis whose sites it names finds it
on the maintenance page (signed in through the OIDC mock), while another Kreis's editor does not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from browser_support import mock_provider, partner_app, screenshot, sign_in, wait_until_idle
from regionmap.data.store import open_store, store_at
from regionmap.i18n import t
from regionmap.leads.repository import leads_of
from regionmap.testing import Server

GOSLAR_EDITOR = {"sub": "gina", "email": "wirtschaft@goslar.example", "name": "Gina Goslar"}
HANNOVER_EDITOR = {"sub": "hanno", "email": "wfh@hannover.example", "name": "Hanno Hannover"}
GOSLAR, HANNOVER = "03153", "03241"
VISITOR = {"name": "Camille Durand", "company": "Durand Logistique SA", "email": "camille.durand@example.fr",
           "message": "Nous cherchons 10 ha <b>près</b> de l’A7."}
LANG = "fr"


@pytest.fixture(scope="module")
def provider() -> Iterator[Server]:
    with mock_provider([GOSLAR_EDITOR, HANNOVER_EDITOR]) as server:
        yield server


@pytest.fixture(scope="module")
def app(provider: Server, built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    def grant(edits) -> None:
        edits.set_grant(None, GOSLAR_EDITOR["email"], "editor", "Wirtschaftsförderung Goslar", kreise=[GOSLAR],
                        layers=["sites"])
        edits.set_grant(None, HANNOVER_EDITOR["email"], "editor", "Wirtschaftsförderung Hannover",
                        kreise=[HANNOVER], layers=["sites"])

    with partner_app(provider, built_store, tmp_path_factory.mktemp("enquiry"), grant) as server:
        yield server


def show_leads(page: Page) -> None:
    """Open the Anfragen tab and load the leads (each load is one access in the history)."""
    page.get_by_role("tab", name=t("maintenance.tab.leads", LANG)).click()
    page.get_by_role("button", name=t("leads.tab.show", LANG)).click()
    page.get_by_role("button", name=t("leads.tab.refresh", LANG)).wait_for(timeout=30_000)
    wait_until_idle(page)
    page.get_by_role("tab", name=t("maintenance.tab.leads", LANG)).click()  # the run may have shown the first tab


def leads_text(page: Page, expected: str) -> str:
    """The leads table's text once it holds `expected` (its run may still be drawing it), else what it holds."""
    try:
        page.wait_for_function("(want) => (document.querySelector('.st-key-mt_leads_table') || {}).textContent"
                               "?.includes(want)", arg=expected, timeout=30_000)
    except PlaywrightTimeout:
        pass
    table = page.locator(".st-key-mt_leads_table")
    return (table.text_content() or "") if table.count() else ""


def test_an_enquiry_reaches_the_partner_holding_the_sites_and_nobody_else(app, provider, browser: Browser,
                                                                           built_store: Path) -> None:
    sites = open_store(built_store)["sites"]
    goslar = sites[sites["kreis_ags"] == GOSLAR].sort_values("id")
    chosen = list(goslar["id"].iloc[:2]) + ["sites-withdrawn-long-ago"]
    names = list(goslar["name"].iloc[:2])
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{app.url}/sites?shortlist={','.join(chosen)}&lang={LANG}&basemap=none")
    form = page.locator(".st-key-shortlist_enquiry")
    form.get_by_label(t("leads.form.name", LANG), exact=True).wait_for(timeout=60_000)
    wait_until_idle(page)
    expect(page.get_by_text(t("url.shortlist_missing.one", LANG, count=1)).first).to_be_visible(timeout=30_000)  # the unknown id
    for field, value in VISITOR.items():
        box = form.get_by_label(t(f"leads.form.{field}", LANG), exact=True)
        box.fill(value)
    send = form.get_by_role("button", name=t("leads.form.send", LANG))
    send.click()  # without consent: refused, nothing stored
    page.locator("[data-testid='stAlertContentError']").first.wait_for(timeout=30_000)
    assert leads_of(store_at(str(app.store))).leads_for(None) == []
    wait_until_idle(page)
    form.locator("[data-testid='stCheckbox'] label").first.click()
    send.click()
    sent = page.locator("[data-testid='stAlertContentSuccess']")
    sent.wait_for(timeout=30_000)
    assert "Wirtschaftsförderung Goslar" in sent.inner_text()
    screenshot(page, "enquiry-sent-phone")
    assert errors == [], errors
    phone.close()

    stored = leads_of(store_at(str(app.store))).leads_for(None)
    assert [(lead.name, lead.email, {s.site_id for s in lead.sites}) for lead in stored] == [
        (VISITOR["name"], VISITOR["email"], set(chosen[:2]))]

    editor = browser.new_context(viewport={"width": 1400, "height": 900})
    editor.route("https://**/*", lambda route: route.abort())
    page = editor.new_page()
    sign_in(page, app, provider, GOSLAR_EDITOR, LANG)
    show_leads(page)
    shown = leads_text(page, VISITOR["email"])
    screenshot(page, "enquiry-goslar-maintenance")
    assert VISITOR["email"] in shown and VISITOR["company"] in shown and all(n in shown for n in names), shown
    screenshot(page, "enquiry-goslar-maintenance")
    editor.close()

    other = browser.new_context(viewport={"width": 1400, "height": 900})
    other.route("https://**/*", lambda route: route.abort())
    page = other.new_page()
    sign_in(page, app, provider, HANNOVER_EDITOR, LANG)
    show_leads(page)
    page.get_by_text(t("leads.tab.none", LANG)).first.wait_for(timeout=30_000)
    assert page.locator(".st-key-mt_leads_table").count() == 0
    assert VISITOR["email"] not in (page.text_content("body") or "") and VISITOR["name"] not in page.inner_text("body")
    other.close()
