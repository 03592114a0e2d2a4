"""A partner's file import without Streamlit: the file's rows (any upload format, read by `regionmap.uploads`), its
columns mapped to the layer's schema fields, and the rows as records to preview and to put into a change set.

The mapping names, for each schema field, the file column that holds it (a vector file's points give lon/lat).
Numbers are read in the column's own notation (decimal comma or point, as the upload feature reads coordinates),
yes/no words as booleans, sector lists in taxonomy order; everything else is the cell's text, checked later by the
rules of `regionmap validate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from regionmap.data.curated import MISSING_ID, Problem, Schema, normalise_sectors, split_sectors
from regionmap.editing.changesets import ImportPreview, ImportRow, import_preview
from regionmap.editing.form import field_label
from regionmap.editing.records import PLACE_FIELDS, SYSTEM_FIELDS, Place, Values, canonical, form_fields
from regionmap.editing.roles import Grant
from regionmap.config import LANGUAGES
from regionmap.taxonomy import taxonomy
from regionmap.uploads.geometry import parse_numbers
from regionmap.uploads.records import FileRecords
from regionmap.uploads.settings import normalise_header
from regionmap.data.check_messages import CheckMessage

BOOLEAN_WORDS = {"true": True, "false": False, "1": True, "0": False, "ja": True, "nein": False, "yes": True,
                 "no": False, "oui": True, "non": False, "wahr": True, "falsch": False, "vrai": True, "faux": False}
"""Words a spreadsheet writes for yes and no, in the app's languages (compared in lower case)."""
Item = tuple[int, Mapping[str, object], str | None, int | None, bool]
"""One change for `Edits.check_changes`: (row, values, record_id, base_revision, withdraw)."""


def import_fields(schema: Schema) -> tuple[str, ...]:
    """The fields a file may fill: the record's id (to match it), every form field, and the point."""
    return ("id", *(f.name for f in form_fields(schema)), *PLACE_FIELDS)


def suggested_mapping(schema: Schema, columns: Sequence[str], saved: Mapping[str, str] | None = None,
                      points: bool = False) -> dict[str, str]:
    """Field -> column: the saved mapping where its column is in the file, else a column named like the field or
    its label in any language; lon/lat from a vector file's points."""
    by_header = {normalise_header(c): c for c in columns}
    mapping: dict[str, str] = {}
    for name in import_fields(schema):
        if points and name in PLACE_FIELDS:
            mapping[name] = name  # the record's lon/lat from its geometry
            continue
        chosen = (saved or {}).get(name)
        if chosen in columns:
            mapping[name] = chosen
            continue
        names = {normalise_header(name), *(normalise_header(field_label(name, lang)) for lang in LANGUAGES)}
        match = next((by_header[n] for n in names if n in by_header), None)
        if match is not None:
            mapping[name] = match
    return mapping


def _numbers(records: FileRecords, column: str) -> dict[int, str]:
    """The column's numbers in curated notation by row (a cell that is no number keeps its text)."""
    cells = pd.Series([r.values.get(column, "") for r in records.records], dtype=object)
    numbers, bad = parse_numbers(cells)
    out = {}
    for record, number, wrong, cell in zip(records.records, numbers, bad, cells):
        out[record.line] = cell if wrong or pd.isna(number) else repr(float(number))
    return out


def import_rows(records: FileRecords, schema: Schema, mapping: Mapping[str, str]) -> list[ImportRow]:
    """The file's rows as records of `schema`, in canonical curated form, with the mapped fields only."""
    fields = {f.name: f for f in schema.fields}
    used = {name: column for name, column in mapping.items()
            if name in fields and name not in SYSTEM_FIELDS[1:] and column}
    numeric = {name: _numbers(records, column) for name, column in used.items()
               if fields[name].kind in ("float", "lon", "lat")}
    order = taxonomy().sector_ids
    rows = []
    for record in records.records:
        values: Values = {}
        for name, column in used.items():
            f = fields[name]
            cell = numeric[name][record.line] if name in numeric else record.values.get(column, "")
            if f.kind == "bool":
                word = BOOLEAN_WORDS.get(cell.strip().lower())
                cell = cell if word is None else ("true" if word else "false")
            if f.kind == "sectors":
                cell = normalise_sectors(split_sectors(cell), order)
            values[name] = canonical(f, cell)
        rows.append(ImportRow(record.line, values))
    return rows


def compared_fields(mapping: Mapping[str, str]) -> list[str]:
    """The fields a preview compares: those the file maps, but the id that matches the records."""
    return [name for name, column in mapping.items() if column and name != "id"]


def preview(current: Mapping[str, Values], rows: Sequence[ImportRow], mapping: Mapping[str, str]) -> ImportPreview:
    """The import against the current records (id -> values): new, changed, unchanged, no longer listed."""
    return import_preview(current, rows, compared_fields(mapping))


def merged(current: Values | None, incoming: Values) -> Values:
    """A record's values after an import row: the current values with the file's fields over them."""
    return {**(current or {}), **incoming}


def outside_area(rows: Sequence[ImportRow], places: Mapping[int, Place | None], grant: Grant,
                 origin: str) -> list[Problem]:
    """A problem for every row whose point lies outside the grant's area (`places` by row; None: not placed,
    which the validation names)."""
    problems = []
    for item in rows:
        place = places.get(item.row)
        if place is not None and not grant.covers(place.kreis_ags, place.ags):
            problems.append(Problem(origin, item.row, item.values.get("id") or MISSING_ID, "lon",
                                    CheckMessage("outside_area", municipality=place.municipality, kreis=place.kreis)))
    return problems


def change_items(result: ImportPreview, current: Mapping[str, tuple[Values, int]], *,
                 withdraw_missing: bool = False, skip_rows: Sequence[int] = ()) -> list[Item]:
    """The preview as changes for `Edits.check_changes`: new and changed rows (each merged over its current values,
    at the revision it was compared with), and the records no longer listed as withdrawals when asked."""
    skipped = set(skip_rows)
    items: list[Item] = [(row.row, row.values, None, None, False) for row in result.new if row.row not in skipped]
    for row, _ in result.changed:
        if row.row in skipped:
            continue
        values, revision = current[row.values["id"]]
        items.append((row.row, merged(values, row.values), row.values["id"], revision, False))
    if withdraw_missing:
        items += [(0, current[record_id][0], record_id, current[record_id][1], True) for record_id in result.missing]
    return items
