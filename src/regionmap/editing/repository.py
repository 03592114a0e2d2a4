"""The partners' records, change sets, grants and history, stored in the store itself (SQLAlchemy Core).

The same tables and statements serve both backends: the GeoPackage's SQLite file (tables `edit_*` beside the layers,
kept across rebuilds) and PostgreSQL (schema `regionmap_edit`, which builds never swap). Every value is a bound
parameter. Every write runs in one transaction under the store's write lock (a lock file beside the GeoPackage, an
advisory lock on PostgreSQL), checks the writer's grant here (`regionmap.editing.roles`), and appends to the history;
a refusal is logged too. The history table refuses UPDATE and DELETE in the database itself (triggers).

Publishing bumps the edit revision, which is part of `Store.version()`: every session of every replica reloads the
layers, with the published records overlaid (`regionmap.editing.overlay`), on its next rerun.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from typing import Any

import geopandas as gpd
import pandas as pd
import sqlalchemy as sa

from regionmap.auth.identity import Identity, normalise_email
from regionmap.config import region
from regionmap.data.curated import Problem, Schema
from regionmap.editing import changesets as cs
from regionmap.editing.changesets import Change
from regionmap.editing.records import (
    PARTNER_SOURCE,
    Place,
    Values,
    canonical_values,
    changed_fields,
    editable_layer,
    editable_layers,
    new_record_id,
    place_of,
    problems_of,
    reference,
    schema_of,
    values_of_row,
)
from regionmap.editing.roles import (
    Grant,
    PermissionDenied,
    bootstrap_admin,
    make_grant,
    require_admin,
    require_edit,
    require_review,
)
from regionmap.errors import RegionmapError

metadata = sa.MetaData()
meta_table = sa.Table("edit_meta", metadata, sa.Column("key", sa.String(40), primary_key=True),
                      sa.Column("value", sa.Text, nullable=False))
records_table = sa.Table(
    "edit_records", metadata,
    sa.Column("layer", sa.String(40), primary_key=True), sa.Column("id", sa.String(120), primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False), sa.Column("status", sa.String(20), nullable=False),
    sa.Column("organisation", sa.Text, nullable=False),
    sa.Column("ags", sa.String(8), nullable=False), sa.Column("municipality", sa.Text, nullable=False),
    sa.Column("kreis_ags", sa.String(5), nullable=False), sa.Column("kreis", sa.Text, nullable=False),
    sa.Column("lon", sa.Float, nullable=False), sa.Column("lat", sa.Float, nullable=False),
    sa.Column("record_values", sa.Text, nullable=False),
    sa.Column("confirmed_by", sa.Text, nullable=False), sa.Column("confirmed_on", sa.String(10), nullable=False),
    sa.Column("changeset_id", sa.Integer, nullable=False),
)
changesets_table = sa.Table(
    "edit_changesets", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("layer", sa.String(40), nullable=False), sa.Column("organisation", sa.Text, nullable=False),
    sa.Column("author", sa.Text, nullable=False), sa.Column("status", sa.String(20), nullable=False),
    sa.Column("origin", sa.Text, nullable=False), sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("submitted_at", sa.String(32)), sa.Column("digest", sa.String(32)),
    sa.Column("reviewed_by", sa.Text), sa.Column("reviewed_at", sa.String(32)), sa.Column("comment", sa.Text),
)
changes_table = sa.Table(
    "edit_changes", metadata,
    sa.Column("changeset_id", sa.Integer, primary_key=True), sa.Column("record_id", sa.String(120), primary_key=True),
    sa.Column("action", sa.String(20), nullable=False), sa.Column("base_revision", sa.Integer, nullable=False),
    sa.Column("before_values", sa.Text), sa.Column("after_values", sa.Text, nullable=False),
)
history_table = sa.Table(
    "edit_history", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(32), nullable=False), sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.String(40), nullable=False), sa.Column("changeset_id", sa.Integer),
    sa.Column("layer", sa.String(40)), sa.Column("record_id", sa.String(120)), sa.Column("field", sa.String(80)),
    sa.Column("before_value", sa.Text), sa.Column("after_value", sa.Text), sa.Column("detail", sa.Text),
)
grants_table = sa.Table(
    "edit_grants", metadata,
    sa.Column("email", sa.String(254), primary_key=True), sa.Column("role", sa.String(20), nullable=False),
    sa.Column("organisation", sa.Text, nullable=False), sa.Column("kreise", sa.Text, nullable=False),
    sa.Column("municipalities", sa.Text, nullable=False), sa.Column("layers", sa.Text, nullable=False),
)
mappings_table = sa.Table(
    "edit_mappings", metadata,
    sa.Column("organisation", sa.String(200), primary_key=True), sa.Column("layer", sa.String(40), primary_key=True),
    sa.Column("mapping", sa.Text, nullable=False),
)
HISTORY_COLUMNS = ("seq", "at", "actor", "action", "changeset_id", "layer", "record_id", "field", "before_value",
                   "after_value", "detail")
REVISION_KEY = "revision"
APPEND_ONLY = "edit_history is append-only"


class EditError(RegionmapError):
    """An editing step that cannot be taken as asked (a change set in the wrong state, an unknown record)."""


class ValidationFailed(EditError):
    """Values that do not pass the checks of `regionmap validate`; `problems` name the row and field of each."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(p.format() for p in self.problems[:10]))


