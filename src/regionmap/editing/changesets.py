"""Change sets without storage: their states, what a change is, and the preview of a partner's file import.

A change set belongs to one organisation and one layer. It is a draft while its author edits it; submitted, it is
frozen (its digest is what the reviewer approves); approved or, on a layer without review, submitted, it is published
in one transaction. A rejected change set stays as it was, with the reviewer's comment.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from regionmap.editing.records import Values, changed_fields

DRAFT, SUBMITTED, PUBLISHED, REJECTED = "draft", "submitted", "published", "rejected"
STATUSES = (DRAFT, SUBMITTED, PUBLISHED, REJECTED)
CREATE, UPDATE, WITHDRAW = "create", "update", "withdraw"
ACTIONS = (CREATE, UPDATE, WITHDRAW)


@dataclass(frozen=True)
class Change:
    """One record's change in a change set: `before` is what its author saw (revision `base_revision`, 0 for the
    official build's record or a new one), `after` the new values (the same values for a withdrawal)."""

    record_id: str
    action: str
    base_revision: int
    before: Values | None
    after: Values

    @property
    def fields(self) -> list[tuple[str, str, str]]:
        """(field, before, after) of the fields this change alters."""
        return changed_fields(self.before, self.after)


def digest(changes: Sequence[Change]) -> str:
    """A fingerprint of a change set's content: what a reviewer approves must be what is published."""
    payload = [[c.record_id, c.action, c.base_revision, c.before, c.after]
               for c in sorted(changes, key=lambda c: c.record_id)]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ImportRow:
    """One incoming record of a file import: its row in the file (header = 1) and its values."""

    row: int
    values: Values


@dataclass
class ImportPreview:
    """A file import against the organisation's current records, before anything is stored."""

    new: list[ImportRow] = field(default_factory=list)
    changed: list[tuple[ImportRow, Values]] = field(default_factory=list)  # (incoming, current)
    unchanged: list[ImportRow] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # ids of current records the file no longer lists

    @property
    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "changed": len(self.changed), "unchanged": len(self.unchanged),
                "missing": len(self.missing)}


def import_preview(current: Mapping[str, Values], incoming: Sequence[ImportRow],
                   compared: Sequence[str]) -> ImportPreview:
    """Sort `incoming` rows into new (no id, or an id not among `current`), changed and unchanged (comparing the
    fields in `compared`, those the file maps), and list the `current` ids the file no longer has."""
    preview = ImportPreview()
    seen: set[str] = set()
    for item in incoming:
        record_id = item.values.get("id", "")
        if not record_id or record_id not in current:
            preview.new.append(item)
            continue
        seen.add(record_id)
        before = current[record_id]
        if any(item.values.get(name, "") != before.get(name, "") for name in compared):
            preview.changed.append((item, before))
        else:
            preview.unchanged.append(item)
    preview.missing = [record_id for record_id in current if record_id not in seen]
    return preview
