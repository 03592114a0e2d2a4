"""Leads on both store backends: an enquiry routed site by site to the organisations holding the sites, read by each
organisation (its sites only) and the region's office (all), purged after the retention, deleted by e-mail address,
throttled per session, validated against hostile input; interest counted per site and month; and nothing personal in
the history, nor among the store's layers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from editing_support import EDITOR, HANNOVER_EDITOR, NOBODY

from regionmap.auth.identity import Identity
from regionmap.data.store import store_at
from regionmap.editing.roles import PermissionDenied
from regionmap.errors import ConfigError
from regionmap.i18n import t
from regionmap.leads.consent import consent_hash, consent_text
from regionmap.leads.enquiry import LeadError, Throttled
from regionmap.leads.repository import ENQUIRED, SHORTLISTED, Leads, RoutedSite
from regionmap.leads.settings import LeadSettings, load_lead_settings
from regionmap.leads.throttle import Throttle

pytest_plugins = ["editing_fixtures"]  # location (each backend), edits

OFFICE_ORG = "Geschäftsstelle Metropolregion"
OFFICE = Identity("anfragen@metropolregion.example", "sub-office", name="Olga Office")
ADMIN = Identity("admin@metropolregion.example", "sub-admin")
TOWN_EDITOR = Identity("stadt@goslar.example", "sub-town")
GOSLAR_ORG, HANNOVER_ORG, TOWN_ORG = "Wirtschaftsförderung Goslar", "Wirtschaftsförderung Hannover", "Stadt Goslar"
BASSGEIGE, OKER, LANGELSHEIM = "sites-goslar-bassgeige", "sites-goslar-oker", "sites-langelsheim-chemie"
HANNOVER_SITE, CELLE_SITE = "sites-hannover-marienwerder", "sites-celle-vorwerk"
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def leads(edits) -> Leads:
    """The leads of the store, with the region's office, an admin and a town's editor granted besides the editing
    tests' people, and a throttle of its own."""
    edits.set_grant(None, OFFICE.email, "reviewer", OFFICE_ORG)
    edits.set_grant(None, ADMIN.email, "admin", "IT")
    edits.set_grant(None, TOWN_EDITOR.email, "editor", TOWN_ORG, municipalities=["03153017"], layers=["sites"])
    return Leads(edits, LeadSettings(region_office=OFFICE_ORG), Throttle())


def send(leads: Leads, site_ids: list[str], *, session: str = "s1", email: str = "ines@investor.example",
         now: dt.datetime = NOW, lang: str = "en", **fields: object):
    """An enquiry as the form sends it: the consent given to the text shown for these sites."""
    shown = leads.consent_text(lang, leads.route(site_ids))
    values = {"name": "Ines Investor", "company": "Invest AG", "message": "Please call me.", **fields}
    return leads.submit_enquiry(session, email=email, lang=lang, site_ids=site_ids, consent_given=True,
                                consent_shown=shown, now=now, **values)


def history_text(edits) -> str:
    return edits.history(None).astype(str).to_csv()


def test_each_site_is_routed_to_the_organisation_that_holds_it(leads: Leads, edits) -> None:
    edits.confirm(EDITOR, "sites", [OKER])  # now the Goslar partner's own record
    lead = send(leads, [BASSGEIGE, OKER, LANGELSHEIM, HANNOVER_SITE, CELLE_SITE, BASSGEIGE])
    assert set(lead.sites) == {
        RoutedSite(BASSGEIGE, TOWN_ORG),  # official: the municipality's editor before the Kreis's
        RoutedSite(OKER, GOSLAR_ORG),  # the partner's published record
        RoutedSite(LANGELSHEIM, GOSLAR_ORG),  # official, in the Kreis's area only
        RoutedSite(HANNOVER_SITE, HANNOVER_ORG),
        RoutedSite(CELLE_SITE, OFFICE_ORG),  # no editor answers for Celle: the region's office
    }
    (stored,) = leads.leads_for(None)
    assert stored == lead and stored.email == "ines@investor.example"
    assert stored.consent_version == leads.settings.consent_version
    assert stored.consent_hash == consent_hash(leads.consent_text("en", leads.route([BASSGEIGE, OKER, LANGELSHEIM,
                                                                                    HANNOVER_SITE, CELLE_SITE])))


