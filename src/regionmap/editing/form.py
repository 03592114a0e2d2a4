"""The record form without Streamlit: which widget each schema field gets, what it shows, and the typed input back
to curated values.

Numbers are shown and typed in the person's language (`0,5` in de, `0.5` in en; Babel through `regionmap.i18n`) and
stored in the curated file's notation (`0.5`). Text that is not a number in that language gives a message for its
field; every other check is left to the rules of `regionmap validate`, which the repository runs on save.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from regionmap.data.curated import Field, Schema, normalise_sectors
from regionmap.data.record_texts import RecordTexts, load_record_texts
from regionmap.editing.records import PLACE_FIELDS, Values, canonical, form_fields
from regionmap.i18n import format_number, has_text, label_for, parse_number, t
from regionmap.numbers import NumberParseError, format_plain
from regionmap.taxonomy import Taxonomy, taxonomy

TEXT, SELECT, MULTISELECT, NUMBER, BOOL, DATE = "text", "select", "multiselect", "number", "bool", "date"
WIDGETS = {"category": SELECT, "text_id": SELECT, "choice": SELECT, "sectors": MULTISELECT, "float": NUMBER,
           "lon": NUMBER, "lat": NUMBER, "bool": BOOL, "date": DATE}
"""The widget of each field kind; every other kind (text, url, register_id) is a text field."""
DECIMALS = {"lon": 6, "lat": 6}  # coordinates to about 0.1 m; other numbers keep what the record holds
SHOWN_DECIMALS = 6


@dataclass(frozen=True)
class FieldSpec:
    """One form field: the schema field, its widget and, for choices, the allowed values in order."""

    field: Field
    widget: str
    options: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def required(self) -> bool:
        return self.field.required


def field_label(name: str, lang: str) -> str:
    """A field's label: `maintenance.field.<name>` when the page names it, else the app's column label."""
    key = f"maintenance.field.{name}"
    return t(key, lang) if has_text(key) else label_for("column", name, lang)


YES_NO = ("true", "false")  # an optional yes/no field: a choice, so that "not stated" stays possible


def _options(f: Field, schema: Schema, tax: Taxonomy, texts: RecordTexts) -> tuple[str, ...]:
    if f.kind == "category":
        return schema.categories or tax.layer(schema.layer or "").category_ids
    if f.kind == "sectors":
        return tax.sector_ids
    if f.kind == "text_id":
        return texts.ids(f.name)
    return f.choices


def form_specs(schema: Schema, tax: Taxonomy | None = None, texts: RecordTexts | None = None) -> tuple[FieldSpec, ...]:
    """The form of a layer's records: every field a person fills in (`records.form_fields`), then lon and lat."""
    tax, texts = tax or taxonomy(), texts or load_record_texts()
    fields = [*form_fields(schema), *(f for f in schema.fields if f.name in PLACE_FIELDS)]
    return tuple(FieldSpec(f, SELECT, YES_NO) if f.kind == "bool" and not f.required  # yes, no or not stated
                 else FieldSpec(f, WIDGETS.get(f.kind, TEXT), _options(f, schema, tax, texts)) for f in fields)


def option_label(spec: FieldSpec, value: str, lang: str, tax: Taxonomy | None = None,
                 texts: RecordTexts | None = None) -> str:
    """How a choice is shown: the category's, sector's or record text's label in `lang`, else the value."""
    tax = tax or taxonomy()
    if spec.field.kind == "sectors":
        return next((s.label(lang) for s in tax.sectors if s.id == value), value)
    if spec.field.kind == "category":
        categories = [c for layer in tax.layers for c in layer.categories if c.id == value]
        return categories[0].label(lang) if categories else value
    if spec.field.kind == "text_id":
        entry = (texts or load_record_texts()).texts.get(spec.name, {}).get(value, {})
        return entry.get(lang) or entry.get("de") or value
    if spec.field.kind == "bool":
        return t("value.yes" if value == "true" else "value.no", lang)
    if spec.field.kind == "choice":
        columns = [layer.column(spec.name) for layer in tax.layers]
        column = next((c for c in columns if c is not None and value in c.choices), None)
        return column.choice_label(value, lang) if column is not None else value
    return value


def widget_value(spec: FieldSpec, value: str, lang: str) -> object:
    """What the widget shows for a curated value: a number in the language's notation, a list of sectors, a bool,
    a date (None when empty or unreadable), the option or None, or the text."""
    if spec.widget == NUMBER:
        try:
            number = float(value) if value else None
        except ValueError:
            return value  # a stored value that is no number is shown as it is, for the checks to name
        return "" if number is None else format_number(number, lang, DECIMALS.get(spec.field.kind, SHOWN_DECIMALS),
                                                       trim=True)
    if spec.widget == MULTISELECT:
        return [v.strip() for v in value.split(",") if v.strip() in spec.options]
    if spec.widget == BOOL:
        return value == "true"
    if spec.widget == DATE:
        try:
            return dt.date.fromisoformat(value) if value else None
        except ValueError:
            return None
    if spec.widget == SELECT:
        return value if value in spec.options else None
    return value


class FormInputError(ValueError):
    """Typed input that cannot become a curated value (a number in the wrong notation); names its field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def curated_value(spec: FieldSpec, typed: object, lang: str, sector_order: Sequence[str] = ()) -> str:
    """The curated value of a widget's input; FormInputError for a number not written in `lang`'s notation."""
    if typed is None:
        return ""
    if spec.widget == NUMBER:
        text = str(typed).strip()
        try:
            number = parse_number(text, lang)
        except NumberParseError:
            example = format_number(0.5, lang, 1)
            raise FormInputError(spec.name, t("maintenance.form.not_a_number", lang, value=text[:40],
                                              example=example)) from None
        return "" if number is None else format_plain(number, DECIMALS.get(spec.field.kind, SHOWN_DECIMALS))
    if spec.widget == MULTISELECT:
        return normalise_sectors([str(v) for v in typed], sector_order or spec.options)  # type: ignore[union-attr]
    if spec.widget == DATE:
        return typed.isoformat() if isinstance(typed, dt.date) else canonical(spec.field, typed)
    return canonical(spec.field, typed)


def form_values(specs: Sequence[FieldSpec], typed: Mapping[str, object], lang: str) -> tuple[Values, dict[str, str]]:
    """The curated values of a form's input and the input errors by field (the values keep the typed text of a
    field in error, so nothing the person wrote is lost)."""
    values: Values = {}
    errors: dict[str, str] = {}
    for spec in specs:
        try:
            values[spec.name] = curated_value(spec, typed.get(spec.name), lang)
        except FormInputError as exc:
            errors[spec.name] = str(exc)
            values[spec.name] = str(typed.get(spec.name))
    return values, errors


def form_input(specs: Sequence[FieldSpec], values: Mapping[str, str], lang: str) -> dict[str, object]:
    """What every widget of the form shows for a record's curated `values` (a new record: all empty)."""
    return {spec.name: widget_value(spec, values.get(spec.name, ""), lang) for spec in specs}
