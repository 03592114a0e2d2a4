"""Partner editing on both store backends: roles, change sets, review, publishing, conflicts, the append-only history,
and what every reader of the store sees afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from editing_support import EDITOR, GOSLAR, HANNOVER_EDITOR, NOBODY, REVIEWER, grant_people, writable_store
from store_backends import BACKENDS

from regionmap.data.pipeline import build_store
from regionmap.data.store import load_store, store_at
from regionmap.editing.repository import Conflict, EditError, ValidationFailed
from regionmap.editing.repository import history_table as history
from regionmap.editing.roles import PermissionDenied
from regionmap.taxonomy import taxonomy

pytest_plugins = ["editing_fixtures"]  # location (each backend), edits

GOSLAR_SITE, HANNOVER_SITE = "sites-goslar-bassgeige", "sites-hannover-marienwerder"


def record(edits, record_id: str, layer: str = "sites"):
    return edits.current_records(layer)[record_id]


def edit_and_submit(edits, changes: dict, record_id: str = GOSLAR_SITE, who=EDITOR):
    current = record(edits, record_id)
    changeset = edits.open_change_set(who, "sites")
    edits.put_change(who, changeset, dict(current.values, **changes), record_id=record_id,
                     base_revision=current.revision)
    return edits.submit(who, changeset)


def refusals(edits) -> list[str]:
    """The details of the refusals the library logged, oldest first."""
    with store_at_engine(edits).connect() as connection:
        query = sa.select(history.c.detail).where(history.c.action == "refused").order_by(history.c.seq)
        return list(connection.execute(query).scalars())


def store_at_engine(edits) -> sa.Engine:
    """The editing tables' engine: the tests read and try to alter the history table directly."""
    return edits._engine


def test_an_editor_sees_and_edits_only_its_area(edits):
    mine = edits.records_for(EDITOR, "sites")
    assert mine and all(r.place.kreis_ags == GOSLAR for r in mine)
    hannover = record(edits, HANNOVER_SITE)
    changeset = edits.open_change_set(EDITOR, "sites")
    with pytest.raises(PermissionDenied) as refused:
        edits.put_change(EDITOR, changeset, dict(hannover.values, name="Übernommen"), record_id=HANNOVER_SITE)
    assert refused.value.reason == "area"
    goslar = record(edits, GOSLAR_SITE)
    hannover_point = {"lon": hannover.values["lon"], "lat": hannover.values["lat"]}
    with pytest.raises(PermissionDenied):  # nor move its own record into another Kreis
        edits.put_change(EDITOR, changeset, dict(goslar.values, **hannover_point), record_id=GOSLAR_SITE)
    with pytest.raises(PermissionDenied) as layer:
        edits.open_change_set(EDITOR, "events")
    assert layer.value.reason == "layer"
    with pytest.raises(PermissionDenied) as nobody:
        edits.open_change_set(NOBODY, "sites")
    assert nobody.value.reason == "no_role"
    assert [d.split(":")[1].strip() for d in refusals(edits)] == ["area", "area", "layer", "no_role"]
    assert edits.change_set(changeset).changes == ()


def test_review_publishes_and_every_reader_sees_it(edits, location):
    before = load_store(store_at(location))
    version = store_at(location).version()
    submitted = edit_and_submit(edits, {"name": "Gewerbegebiet Baßgeige Nord", "area_ha": "12.5"})
    assert submitted.status == "submitted"  # sites need a review
    assert load_store(store_at(location)).layers["sites"].set_index("id").loc[GOSLAR_SITE, "area_ha"] != 12.5
    with pytest.raises(PermissionDenied) as own:
        edits.approve(EDITOR, submitted.id, submitted.digest)
    assert own.value.reason == "not_reviewer"
    published = edits.approve(REVIEWER, submitted.id, submitted.digest, "geprüft")
    assert published.status == "published" and published.reviewed_by == REVIEWER.label
    assert store_at(location).version() != version
    after = load_store(store_at(location))
    site = after.layers["sites"].set_index("id").loc[GOSLAR_SITE]
    assert (site["name"], site["area_ha"], site["kreis_ags"]) == ("Gewerbegebiet Baßgeige Nord", 12.5, GOSLAR)
    assert site["source_en"].startswith("Data of the responsible partner")
    assert len(after.layers["sites"]) == len(before.layers["sites"])
    assert list(after.layers["sites"].columns) == list(before.layers["sites"].columns)
    filtered = store_at(location).read_layer("sites", kreis=GOSLAR).set_index("id")
    assert filtered.loc[GOSLAR_SITE, "name"] == "Gewerbegebiet Baßgeige Nord"
    assert record(edits, GOSLAR_SITE).revision == 1


