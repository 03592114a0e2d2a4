"""File import: a partner's list (any upload format) mapped to the layer's fields once (the mapping is saved per
organisation), then a preview of new, changed, unchanged and no longer listed records on a map and in a table,
with every validation error by row and field. Nothing is stored until the person adds the preview to the draft
change set; no longer listed records are withdrawn only when the person ticks it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import geopandas as gpd
import pandas as pd
import streamlit as st

from regionmap.data.curated import Problem
from regionmap.editing.changesets import ImportPreview
from regionmap.editing.form import field_label
from regionmap.editing.imports import (
    change_items,
    import_fields,
    import_rows,
    merged,
    outside_area,
    preview,
    suggested_mapping,
)
from regionmap.editing.records import PLACE_FIELDS, Values, place_of, schema_of
from regionmap.editing.repository import Conflict, ValidationFailed
from regionmap.editing.roles import PermissionDenied
from regionmap.i18n import format_number, t
from regionmap.maps import ColourClass, point_layer
from regionmap.ui.maintenance_common import Context, area_map, attempt, draft_id, flash, refusal_text
from regionmap.ui.text import plain
from regionmap.uploads.problems import UploadError
from regionmap.uploads.records import FileRecords, file_records
from regionmap.data.check_messages import message_text

FILE = "mt_import"  # {"digest", "name", "records"} of the uploaded file
KINDS = ("new", "changed", "unchanged", "missing")
KIND_COLOURS = {"new": "#2e7d32", "changed": "#ad5a00", "unchanged": "#616161", "missing": "#c62828"}
NONE = ""


def _read(upload: object, lang: str) -> FileRecords | None:
    """The uploaded file's rows, read once per file; its problems shown when it cannot be read."""
    data = upload.getvalue()  # type: ignore[attr-defined]
    digest = hashlib.sha256(data).hexdigest()[:16]
    held = st.session_state.get(FILE)
    if held is None or held["digest"] != digest:
        try:
            held = {"digest": digest, "name": upload.name, "records": file_records(upload.name, data)}  # type: ignore
        except UploadError as exc:
            for problem in exc.problems:
                st.error(plain(problem.text(lang)))
            return None
        st.session_state[FILE] = held
    return held["records"]


def _mapping(ctx: Context, records: FileRecords, digest: str) -> dict[str, str]:
    """The column of each field, chosen by the person (pre-filled from the saved mapping or the names)."""
    lang, schema = ctx.lang, schema_of(ctx.layer.id)
    saved = ctx.edits.mapping(ctx.grant.organisation, ctx.layer.id)
    suggested = suggested_mapping(schema, records.columns, saved, records.points)
    mapping: dict[str, str] = {}
    columns = st.columns(3)
    for n, name in enumerate(import_fields(schema)):
        if records.points and name in PLACE_FIELDS:
            mapping[name] = name
            continue
        key = f"mt_map{digest}_{ctx.layer.id}_{name}"
        if key not in st.session_state:
            st.session_state[key] = suggested.get(name, NONE)
        mapping[name] = columns[n % 3].selectbox(field_label(name, lang), [NONE, *records.columns], key=key,
                                                 format_func=lambda c: c or t("maintenance.import.unmapped", lang))
    if records.points:
        st.caption(t("maintenance.import.points", lang))
    return {name: column for name, column in mapping.items() if column}


def _save_mapping(ctx: Context, mapping: Mapping[str, str]) -> None:
    attempt(lambda: ctx.edits.save_mapping(ctx.identity, ctx.layer.id, mapping),
            t("maintenance.import.mapping_saved", ctx.lang), ctx.lang)


def _kind_rows(result: ImportPreview, names: Mapping[str, str], lang: str) -> pd.DataFrame:
    """One line per record: its kind, row, id and name."""
    label = {k: t(f"maintenance.import.kind.{k}", lang) for k in KINDS}
    rows = [(label["new"], r.row, r.values.get("id", ""), r.values.get("name", "")) for r in result.new]
    rows += [(label["changed"], r.row, r.values["id"], r.values.get("name") or current.get("name", ""))
             for r, current in result.changed]
    rows += [(label["unchanged"], r.row, r.values["id"], r.values.get("name", "")) for r in result.unchanged]
    rows += [(label["missing"], None, i, names.get(i, "")) for i in result.missing]
    columns = [t(f"maintenance.import.column.{c}", lang) for c in ("kind", "row", "id", "name")]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({frame.columns[1]: "Int64"})


def _diff_rows(result: ImportPreview, lang: str) -> pd.DataFrame:
    """The changed records field by field: row, id, field, before, after."""
    rows = [(r.row, r.values["id"], field_label(name, lang), current.get(name, ""), value)
            for r, current in result.changed for name, value in r.values.items() if current.get(name, "") != value]
    columns = [t("maintenance.import.column.row", lang), t("maintenance.import.column.id", lang),
               t("maintenance.diff.field", lang), t("maintenance.diff.before", lang), t("maintenance.diff.after", lang)]
    return pd.DataFrame(rows, columns=columns)