@dataclass(frozen=True)
class Conflict(EditError):
    """Someone else changed the record since its editor read it, or has a change of it under way: `current` is what
    the record holds now, or what the other change (`changeset_id`, by `by`) gives it."""

    record_id: str
    base_revision: int
    current_revision: int
    current: Values | None
    by: str
    changeset_id: int | None

    def __str__(self) -> str:
        return (f"record {self.record_id} was changed by {self.by} since you opened it (revision "
                f"{self.base_revision} → {self.current_revision}): keep yours, or take theirs")


@dataclass(frozen=True)
class CurrentRecord:
    """A record as the dashboard shows it now: partner-published, or the official build's (revision 0)."""

    layer: str
    id: str
    values: Values
    revision: int
    status: str  # "official", "published" or "withdrawn"
    place: Place | None
    confirmed_by: str = ""
    confirmed_on: str = ""
    organisation: str = ""  # the partner organisation a published record belongs to ("" for official records)


def source_only(record: CurrentRecord, schema: Schema) -> bool:
    """Whether an official record is of a category only the sources give (mobility's stations and airports, kept
    current by each new vintage of its source): partners neither edit nor confirm it."""
    return (record.status == "official" and bool(schema.categories)
            and record.values.get("category") not in schema.categories)


@dataclass(frozen=True)
class ChangeSet:
    id: int
    layer: str
    organisation: str
    author: str
    status: str
    origin: str
    created_at: str
    submitted_at: str | None
    digest: str | None
    reviewed_by: str | None
    reviewed_at: str | None
    comment: str | None
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class PublishedRecord:
    """A partner's published (or withdrawn) record, for the overlay onto the store's layers."""

    layer: str
    id: str
    status: str
    values: Values
    place: Place
    confirmed_by: str
    confirmed_on: str


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _json(values: Mapping[str, str] | None) -> str | None:
    return None if values is None else json.dumps(dict(values), ensure_ascii=False, sort_keys=True)


def _values(text: str | None) -> Values | None:
    return None if text is None else {str(k): str(v) for k, v in json.loads(text).items()}


def _split(text: str) -> tuple[str, ...]:
    return tuple(v for v in text.split(",") if v)


