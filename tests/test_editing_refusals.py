"""Refusals raised inside a write (a change to a submitted change set, approving one's own) are logged and raised
at once on both backends: logging them must not wait for the store's write lock that the refused write holds. The
import preview is checked without a change set and stores nothing."""

from __future__ import annotations

import threading

import pytest
from test_app_maintenance_body import EDITOR, GOSLAR, REVIEWER, SITE, edit_store  # noqa: F401 (the fixture)

from regionmap.auth.identity import Identity
from regionmap.data.store import store_at
from regionmap.editing.repository import ValidationFailed
from regionmap.editing.roles import PermissionDenied

ADMIN = Identity("admin@region.de", "s")
WAIT_S = 60  # far longer than any refusal takes; a deadlock never ends


def refused_in_time(action) -> PermissionDenied:
    """Run `action` in a thread and return its refusal; fail when it has not ended after WAIT_S seconds."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            action()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 (handed to the test)
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(WAIT_S)
    assert outcome, "the refused write did not end: the refusal waited for the write lock"
    assert isinstance(outcome[0], PermissionDenied), outcome[0]
    return outcome[0]


def test_refusals_inside_a_write_are_logged_without_waiting(edit_store: str) -> None:  # noqa: F811
    edits = store_at(edit_store).edits()
    reviewer = Identity(REVIEWER, "s")
    current = {r.id: r for r in edits.records_for(reviewer, "sites")}[SITE]
    changeset = edits.open_change_set(reviewer, "sites")
    edits.put_change(reviewer, changeset, dict(current.values, area_ha="7"), record_id=SITE,
                     base_revision=current.revision)
    submitted = edits.submit(reviewer, changeset)
    assert refused_in_time(lambda: edits.approve(reviewer, changeset, submitted.digest or "")).reason == \
        "own_change_set"
    assert refused_in_time(lambda: edits.remove_change(reviewer, changeset, SITE)).reason == "not_draft"
    refused = edits.history(ADMIN, action="refused", person=REVIEWER)
    assert [d.split(":")[0] for d in refused["detail"]] == ["approve", "change"]


def test_the_import_preview_is_checked_without_a_change_set(edit_store: str) -> None:  # noqa: F811
    edits = store_at(edit_store).edits()
    editor = Identity(EDITOR, "s")
    current = {r.id: r for r in edits.records_for(editor, "sites")}[SITE]
    items = [(2, dict(current.values, availability="available"), SITE, current.revision, False),
             (3, dict(current.values, id="", name="Neu", category="nope"), None, None, False)]
    with pytest.raises(ValidationFailed) as failed:
        edits.check_changes(editor, None, items, layer="sites", origin="liste.csv")
    assert [(p.file, p.row, p.field) for p in failed.value.problems] == [("liste.csv", 3, "category")]
    changes = edits.check_changes(editor, None, items[:1], layer="sites")
    assert [c.record_id for c in changes] == [SITE] and changes[0].after["ags"].startswith(GOSLAR)
    assert not edits.change_sets(editor)  # nothing stored
    with pytest.raises(ValueError):
        edits.check_changes(editor, None, items[:1], layer="no-such-layer")
