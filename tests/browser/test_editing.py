"""Partner editing in the real app, signed in through a real OIDC provider (`oidc-provider-mock` on loopback): an
editor changes a site, a reviewer approves it, and a signed-out visitor sees the partner's values on the site sheet
and in the exposé; an editor never reaches another Kreis's records; two editors saving the same record: the second
gets the conflict and chooses. A missing provider fails these tests, never skips them."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from pypdf import PdfReader

import browser_support
from browser_support import LOCAL_PREFIXES, mock_provider, partner_app, screenshot, wait_until_idle
from regionmap.editing.form import field_label
from regionmap.i18n import t
from regionmap.testing import Server

EDITOR = {"sub": "gina", "email": "wirtschaft@goslar.example", "name": "Gina Goslar"}
COLLEAGUE = {"sub": "gero", "email": "flaechen@goslar.example", "name": "Gero Goslar"}
REVIEWER = {"sub": "rita", "email": "pruefung@metropolregion.example", "name": "Rita Review"}
ORGANISATION = "Wirtschaftsförderung Goslar"
SITE, SITE_NAME = "sites-goslar-bassgeige", "Gewerbegebiet Goslar-Baßgeige"
HANNOVER_SITE = "sites-hannover-marienwerder"
LANG = "en"


@pytest.fixture(scope="module")
def provider() -> Iterator[Server]:
    with mock_provider([EDITOR, COLLEAGUE, REVIEWER]) as server:
        yield server


@pytest.fixture(scope="module")
def editing_app(provider: Server, built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app (serve.py) on its own copy of the store, with two Goslar editors and a region-wide reviewer."""
    def grant(edits) -> None:
        for person in (EDITOR, COLLEAGUE):
            edits.set_grant(None, person["email"], "editor", ORGANISATION, kreise=["03153"], layers=["sites"])
        edits.set_grant(None, REVIEWER["email"], "reviewer", "Metropolregion")

    with partner_app(provider, built_store, tmp_path_factory.mktemp("editing"), grant) as server:
        yield server


@pytest.fixture
def contexts(browser: Browser) -> Iterator[Callable[[], tuple[Page, list[str]]]]:
    """Fresh browser contexts (https aborted: the mock's CDN stylesheet), each page with its page errors; every
    request must stay on loopback."""
    opened: list[BrowserContext] = []
    outside: list[str] = []

    def new() -> tuple[Page, list[str]]:
        context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        context.route("https://**/*", lambda route: route.abort())
        opened.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("request", lambda r: None if r.url.startswith((*LOCAL_PREFIXES, "https://cdn.jsdelivr.net/"))
                else outside.append(r.url))
        return page, errors

    yield new
    for context in opened:
        context.close()
    assert outside == []


def sign_in(page: Page, app: Server, provider: Server, person: dict[str, str]) -> None:
    browser_support.sign_in(page, app, provider, person, LANG)


def choose(page: Page, label: str, option: str) -> None:
    """Pick `option` in the Streamlit selectbox labelled `label` (typing filters its list)."""
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=re.compile(re.escape(option))).first.click()


def options(page: Page, label: str) -> list[str]:
    box = page.get_by_label(label, exact=True)
    box.click()
    listed = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return listed


def open_record(page: Page, name: str) -> None:
    choose(page, t("maintenance.records.choose", LANG), name)
    page.get_by_role("heading", name=re.compile(re.escape(name))).wait_for(timeout=30_000)


def type_into(page: Page, label: str, value: str) -> None:
    field = page.get_by_label(label, exact=True)
    field.fill(value)
    field.press("Tab")  # Streamlit takes a text input's value when it loses focus


def save(page: Page) -> None:
    page.get_by_role("button", name=t("maintenance.form.save", LANG)).click()


def tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=t(f"maintenance.tab.{name}", LANG)).click()


def flash_text(page: Page, text: str) -> None:
    page.get_by_text(text).first.wait_for(timeout=30_000)


def saved(page: Page, name: str) -> None:
    """The notice that the change is in the person's draft (whatever its number)."""
    pattern = re.escape(t("maintenance.form.saved", LANG, name=name, changeset=999_999)).replace("999999", r"\d+")
    page.get_by_text(re.compile(pattern)).first.wait_for(timeout=30_000)