class Edits:
    """The editing tables of one store. `built(layer)` gives the official build's layer (without the overlay),
    `boundaries()` the municipalities; `lock` serialises writers (a context manager around one transaction)."""

    def __init__(self, engine: sa.Engine, *, schema: str | None, lock: Callable[[sa.Connection],
                 AbstractContextManager[None]], built: Callable[[str], gpd.GeoDataFrame],
                 boundaries: Callable[[], gpd.GeoDataFrame]) -> None:
        self._engine = engine.execution_options(schema_translate_map={None: schema}) if schema else engine
        self._schema = schema
        self._lock = lock
        self._built = built
        self._boundaries = boundaries
        self._writing = threading.local()  # inside a write transaction: refusals are logged after it

    # --- schema and reads -----------------------------------------------------------------------------------------

    def exists(self) -> bool:
        with self._engine.connect() as connection:
            return sa.inspect(connection).has_table(history_table.name, schema=self._schema)

    def ensure(self) -> None:
        """Create the tables and the history's append-only triggers when missing (idempotent)."""
        if self.exists():
            return
        with self._engine.begin() as connection:
            if self._schema:
                connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{self._schema}"'))
            metadata.create_all(connection)
            for statement in _append_only_ddl(connection.dialect.name, self._schema):
                connection.execute(sa.text(statement))
            connection.execute(meta_table.insert().values(key=REVISION_KEY, value="0"))

    def revision(self) -> int:
        """How many publications the store has seen (0 without editing tables): part of the store's version."""
        try:
            with self._engine.connect() as connection:
                value = connection.execute(sa.select(meta_table.c.value).where(meta_table.c.key == REVISION_KEY))
                return int(value.scalar() or 0)
        except sa.exc.DBAPIError:
            return 0  # no editing tables yet: nothing was ever published

    def published(self, layer: str | None = None) -> list[PublishedRecord]:
        """The partners' published and withdrawn records (of `layer`), for the overlay."""
        query = sa.select(records_table)
        if layer is not None:
            query = query.where(records_table.c.layer == layer)
        try:
            with self._engine.connect() as connection:
                rows = connection.execute(query.order_by(records_table.c.layer, records_table.c.id)).mappings().all()
        except sa.exc.DBAPIError:
            return []
        return [PublishedRecord(r["layer"], r["id"], r["status"], _values(r["record_values"]) or {},
                                Place(r["ags"], r["municipality"], r["kreis_ags"], r["kreis"]),
                                r["confirmed_by"], r["confirmed_on"]) for r in rows]

    def grant_of(self, email: str) -> Grant | None:
        """The person's grant: stored, else the bootstrap admin of `$REGIONMAP_ADMIN_EMAIL`, else None."""
        email = normalise_email(email)
        try:
            with self._engine.connect() as connection:
                row = connection.execute(sa.select(grants_table).where(grants_table.c.email == email)).mappings().first()
        except sa.exc.DBAPIError:
            row = None
        if row is None:
            return bootstrap_admin(email)
        return Grant(row["email"], row["role"], row["organisation"], _split(row["kreise"]),
                     _split(row["municipalities"]), _split(row["layers"]))

    def current_records(self, layer: str) -> dict[str, CurrentRecord]:
        """Every record of `layer` as the dashboard shows it (withdrawn ones included), by id."""
        records = self._official_records(layer)
        rows = self._rows(sa.select(records_table).where(records_table.c.layer == layer), mappings=True)
        records.update({r["id"]: _partner_record(r) for r in rows})
        return dict(sorted(records.items()))

    def _official_records(self, layer: str) -> dict[str, CurrentRecord]:
        """The official build's records of `layer` (revision 0), by id: a read of the store, never under the lock."""
        schema = schema_of(layer)
        records = {}
        for row in self._built(layer).to_dict("records"):
            place = Place(str(row["ags"]), str(row["municipality"]), str(row["kreis_ags"]), str(row["kreis"]))
            records[str(row["id"])] = CurrentRecord(layer, str(row["id"]), values_of_row(row, schema), 0,
                                                    "official", place)
        return records

    def records_for(self, actor: Identity, layer: str) -> list[CurrentRecord]:
        """The records of `layer` in the actor's area (all of them for an admin or a whole-region grant)."""
        grant = self._grant(actor)
        require_edit(grant, layer, [])
        return [r for r in self.current_records(layer).values()
                if r.place is None or grant.covers(r.place.kreis_ags, r.place.ags)]

    def change_set(self, changeset_id: int) -> ChangeSet:
        with self._engine.connect() as connection:
            return self._change_set(connection, changeset_id)

    def change_sets(self, actor: Identity, *, status: Sequence[str] = ()) -> list[ChangeSet]:
        """The change sets the actor may see: their organisation's, or every one for a reviewer or admin in whose
        area they lie."""
        grant = self._grant(actor)
        if grant is None:
            raise PermissionDenied("no_role", "You have no role in regionmap: ask the region's office for access.")
        query = sa.select(changesets_table.c.id).order_by(changesets_table.c.id.desc())
        if status:
            query = query.where(changesets_table.c.status.in_(list(status)))
        if not grant.may_review:
            query = query.where(changesets_table.c.organisation == grant.organisation)
        ids = [row[0] for row in self._rows(query)]
        with self._engine.connect() as connection:
            sets = [self._change_set(connection, i) for i in ids]
        if grant.is_admin or grant.whole_region:
            return sets
        boundaries = self._boundaries()  # read once for all the change sets, not per change set
        return [s for s in sets if grant.organisation == s.organisation or _covers(grant, s, boundaries)]

    def history(self, actor: Identity | None, *, record_id: str | None = None, layer: str | None = None,
                action: str | None = None, person: str | None = None, since: str | None = None,
                until: str | None = None) -> pd.DataFrame:
        """The history rows matching the filters, oldest first: everything for an admin (or the command line,
        `actor` None); a record's own history, without refusals, for anyone who may edit its layer."""
        grant = self._grant(actor)
        if actor is not None:
            if record_id is None:
                self._guarded(actor, "history", require_admin)
            else:
                self._guarded(actor, "history", lambda g: require_edit(g, layer or _layer_of(record_id), []))
        query = sa.select(*(history_table.c[c] for c in HISTORY_COLUMNS)).order_by(history_table.c.seq)
        for column, value in (("record_id", record_id), ("layer", layer), ("action", action), ("actor", person)):
            if value:
                query = query.where(history_table.c[column] == value)
        if since:
            query = query.where(history_table.c.at >= since)
        if until:
            query = query.where(history_table.c.at <= until + "\uffff")
        frame = pd.DataFrame(self._rows(query), columns=list(HISTORY_COLUMNS))
        if actor is not None and record_id is not None and not (grant and grant.is_admin):
            frame = frame[frame["action"] != "refused"]
        return frame.reset_index(drop=True)

    def mapping(self, organisation: str, layer: str) -> dict[str, str]:
        """The organisation's saved column mapping of its import files (schema field -> file column)."""
        try:
            with self._engine.connect() as connection:
                text = connection.execute(sa.select(mappings_table.c.mapping).where(
                    mappings_table.c.organisation == organisation, mappings_table.c.layer == layer)).scalar()
        except sa.exc.DBAPIError:
            return {}
        return {str(k): str(v) for k, v in json.loads(text).items()} if text else {}

    def _rows(self, query: sa.Select, *, mappings: bool = False) -> list[Any]:
        """The rows of a read of the editing tables; none while they do not exist (nothing was ever written)."""
        try:
            with self._engine.connect() as connection:
                result = connection.execute(query)
                return list(result.mappings() if mappings else result)
        except sa.exc.DBAPIError:
            if self.exists():
                raise
            return []

    def connect(self) -> sa.Connection:
        """A connection to the store's editing tables (in the editing schema on PostgreSQL), for the tables other
        features keep beside them (`regionmap.leads`)."""
        return self._engine.connect()

    # --- writes ---------------------------------------------------------------------------------------------------

    def log(self, actor: str, action: str, detail: str = "") -> None:
        """Append an event without a record (a sign-in, a refused sign-in) to the history."""
        with self._write() as connection:
            self._append(connection, actor, action, detail=detail)

    def transaction(self) -> AbstractContextManager[sa.Connection]:
        """One write transaction under the store's write lock, for the tables other features keep beside the editing
        tables (`regionmap.leads`): a PermissionDenied raised inside rolls it back and is logged as a refusal."""
        return self._write()

    def append(self, connection: sa.Connection, actor: str, action: str, detail: str = "") -> None:
        """Append an event without a record to the history, in the caller's `transaction()`."""
        self._append(connection, actor, action, detail=detail)

    def set_grant(self, actor: Identity | None, email: str, role: str, organisation: str, *,
                  kreise: Sequence[str] = (), municipalities: Sequence[str] = (), layers: Sequence[str] = ()) -> Grant:
        """Give `email` a role (replacing any earlier one). `actor` None is the command line (`regionmap roles`),
        which runs with the store's own credentials."""
        grant = make_grant(email, role, organisation, kreise=kreise, municipalities=municipalities, layers=layers,
                           known_kreise=region().kreis_ags, known_layers=[l.id for l in editable_layers()])
        label = self._checked_admin(actor, "grant")
        with self._write() as connection:
            table = grants_table
            connection.execute(table.delete().where(table.c.email == grant.email))
            connection.execute(table.insert().values(
                email=grant.email, role=grant.role, organisation=grant.organisation, kreise=",".join(grant.kreise),
                municipalities=",".join(grant.municipalities), layers=",".join(grant.layers)))
            self._append(connection, label, "grant", detail=_json({
                "email": grant.email, "role": grant.role, "organisation": grant.organisation,
                "kreise": ",".join(grant.kreise), "municipalities": ",".join(grant.municipalities),
                "layers": ",".join(grant.layers)}) or "")
        return grant

    def revoke_grant(self, actor: Identity | None, email: str) -> None:
        label = self._checked_admin(actor, "revoke")
        email = normalise_email(email)
        with self._write() as connection:
            connection.execute(grants_table.delete().where(grants_table.c.email == email))
            self._append(connection, label, "revoke", detail=email)

    def grants(self, actor: Identity | None) -> list[Grant]:
        self._checked_admin(actor, "list_grants")
        try:
            with self._engine.connect() as connection:
                rows = connection.execute(sa.select(grants_table).order_by(grants_table.c.email)).mappings().all()
        except sa.exc.DBAPIError:
            return []
        return [Grant(r["email"], r["role"], r["organisation"], _split(r["kreise"]), _split(r["municipalities"]),
                      _split(r["layers"])) for r in rows]

    def save_mapping(self, actor: Identity, layer: str, mapping: Mapping[str, str]) -> None:
        """Remember the organisation's column mapping for its next import of `layer`."""
        grant = self._guarded(actor, "save_mapping", lambda g: require_edit(g, layer, []))
        fields = {f.name for f in schema_of(layer).fields}
        clean = {str(k): str(v)[:200] for k, v in mapping.items() if k in fields and v}
        with self._write() as connection:
            table = mappings_table
            connection.execute(table.delete().where(table.c.organisation == grant.organisation,
                                                    table.c.layer == layer))
            connection.execute(table.insert().values(organisation=grant.organisation, layer=layer,
                                                     mapping=_json(clean)))

    def open_change_set(self, actor: Identity, layer: str, origin: str = "form") -> int:
        """A new draft change set of the actor's organisation for `layer`."""
        editable_layer(layer)
        grant = self._guarded(actor, "open", lambda g: require_edit(g, layer, []))
        with self._write() as connection:
            result = connection.execute(changesets_table.insert().values(
                layer=layer, organisation=grant.organisation, author=grant.email, status=cs.DRAFT,
                origin=str(origin)[:300], created_at=_now()))
            changeset_id = int(result.inserted_primary_key[0])
            self._append(connection, actor.label, "open", changeset_id=changeset_id, layer=layer, detail=origin)
        return changeset_id

    def put_change(self, actor: Identity, changeset_id: int, values: Mapping[str, object], *,
                   record_id: str | None = None, base_revision: int | None = None, withdraw: bool = False,
                   resolve: str | None = None, row: int = 1, origin: str = "form") -> Change:
        """Add to a draft change set the new values of a record (`record_id` None: a new record) or its withdrawal.

        The values are checked by the rules of `regionmap validate` (ValidationFailed naming row and field); the
        record's place before and after must lie in the actor's area. When the record changed since
        `base_revision`, or another change set has it under way, Conflict tells what the other change is, unless
        `resolve` is "mine" (keep these values over the current ones)."""
        changes = self.check_changes(actor, changeset_id, [(row, values, record_id, base_revision, withdraw)],
                                     resolve=resolve, origin=origin)
        with self._write() as connection:
            self._store_changes(connection, actor, self._draft(connection, actor, changeset_id), changes)
        return changes[0]

    def check_changes(self, actor: Identity, changeset_id: int | None,
                      items: Sequence[tuple[int, Mapping[str, object], str | None, int | None, bool]], *,
                      resolve: str | None = None, origin: str = "form", layer: str | None = None) -> list[Change]:
        """The changes `items` ((row, values, record_id, base_revision, withdraw)) would make in a draft change set,
        checked (values, area, conflicts) but not stored. Without a change set (`changeset_id` None, a file import's
        preview), they are checked as a new draft of `layer` would take them."""
        if changeset_id is None:
            layer, drafted = editable_layer(str(layer)).id, ()
        else:
            with self._engine.connect() as connection:
                changeset = self._draft(connection, actor, changeset_id)
            layer, drafted = changeset.layer, changeset.changes
        schema = schema_of(layer)
        current = self.current_records(layer)
        boundaries = self._boundaries()
        pending = self._pending(layer, changeset_id or 0)
        grant = self._grant(actor)
        taken = set(current) | {c.record_id for c in drafted}
        checked: list[tuple[int, Values]] = []
        changes: list[Change] = []
        for row, raw, record_id, base_revision, withdraw in items:
            existing = current.get(record_id) if record_id else None
            if record_id and existing is None:
                raise EditError(f"row {row}: no record '{str(record_id)[:120]}' in layer {layer}")
            if existing is not None and source_only(existing, schema):
                raise EditError(f"row {row}: record '{existing.id}' comes from its source dataset; partners do not "
                                "maintain it")
            values = canonical_values(schema, existing.values if withdraw and existing else raw)
            if existing is None:
                values["id"] = new_record_id(layer, values.get("name", ""), taken)
                taken.add(values["id"])
            else:
                values["id"] = existing.id
            values["layer"] = layer
            place = place_of(values, boundaries)
            if place is not None:
                values["ags"] = place.ags
            values["source"] = PARTNER_SOURCE
            values["as_of"] = values.get("as_of") or dt.date.today().isoformat()
            checked.append((row, values))
            places = [(place.kreis_ags, place.ags)] if place else []
            if existing is not None and existing.place is not None:
                places.append((existing.place.kreis_ags, existing.place.ags))
            self._guarded(actor, "edit", lambda g: require_edit(g, layer, places), record_id=values["id"],
                          layer=layer, grant=grant)
            base = existing.revision if existing is not None and base_revision is None else (base_revision or 0)
            if existing is not None:
                other = pending.get(existing.id)
                if other is not None and resolve != "mine":  # someone else's change of it is under way
                    raise Conflict(existing.id, base, existing.revision, other[2], other[1], other[0])
                if existing.revision != base and resolve != "mine":  # published since it was opened
                    raise Conflict(existing.id, base, existing.revision, existing.values,
                                   self._last_author(existing), None)
                base = existing.revision
            action = cs.WITHDRAW if withdraw else (cs.UPDATE if existing is not None else cs.CREATE)
            changes.append(Change(values["id"], action, base, existing.values if existing else None, values))
        problems = problems_of(layer, checked, reference(boundaries), origin)
        if problems:
            raise ValidationFailed(problems)
        return changes

    def put_changes(self, actor: Identity, changeset_id: int, changes: Sequence[Change]) -> None:
        """Store checked changes (`check_changes`) in the draft change set, all or none."""
        with self._write() as connection:
            self._store_changes(connection, actor, self._draft(connection, actor, changeset_id), changes)

    def remove_change(self, actor: Identity, changeset_id: int, record_id: str) -> None:
        with self._write() as connection:
            self._draft(connection, actor, changeset_id)
            connection.execute(changes_table.delete().where(changes_table.c.changeset_id == changeset_id,
                                                            changes_table.c.record_id == record_id))
            self._append(connection, actor.label, "remove_change", changeset_id=changeset_id, record_id=record_id)

    def submit(self, actor: Identity, changeset_id: int) -> ChangeSet:
        """Freeze a draft: to review when its layer requires it, else published at once."""
        boundaries = self._boundaries()  # read before the write lock: reads of the store wait for writers
        with self._write() as connection:
            changeset = self._draft(connection, actor, changeset_id)
            if not changeset.changes:
                raise EditError(f"change set {changeset_id} is empty: nothing to submit")
            fingerprint = cs.digest(changeset.changes)
            connection.execute(changesets_table.update().where(changesets_table.c.id == changeset_id).values(
                status=cs.SUBMITTED, submitted_at=_now(), digest=fingerprint))
            self._append(connection, actor.label, "submit", changeset_id=changeset_id, layer=changeset.layer,
                         detail=fingerprint)
            if not editable_layer(changeset.layer).editing.review:
                self._publish(connection, actor.label, self._change_set(connection, changeset_id), boundaries)
            return self._change_set(connection, changeset_id)

    def approve(self, actor: Identity, changeset_id: int, digest: str, comment: str = "") -> ChangeSet:
        """A reviewer's approval of the submitted change set whose content is `digest`: published at once."""
        return self._review(actor, changeset_id, digest, comment, approve=True)

    def reject(self, actor: Identity, changeset_id: int, digest: str, comment: str) -> ChangeSet:
        if not comment.strip():
            raise EditError("a rejection needs a comment that tells the editor why")
        return self._review(actor, changeset_id, digest, comment, approve=False)

    def confirm(self, actor: Identity, layer: str, record_ids: Sequence[str]) -> list[CurrentRecord]:
        """"Unchanged, confirm": the actor's organisation confirms that the records of `layer` are still right today.

        A pure confirmation changes no value, so it needs no change set and no review (also on layers whose changes
        need one) and leaves the records' revisions as they are (an edit under way stays valid). A partner's record
        gets `confirmed_by`/`confirmed_on`; an official record becomes the partner's record with its current values
        (its source now the partner, the organisation the actor's). Every record must lie in the actor's area (as for
        `put_change`) and be shown (not withdrawn); all are confirmed in one transaction or none. The history gets one
        `confirm` row per changed field, and the store's revision moves on, so every session shows the new dates on
        its next rerun."""
        editable_layer(layer)
        grant = self._guarded(actor, "confirm", lambda g: require_edit(g, layer, []), layer=layer)
        schema = schema_of(layer)
        today = dt.date.today().isoformat()
        ids = list(dict.fromkeys(record_ids))
        official = self._official_records(layer)  # read before the write lock: reads of the store wait for writers
        with self._write() as connection:
            rows = connection.execute(sa.select(records_table).where(
                records_table.c.layer == layer, records_table.c.id.in_(ids))).mappings().all()
            current = {**official, **{r["id"]: _partner_record(r) for r in rows}}
            for record_id in ids:
                record = current.get(record_id)
                if record is None or record.status == "withdrawn" or record.place is None:
                    raise EditError(f"no record '{str(record_id)[:120]}' shown in layer {layer} to confirm")
                if source_only(record, schema):
                    raise EditError(f"record '{record.id}' comes from its source dataset; partners do not confirm it")
                place = record.place
                area = [(place.kreis_ags, place.ags)]
                grant = self._guarded(actor, "confirm", lambda g: require_edit(g, layer, area), record_id=record.id,
                                      layer=layer, grant=grant)
                confirmation = {"confirmed_by": grant.organisation, "confirmed_on": today}
                values = canonical_values(schema, {**record.values, "source": PARTNER_SOURCE, **confirmation})
                before = {**record.values, "confirmed_by": record.confirmed_by or record.values.get("confirmed_by", ""),
                          "confirmed_on": record.confirmed_on or record.values.get("confirmed_on", "")}
                after = {**values, **confirmation}
                changeset_id = next((int(r["changeset_id"]) for r in rows if r["id"] == record.id), 0)
                connection.execute(records_table.delete().where(records_table.c.layer == layer,
                                                                records_table.c.id == record.id))
                connection.execute(records_table.insert().values(
                    layer=layer, id=record.id, revision=record.revision, status="published",
                    organisation=record.organisation or grant.organisation, ags=place.ags,
                    municipality=place.municipality, kreis_ags=place.kreis_ags, kreis=place.kreis,
                    lon=float(values["lon"]), lat=float(values["lat"]),
                    record_values=_json(values), confirmed_by=grant.organisation, confirmed_on=today,
                    changeset_id=changeset_id))
                for name, old, new in changed_fields(before, after) or [("", "", "")]:  # confirmed again today
                    self._append(connection, actor.label, "confirm", layer=layer, record_id=record.id,
                                 field=name or None, before=old or None, after=new or None)
            self._bump_revision(connection)
            confirmed = connection.execute(sa.select(records_table).where(
                records_table.c.layer == layer, records_table.c.id.in_(ids))).mappings().all()
        by_id = {r["id"]: _partner_record(r) for r in confirmed}
        return [by_id[record_id] for record_id in ids]

    # --- internals ------------------------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """One transaction under the write lock. A refusal raised inside rolls it back and is logged afterwards,
        in a transaction of its own."""
        self.ensure()
        try:
            with self._engine.begin() as connection, self._lock(connection):
                self._writing.active = True
                try:
                    yield connection
                finally:
                    self._writing.active = False
        except PermissionDenied as refusal:
            if not refusal.logged:
                self._refused(refusal)
            raise

    def _append(self, connection: sa.Connection, actor: str, action: str, *, changeset_id: int | None = None,
                layer: str | None = None, record_id: str | None = None, field: str | None = None,
                before: str | None = None, after: str | None = None, detail: str = "") -> None:
        connection.execute(history_table.insert().values(
            at=_now(), actor=actor[:300], action=action, changeset_id=changeset_id, layer=layer, record_id=record_id,
            field=field, before_value=before, after_value=after, detail=detail[:2000] or None))

    def _grant(self, actor: Identity | None) -> Grant | None:
        return None if actor is None else self.grant_of(actor.email)

    def _guarded(self, actor: Identity, what: str, check: Callable[[Grant | None], Grant], *,
                 record_id: str | None = None, layer: str | None = None, changeset_id: int | None = None,
                 grant: Grant | None = None) -> Grant:
        """`check(grant)`; a refusal carries who, what and where, for `_write` or the caller to log."""
        try:
            return check(grant if grant is not None else self._grant(actor))
        except PermissionDenied as refusal:
            refusal.context(actor.label, what, record_id=record_id, layer=layer, changeset_id=changeset_id)
            if not getattr(self._writing, "active", False):
                self._refused(refusal)
            raise

    def _refused(self, refusal: PermissionDenied) -> None:
        """Log a refusal in a transaction of its own (the refused one was rolled back)."""
        refusal.logged = True
        with self._write() as connection:
            self._append(connection, refusal.actor, "refused", detail=f"{refusal.what}: {refusal.reason}: {refusal}",
                         **refusal.where)

    def _checked_admin(self, actor: Identity | None, what: str) -> str:
        if actor is None:
            return "command line"
        self._guarded(actor, what, require_admin)
        return actor.label

    def _change_set(self, connection: sa.Connection, changeset_id: int) -> ChangeSet:
        row = connection.execute(sa.select(changesets_table).where(
            changesets_table.c.id == int(changeset_id))).mappings().first()
        if row is None:
            raise EditError(f"no change set {int(changeset_id)}")
        changes = connection.execute(sa.select(changes_table).where(
            changes_table.c.changeset_id == row["id"]).order_by(changes_table.c.record_id)).mappings().all()
        return ChangeSet(**{k: row[k] for k in ("id", "layer", "organisation", "author", "status", "origin",
                                                "created_at", "submitted_at", "digest", "reviewed_by", "reviewed_at",
                                                "comment")},
                         changes=tuple(Change(c["record_id"], c["action"], c["base_revision"],
                                              _values(c["before_values"]), _values(c["after_values"]) or {})
                                       for c in changes))

    def _draft(self, connection: sa.Connection, actor: Identity, changeset_id: int) -> ChangeSet:
        """The change set if it is a draft of the actor's organisation; refused (and logged) otherwise."""
        changeset = self._change_set(connection, changeset_id)
        grant = self._grant(actor)

        def check(g: Grant | None) -> Grant:
            g = require_edit(g, changeset.layer, [])
            if g.organisation != changeset.organisation and not g.is_admin:
                raise PermissionDenied("other_organisation", "This change set belongs to another organisation.")
            if g.email != changeset.author and not g.is_admin:  # colleagues each edit in a draft of their own
                raise PermissionDenied("other_author", f"This draft is {changeset.author}'s: each person edits in "
                                       "a draft of their own.")
            if changeset.status != cs.DRAFT:
                raise PermissionDenied("not_draft", f"Change set {changeset.id} is {changeset.status}: it can no "
                                       "longer be changed; open a new one.")
            return g

        try:
            check(grant)
        except PermissionDenied as refusal:
            refusal.context(actor.label, "change", changeset_id=changeset.id, layer=changeset.layer)
            if not getattr(self._writing, "active", False):
                self._refused(refusal)
            raise
        return changeset

    def _pending(self, layer: str, exclude: int) -> dict[str, tuple[int, str, Values]]:
        """Records that other open (draft or submitted) change sets of `layer` change: id -> (change set, author,
        the values that change gives the record)."""
        query = (sa.select(changes_table.c.record_id, changesets_table.c.id, changesets_table.c.author,
                           changes_table.c.after_values)
                 .join(changesets_table, changes_table.c.changeset_id == changesets_table.c.id)
                 .where(changesets_table.c.layer == layer, changesets_table.c.id != exclude,
                        changesets_table.c.status.in_([cs.DRAFT, cs.SUBMITTED])))
        return {r[0]: (r[1], r[2], _values(r[3]) or {}) for r in self._rows(query)}

    def _last_author(self, record: CurrentRecord) -> str:
        return record.confirmed_by or "the official build"

    def _store_changes(self, connection: sa.Connection, actor: Identity, changeset: ChangeSet,
                       changes: Sequence[Change]) -> None:
        for change in changes:
            connection.execute(changes_table.delete().where(changes_table.c.changeset_id == changeset.id,
                                                            changes_table.c.record_id == change.record_id))
            connection.execute(changes_table.insert().values(
                changeset_id=changeset.id, record_id=change.record_id, action=change.action,
                base_revision=change.base_revision, before_values=_json(change.before),
                after_values=_json(change.after)))
            self._append(connection, actor.label, f"draft_{change.action}", changeset_id=changeset.id,
                         layer=changeset.layer, record_id=change.record_id)

    def _review(self, actor: Identity, changeset_id: int, digest: str, comment: str, *, approve: bool) -> ChangeSet:
        what = "approve" if approve else "reject"
        boundaries = self._boundaries()
        with self._write() as connection:
            changeset = self._change_set(connection, changeset_id)
            places = [(p.kreis_ags, p.ags) for c in changeset.changes
                      for p in (place_of(c.after, boundaries), place_of(c.before or {}, boundaries)) if p]
            try:
                require_review(self._grant(actor), changeset.author, changeset.layer, places)
                if changeset.status != cs.SUBMITTED:
                    raise PermissionDenied("not_submitted", f"Change set {changeset.id} is {changeset.status}: "
                                           "only a submitted change set can be approved or rejected.")
                if digest != changeset.digest:
                    raise PermissionDenied("digest", f"Change set {changeset.id} is not the version you reviewed.")
            except PermissionDenied as refusal:
                refusal.context(actor.label, what, changeset_id=changeset.id, layer=changeset.layer)
                raise
            connection.execute(changesets_table.update().where(changesets_table.c.id == changeset.id).values(
                status=cs.SUBMITTED if approve else cs.REJECTED, reviewed_by=actor.label, reviewed_at=_now(),
                comment=comment.strip()[:2000] or None))
            self._append(connection, actor.label, what, changeset_id=changeset.id, layer=changeset.layer,
                         detail=comment.strip()[:2000])
            if approve:
                self._publish(connection, actor.label, self._change_set(connection, changeset.id), boundaries)
            return self._change_set(connection, changeset.id)

    def _publish(self, connection: sa.Connection, actor: str, changeset: ChangeSet,
                 boundaries: gpd.GeoDataFrame) -> None:
        """Apply a change set to the published records, field by field into the history, and bump the revision."""
        today = dt.date.today().isoformat()
        for change in changeset.changes:
            row = connection.execute(sa.select(records_table.c.revision).where(
                records_table.c.layer == changeset.layer, records_table.c.id == change.record_id)).first()
            current = 0 if row is None else int(row[0])
            if current != change.base_revision:
                raise Conflict(change.record_id, change.base_revision, current, None, "another change set",
                               None)
            place = place_of(change.after, boundaries)
            if place is None:
                raise EditError(f"record {change.record_id}: its point lies outside the region")
            values = dict(change.after, as_of=today)
            row_values = dict(
                revision=current + 1, status="withdrawn" if change.action == cs.WITHDRAW else "published",
                organisation=changeset.organisation, ags=place.ags, municipality=place.municipality,
                kreis_ags=place.kreis_ags, kreis=place.kreis, lon=float(values["lon"]), lat=float(values["lat"]),
                record_values=_json(values), confirmed_by=changeset.organisation, confirmed_on=today,
                changeset_id=changeset.id)
            connection.execute(records_table.delete().where(records_table.c.layer == changeset.layer,
                                                            records_table.c.id == change.record_id))
            connection.execute(records_table.insert().values(layer=changeset.layer, id=change.record_id,
                                                             **row_values))
            action = "withdraw" if change.action == cs.WITHDRAW else change.action
            fields = changed_fields(change.before, change.after) or [("", "", "")]
            for name, before, after in fields:
                self._append(connection, actor, action, changeset_id=changeset.id, layer=changeset.layer,
                             record_id=change.record_id, field=name or None, before=before or None,
                             after=after or None)
        connection.execute(changesets_table.update().where(changesets_table.c.id == changeset.id).values(
            status=cs.PUBLISHED))
        self._bump_revision(connection)
        self._append(connection, actor, "publish", changeset_id=changeset.id, layer=changeset.layer,
                     detail=changeset.digest or "")

    def _bump_revision(self, connection: sa.Connection) -> None:
        """One more publication: the store's version changes, and every session reloads the layers."""
        revision = connection.execute(sa.select(meta_table.c.value).where(meta_table.c.key == REVISION_KEY)).scalar()
        connection.execute(meta_table.update().where(meta_table.c.key == REVISION_KEY).values(
            value=str(int(revision or 0) + 1)))