def test_each_organisation_reads_only_its_leads_and_sites_and_the_office_reads_all(leads: Leads, edits) -> None:
    goslar_and_hannover = send(leads, [LANGELSHEIM, HANNOVER_SITE], email="a@investor.example")
    send(leads, [CELLE_SITE], email="b@investor.example")
    (mine,) = leads.leads_for(EDITOR)
    assert mine.id == goslar_and_hannover.id and mine.sites == (RoutedSite(LANGELSHEIM, GOSLAR_ORG),)
    assert [lead.sites for lead in leads.leads_for(HANNOVER_EDITOR)] == [(RoutedSite(HANNOVER_SITE, HANNOVER_ORG),)]
    assert leads.leads_for(TOWN_EDITOR) == []
    for reader in (OFFICE, ADMIN, None):
        everything = leads.leads_for(reader)
        assert [lead.email for lead in everything] == ["b@investor.example", "a@investor.example"]  # newest first
        assert len(everything[1].sites) == 2
    with pytest.raises(PermissionDenied):
        leads.leads_for(NOBODY)
    history = edits.history(None)
    reads = history[history["action"] == "leads_read"]
    assert list(reads["actor"]) == [EDITOR.label, HANNOVER_EDITOR.label, TOWN_EDITOR.label, OFFICE.label,
                                    ADMIN.label, "command line"]
    assert list(reads["detail"])[:3] == ['{"leads": 1}', '{"leads": 1}', '{"leads": 0}']
    refused = history[history["action"] == "refused"]
    assert list(refused["actor"]) == [NOBODY.label] and "leads_read: no_role" in refused["detail"].iloc[0]


def test_the_history_holds_no_personal_data(leads: Leads, edits) -> None:
    name, company, email, message = "Zoë Zeugin", "Geheim GmbH", "zoe.zeugin@privat.example", "Rückruf bitte"
    lead = send(leads, [LANGELSHEIM, CELLE_SITE], name=name, company=company, email=email, message=message)
    leads.leads_for(EDITOR)
    with pytest.raises(PermissionDenied):
        leads.delete_by_email(EDITOR, email)
    assert leads.delete_by_email(OFFICE, email) == 1
    text = history_text(edits)
    for personal in (name, company, email, message, "zoe.zeugin"):
        assert personal not in text
    history = edits.history(None)
    submitted = history[history["action"] == "lead_submit"]
    assert list(submitted["actor"]) == ["visitor"]
    assert submitted["detail"].iloc[0] == f'{{"lead": {lead.id}, "organisations": 2, "sites": 2}}'
    assert submitted[["layer", "record_id", "field", "before_value", "after_value"]].isna().all().all()


def test_leads_past_the_retention_are_purged_on_every_read_and_write(leads: Leads, edits) -> None:
    old = send(leads, [LANGELSHEIM], email="old@investor.example", now=dt.datetime(2025, 11, 30, tzinfo=dt.timezone.utc))
    kept = send(leads, [LANGELSHEIM], email="kept@investor.example",
                now=dt.datetime(2025, 12, 3, tzinfo=dt.timezone.utc))
    today = NOW.date()  # 2 Dec 2026: twelve months back is 2 Dec 2025
    assert [lead.id for lead in leads.leads_for(None, today=today)] == [kept.id]  # purged by the read
    assert old.id not in {lead.id for lead in leads.leads_for(OFFICE, today=today)}
    assert leads.purge_expired(dt.date(2026, 12, 3)) == 0  # kept is 12 months old on 3 Dec 2026: kept that day
    assert leads.purge_expired(dt.date(2026, 12, 4)) == 1
    assert leads.leads_for(None, today=dt.date(2026, 12, 4)) == []
    history = edits.history(None)
    purges = history[history["action"] == "leads_purge"]
    assert list(purges["actor"]) == ["retention", "retention"]
    assert list(purges["detail"]) == ['{"before": "2025-12-02", "leads": 1}', '{"before": "2025-12-04", "leads": 1}']
    six = Leads(edits, LeadSettings(region_office=OFFICE_ORG, retention_months=6), Throttle())
    recent = send(six, [LANGELSHEIM], now=dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc))
    send(six, [LANGELSHEIM], now=NOW)  # the write purges the lead of June: more than six months old
    assert recent.id not in {lead.id for lead in six.leads_for(None, today=today)}


