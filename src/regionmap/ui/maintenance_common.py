"""What the maintenance page's sections share: the person's context, messages of actions across reruns, refusals
as text, the draft change set of the organisation, and a change shown field by field."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st

from regionmap.auth.identity import Identity
from regionmap.dashboard.map_style import map_style
from regionmap.data.store import StoreData
from regionmap.editing import changesets as cs
from regionmap.editing.changesets import Change
from regionmap.editing.form import field_label
from regionmap.editing.repository import ChangeSet, Conflict, EditError, Edits, ValidationFailed
from regionmap.editing.roles import Grant, PermissionDenied
from regionmap.i18n import format_date, has_text, t
from regionmap.maps import bounds_of, compose_map, outline_layer
from regionmap.maps.elements import PointLayer
from regionmap.taxonomy import Layer
from regionmap.ui.data import vendor_assets
from regionmap.ui.mapview import draw_map
from regionmap.ui.text import plain
from regionmap.data.check_messages import message_text

FLASH = "mt_flash"
HIDDEN_FIELDS = ("layer", "source")  # the same for every partner record: not worth a line in a diff


@dataclass(frozen=True)
class Context:
    """Who works on the page, in which language, on which store and layer."""

    identity: Identity
    grant: Grant
    edits: Edits
    data: StoreData
    layer: Layer
    lang: str


def flash(kind: str, text: str) -> None:
    """A message (`success`, `info`, `warning`, `error`) shown at the top of the next run."""
    st.session_state.setdefault(FLASH, []).append((kind, text))


def show_flashes() -> None:
    for kind, text in st.session_state.pop(FLASH, []):
        getattr(st, kind)(plain(text))


def refusal_text(refusal: PermissionDenied, lang: str) -> str:
    """A refusal in the page's language (by its reason), else the library's own message."""
    key = f"maintenance.refused.{refusal.reason}"
    return t(key, lang) if has_text(key) else str(refusal)


def problem_lines(failed: ValidationFailed, lang: str) -> list[str]:
    """Every problem of a failed validation as "row N, field: message"."""
    return [t("maintenance.problem", lang, row=p.row if p.row is not None else "-", field=field_label(p.field, lang),
              message=message_text(p.message, lang)) for p in failed.problems]


def attempt(action: Callable[[], object], done: str, lang: str) -> object | None:
    """Run a write; its outcome becomes a message of the next run. Refusals, conflicts, failed checks and wrong steps
    give their message (never a traceback); None then."""
    try:
        result = action()
    except PermissionDenied as refusal:
        flash("error", refusal_text(refusal, lang))
    except ValidationFailed as failed:
        flash("error", "\n\n".join([t("maintenance.invalid", lang), *problem_lines(failed, lang)]))
    except Conflict as conflict:
        flash("warning", t("maintenance.conflict.title", lang, record=conflict.record_id, by=conflict.by))
    except (EditError, ValueError) as exc:
        flash("error", str(exc))
    else:
        flash("success", done)
        return result if result is not None else True
    return None


def draft_of(ctx: Context) -> ChangeSet | None:
    """The person's open draft change set of the layer, if there is one (colleagues each have their own)."""
    for changeset in ctx.edits.change_sets(ctx.identity, status=[cs.DRAFT]):
        if changeset.layer == ctx.layer.id and changeset.author == ctx.grant.email:
            return changeset
    return None


def draft_id(ctx: Context, origin: str = "form") -> int:
    """The person's draft change set of the layer, opened when there is none."""
    draft = draft_of(ctx)
    return draft.id if draft is not None else ctx.edits.open_change_set(ctx.identity, ctx.layer.id, origin)


def change_frame(change: Change, lang: str) -> pd.DataFrame:
    """A change field by field: field, before, after (text as text)."""
    rows = [(field_label(name, lang), before, after) for name, before, after in change.fields
            if name not in HIDDEN_FIELDS]
    return pd.DataFrame(rows, columns=[t("maintenance.diff.field", lang), t("maintenance.diff.before", lang),
                                       t("maintenance.diff.after", lang)])


def show_change(change: Change, lang: str) -> None:
    """One change: what happens to which record, then its fields before and after."""
    name = change.after.get("name") or change.record_id
    st.markdown(plain(t(f"maintenance.action.{change.action}", lang, name=name, id=change.record_id)))
    frame = change_frame(change, lang)
    if len(frame):
        st.dataframe(frame, hide_index=True, width="stretch")


def changeset_line(changeset: ChangeSet, lang: str) -> str:
    """"#12 · sites · submitted on 2 Dec 2026 by …": a change set's header."""
    status = t(f"maintenance.status.{changeset.status}", lang)
    when = format_date((changeset.submitted_at or changeset.created_at)[:10], lang)
    return t("maintenance.changesets.line", lang, id=changeset.id, layer=changeset.layer, status=status, date=when,
             author=changeset.author, organisation=changeset.organisation, count=len(changeset.changes))


def area_frame(ctx: Context) -> gpd.GeoDataFrame:
    """The grant's area as polygons: its Kreise and municipalities, or the region."""
    if ctx.grant.whole_region:
        return ctx.data.layers["region"]
    kreise, gemeinden = ctx.data.layers["kreise"], ctx.data.layers["gemeinden"]
    parts = [kreise[kreise["ags"].isin(ctx.grant.kreise)], gemeinden[gemeinden["ags"].isin(ctx.grant.municipalities)]]
    return gpd.GeoDataFrame(pd.concat([p[["geometry"]] for p in parts if len(p)], ignore_index=True),
                            geometry="geometry", crs=kreise.crs)


def area_map(ctx: Context, points: Sequence[PointLayer], key: str, height: int = 340) -> dict | None:
    """A small map of the grant's area with `points`, drawn by st_folium; returns its last click."""
    vendor_assets()
    area = area_frame(ctx)
    outline = outline_layer(area, t("maintenance.map.area", ctx.lang), **map_style().boundaries["selected"].arguments())
    parts = compose_map(bounds=bounds_of(area), outline=outline, points=points, lang=ctx.lang)
    with st.container(key=f"{key}_box"):
        # the iframe has its height before the map's first fit (else Leaflet fits into 0 pixels: the widest zoom)
        st.html(f'<style>.st-key-{key}_box iframe[title="streamlit_folium.st_folium"] {{ height: {int(height)}px '
                "!important; }</style>")
        return draw_map(parts, key, height, ["last_clicked"])