def _partner_record(row: Mapping[str, object]) -> CurrentRecord:
    """A row of `edit_records` as the record the dashboard shows."""
    return CurrentRecord(str(row["layer"]), str(row["id"]), _values(row["record_values"]) or {}, int(row["revision"]),
                         str(row["status"]), Place(row["ags"], row["municipality"], row["kreis_ags"], row["kreis"]),
                         row["confirmed_by"], row["confirmed_on"], row["organisation"])


def _covers(grant: Grant, changeset: ChangeSet, boundaries: gpd.GeoDataFrame) -> bool:
    """Whether a change set places a record in the grant's area."""
    places = (place_of(change.after, boundaries) for change in changeset.changes)
    return any(place is not None and grant.covers(place.kreis_ags, place.ags) for place in places)


def _layer_of(record_id: str) -> str:
    """The layer a record id names by its prefix (`sites-...`)."""
    return str(record_id).split("-", 1)[0]


def _append_only_ddl(dialect: str, schema: str | None) -> list[str]:
    """Triggers that make the history refuse UPDATE and DELETE, in the database itself."""
    if dialect == "sqlite":
        return [f"CREATE TRIGGER edit_history_no_{event.lower()} BEFORE {event} ON edit_history "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END" for event in ("UPDATE", "DELETE")]
    qualified = f'"{schema}".edit_history' if schema else "edit_history"
    function = f'"{schema}".edit_history_append_only' if schema else "edit_history_append_only"
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$",
        f"CREATE TRIGGER edit_history_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {qualified} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {qualified} FROM PUBLIC",
    ]