def test_new_and_withdrawn_records_change_the_layer_and_the_counts(edits, location):
    goslar = record(edits, GOSLAR_SITE)
    ags = goslar.place.ags
    count = int(load_store(store_at(location)).gemeinden.set_index("ags").loc[ags, "n_sites"])
    changeset = edits.open_change_set(EDITOR, "sites")
    new_values = dict(goslar.values, id="", name="Neues Gewerbegebiet am Harz", lon="10.445", lat="51.915")
    created = edits.put_change(EDITOR, changeset, new_values)
    assert created.action == "create" and created.record_id == "sites-neues-gewerbegebiet-am-harz"
    edits.put_change(EDITOR, changeset, goslar.values, record_id=GOSLAR_SITE, withdraw=True)
    edits.approve(REVIEWER, changeset, edits.submit(EDITOR, changeset).digest)
    data = load_store(store_at(location))
    ids = set(data.layers["sites"]["id"])
    assert created.record_id in ids and GOSLAR_SITE not in ids
    assert int(data.gemeinden.set_index("ags").loc[ags, "n_sites"]) == count  # one more, one fewer
    assert record(edits, GOSLAR_SITE).status == "withdrawn"  # never deleted: still in the history
    history = edits.history(EDITOR, record_id=GOSLAR_SITE)
    assert "withdraw" in set(history["action"])


def test_a_layer_without_review_publishes_on_submit(edits, location):
    research = edits.records_for(EDITOR, "research")[0]
    changeset = edits.open_change_set(EDITOR, "research")
    edits.put_change(EDITOR, changeset, dict(research.values, website="https://www.tu-clausthal.de/forschung"),
                     record_id=research.id, base_revision=research.revision)
    assert edits.submit(EDITOR, changeset).status == "published"
    layer = load_store(store_at(location)).layers["research"].set_index("id")
    assert layer.loc[research.id, "website"] == "https://www.tu-clausthal.de/forschung"


def test_values_are_checked_as_validate_checks_them(edits):
    goslar = record(edits, GOSLAR_SITE)
    changeset = edits.open_change_set(EDITOR, "sites")
    bad = dict(goslar.values, category="castle", website="ftp://example.org", lon="200", name="")
    with pytest.raises(ValidationFailed) as failed:
        edits.put_change(EDITOR, changeset, bad, record_id=GOSLAR_SITE, row=7, origin="sites.xlsx")
    fields = {p.field for p in failed.value.problems}
    assert {"category", "website", "lon", "name"} <= fields
    assert all(p.file == "sites.xlsx" and p.row == 7 and p.id == GOSLAR_SITE for p in failed.value.problems)
    with pytest.raises(ValidationFailed):  # markup is refused, as in the curated files
        edits.put_change(EDITOR, changeset, dict(goslar.values, name="<script>alert(1)</script>"),
                         record_id=GOSLAR_SITE)


def test_formulas_and_quotes_are_stored_as_text(edits, location):
    hostile = "=HYPERLINK(\"http://evil.example\",\"x\"); '; DROP TABLE gemeinden; --"
    published = edit_and_submit(edits, {"address": hostile})
    edits.approve(REVIEWER, published.id, published.digest)
    data = load_store(store_at(location))
    assert data.layers["sites"].set_index("id").loc[GOSLAR_SITE, "address"] == hostile
    assert len(data.gemeinden) == 381