def test_a_visitors_leads_are_deleted_by_email_address_by_the_office_only(leads: Leads, edits) -> None:
    send(leads, [LANGELSHEIM], email="ines@investor.example")
    send(leads, [HANNOVER_SITE], email="Ines@Investor.example", session="s2")
    other = send(leads, [LANGELSHEIM], email="otto@investor.example", session="s3")
    for refused in (EDITOR, HANNOVER_EDITOR, NOBODY):
        with pytest.raises(PermissionDenied):
            leads.delete_by_email(refused, "ines@investor.example")
    assert len(leads.leads_for(None)) == 3
    assert leads.delete_by_email(OFFICE, " INES@investor.example ") == 2
    assert [lead.id for lead in leads.leads_for(None)] == [other.id]
    assert leads.delete_by_email(ADMIN, "ines@investor.example") == 0
    assert leads.delete_by_email(None, "otto@investor.example") == 1
    with pytest.raises(LeadError) as invalid:
        leads.delete_by_email(OFFICE, "not an address")
    assert invalid.value.field == "email"
    history = edits.history(None)
    assert list(history.loc[history["action"] == "leads_delete", "detail"]) == [
        '{"leads": 2}', '{"leads": 0}', '{"leads": 1}']
    refusals = history.loc[history["action"] == "refused", "detail"]
    assert sum("leads_delete: not_region_office" in d for d in refusals) == 2
    assert sum("leads_delete: no_role" in d for d in refusals) == 1


def test_a_flood_from_one_session_is_throttled(leads: Leads) -> None:
    for minute in range(3):
        send(leads, [LANGELSHEIM], now=NOW + dt.timedelta(minutes=minute))
    with pytest.raises(Throttled) as throttled:
        send(leads, [LANGELSHEIM], now=NOW + dt.timedelta(minutes=3))
    assert throttled.value.minutes == 7  # the first of the three leaves the ten minutes at 10:10
    send(leads, [LANGELSHEIM], session="another", now=NOW + dt.timedelta(minutes=3))
    send(leads, [LANGELSHEIM], now=NOW + dt.timedelta(minutes=10))
    assert len(leads.leads_for(None, today=NOW.date())) == 5


@pytest.mark.parametrize(("fields", "field", "reason"), [
    ({"name": "  "}, "name", "required"),
    ({"name": "x" * 201}, "name", "too_long"),
    ({"company": "c" * 201}, "company", "too_long"),
    ({"email": "ines@investor"}, "email", "invalid"),
    ({"email": "<script>@x.de"}, "email", "invalid"),
    ({"email": "ines@investor.example\nBcc: all@x.de"}, "email", "invalid"),
    ({"message": "m" * 4001}, "message", "too_long"),
    ({"lang": "xx"}, "language", "invalid"),
])
def test_a_wrong_field_is_named(leads: Leads, fields: dict, field: str, reason: str) -> None:
    with pytest.raises(LeadError) as error:
        send(leads, [LANGELSHEIM], **fields)
    assert (error.value.field, error.value.reason) == (field, reason)
    assert leads.leads_for(None) == []


def test_consent_and_known_sites_are_required(leads: Leads) -> None:
    shown = leads.consent_text("de", leads.route([LANGELSHEIM]))
    values = dict(name="N", company="", email="n@x.de", message="", lang="de", now=NOW)
    with pytest.raises(LeadError) as error:
        leads.submit_enquiry("s", site_ids=[LANGELSHEIM], consent_given=False, consent_shown=shown, **values)
    assert (error.value.field, error.value.reason) == ("consent", "required")
    with pytest.raises(LeadError) as error:  # the text shown named other recipients
        leads.submit_enquiry("s", site_ids=[LANGELSHEIM, HANNOVER_SITE], consent_given=True, consent_shown=shown,
                             **values)
    assert (error.value.field, error.value.reason) == ("consent", "changed")
    with pytest.raises(LeadError) as error:
        send(leads, ["sites-nowhere", "'; DROP TABLE edit_leads; --"])
    assert (error.value.field, error.value.reason) == ("sites", "no_sites")
    lead = send(leads, [LANGELSHEIM, "sites-nowhere"])  # the unknown one is left out
    assert lead.sites == (RoutedSite(LANGELSHEIM, GOSLAR_ORG),)
    assert leads.route([LANGELSHEIM, "sites-nowhere"]).unknown == ("sites-nowhere",)


def test_hostile_text_is_stored_as_text(leads: Leads) -> None:
    hostile = {"name": "<img src=x onerror=alert(1)>", "company": "Robert'); DROP TABLE edit_leads;--",
               "message": "=HYPERLINK(\"http://evil\")\n**bold** [link](javascript:x)\x00\x07 end"}
    lead = send(leads, [LANGELSHEIM], **hostile)
    (stored,) = leads.leads_for(None)
    assert stored.name == hostile["name"] and stored.company == hostile["company"]
    assert stored.message == "=HYPERLINK(\"http://evil\")\n**bold** [link](javascript:x) end"  # controls removed
    assert stored.id == lead.id


