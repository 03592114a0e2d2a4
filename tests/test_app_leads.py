"""AppTest of the enquiry form (`render_enquiry`) and of the maintenance page's enquiries tab, on a writable copy of
the store: a visitor sends an enquiry with consent, wrong fields are named, a flood is throttled; the partner finds
the lead with only its own sites, the region's office finds all, and both see the interest figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from editing_support import clean_copy
from streamlit.testing.v1 import AppTest

from regionmap.data.store import store_at
from regionmap.i18n import t, tn
from regionmap.leads.repository import SHORTLISTED, Leads
from regionmap.leads.throttle import Throttle
from regionmap.ui.text import plain

EDITOR, HANNOVER, OFFICE = "ed@goslar.de", "wfh@hannover.de", "office@region.de"
OFFICE_ORG = "Geschäftsstelle Metropolregion"
GOSLAR_SITE, HANNOVER_SITE = "sites-langelsheim-chemie", "sites-hannover-marienwerder"


def _form(lang: str, site_ids: list[str]) -> None:
    from regionmap.ui.enquiry_form import render_enquiry

    render_enquiry(lang, site_ids)


def _body(email: str, lang: str) -> None:
    from regionmap.auth.identity import Identity
    from regionmap.ui.maintenance_body import render_body

    render_body(Identity(email=email, subject=f"sub-{email}"), lang)


@pytest.fixture
def store(built_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    location = clean_copy(built_store, tmp_path / "store")
    monkeypatch.setenv("REGIONMAP_STORE", location)
    edits = store_at(location).edits()
    edits.set_grant(None, EDITOR, "editor", "WiReGo Goslar", kreise=["03153"])
    edits.set_grant(None, HANNOVER, "editor", "WFH Hannover", kreise=["03241"])
    edits.set_grant(None, OFFICE, "reviewer", OFFICE_ORG)
    return location


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def fill(at: AppTest, *, consent: bool = True, **values: str) -> AppTest:
    for name in ("name", "company", "email"):
        at.text_input(key=f"lead_{name}").input(values.get(name, ""))
    at.text_area(key="lead_message").input(values.get("message", ""))
    at.checkbox(key="lead_consent").set_value(consent)
    at.button(key=next(b.key for b in at.button if b.key.startswith("FormSubmitter:lead_form"))).click()
    return run(at)


def form(lang: str, site_ids: list[str]) -> AppTest:
    return run(AppTest.from_function(_form, args=(lang, site_ids), default_timeout=60))


@pytest.mark.parametrize("lang", ["de", "en", "fr"])
def test_a_visitor_sends_an_enquiry_with_consent(store: str, lang: str) -> None:
    at = form(lang, [GOSLAR_SITE, HANNOVER_SITE, "sites-withdrawn-long-ago"])
    assert at.subheader[0].value == t("leads.form.heading", lang)
    assert tn("leads.form.unknown", 1, lang) in [i.value for i in at.info]
    consent = at.checkbox(key="lead_consent").label
    assert "WFH Hannover" in consent and "WiReGo Goslar" in consent and plain(OFFICE_ORG) in consent
    assert plain(tn("leads.retention", 12, lang)) in consent
    at = fill(at, name="<b>Ines</b>", company="Invest AG", email="ines@investor.example", message="**Call** me")
    (success,) = [s.value for s in at.success]
    assert success.startswith(plain(tn("leads.form.sent", 2, lang, recipients="")).split(" ")[0])
    assert at.text_input(key="lead_name").value == ""  # emptied for the next visitor
    (lead,) = Leads(store_at(store).edits()).leads_for(None)
    assert (lead.name, lead.message, lead.language) == ("<b>Ines</b>", "**Call** me", lang)
    assert {s.site_id for s in lead.sites} == {GOSLAR_SITE, HANNOVER_SITE}


def test_wrong_fields_and_missing_consent_are_named_and_nothing_is_stored(store: str) -> None:
    at = fill(form("de", [GOSLAR_SITE]), name="Ines", email="ines@investor")
    assert [e.value for e in at.error] == [plain(t("leads.error.email_invalid", "de"))]
    assert at.text_input(key="lead_email").value == "ines@investor"  # kept to be corrected
    at = fill(at, consent=False, name="Ines", email="ines@investor.example")
    assert [e.value for e in at.error] == [plain(t("leads.error.consent_required", "de"))]
    at = fill(at, name=" ", email="ines@investor.example")
    assert [e.value for e in at.error] == [plain(t("leads.error.required", "de", field=t("leads.form.name", "de")))]
    assert Leads(store_at(store).edits()).leads_for(None) == []


def test_a_flood_from_one_session_is_throttled(store: str) -> None:
    at = form("en", [GOSLAR_SITE])
    for _ in range(3):
        at = fill(at, name="Ines", email="ines@investor.example")
        assert at.success
    at = fill(at, name="Ines", email="ines@investor.example")
    assert [w.value for w in at.warning] == [plain(tn("leads.form.throttled", 10, "en"))]
    assert len(Leads(store_at(store).edits()).leads_for(None)) == 3


def test_a_shortlist_without_shown_sites_offers_no_form(store: str) -> None:
    at = form("fr", ["sites-nowhere"])
    assert t("leads.form.no_sites", "fr") in [i.value for i in at.info]
    assert not at.checkbox


def _lead(store: str) -> None:
    leads = Leads(store_at(store).edits(), throttle=Throttle())
    shown = leads.consent_text("en", leads.route([GOSLAR_SITE, HANNOVER_SITE]))
    leads.submit_enquiry("apptest", name="Ines <i>Investor</i>", company="Invest AG", email="ines@investor.example",
                         message="Call me", lang="en", site_ids=[GOSLAR_SITE, HANNOVER_SITE], consent_given=True,
                         consent_shown=shown)
    leads.record_interest(GOSLAR_SITE, SHORTLISTED)
    leads.record_interest(HANNOVER_SITE, SHORTLISTED)


def leads_table(at: AppTest, lang: str):
    """The leads' st.table (headers and cells escaped for Markdown, `plain`)."""
    return next(table.value for table in at.table if plain(t("leads.column.email", lang)) in table.value.columns)