def test_no_lost_update_between_two_editors(edits, location):
    edits.set_grant(None, "zweite@goslar.example", "editor", "Wirtschaftsförderung Goslar", kreise=[GOSLAR])
    second = EDITOR.__class__("zweite@goslar.example", "sub-2")
    opened = record(edits, GOSLAR_SITE)  # both open revision 0
    first = edits.open_change_set(EDITOR, "sites")
    edits.put_change(EDITOR, first, dict(opened.values, area_ha="20"), record_id=GOSLAR_SITE, base_revision=0)
    other = edits.open_change_set(second, "sites")
    with pytest.raises(Conflict) as pending:  # the first change is still under way
        edits.put_change(second, other, dict(opened.values, area_ha="30"), record_id=GOSLAR_SITE, base_revision=0)
    assert (pending.value.changeset_id, pending.value.by, pending.value.current["area_ha"]) == (first, EDITOR.email,
                                                                                               "20")
    with pytest.raises(PermissionDenied) as colleague:  # nor can the colleague write into the other's draft
        edits.put_change(second, first, dict(opened.values, area_ha="30"), record_id=GOSLAR_SITE)
    assert colleague.value.reason == "other_author"
    edits.approve(REVIEWER, first, edits.submit(EDITOR, first).digest)
    with pytest.raises(Conflict) as moved:  # published meanwhile: the second sees the other change
        edits.put_change(second, other, dict(opened.values, area_ha="30"), record_id=GOSLAR_SITE, base_revision=0)
    assert (moved.value.current_revision, moved.value.current["area_ha"]) == (1, "20")
    kept = edits.put_change(second, other, dict(opened.values, area_ha="30"), record_id=GOSLAR_SITE,
                            base_revision=0, resolve="mine")
    assert kept.base_revision == 1 and ("area_ha", "20", "30") in kept.fields
    edits.approve(REVIEWER, other, edits.submit(second, other).digest)
    assert record(edits, GOSLAR_SITE).values["area_ha"] == "30"


def test_submitted_change_sets_are_frozen_and_approvals_cannot_be_replayed(edits):
    submitted = edit_and_submit(edits, {"area_ha": "15"})
    goslar = record(edits, GOSLAR_SITE)
    with pytest.raises(PermissionDenied) as frozen:
        edits.put_change(EDITOR, submitted.id, dict(goslar.values, area_ha="99"), record_id=GOSLAR_SITE)
    assert frozen.value.reason == "not_draft"
    with pytest.raises(PermissionDenied) as stale:
        edits.approve(REVIEWER, submitted.id, "0" * 16)
    assert stale.value.reason == "digest"
    edits.approve(REVIEWER, submitted.id, submitted.digest)
    with pytest.raises(PermissionDenied) as replay:
        edits.approve(REVIEWER, submitted.id, submitted.digest)
    assert replay.value.reason == "not_submitted"
    with pytest.raises(EditError):
        edits.reject(REVIEWER, submitted.id, submitted.digest, "")
    assert [d.split(":")[1].strip() for d in refusals(edits)] == ["not_draft", "digest", "not_submitted"]


def test_another_organisation_cannot_touch_a_change_set(edits):
    changeset = edits.open_change_set(EDITOR, "sites")
    hannover = record(edits, HANNOVER_SITE)
    with pytest.raises(PermissionDenied) as other:
        edits.put_change(HANNOVER_EDITOR, changeset, hannover.values, record_id=HANNOVER_SITE)
    assert other.value.reason == "other_organisation"
    with pytest.raises(PermissionDenied):
        edits.submit(HANNOVER_EDITOR, changeset)


def test_the_history_is_append_only_in_the_database(edits):
    edit_and_submit(edits, {"area_ha": "15"})
    engine = store_at_engine(edits)
    for statement in (history.update().values(actor="someone else"), history.delete()):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with engine.begin() as connection:
                connection.execute(statement)
    with engine.connect() as connection:
        actors = set(connection.execute(sa.select(history.c.actor)).scalars())
    assert EDITOR.label in actors and "someone else" not in actors