def test_interest_is_counted_per_site_and_month_without_identifiers(leads: Leads, edits) -> None:
    for now in (NOW, NOW, dt.datetime(2026, 11, 5, tzinfo=dt.timezone.utc)):
        leads.record_interest(LANGELSHEIM, SHORTLISTED, now=now)
    leads.record_interest(HANNOVER_SITE, SHORTLISTED, now=NOW)
    send(leads, [LANGELSHEIM, HANNOVER_SITE])
    leads.record_interest(LANGELSHEIM, ENQUIRED, now=dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc))
    with pytest.raises(ValueError):
        leads.record_interest(LANGELSHEIM, "clicked")
    with pytest.raises(ValueError):
        leads.record_interest("sites-nowhere", SHORTLISTED)
    every = leads.interest(None)
    assert every.values.tolist() == [[HANNOVER_SITE, "2026-12", 1, 1], [LANGELSHEIM, "2025-03", 0, 1],
                                     [LANGELSHEIM, "2026-11", 1, 0], [LANGELSHEIM, "2026-12", 2, 1]]
    assert leads.interest(OFFICE, 2026).values.tolist() == [row for row in every.values.tolist() if row[1] > "2026"]
    assert leads.interest(EDITOR, 2026)["site_id"].unique().tolist() == [LANGELSHEIM]
    assert leads.interest(HANNOVER_EDITOR)["site_id"].unique().tolist() == [HANNOVER_SITE]
    assert leads.interest(TOWN_EDITOR).empty and list(leads.interest(TOWN_EDITOR).columns) == list(every.columns)
    with pytest.raises(PermissionDenied):
        leads.interest(NOBODY)
    assert "interest" not in set(edits.history(None)["action"])  # counting writes no history row


def test_leads_tables_are_never_layers(leads: Leads, location: str) -> None:
    send(leads, [LANGELSHEIM])
    leads.record_interest(LANGELSHEIM, SHORTLISTED, now=NOW)
    names = store_at(location).layer_names()
    assert names and not [n for n in names if n.startswith("edit_") or "lead" in n or "interest" in n]


@pytest.mark.parametrize(("lang", "months", "retention"), [("de", 12, "12 Monaten"), ("en", 1, "1 month"),
                                                           ("fr", 6, "6 mois")])
def test_the_consent_text_names_recipients_purpose_and_retention(lang: str, months: int, retention: str) -> None:
    settings = LeadSettings(region_office=OFFICE_ORG, retention_months=months)
    text = consent_text(lang, [HANNOVER_ORG, GOSLAR_ORG, OFFICE_ORG, GOSLAR_ORG], settings)
    joiner = {"de": "und", "en": "and", "fr": "et"}[lang]
    assert f"{GOSLAR_ORG}, {HANNOVER_ORG}" in text and f"{joiner} {OFFICE_ORG}" in text
    assert retention in text and text.count(OFFICE_ORG) == 2  # a recipient, and whom to ask for deletion
    assert text == t("leads.consent.text", lang, recipients=f"{GOSLAR_ORG}, {HANNOVER_ORG} {joiner} {OFFICE_ORG}",
                     retention=retention, office=OFFICE_ORG)


def test_the_shipped_settings_and_wrong_ones(tmp_path: Path) -> None:
    shipped = load_lead_settings()
    assert (shipped.retention_months, shipped.limit("email"), shipped.throttle_enquiries) == (12, 254, 3)
    path = tmp_path / "leads.toml"
    for text, message in (("retention_months = 0", "'retention_months' must be a whole number from 1 to 120"),
                          ("[limits]\nemail = 500", "'limits.email' must be a whole number from 1 to 254"),
                          ("[limits]\nphone = 20", "unknown key(s) limits.phone"),
                          ('region_office = ""', "'region_office' must be a text")):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as error:
            load_lead_settings(path)
        assert str(path) in str(error.value) and message in str(error.value)



