"""Change sets: the person's open drafts with their changes field by field (remove one, submit), and the
submitted, published and rejected ones with their status, reviewer and comment."""

from __future__ import annotations

import streamlit as st

from regionmap.editing import changesets as cs
from regionmap.editing.records import editable_layer
from regionmap.editing.repository import ChangeSet
from regionmap.i18n import t
from regionmap.ui.maintenance_common import Context, attempt, changeset_line, flash, show_change
from regionmap.ui.text import plain


def _remove(ctx: Context, changeset_id: int, record_id: str) -> None:
    attempt(lambda: ctx.edits.remove_change(ctx.identity, changeset_id, record_id),
            t("maintenance.changesets.removed", ctx.lang, id=record_id), ctx.lang)


def _submit(ctx: Context, changeset_id: int) -> None:
    def submit() -> ChangeSet:
        return ctx.edits.submit(ctx.identity, changeset_id)

    result = attempt(submit, t("maintenance.changesets.submitted", ctx.lang, id=changeset_id), ctx.lang)
    if isinstance(result, ChangeSet) and result.status == cs.PUBLISHED:
        flash("info", t("maintenance.changesets.published_now", ctx.lang, id=changeset_id))


def _draft(ctx: Context, changeset: ChangeSet) -> None:
    lang = ctx.lang
    st.markdown(plain(changeset_line(changeset, lang)))
    if not changeset.changes:
        st.caption(t("maintenance.changesets.empty", lang))
    for change in changeset.changes:
        show_change(change, lang)
        st.button(t("maintenance.changesets.remove", lang), key=f"mt_rm{changeset.id}_{change.record_id}",
                  on_click=_remove, args=(ctx, changeset.id, change.record_id))
    editing = editable_layer(changeset.layer).editing
    review = editing is not None and editing.review
    st.caption(t("maintenance.changesets.to_review" if review else "maintenance.changesets.to_publish", lang))
    st.button(t("maintenance.changesets.submit", lang), key=f"mt_submit{changeset.id}", type="primary",
              on_click=_submit, args=(ctx, changeset.id), disabled=not changeset.changes)


def _done(ctx: Context, changeset: ChangeSet) -> None:
    lang = ctx.lang
    with st.expander(plain(changeset_line(changeset, lang))):
        if changeset.reviewed_by:
            st.markdown(plain(t("maintenance.changesets.reviewed", lang, by=changeset.reviewed_by)))
        if changeset.comment:
            st.text(changeset.comment)
        for change in changeset.changes:
            show_change(change, lang)


def render(ctx: Context) -> None:
    """The organisation's change sets, the person's own drafts first (colleagues' drafts are theirs to change)."""
    sets = [s for s in ctx.edits.change_sets(ctx.identity) if s.organisation == ctx.grant.organisation]
    drafts = [s for s in sets if s.status == cs.DRAFT and s.author == ctx.grant.email]
    others = [s for s in sets if s not in drafts]
    st.subheader(t("maintenance.changesets.drafts", ctx.lang))
    if not drafts:
        st.caption(t("maintenance.changesets.no_draft", ctx.lang))
    for changeset in drafts:
        with st.container(border=True):
            _draft(ctx, changeset)
    if others:
        st.subheader(t("maintenance.changesets.earlier", ctx.lang))
        for changeset in others:
            _done(ctx, changeset)