def test_the_admin_reads_the_whole_history_with_filters(edits, monkeypatch: pytest.MonkeyPatch):
    submitted = edit_and_submit(edits, {"area_ha": "15"})
    edits.approve(REVIEWER, submitted.id, submitted.digest, "ok")
    with pytest.raises(PermissionDenied):
        edits.history(EDITOR)
    admin = EDITOR.__class__("chef@metropolregion.example", "sub-admin")
    monkeypatch.setenv("REGIONMAP_ADMIN_EMAIL", admin.email)
    history = edits.history(admin)
    assert {"grant", "open", "draft_update", "submit", "approve", "update", "publish"} <= set(history["action"])
    area = edits.history(admin, record_id=GOSLAR_SITE, action="update")
    assert list(area["field"]) == [f for f, _, _ in submitted.changes[0].fields]
    assert set(area["after_value"]) >= {"15"}
    assert edits.history(admin, person=REVIEWER.label, action="approve")["detail"].tolist() == ["ok"]


@pytest.fixture(params=BACKENDS)
def own_store(request: pytest.FixtureRequest, tmp_path: Path, source_dir: Path) -> str:
    """A store of this test's own to rebuild (not the session's PostGIS build, which other tests compare)."""
    if request.param == "gpkg":
        return next(writable_store(request, tmp_path))
    url = request.getfixturevalue("postgis_database")()
    build_store(source_dir=source_dir, out=url)
    return url


def test_a_rebuild_keeps_the_partners_records(own_store: str, source_dir: Path):
    location = own_store
    grant_people(location)
    edits = store_at(location).edits()
    submitted = edit_and_submit(edits, {"name": "Baßgeige (Partner)"})
    edits.approve(REVIEWER, submitted.id, submitted.digest)
    build_store(source_dir=source_dir, out=location)
    data = load_store(store_at(location))
    assert data.layers["sites"].set_index("id").loc[GOSLAR_SITE, "name"] == "Baßgeige (Partner)"
    assert "+1" in store_at(location).version()
    fresh = store_at(location).edits()
    assert fresh.grant_of(EDITOR.email).organisation == "Wirtschaftsförderung Goslar"
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):  # the triggers came along
        with fresh._engine.begin() as connection:
            connection.execute(history.delete())