def test_the_command_line_exports_purges_and_deletes(leads: Leads, edits, location: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import json

    import pandas as pd

    from regionmap.cli import main

    send(leads, [LANGELSHEIM, HANNOVER_SITE], name="=cmd|' /C calc'!A0", email="ines@investor.example")
    send(leads, [CELLE_SITE], email="otto@investor.example", session="s2",
         now=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc))  # long past the retention: purged by the export
    csv_file, json_file = tmp_path / "leads.csv", tmp_path / "leads.json"
    assert main(["leads", "export", "--format", "csv", "--out", str(csv_file), "--store", location]) == 0
    assert "1 leads written" in capsys.readouterr().out
    frame = pd.read_csv(csv_file, sep=",", encoding="utf-8-sig")
    assert frame["email"].tolist() == ["ines@investor.example"]
    assert frame["name"].tolist() == ["'=cmd|' /C calc'!A0"]  # a formula stays text in a spreadsheet
    assert frame["site_ids"].tolist() == [f"{HANNOVER_SITE};{LANGELSHEIM}"]
    assert frame["organisations"].tolist() == [f"{HANNOVER_ORG};{GOSLAR_ORG}"]
    assert main(["leads", "export", "--format", "json", "--out", str(json_file), "--store", location]) == 0
    (exported,) = json.loads(json_file.read_text(encoding="utf-8"))
    assert exported["name"] == "=cmd|' /C calc'!A0" and exported["sites"][0] == {
        "site_id": HANNOVER_SITE, "organisation": HANNOVER_ORG}
    assert main(["leads", "purge", "--store", location]) == 0
    assert "0 leads past the retention deleted" in capsys.readouterr().out
    assert main(["leads", "delete", "--email", "INES@investor.example", "--store", location]) == 0
    assert "1 leads deleted" in capsys.readouterr().out
    assert main(["leads", "delete", "--email", "no address", "--store", location]) == 2
    assert "email: not a valid e-mail address" in capsys.readouterr().err
    history = edits.history(None)
    by_command_line = history[(history["actor"] == "command line") & history["action"].str.startswith("leads")]
    assert list(by_command_line["action"]) == ["leads_read", "leads_read", "leads_delete"]


def test_the_monitoring_report_has_the_interest_per_site(leads: Leads, location: str) -> None:
    import io

    import pandas as pd
    from pypdf import PdfReader

    from regionmap.freshness.report import monitoring_report

    for now in (NOW, dt.datetime(2026, 3, 9, tzinfo=dt.timezone.utc), dt.datetime(2025, 5, 1, tzinfo=dt.timezone.utc)):
        leads.record_interest(LANGELSHEIM, SHORTLISTED, now=now)
    send(leads, [LANGELSHEIM, HANNOVER_SITE])
    files = monitoring_report(store_at(location), 2026, "en")
    interest = pd.read_excel(io.BytesIO(files["regionmap_monitoring_2026_en.xlsx"]), sheet_name="Interest")
    assert interest.values.tolist() == [  # by name; 2025 is another year's
        ["Chemiestandort Langelsheim", LANGELSHEIM, "2026-03", 1, 0],
        ["Chemiestandort Langelsheim", LANGELSHEIM, "2026-12", 1, 1],
        ["Wissenschaftspark Marienwerder", HANNOVER_SITE, "2026-12", 0, 1]]
    assert list(interest.columns) == ["Site", "ID", "Month", "Shortlisted", "Enquired"]
    reader = PdfReader(io.BytesIO(files["regionmap_monitoring_2026_en.pdf"]))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Interest in the sites in 2026" in text and "Chemiestandort Langelsheim 2 1" in text
    empty = monitoring_report(store_at(location), 2024, "de")["regionmap_monitoring_2024_de.pdf"]
    assert "2024 wurde kein Standort" in " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(empty)).pages)


def test_a_rebuild_of_the_geopackage_carries_the_leads_over(built_store: Path, tmp_path: Path) -> None:
    import shutil
    import sqlite3

    from regionmap.data.store import _copy_edit_tables

    previous, rebuilt = tmp_path / "previous.gpkg", tmp_path / "rebuilt.gpkg"
    shutil.copy(built_store, previous)
    shutil.copy(built_store, rebuilt)
    for path in (previous, rebuilt):  # whatever another test wrote into the session's store
        with sqlite3.connect(path) as connection:
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE "
                                              "'edit\\_%' ESCAPE '\\'").fetchall():
                connection.execute(f'DROP TABLE "{name}"')
    old = Leads(store_at(previous).edits(), LeadSettings(region_office=OFFICE_ORG), Throttle())
    lead = send(old, [LANGELSHEIM])
    old.record_interest(LANGELSHEIM, SHORTLISTED, now=NOW)
    _copy_edit_tables(previous, rebuilt)  # what `build-data` does before it swaps the new file in
    new = Leads(store_at(rebuilt).edits(), LeadSettings(region_office=OFFICE_ORG), Throttle())
    assert new.leads_for(None, today=NOW.date()) == [lead]
    assert new.interest(None).values.tolist() == [[LANGELSHEIM, "2026-12", 1, 1]]
    with sqlite3.connect(rebuilt) as connection:
        indexes = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"edit_leads_created_at", "edit_leads_email"} <= indexes
