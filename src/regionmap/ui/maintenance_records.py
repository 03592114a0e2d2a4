"""Records: the layer's records in the person's area with their status, last confirmation and open change sets; a
form for one record (every schema field, the point by coordinates or a click on the map), saved into the
organisation's draft change set; a conflict shows the other change and lets the person choose."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from regionmap.editing import changesets as cs
from regionmap.editing.form import (
    BOOL,
    DATE,
    MULTISELECT,
    NUMBER,
    SELECT,
    FieldSpec,
    FormInputError,
    curated_value,
    field_label,
    form_input,
    form_specs,
    form_values,
    option_label,
)
from regionmap.editing.records import PLACE_FIELDS, changed_fields, schema_of
from regionmap.editing.repository import Conflict, CurrentRecord, EditError, ValidationFailed
from regionmap.editing.roles import PermissionDenied
from regionmap.freshness.stock import maintained
from regionmap.i18n import format_date, format_number, t
from regionmap.maps import point_layer
from regionmap.ui.maintenance_common import Context, area_map, draft_id, flash, refusal_text
from regionmap.ui.text import plain
from regionmap.data.check_messages import message_text

OPEN = "mt_open"  # the record the form shows: layer, record_id (None: new), revision it was opened at, token
CONFLICT = "mt_conflict"
PROBLEMS = "mt_problems"
TOKENS = "mt_form_tokens"
CLICK = "mt_click"


def widget_key(token: int, name: str) -> str:
    return f"mt_f{token}_{name}"


def records_frame(records: Sequence[CurrentRecord], pending: Mapping[str, list[str]], lang: str) -> pd.DataFrame:
    """The records as a table: id, name, municipality, status, last confirmation and open change sets."""
    rows = [(r.id, r.values.get("name", ""), r.place.municipality if r.place else "",
             t(f"maintenance.record_status.{r.status}", lang),
             t("maintenance.confirmed", lang, by=r.confirmed_by, date=format_date(r.confirmed_on, lang))
             if r.confirmed_by else "", ", ".join(pending.get(r.id, []))) for r in records]
    return pd.DataFrame(rows, columns=[t(f"maintenance.records.{c}", lang) for c in
                                       ("id", "name", "municipality", "status", "confirmed", "open")])


def _open(layer: str, record: CurrentRecord | None, specs: Sequence[FieldSpec], lang: str) -> None:
    """Open the form on `record` (None: a new one) with fresh widgets showing its values."""
    token = st.session_state.get(TOKENS, 0) + 1
    st.session_state[TOKENS] = token
    st.session_state[OPEN] = {"layer": layer, "record_id": record.id if record else None,
                              "revision": record.revision if record else 0, "token": token}
    for name, shown in form_input(specs, record.values if record else {}, lang).items():
        st.session_state[widget_key(token, name)] = shown
    for key in (CONFLICT, PROBLEMS):
        st.session_state.pop(key, None)


def _close() -> None:
    for key in (OPEN, CONFLICT, PROBLEMS):
        st.session_state.pop(key, None)


def _chosen(layer: str, key: str, by_id: Mapping[str, CurrentRecord], specs: Sequence[FieldSpec], lang: str) -> None:
    record_id = st.session_state.get(key)
    if record_id in by_id:
        _open(layer, by_id[record_id], specs, lang)


def _typed(token: int, specs: Sequence[FieldSpec]) -> dict[str, Any]:
    return {spec.name: st.session_state.get(widget_key(token, spec.name)) for spec in specs}


def _save(ctx: Context, specs: Sequence[FieldSpec], opened: Mapping[str, Any], resolve: str | None = None,
          withdraw: bool = False) -> None:
    """Put the form's values (or the withdrawal) into the draft change set; keep the problems, the conflict or the
    refusal for the next run."""
    token, lang = opened["token"], ctx.lang
    values, errors = form_values(specs, _typed(token, specs), lang)
    if errors and not withdraw:
        st.session_state[PROBLEMS] = {token: {name: [message] for name, message in errors.items()}}
        flash("error", t("maintenance.form.fix", lang))
        return
    try:
        changeset = draft_id(ctx)
        change = ctx.edits.put_change(ctx.identity, changeset, values, record_id=opened["record_id"],
                                      base_revision=opened["revision"], resolve=resolve, withdraw=withdraw)
    except ValidationFailed as failed:
        found: dict[str, list[str]] = {}
        for p in failed.problems:
            found.setdefault(p.field, []).append(message_text(p.message, lang))
        st.session_state[PROBLEMS] = {token: found}
        flash("error", t("maintenance.form.fix", lang))
    except Conflict as conflict:
        st.session_state[CONFLICT] = {"token": token, "mine": values, "theirs": conflict.current or {},
                                      "by": conflict.by, "changeset": conflict.changeset_id}
    except PermissionDenied as refusal:
        flash("error", refusal_text(refusal, lang))
    except EditError as exc:
        flash("error", str(exc))
    else:
        done = "withdrawn" if withdraw else "saved"
        flash("success", t(f"maintenance.form.{done}", lang, name=change.after.get("name") or change.record_id,
                           changeset=changeset))
        _close()


def _widget(spec: FieldSpec, key: str, lang: str) -> None:
    label = field_label(spec.name, lang) + (" *" if spec.required else "")
    if spec.widget == SELECT:
        st.selectbox(label, spec.options, index=None, key=key, format_func=lambda v: option_label(spec, v, lang),
                     placeholder=t("maintenance.form.choose", lang))
    elif spec.widget == MULTISELECT:
        st.multiselect(label, spec.options, key=key, format_func=lambda v: option_label(spec, v, lang),
                       placeholder=t("maintenance.form.choose", lang))
    elif spec.widget == BOOL:
        st.checkbox(label, key=key)
    elif spec.widget == DATE:
        st.date_input(label, value=None, key=key, format=t("maintenance.form.date_format", lang))
    elif spec.widget == NUMBER:
        st.text_input(label, key=key, help=t("maintenance.form.number_help", lang,
                                              example=format_number(1234.5, lang, 1)))
    else:
        st.text_input(label, key=key, max_chars=2000)


def _problems_at(messages: Sequence[str]) -> None:
    for message in messages:
        st.error(plain(message))


def _point(ctx: Context, specs: Mapping[str, FieldSpec], token: int, problems: Mapping[str, list[str]]) -> None:
    """The point: a click on the map sets lon/lat (as text in the page's language); both can be typed."""
    keys = {name: widget_key(token, name) for name in PLACE_FIELDS}
    try:
        lon, lat = (float(curated_value(specs[n], st.session_state.get(keys[n]), ctx.lang) or "nan")
                    for n in PLACE_FIELDS)
    except (FormInputError, ValueError):
        lon = lat = float("nan")
    marker = gpd.GeoDataFrame({"name": [st.session_state.get(widget_key(token, "name")) or ""]},
                              geometry=gpd.points_from_xy([lon], [lat]), crs="EPSG:4326")
    marker = marker[~marker.geometry.is_empty & marker.geometry.x.notna()]
    points = [point_layer(marker, layer_id=ctx.layer.id, label=ctx.layer.label(ctx.lang), colour=ctx.layer.colour)]
    st.caption(t("maintenance.form.map_help", ctx.lang))
    result = area_map(ctx, points, key=f"mt_map{token}")
    clicked = (result or {}).get("last_clicked")
    if clicked and clicked != st.session_state.get(CLICK):
        st.session_state[CLICK] = clicked
        st.session_state[keys["lon"]] = format_number(clicked["lng"], ctx.lang, 6, trim=True)
        st.session_state[keys["lat"]] = format_number(clicked["lat"], ctx.lang, 6, trim=True)
        st.rerun()  # the marker moves to the clicked point
    for column, name in zip(st.columns(2), PLACE_FIELDS):
        with column:
            _widget(specs[name], keys[name], ctx.lang)
            _problems_at(problems.get(name, []))


def _conflict(ctx: Context, specs: Sequence[FieldSpec], opened: Mapping[str, Any], record: CurrentRecord | None,
              conflict: Mapping[str, Any]) -> None:
    """The other change beside the person's, field by field, and the choice: keep mine or take theirs."""
    lang = ctx.lang
    st.warning(plain(t("maintenance.conflict.title", lang, record=opened["record_id"], by=conflict["by"])))
    shown = {spec.name for spec in specs}
    rows = [(field_label(name, lang), theirs, mine) for name, theirs, mine in
            changed_fields(conflict["theirs"], conflict["mine"]) if name in shown]
    st.dataframe(pd.DataFrame(rows, columns=[t("maintenance.diff.field", lang), t("maintenance.conflict.theirs", lang),
                                             t("maintenance.conflict.mine", lang)]), hide_index=True, width="stretch")
    mine, theirs = st.columns(2)
    mine.button(t("maintenance.conflict.keep_mine", lang), key=f"mt_keep{opened['token']}", on_click=_save,
                args=(ctx, specs, opened, "mine"))
    theirs.button(t("maintenance.conflict.take_theirs", lang), key=f"mt_take{opened['token']}", on_click=_open,
                  args=(ctx.layer.id, record, specs, lang), disabled=record is None)


def _form(ctx: Context, specs: Sequence[FieldSpec], opened: Mapping[str, Any], record: CurrentRecord | None) -> None:
    lang, token = ctx.lang, opened["token"]
    title = (t("maintenance.form.edit", lang, name=record.values.get("name") or record.id, id=record.id)
             if record else t("maintenance.form.new", lang))
    st.subheader(plain(title))
    by_name = {spec.name: spec for spec in specs}
    problems = st.session_state.get(PROBLEMS, {}).get(token, {})
    _problems_at([f"{field_label(name, lang)}: {m}" for name, messages in problems.items() if name not in by_name
                  for m in messages])
    for spec in specs:
        if spec.name in PLACE_FIELDS:
            continue
        _widget(spec, widget_key(token, spec.name), lang)
        _problems_at(problems.get(spec.name, []))
    _point(ctx, by_name, token, problems)
    conflict = st.session_state.get(CONFLICT)
    if conflict and conflict["token"] == token:
        _conflict(ctx, specs, opened, record, conflict)
    save, withdraw, close = st.columns(3)
    save.button(t("maintenance.form.save", lang), key=f"mt_save{token}", type="primary", on_click=_save,
                args=(ctx, specs, opened))
    if record is not None and record.status != "withdrawn":
        withdraw.button(t("maintenance.form.withdraw", lang), key=f"mt_withdraw{token}", on_click=_save,
                        args=(ctx, specs, opened), kwargs={"withdraw": True})
    close.button(t("maintenance.form.close", lang), key=f"mt_close{token}", on_click=_close)


def render(ctx: Context) -> None:
    """The records section of the chosen layer."""
    lang, layer = ctx.lang, ctx.layer.id
    try:
        records = maintained(ctx.edits.records_for(ctx.identity, layer), layer)
    except PermissionDenied as refusal:
        st.error(plain(refusal_text(refusal, lang)))
        return
    by_id = {r.id: r for r in records}
    pending: dict[str, list[str]] = {}
    for changeset in ctx.edits.change_sets(ctx.identity, status=[cs.DRAFT, cs.SUBMITTED]):
        if changeset.layer == layer:
            for change in changeset.changes:
                pending.setdefault(change.record_id, []).append(
                    t("maintenance.records.pending", lang, id=changeset.id,
                      status=t(f"maintenance.status.{changeset.status}", lang)))
    st.caption(plain(t("maintenance.records.count", lang, count=format_number(len(records), lang))))
    st.dataframe(records_frame(records, pending, lang), hide_index=True, width="stretch")
    specs = form_specs(schema_of(layer))
    choice_key = f"mt_record_{layer}"
    st.selectbox(t("maintenance.records.choose", lang), list(by_id), index=None, key=choice_key,
                 format_func=lambda i: f"{by_id[i].values.get('name') or i} ({i})" if i in by_id else i,
                 on_change=_chosen, args=(layer, choice_key, by_id, specs, lang),
                 placeholder=t("maintenance.form.choose", lang))
    st.button(t("maintenance.records.new", lang), key=f"mt_new_{layer}", on_click=_open,
              args=(layer, None, specs, lang))
    opened = st.session_state.get(OPEN)
    if not opened or opened["layer"] != layer:
        return
    record_id = opened["record_id"]
    if record_id is not None and record_id not in by_id:
        st.error(plain(t("maintenance.refused.area", lang)))  # a record outside the area is never shown
        _close()
        return
    _form(ctx, specs, opened, by_id.get(record_id) if record_id else None)