def test_the_ogc_api_serves_the_published_records(edits, location):
    from starlette.testclient import TestClient

    from regionmap.api.server import app

    submitted = edit_and_submit(edits, {"name": "Baßgeige im API"})
    edits.approve(REVIEWER, submitted.id, submitted.digest)
    with TestClient(app("http://localhost:5000", location)) as client:
        answer = client.get(f"/collections/sites/items/{GOSLAR_SITE}", params={"f": "json"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["properties"]["name"] == "Baßgeige im API"


def test_investor_fields_reach_the_layer_and_the_record_is_no_longer_indicative(edits, location):
    from regionmap.dashboard.details import is_indicative

    investor = {"planning_status": "in_force", "land_use": "GE", "price_on_request": "true", "serviced": "true",
                "contact_org": "Wirtschaftsförderung Goslar", "contact_email": "flaechen@goslar.example",
                "contact_phone": "+49 5321 704-0", "available_from": "2027-01-01", "net_area_ha": "8.5",
                "area_ha": "10"}
    changeset = edits.open_change_set(EDITOR, "sites")
    current = record(edits, GOSLAR_SITE)
    with pytest.raises(ValidationFailed) as failed:
        edits.put_change(EDITOR, changeset, {**current.values, **investor, "contact_email": "flaechen(at)goslar",
                                             "net_area_ha": "12"}, record_id=GOSLAR_SITE)
    assert {"contact_email", "net_area_ha"} <= {p.field for p in failed.value.problems}
    edits.put_change(EDITOR, changeset, dict(current.values, **investor), record_id=GOSLAR_SITE)
    edits.approve(REVIEWER, changeset, edits.submit(EDITOR, changeset).digest)
    site = load_store(store_at(location)).layers["sites"].set_index("id").loc[GOSLAR_SITE]
    assert (site["planning_status"], site["land_use"], site["contact_email"]) == ("in_force", "GE",
                                                                                 "flaechen@goslar.example")
    assert site["net_area_ha"] == 8.5 and site["confirmed_by"] == "Wirtschaftsförderung Goslar"
    assert site["indicative"] and not is_indicative(site)  # confirmed by its partner


def test_a_store_nobody_edited_yet_reads_as_empty(location, monkeypatch: pytest.MonkeyPatch):
    edits = store_at(location).edits()
    assert not edits.exists()
    admin = EDITOR.__class__("chef@metropolregion.example", "sub-admin")
    monkeypatch.setenv("REGIONMAP_ADMIN_EMAIL", admin.email)
    assert edits.records_for(admin, "sites") and edits.change_sets(admin) == []
    assert edits.history(admin).empty and edits.revision() == 0 and edits.published() == []
    assert not edits.exists()  # reading created nothing


def test_column_reads_and_counts_include_the_published_records(edits, location):
    """Store.read_columns and Store.count (the URL vocabulary, the totals, the region figures) give what read_layer
    gives, with the partners' records: before and after a new record and a withdrawal are published."""
    store = store_at(location)
    before = store.count("sites")
    assert before == len(store.read_layer("sites"))
    goslar = record(edits, GOSLAR_SITE)
    changeset = edits.open_change_set(EDITOR, "sites")
    created = edits.put_change(EDITOR, changeset, dict(goslar.values, id="", name="Neues Gewerbegebiet am Harz",
                                                       lon="10.445", lat="51.915"))
    edits.put_change(EDITOR, changeset, goslar.values, record_id=GOSLAR_SITE, withdraw=True)
    edits.approve(REVIEWER, changeset, edits.submit(EDITOR, changeset).digest)
    store = store_at(location)
    layer = store.read_layer("sites")
    assert store.count("sites") == len(layer) == before  # one more, one fewer
    ids = list(store.read_columns("sites", ["id"])["id"])
    assert ids == list(layer["id"]) and created.record_id in ids and GOSLAR_SITE not in ids
    counts = store.read_columns("gemeinden", ["ags", "n_sites"])
    assert list(counts["n_sites"]) == list(store.read_layer("gemeinden")["n_sites"])
    assert load_store(store).url_vocab(taxonomy()).sites == frozenset(ids)


def test_partner_sites_have_their_location_factors(edits, location):
    """A new site and a moved one carry the distances to every location factor, measured like the build's: the
    finder's distance limits and the site sheet treat them like official sites."""
    from regionmap.investor.factors import compute_location_factors, location_factors

    goslar = record(edits, GOSLAR_SITE)
    built = load_store(store_at(location)).layers["sites"].set_index("id").loc[GOSLAR_SITE]
    changeset = edits.open_change_set(EDITOR, "sites")
    new = edits.put_change(EDITOR, changeset, dict(goslar.values, id="", name="Neues Gewerbegebiet am Harz",
                                                   lon="10.445", lat="51.915"))
    edits.put_change(EDITOR, changeset, dict(goslar.values, lon="10.52", lat="51.93"), record_id=GOSLAR_SITE,
                     base_revision=goslar.revision)
    edits.approve(REVIEWER, changeset, edits.submit(EDITOR, changeset).digest)
    data = load_store(store_at(location))
    sites = data.layers["sites"].set_index("id")
    factors = location_factors()
    expected = compute_location_factors(data.layers["sites"], data.layers, factors).set_index("id")
    for site_id in (new.record_id, GOSLAR_SITE):
        for factor in factors:
            assert sites.loc[site_id, factor.value_column] == pytest.approx(expected.loc[site_id, factor.value_column])
            assert sites.loc[site_id, factor.id_column] == expected.loc[site_id, factor.id_column]
        assert sites.loc[site_id, factors[0].value_column] > 0
    assert sites.loc[GOSLAR_SITE, factors[0].value_column] != built[factors[0].value_column]  # measured from the move
