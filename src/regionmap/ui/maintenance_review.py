"""Review: the submitted change sets of others in the reviewer's area, each change field by field, approved or
rejected with a comment. The approval names the change set's digest as shown, so a change set altered since is
refused; nobody approves their own change set (the library refuses it, and the page says so beforehand)."""

from __future__ import annotations

import streamlit as st

from regionmap.editing import changesets as cs
from regionmap.editing.repository import ChangeSet
from regionmap.i18n import t
from regionmap.ui.maintenance_common import Context, attempt, changeset_line, flash, show_change
from regionmap.ui.text import plain


def comment_key(changeset_id: int) -> str:
    return f"mt_comment{changeset_id}"


def _decide(ctx: Context, changeset_id: int, digest: str, approve: bool) -> None:
    lang = ctx.lang
    comment = str(st.session_state.get(comment_key(changeset_id)) or "")
    if not approve and not comment.strip():
        flash("error", t("maintenance.review.comment_needed", lang))
        return
    if approve:
        attempt(lambda: ctx.edits.approve(ctx.identity, changeset_id, digest, comment),
                t("maintenance.review.approved", lang, id=changeset_id), lang)
    else:
        attempt(lambda: ctx.edits.reject(ctx.identity, changeset_id, digest, comment),
                t("maintenance.review.rejected", lang, id=changeset_id), lang)


def _one(ctx: Context, changeset: ChangeSet) -> None:
    lang = ctx.lang
    st.markdown(plain(changeset_line(changeset, lang)))
    st.caption(plain(t("maintenance.review.digest", lang, digest=changeset.digest or "")))
    for change in changeset.changes:
        show_change(change, lang)
    if changeset.author == ctx.grant.email:
        st.info(t("maintenance.review.own", lang))
    st.text_area(t("maintenance.review.comment", lang), key=comment_key(changeset.id), max_chars=2000)
    approve, reject = st.columns(2)
    approve.button(t("maintenance.review.approve", lang), key=f"mt_approve{changeset.id}", type="primary",
                   on_click=_decide, args=(ctx, changeset.id, changeset.digest or "", True))
    reject.button(t("maintenance.review.reject", lang), key=f"mt_reject{changeset.id}", on_click=_decide,
                  args=(ctx, changeset.id, changeset.digest or "", False))


def render(ctx: Context) -> None:
    """Every submitted change set the reviewer may see, oldest first."""
    sets = sorted(ctx.edits.change_sets(ctx.identity, status=[cs.SUBMITTED]), key=lambda s: s.id)
    if not sets:
        st.caption(t("maintenance.review.none", ctx.lang))
    for changeset in sets:
        with st.container(border=True):
            _one(ctx, changeset)
