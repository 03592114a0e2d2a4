"""Who may do what: a grant per person (role, organisation, area, layers), and the checks every write runs.

The checks live here, in the library, and the repository calls them on every write: hiding a widget is no
permission. An editor edits records of its layers inside its area (Kreise and municipalities), before and after the
change; a reviewer also approves others' change sets in its area; an admin may do everything and manages grants.
The first admin comes from `$REGIONMAP_ADMIN_EMAIL`, so a new store can be set up without a database client.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from regionmap.auth.identity import normalise_email
from regionmap.errors import RegionmapError

ADMIN_ENV = "REGIONMAP_ADMIN_EMAIL"
EDITOR, REVIEWER, ADMIN = "editor", "reviewer", "admin"
ROLES = (EDITOR, REVIEWER, ADMIN)
MAX_ORGANISATION = 200


class PermissionDenied(RegionmapError):
    """A write that the person's grant does not allow; `reason` is a stable code for the history."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.actor, self.what, self.where = "", "", {}
        self.logged = False  # the repository logs each refusal once, after the refused transaction
        super().__init__(message)

    def context(self, actor: str, what: str, **where: object) -> None:
        """Who was refused, doing what, where (change set, layer, record): for the history."""
        self.actor, self.what = actor, what
        self.where = {key: value for key, value in where.items() if value is not None}


@dataclass(frozen=True)
class Grant:
    """What one person may do. An empty `kreise` and `municipalities` means the whole region, empty `layers` every
    editable layer."""

    email: str
    role: str
    organisation: str
    kreise: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()

    @property
    def whole_region(self) -> bool:
        return not self.kreise and not self.municipalities

    def covers(self, kreis_ags: str | None, ags: str | None) -> bool:
        """Whether a place (its Kreis and municipality) lies in the grant's area."""
        if self.role == ADMIN or self.whole_region:
            return True
        return (kreis_ags in self.kreise) or (ags in self.municipalities)

    def may_edit_layer(self, layer: str) -> bool:
        return self.role == ADMIN or not self.layers or layer in self.layers

    @property
    def may_review(self) -> bool:
        return self.role in (REVIEWER, ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


def _codes(values: Iterable[str], digits: int, what: str) -> tuple[str, ...]:
    codes = tuple(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))
    bad = [c for c in codes if not re.fullmatch(rf"\d{{{digits}}}", c)]
    if bad:
        raise ValueError(f"{what} must be {digits} digits, got {', '.join(repr(c[:20]) for c in bad)}")
    return codes


def make_grant(email: str, role: str, organisation: str, *, kreise: Sequence[str] = (),
               municipalities: Sequence[str] = (), layers: Sequence[str] = (),
               known_kreise: Iterable[str] = (), known_layers: Iterable[str] = ()) -> Grant:
    """A checked grant: a known role, an organisation, Kreise of the region (5 digits), municipalities (8 digits,
    inside those Kreise' region) and editable layers. ValueError names the first wrong value."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    name = " ".join(str(organisation).split())
    if not name or len(name) > MAX_ORGANISATION:
        raise ValueError(f"organisation must be 1 to {MAX_ORGANISATION} characters")
    kreis_codes = _codes(kreise, 5, "Kreis AGS")
    known = set(known_kreise)
    unknown = [k for k in kreis_codes if known and k not in known]
    ags_codes = _codes(municipalities, 8, "municipality AGS")
    unknown += [a for a in ags_codes if known and a[:5] not in known]
    if unknown:
        raise ValueError(f"not in the region: {', '.join(unknown)}")
    layer_ids = tuple(dict.fromkeys(layers))
    editable = set(known_layers)
    if editable and any(layer not in editable for layer in layer_ids):
        raise ValueError(f"layers must be editable layers ({', '.join(sorted(editable))}), got {', '.join(layer_ids)}")
    return Grant(normalise_email(email), role, name, kreis_codes, ags_codes, layer_ids)


def bootstrap_admin(email: str) -> Grant | None:
    """The admin grant `$REGIONMAP_ADMIN_EMAIL` gives `email`, if it names them."""
    configured = os.environ.get(ADMIN_ENV, "").strip().lower()
    if configured and configured == email.lower():
        return Grant(configured, ADMIN, "Metropolregion (admin)")
    return None


def require_edit(grant: Grant | None, layer: str, places: Iterable[tuple[str | None, str | None]]) -> Grant:
    """The grant when it may edit a record of `layer` at every one of `places` ((kreis_ags, ags) before and after
    the change); PermissionDenied otherwise."""
    if grant is None:
        raise PermissionDenied("no_role", "You have no role in regionmap: ask the region's office for access.")
    if not grant.may_edit_layer(layer):
        raise PermissionDenied("layer", f"Your role does not cover the layer '{layer}'.")
    for kreis_ags, ags in places:
        if not grant.covers(kreis_ags, ags):
            raise PermissionDenied("area", f"The record lies outside your area (Kreis {kreis_ags}, municipality {ags}).")
    return grant


def require_review(grant: Grant | None, author: str, layer: str,
                   places: Iterable[tuple[str | None, str | None]]) -> Grant:
    """The grant when it may approve or reject a change set by `author` of `layer` touching `places`."""
    if grant is None or not grant.may_review:
        raise PermissionDenied("not_reviewer", "Only a reviewer or an admin may approve or reject change sets.")
    if grant.email == author:
        raise PermissionDenied("own_change_set", "Nobody approves their own change set: ask another reviewer.")
    return require_edit(grant, layer, places)


def require_admin(grant: Grant | None) -> Grant:
    if grant is None or not grant.is_admin:
        raise PermissionDenied("not_admin", "Only an admin may manage roles or read the whole history.")
    return grant