@pytest.mark.parametrize("lang", ["de", "en", "fr"])
def test_the_partner_finds_its_leads_and_interest_on_the_maintenance_page(store: str, lang: str) -> None:
    _lead(store)
    at = run(AppTest.from_function(_body, args=(EDITOR, lang), default_timeout=60))
    assert t("maintenance.tab.leads", lang) in [tab.label for tab in at.tabs]
    interest = at.dataframe[-1].value
    assert interest[t("leads.column.site_id", lang)].tolist() == [GOSLAR_SITE]  # its own site only
    assert interest[t("leads.column.shortlisted", lang)].tolist() == [1]
    assert interest[t("leads.column.enquired", lang)].tolist() == [1]
    edits = store_at(store).edits()
    assert "leads_read" not in set(edits.history(None)["action"])  # nothing read before it is asked for
    at.button(key="mt_leads_load").click()
    at = run(at)
    table = leads_table(at, lang)
    assert table[plain(t("leads.column.name", lang))].tolist() == [plain("Ines <i>Investor</i>")]  # text, in a table
    assert table[plain(t("leads.column.sites", lang))].tolist() == [plain("Chemiestandort Langelsheim")]
    assert list(edits.history(None)["action"]).count("leads_read") == 1


def test_the_office_finds_every_lead_and_site(store: str) -> None:
    _lead(store)
    at = run(AppTest.from_function(_body, args=(OFFICE, "en"), default_timeout=60))
    assert sorted(at.dataframe[-1].value[t("leads.column.site_id", "en")]) == sorted([GOSLAR_SITE, HANNOVER_SITE])
    at.button(key="mt_leads_load").click()
    at = run(at)
    table = leads_table(at, "en")
    assert table[plain(t("leads.column.email", "en"))].tolist() == [plain("ines@investor.example")]
    assert len(table[plain(t("leads.column.sites", "en"))].iloc[0].split(", ")) == 2
    assert store_at(store).edits().history(None).query("action == 'leads_read'")["actor"].tolist() == [OFFICE]


def _erase(at: AppTest, email: str, sure: bool) -> AppTest:
    at.text_input(key="mt_leads_erase_email").input(email)
    at.checkbox(key="mt_leads_erase_sure").set_value(sure)
    at.button(key=next(b.key for b in at.button if b.key.startswith("FormSubmitter:mt_leads_erase"))).click()
    return run(at)


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_the_office_deletes_a_visitors_enquiries_on_request(store: str, lang: str) -> None:
    """The region's office deletes every enquiry of one e-mail address: only once it confirmed having checked the
    request, a wrong address is named, and the history keeps the number only."""
    _lead(store)
    at = run(AppTest.from_function(_body, args=(OFFICE, lang), default_timeout=60))
    assert t("leads.erase.heading", lang) in [s.value for s in at.subheader]
    at = _erase(at, "ines@investor.example", sure=False)
    assert plain(t("leads.erase.unconfirmed", lang)) in [e.value for e in at.error]
    at = _erase(at, "ines@investor", sure=True)
    assert plain(t("leads.error.email_invalid", lang)) in [e.value for e in at.error]
    assert len(Leads(store_at(store).edits()).leads_for(None)) == 1  # nothing deleted so far
    at = _erase(at, " Ines@Investor.example ", sure=True)
    assert plain(tn("leads.erase.done", 1, lang)) in [s.value for s in at.success]
    assert Leads(store_at(store).edits()).leads_for(None) == []
    deleted = store_at(store).edits().history(None).query("action == 'leads_delete'")
    assert deleted["actor"].tolist() == [OFFICE] and "ines" not in deleted["detail"].iloc[0]


def test_a_partner_is_offered_no_deletion_and_the_library_refuses_it(store: str) -> None:
    from regionmap.auth.identity import Identity
    from regionmap.editing.roles import PermissionDenied

    _lead(store)
    at = run(AppTest.from_function(_body, args=(EDITOR, "de"), default_timeout=60))
    assert t("leads.erase.heading", "de") not in [s.value for s in at.subheader]
    with pytest.raises(PermissionDenied):
        Leads(store_at(store).edits()).delete_by_email(Identity(email=EDITOR, subject="x"), "ines@investor.example")
    assert len(Leads(store_at(store).edits()).leads_for(None)) == 1
