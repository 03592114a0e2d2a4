"""The body of the maintenance page for a signed-in person: who they are in regionmap, then their records, the
records due for confirmation, change sets, file import and, by role, review and admin. Every write goes through the store's `Edits`, which checks the
grant; the page only leaves out what the role cannot use."""

from __future__ import annotations

import os

import streamlit as st

from regionmap.auth.identity import Identity
from regionmap.editing.records import editable_layers
from regionmap.editing.repository import Edits
from regionmap.editing.roles import ADMIN_ENV, Grant
from regionmap.i18n import t
from regionmap.ui import (
    maintenance_admin,
    maintenance_changesets,
    maintenance_due,
    maintenance_import,
    maintenance_leads,
    maintenance_records,
    maintenance_review,
)
from regionmap.ui.data import region_name, store
from regionmap.ui.maintenance_common import Context, show_flashes
from regionmap.ui.text import plain

REFUSAL_LOGGED = "mt_refusal_logged"


def area_text(grant: Grant, names: dict[str, str], lang: str) -> str:
    """The grant's area: its Kreise and municipalities by name, or the whole region."""
    if grant.whole_region:
        return region_name(lang)
    return ", ".join(names.get(code, code) for code in (*grant.kreise, *grant.municipalities))


def _no_role(edits: Edits, identity: Identity, lang: str) -> None:
    """Explain whom to ask; the refusal goes into the history once per session."""
    if st.session_state.get(REFUSAL_LOGGED) != identity.email:
        edits.log(identity.label, "refused", "maintenance: no_role")
        st.session_state[REFUSAL_LOGGED] = identity.email
    admin = os.environ.get(ADMIN_ENV, "").strip()
    st.warning(plain(t("maintenance.no_role", lang, email=identity.email)))
    if admin:
        st.caption(plain(t("maintenance.no_role_contact", lang, admin=admin)))


def render_body(identity: Identity, lang: str) -> None:
    """The maintenance page of `identity` in `lang`."""
    data = store(lang)
    edits = data.backend.edits()
    grant = edits.grant_of(identity.email)
    if grant is None:
        _no_role(edits, identity, lang)
        return
    names = {str(a): str(n) for a, n in zip(data.layers["kreise"]["ags"], data.layers["kreise"]["name"])}
    names |= {str(a): str(n) for a, n in zip(data.layers["gemeinden"]["ags"], data.layers["gemeinden"]["name"])}
    st.markdown(plain(t("maintenance.who", lang, role=t(f"maintenance.role.{grant.role}", lang),
                        organisation=grant.organisation, area=area_text(grant, names, lang))))
    show_flashes()
    layers = [layer for layer in editable_layers() if grant.may_edit_layer(layer.id)]
    if not layers:
        st.info(t("maintenance.no_layers", lang))
        return
    by_id = {layer.id: layer for layer in layers}
    chosen = st.selectbox(t("maintenance.layer", lang), list(by_id), format_func=lambda i: by_id[i].label(lang),
                          key="mt_layer")
    ctx = Context(identity, grant, edits, data, by_id[chosen or layers[0].id], lang)
    sections = [("records", maintenance_records.render), ("due", maintenance_due.render),
                ("changesets", maintenance_changesets.render), ("import", maintenance_import.render),
                ("leads", maintenance_leads.render)]
    if grant.may_review:
        sections.append(("review", maintenance_review.render))
    if grant.is_admin:
        sections.append(("admin", maintenance_admin.render))
    for tab, (_, section) in zip(st.tabs([t(f"maintenance.tab.{name}", lang) for name, _ in sections]), sections):
        with tab:
            section(ctx)