def _map(ctx: Context, result: ImportPreview, current: Mapping[str, Values], key: str) -> None:
    """The preview's records on the area map, coloured by kind."""
    entries = [(k, r.values) for k, rows in (("new", result.new), ("unchanged", result.unchanged)) for r in rows]
    entries += [("changed", merged(c, r.values)) for r, c in result.changed]
    entries += [("missing", current[i]) for i in result.missing]
    table = pd.DataFrame([(kind, v.get("name", ""), v.get("lon", ""), v.get("lat", "")) for kind, v in entries],
                         columns=["kind", "name", "lon", "lat"])
    table[["lon", "lat"]] = table[["lon", "lat"]].apply(pd.to_numeric, errors="coerce")
    table = table.dropna(subset=["lon", "lat"])
    frame = gpd.GeoDataFrame(table[["kind", "name"]], geometry=gpd.points_from_xy(table["lon"], table["lat"]),
                             crs="EPSG:4326")
    classes = [ColourClass(k, t(f"maintenance.import.kind.{k}", ctx.lang), KIND_COLOURS[k]) for k in KINDS]
    area_map(ctx, [point_layer(frame, layer_id=f"import-{ctx.layer.id}", label=t("maintenance.import.title", ctx.lang),
                               colour=KIND_COLOURS["new"], by="kind", classes=classes)], key=key)


def _problems(ctx: Context, items: list, origin: str) -> list[Problem]:
    """Every validation error of the preview by row and field: outside the area, then the checks of
    `regionmap validate` (which the library runs; conflicts are reported when the changes are added)."""
    try:
        ctx.edits.check_changes(ctx.identity, None, items, layer=ctx.layer.id, resolve="mine", origin=origin)
    except ValidationFailed as failed:
        return list(failed.problems)
    return []


def _add(ctx: Context, items: list, origin: str, resolve: str | None) -> None:
    """Check the preview's changes against the draft change set and store them there, all or none."""
    lang = ctx.lang
    try:
        changeset = draft_id(ctx, origin=f"import: {origin}")
        changes = ctx.edits.check_changes(ctx.identity, changeset, items, resolve=resolve, origin=origin)
        ctx.edits.put_changes(ctx.identity, changeset, changes)
    except Conflict as conflict:
        flash("warning", t("maintenance.import.conflict", lang, record=conflict.record_id, by=conflict.by))
    except ValidationFailed:
        flash("error", t("maintenance.import.fix", lang))
    except PermissionDenied as refusal:
        flash("error", refusal_text(refusal, lang))
    else:
        flash("success", t("maintenance.import.added", lang, count=format_number(len(changes), lang), id=changeset))
        st.session_state.pop(FILE, None)


def render(ctx: Context) -> None:
    """Upload, mapping, preview, and adding the preview to the draft change set."""
    lang, schema = ctx.lang, schema_of(ctx.layer.id)
    st.caption(t("maintenance.import.help", lang))
    upload = st.file_uploader(t("maintenance.import.file", lang), key=f"mt_import_file_{ctx.layer.id}")
    if upload is None:
        return
    records = _read(upload, lang)
    if records is None:
        return
    digest, origin = st.session_state[FILE]["digest"], upload.name
    for problem in records.problems:
        st.warning(plain(problem.format()))
    st.subheader(t("maintenance.import.mapping", lang))
    mapping = _mapping(ctx, records, digest)
    st.button(t("maintenance.import.save_mapping", lang), key=f"mt_map_save{digest}", on_click=_save_mapping,
              args=(ctx, mapping))
    in_area = {r.id: r for r in ctx.edits.records_for(ctx.identity, ctx.layer.id) if r.status != "withdrawn"}
    current = {i: r.values for i, r in in_area.items()}
    rows = import_rows(records, schema, mapping)
    result = preview(current, rows, mapping)
    boundaries = ctx.data.layers["gemeinden"]
    places = {r.row: place_of({**current.get(r.values.get("id", ""), {}), **r.values}, boundaries) for r in rows}
    outside = outside_area(rows, places, ctx.grant, origin)
    st.subheader(t("maintenance.import.preview", lang))
    for column, kind in zip(st.columns(4), KINDS):
        column.metric(t(f"maintenance.import.kind.{kind}", lang), format_number(result.counts[kind], lang))
    withdraw = st.checkbox(t("maintenance.import.withdraw_missing", lang), key=f"mt_withdraw_missing{digest}",
                           disabled=not result.missing)
    items = change_items(result, {i: (r.values, r.revision) for i, r in in_area.items()},
                         withdraw_missing=withdraw, skip_rows=[p.row for p in outside if p.row is not None])
    problems = outside + (_problems(ctx, items, origin) if items else [])
    _map(ctx, result, current, key=f"mt_import_map{digest}")
    st.dataframe(_kind_rows(result, {i: v.get("name", "") for i, v in current.items()}, lang), hide_index=True,
                 width="stretch")
    if result.changed:
        st.markdown(t("maintenance.import.changes", lang))
        st.dataframe(_diff_rows(result, lang), hide_index=True, width="stretch")
    if problems:
        st.error(t("maintenance.import.problems", lang, count=format_number(len(problems), lang)))
        columns = [t("maintenance.import.column.row", lang), t("maintenance.diff.field", lang),
                   t("maintenance.import.column.message", lang)]
        st.dataframe(pd.DataFrame([(p.row, field_label(p.field, lang), message_text(p.message, lang)) for p in problems], columns=columns),
                     hide_index=True, width="stretch")
    keep = st.checkbox(t("maintenance.import.keep_mine", lang), key=f"mt_import_keep{digest}")
    st.button(t("maintenance.import.add", lang), key=f"mt_import_add{digest}", type="primary", on_click=_add,
              args=(ctx, items, origin, "mine" if keep else None), disabled=bool(problems) or not items)
