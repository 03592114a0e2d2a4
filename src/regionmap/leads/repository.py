"""The leads of one store: enquiries stored and routed, read by the organisations they reach, purged after the
retention, deleted on request; and the interest counters.

Every write runs in one transaction of the store's editing tables (`Edits.transaction()`: the store's write lock, a
refusal rolled back and logged), so leads work on the GeoPackage and on PostgreSQL alike and are kept in the local
store when the laptop at the fair is offline. The history gets only what carries no personal data: the action, the
lead's id and counts; never a name, an e-mail address or a message. Expired leads are purged on every read and write
of leads. Who may read what is checked here: an organisation's people read the leads routed to it, with only its own
sites; the region's office (data/leads.toml) and admins read all and may delete a visitor's leads by e-mail address;
`actor` None is the command line, which runs with the store's own credentials (`regionmap leads`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from regionmap.auth.identity import EMAIL_PATTERN, Identity
from regionmap.editing.repository import Edits
from regionmap.editing.roles import Grant, PermissionDenied
from regionmap.freshness.states import add_months
from regionmap.leads.consent import consent_hash, consent_text
from regionmap.leads.enquiry import LeadError, Throttled, check_enquiry
from regionmap.leads.routing import SITES, Routing, route
from regionmap.leads.settings import LeadSettings, lead_settings
from regionmap.leads.tables import interest_table, lead_sites_table, leads_table, metadata
from regionmap.leads.throttle import SESSIONS, Throttle

SHORTLISTED, ENQUIRED = "shortlisted", "enquired"
KINDS = (SHORTLISTED, ENQUIRED)
INTEREST_COLUMNS = ("site_id", "month", SHORTLISTED, ENQUIRED)
MAX_SITES = 50  # sites per enquiry
COMMAND_LINE, VISITOR, RETENTION = "command line", "visitor", "retention"


@dataclass(frozen=True, order=True)
class RoutedSite:
    site_id: str
    organisation: str


@dataclass(frozen=True)
class Lead:
    """A stored enquiry; `sites` are the shortlisted sites with the organisation each is routed to, by site id (for a
    reader who is not the region's office: only the sites routed to their organisation)."""

    id: int
    created_at: str
    name: str
    company: str
    email: str
    message: str
    language: str
    consent_version: str
    consent_hash: str
    consent_at: str
    sites: tuple[RoutedSite, ...]


def _utc(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)


def _stamp(now: dt.datetime) -> str:
    return now.isoformat(timespec="seconds")


def _detail(**counts: object) -> str:
    return json.dumps(counts, sort_keys=True)


class Leads:
    """The leads and interest counters in the store of `edits`."""

    def __init__(self, edits: Edits, settings: LeadSettings | None = None, throttle: Throttle = SESSIONS) -> None:
        self._edits = edits
        self.settings = settings or lead_settings()
        self._throttle = throttle

    # --- routing and consent --------------------------------------------------------------------------------------

    def route(self, site_ids: Iterable[str]) -> Routing:
        """Where an enquiry about `site_ids` goes (read before any write lock: reads of the store wait for writers)."""
        return route(site_ids, self._edits.current_records(SITES), self._edits.grants(None),
                     self.settings.region_office)

    def consent_text(self, lang: str, routing: Routing) -> str:
        """The consent text to show for an enquiry with this routing."""
        return consent_text(lang, routing.organisations, self.settings)

    # --- enquiries ------------------------------------------------------------------------------------------------

    def submit_enquiry(self, session_key: str, *, name: str, company: str, email: str, message: str, lang: str,
                       site_ids: Sequence[str], consent_given: bool, consent_shown: str,
                       now: dt.datetime | None = None) -> Lead:
        """Store an enquiry about the shortlisted `site_ids`, routed site by site; count each site as enquired.

        LeadError names the field that is wrong: a field too long or empty, an invalid e-mail address, no known site,
        the consent not given, or a consent text (`consent_shown`, as the visitor saw it) that is no longer the one
        of these sites (read it again); Throttled when session `session_key` sent too many enquiries lately. Unknown
        site ids are left out when at least one site is known."""
        settings = self.settings
        enquiry = check_enquiry(settings, name=name, company=company, email=email, message=message, language=lang)
        requested = list(dict.fromkeys(site_ids))
        if len(requested) > MAX_SITES:
            raise LeadError("sites", "too_long", f"at most {MAX_SITES} sites per enquiry", MAX_SITES)
        routing = self.route(requested)
        if not routing.sites:
            raise LeadError("sites", "no_sites", "none of the sites is shown on the dashboard")
        if not consent_given:
            raise LeadError("consent", "required", "the consent must be given")
        text = self.consent_text(enquiry.language, routing)
        if consent_shown != text:
            raise LeadError("consent", "changed", "the consent text changed since it was shown: read it again")
        moment = _utc(now)
        wait = self._throttle.wait_minutes(session_key, settings.throttle_enquiries, settings.throttle_minutes, moment)
        if wait:
            raise Throttled(wait)
        stamp = _stamp(moment)
        with self._write() as connection:
            self._purge(connection, moment.date())
            lead_id = int(connection.execute(leads_table.insert().values(
                created_at=stamp, name=enquiry.name, company=enquiry.company, email=enquiry.email,
                message=enquiry.message, language=enquiry.language, consent_version=settings.consent_version,
                consent_hash=consent_hash(text), consent_at=stamp)).inserted_primary_key[0])
            sites = tuple(sorted(RoutedSite(site_id, organisation) for site_id, names in routing.sites.items()
                                 for organisation in names))
            connection.execute(lead_sites_table.insert(), [
                {"lead_id": lead_id, "site_id": s.site_id, "organisation": s.organisation} for s in sites])
            self._count(connection, list(routing.sites), ENQUIRED, moment)
            self._edits.append(connection, VISITOR, "lead_submit", _detail(
                lead=lead_id, sites=len(routing.sites), organisations=len(routing.organisations)))
        self._throttle.take(session_key, settings.throttle_minutes, moment)
        return Lead(lead_id, stamp, enquiry.name, enquiry.company, enquiry.email, enquiry.message, enquiry.language,
                    settings.consent_version, consent_hash(text), stamp, sites)

    def leads_for(self, actor: Identity | None, *, today: dt.date | None = None) -> list[Lead]:
        """The leads `actor` may read, newest first: those routed to their organisation, with its sites only; all of
        them for the region's office, an admin or the command line (`actor` None). Each read is in the history."""
        grant = self._reader(actor, "leads_read", lambda g: g)
        with self._write() as connection:
            self._purge(connection, today or _utc(None).date())
            leads = self._read(connection, None if self._sees_all(grant) else grant.organisation)
            self._edits.append(connection, self._label(actor), "leads_read", _detail(leads=len(leads)))
        return leads

    def purge_expired(self, today: dt.date | None = None) -> int:
        """Delete the leads whose retention ended before `today` (default today, UTC): a lead of 3 Dec 2025 is kept
        for 12 months up to 3 Dec 2026 and deleted from 4 Dec. How many were deleted."""
        with self._write() as connection:
            return self._purge(connection, today or _utc(None).date())

    def delete_by_email(self, actor: Identity | None, email: str, *, today: dt.date | None = None) -> int:
        """Delete every lead of the visitor with e-mail address `email` (on request); how many. Only the region's
        office, an admin or the command line may."""
        self._reader(actor, "leads_delete", self._require_office)
        address = "".join(str(email or "").split()).lower()
        if not EMAIL_PATTERN.match(address):
            raise LeadError("email", "invalid", "not a valid e-mail address")
        with self._write() as connection:
            self._purge(connection, today or _utc(None).date())
            ids = [row[0] for row in connection.execute(sa.select(leads_table.c.id).where(
                leads_table.c.email == address))]
            self._delete(connection, ids)
            self._edits.append(connection, self._label(actor), "leads_delete", _detail(leads=len(ids)))
        return len(ids)

    # --- interest -------------------------------------------------------------------------------------------------

    def record_interest(self, site_id: str, kind: str, *, now: dt.datetime | None = None) -> None:
        """Count one `kind` (`shortlisted`, `enquired`) of a shown site in the current month: no identifier, no
        history row. ValueError for an unknown kind or site."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {str(kind)[:40]!r}")
        routing = self.route([site_id])
        if not routing.sites:
            raise ValueError(f"no site {str(site_id)[:120]!r} is shown")
        with self._write() as connection:
            self._count(connection, list(routing.sites), kind, _utc(now))

    def interest(self, actor: Identity | None, year: int | None = None) -> pd.DataFrame:
        """The interest per site and month (`INTEREST_COLUMNS`, by site and month) of `year` (None: every month),
        for the sites of the actor's organisation; every site for the region's office, an admin or `actor` None."""
        grant = self._reader(actor, "interest", lambda g: g)
        query = sa.select(interest_table.c.site_id, interest_table.c.month, interest_table.c.kind,
                          interest_table.c["count"])
        if year is not None:
            query = query.where(interest_table.c.month.like(f"{int(year):04d}-%"))
        try:
            with self._edits.connect() as connection:
                rows = connection.execute(query).all()
        except sa.exc.DBAPIError:
            rows = []  # no leads' tables yet: nothing was ever counted
        counts = pd.DataFrame(rows, columns=["site_id", "month", "kind", "count"])
        table = (counts.pivot_table(index=["site_id", "month"], columns="kind", values="count", aggfunc="sum")
                 .reindex(columns=list(KINDS), fill_value=0).fillna(0).astype(int).reset_index()
                 if len(counts) else pd.DataFrame(columns=list(INTEREST_COLUMNS)))
        table.columns.name = None
        if not self._sees_all(grant) and len(table):
            routing = self.route(table["site_id"].unique())
            mine = {s for s, names in routing.sites.items() if grant.organisation in names}
            table = table[table["site_id"].isin(mine)]
        return table[list(INTEREST_COLUMNS)].sort_values(["site_id", "month"]).reset_index(drop=True)

    # --- internals ------------------------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """A transaction of the editing tables, the leads' tables created when missing; a refusal raised inside is
        rolled back and logged."""
        with self._edits.transaction() as connection:
            metadata.create_all(connection, checkfirst=True)
            yield connection

    def _sees_all(self, grant: Grant | None) -> bool:
        """The command line (no grant asked), an admin or a person of the region's office."""
        return grant is None or grant.is_admin or grant.organisation == self.settings.region_office

    def _require_office(self, grant: Grant | None) -> Grant | None:
        if grant is None or not self._sees_all(grant):
            raise PermissionDenied("not_region_office",
                                   "Only the region's office or an admin may delete a visitor's leads.")
        return grant

    def _reader(self, actor: Identity | None, what: str, check: Callable[[Grant], object]) -> Grant | None:
        """The actor's grant (None for the command line) when `check` lets it through; a refusal is logged."""
        if actor is None:
            return None
        grant = self._edits.grant_of(actor.email)
        try:
            if grant is None:
                raise PermissionDenied("no_role", "You have no role in regionmap: ask the region's office for access.")
            check(grant)
        except PermissionDenied as refusal:
            refusal.context(actor.label, what)
            with self._write():  # an empty transaction that logs the refusal as it leaves
                raise
        return grant

    @staticmethod
    def _label(actor: Identity | None) -> str:
        return COMMAND_LINE if actor is None else actor.label

    def _purge(self, connection: sa.Connection, today: dt.date) -> int:
        cutoff = add_months(today, -self.settings.retention_months).isoformat()
        ids = [row[0] for row in connection.execute(sa.select(leads_table.c.id).where(
            leads_table.c.created_at < cutoff))]
        if ids:
            self._delete(connection, ids)
            self._edits.append(connection, RETENTION, "leads_purge", _detail(leads=len(ids), before=cutoff))
        return len(ids)

    @staticmethod
    def _delete(connection: sa.Connection, ids: Sequence[int]) -> None:
        if ids:
            connection.execute(lead_sites_table.delete().where(lead_sites_table.c.lead_id.in_(list(ids))))
            connection.execute(leads_table.delete().where(leads_table.c.id.in_(list(ids))))

    @staticmethod
    def _count(connection: sa.Connection, site_ids: Sequence[str], kind: str, now: dt.datetime) -> None:
        """One more `kind` for each site in `now`'s month (under the write lock: no race between update and insert)."""
        month = now.strftime("%Y-%m")
        for site_id in site_ids:
            key = (interest_table.c.site_id == site_id, interest_table.c.month == month, interest_table.c.kind == kind)
            updated = connection.execute(interest_table.update().where(*key).values(
                count=interest_table.c["count"] + 1))
            if not updated.rowcount:
                connection.execute(interest_table.insert().values(site_id=site_id, month=month, kind=kind, count=1))

    @staticmethod
    def _read(connection: sa.Connection, organisation: str | None) -> list[Lead]:
        """The leads with their sites, newest first; with `organisation`, those routed to it with its sites only."""
        query = sa.select(lead_sites_table)
        if organisation is not None:
            query = query.where(lead_sites_table.c.organisation == organisation)
        sites: dict[int, list[RoutedSite]] = {}
        for row in connection.execute(query.order_by(lead_sites_table.c.lead_id, lead_sites_table.c.site_id,
                                                     lead_sites_table.c.organisation)).mappings():
            sites.setdefault(int(row["lead_id"]), []).append(RoutedSite(row["site_id"], row["organisation"]))
        rows = connection.execute(sa.select(leads_table).where(leads_table.c.id.in_(list(sites)))
                                  .order_by(leads_table.c.created_at.desc(), leads_table.c.id.desc())).mappings()
        return [Lead(int(r["id"]), r["created_at"], r["name"], r["company"], r["email"], r["message"], r["language"],
                     r["consent_version"], r["consent_hash"], r["consent_at"], tuple(sites[int(r["id"])]))
                for r in rows]


def leads_of(store) -> Leads:
    """The leads of a store (`regionmap.data.store.Store`)."""
    return Leads(store.edits())