def test_an_editor_edits_a_reviewer_approves_and_a_visitor_sees_it(editing_app, provider, contexts, tmp_path):
    editor, editor_errors = contexts()
    sign_in(editor, editing_app, provider, EDITOR)
    editor.get_by_text(f"{t('maintenance.role.editor', LANG)} · {ORGANISATION}").first.wait_for(timeout=30_000)
    listed = options(editor, t("maintenance.records.choose", LANG))
    assert listed and all("goslar" in o.lower() or "langelsheim" in o.lower() or "(sites-" in o for o in listed)
    assert not any(HANNOVER_SITE in o for o in listed)  # another Kreis's records are not even offered
    open_record(editor, SITE_NAME)
    new_name = "Gewerbegebiet Baßgeige (vom Partner)"
    type_into(editor, field_label("name", LANG) + " *", new_name)
    type_into(editor, field_label("contact_email", LANG), "flaechen@goslar.example")
    save(editor)
    saved(editor, new_name)
    tab(editor, "changesets")
    editor.get_by_role("button", name=t("maintenance.changesets.submit", LANG)).click()
    flash_text(editor, t("maintenance.changesets.submitted", LANG, id=1))
    screenshot(editor, "editing-submitted")

    reviewer, reviewer_errors = contexts()
    sign_in(reviewer, editing_app, provider, REVIEWER)
    tab(reviewer, "review")
    reviewer.get_by_text(new_name).first.wait_for(timeout=30_000)  # the change, field by field
    reviewer.get_by_label(t("maintenance.review.comment", LANG)).fill("Geprüft")
    reviewer.get_by_role("button", name=t("maintenance.review.approve", LANG)).click()
    flash_text(reviewer, t("maintenance.review.approved", LANG, id=1))

    visitor, visitor_errors = contexts()  # signed out
    visitor.goto(f"{editing_app.url}/sites?site={SITE}&basemap=none&lang={LANG}")
    visitor.get_by_text(f"{t('investor.page.sheet', LANG)}: {new_name}").wait_for(timeout=60_000)
    visitor.get_by_text("flaechen@goslar.example").first.wait_for(timeout=30_000)
    button = visitor.get_by_role("button", name=t("investor.download.expose", LANG))
    button.scroll_into_view_if_needed()
    wait_until_idle(visitor)
    with visitor.expect_download(timeout=60_000) as info:
        button.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    text = " ".join(" ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(path.read_bytes())).pages).split())
    assert new_name in text and "flaechen@goslar.example" in text and ORGANISATION in text
    assert editor_errors == reviewer_errors == visitor_errors == []


def test_two_editors_saving_the_same_record_the_second_gets_the_conflict(editing_app, provider, contexts):
    first, first_errors = contexts()
    second, second_errors = contexts()
    sign_in(first, editing_app, provider, EDITOR)
    sign_in(second, editing_app, provider, COLLEAGUE)
    name = "Industriegebiet Oker-Harlingerode"
    open_record(first, name)
    open_record(second, name)  # both opened the same revision
    type_into(first, field_label("address", LANG), "Am Stollen 1, 38642 Goslar")
    save(first)
    saved(first, name)
    type_into(second, field_label("address", LANG), "Harlingerode Süd, 38642 Goslar")
    save(second)
    conflict = t("maintenance.conflict.title", LANG, record="sites-goslar-oker", by="x").split("x")[0][:20]
    second.get_by_text(conflict, exact=False).first.wait_for(timeout=30_000)
    # the other change beside the person's own, in the conflict's table (a grid whose cells are its text alternative)
    for value in ("Am Stollen 1, 38642 Goslar", "Harlingerode Süd, 38642 Goslar"):
        second.locator("[role=gridcell]", has_text=value).first.wait_for(state="attached", timeout=30_000)
    second.get_by_role("button", name=t("maintenance.conflict.keep_mine", LANG)).click()
    saved(second, name)
    assert first_errors == second_errors == []
