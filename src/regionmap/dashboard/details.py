"""What the detail card and the tables show of a record: labelled, translated, plain-text fields (no Streamlit)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from pandas.io.formats.style import Styler

from regionmap.i18n import format_date, format_number, format_quantity, label_for, t
from regionmap.investor.finder import site_vocabulary
from regionmap.data.curated import flag
from regionmap.data.record_texts import TRANSLATED_FIELDS, localized
from regionmap.taxonomy import Taxonomy
from regionmap.data.thematic import split_sectors
from regionmap.freshness.states import freshness_cells, record_notice

# Columns of the thematic layers shown in tables, in order; a layer shows those it has.
TABLE_COLUMNS = ("name", "category", "sectors", "municipality", "kreis", "area_ha", "size_class", "availability",
                 "planning_status", "land_use", "address", "website", "as_of")
MISSING_CELL = "–"  # a table cell without a number (an empty display text would show Streamlit's "None")
# Columns holding codes that people read as labels (display_value translates them).
CODED_COLUMNS = ("category", "sectors", "size_class", "availability", "planning_status", "land_use", "owner", "kind",
                 "traffic")
PRICE, CONFIRMED = "price", "confirmed"  # fields shown from several columns (price_*; confirmed_by/_on)
SITE_FACTS = ("net_area_ha", PRICE, "planning_status", "land_use", "serviced", "available_from", "broadband_mbps",
              "operation_24h", "rail_siding", "owner")
"""A site's planning and price facts besides its gross area, in the order the comparison and exposé list them."""
PLANNING_FIELDS = ("area_ha", *SITE_FACTS)
"""The planning and price block of the card and the site sheet."""
CONTACT_FIELDS = ("contact_org", "contact_person", "contact_email", "contact_phone")
CARD_COLUMNS = ("category", "sectors", "address", "municipality", "kreis", *PLANNING_FIELDS, "size_class",
                "availability", "ref", "site_name", "website", *CONTACT_FIELDS, "source", "as_of", CONFIRMED)
UNIT_DECIMALS = {"ha": 1}  # decimals of a unit's numbers; the others show up to two, trailing zeros left out


@dataclass(frozen=True)
class Field:
    """One labelled value of a record, as plain text."""

    key: str
    label: str
    value: str


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NA or value == ""


def category_label(tax: Taxonomy, layer_id: str, category_id: str, lang: str) -> str:
    """A category's label, or the id itself when the taxonomy does not know it."""
    for category in tax.layer(layer_id).categories:
        if category.id == category_id:
            return category.label(lang)
    return category_id


def sector_labels(tax: Taxonomy, sectors: str | None, lang: str) -> str:
    """The labels of a comma-separated sector list, joined with commas."""
    labels = {s.id: s.label(lang) for s in tax.sectors}
    return ", ".join(labels.get(s, s) for s in split_sectors(sectors))


def _number(value: object, unit: str, lang: str) -> str:
    decimals = UNIT_DECIMALS.get(unit)
    number = format_number(value, lang, 2, trim=True) if decimals is None else format_number(value, lang, decimals)
    return t(f"unit.{unit}", lang, value=number)


def price_text(record: pd.Series, lang: str) -> str:
    """The site's price: "auf Anfrage", a range "45–60 €/m²", a single price "45 €/m²", or '' when not stated."""
    if flag(record.get("price_on_request")):
        return t("sites.price_on_request", lang)
    low, high = (pd.to_numeric(record.get(c), errors="coerce") for c in ("price_min_eur_m2", "price_max_eur_m2"))
    if pd.isna(low):
        return ""
    if pd.isna(high) or high == low:
        return _number(low, "eur_m2", lang)
    return t("unit.eur_m2", lang, value=t("sites.range", lang, low=format_number(low, lang, 2, trim=True),
                                          high=format_number(high, lang, 2, trim=True)))


def confirmation_text(record: pd.Series, lang: str) -> str:
    """ "bestätigt von <Organisation> am <Datum>" when a partner confirmed the record, followed by the freshness
    notice when it is due or past its layer's maximum age ("nicht bestätigt seit …", `regionmap.freshness`)."""
    day = record.get("confirmed_on")
    stale = record_notice(record, lang=lang)
    if _missing(day):
        return stale
    organisation = record.get("confirmed_by")
    if _missing(organisation):
        confirmed = t("detail.confirmed_on", lang, date=format_date(str(day), lang))
    else:
        confirmed = t("detail.confirmed", lang, organisation=str(organisation), date=format_date(str(day), lang))
    return f"{confirmed} · {stale}" if stale else confirmed


def display_value(key: str, value: object, layer_id: str, tax: Taxonomy, lang: str) -> str:
    """One field's value as text for people: labels instead of ids, local number and date formats; a layer's own
    columns by their type in the registry (choice labels, yes/no, dates, numbers with their unit)."""
    if _missing(value):
        return ""
    column = tax.layer(layer_id).column(key) if layer_id in tax.layer_ids else None
    if column is not None and column.type == "choice":
        return column.choice_label(str(value), lang)
    if column is not None and column.type == "bool":
        answer = flag(value)
        return "" if answer is None else t("value.yes" if answer else "value.no", lang)
    if column is not None and column.type == "date" or key == "confirmed_on":
        return format_date(str(value), lang)
    if column is not None and column.unit:
        return _number(value, column.unit, lang)
    if key == "category":
        return category_label(tax, layer_id, str(value), lang)
    if key == "sectors":
        return sector_labels(tax, str(value), lang)
    if key == "area_ha":
        return format_quantity(value, "ha", lang, 1)
    if key == "as_of":
        return format_date(str(value), lang)
    if key in ("population",):
        return format_number(value, lang)
    if key == "size_class":
        return site_vocabulary().size_class_label(str(value), lang)
    if key == "availability":
        return site_vocabulary().availability_label(str(value), lang)
    if key in ("kind", "traffic"):
        return label_for(key, str(value), lang)
    if key.startswith("dist_") and key.endswith("_km"):
        return format_quantity(value, "km", lang, 1)
    return str(value)


def record_fields(record: pd.Series, layer_id: str, tax: Taxonomy, lang: str,
                  columns: Sequence[str] = CARD_COLUMNS) -> list[Field]:
    """The card fields of a record that has a value for them (name and description are shown apart). A translated
    field (`source`) shows its column in `lang`."""
    out = []
    for key in columns:
        if key == PRICE:
            text = price_text(record, lang)
        elif key == CONFIRMED:
            text = confirmation_text(record, lang)
        elif key in TRANSLATED_FIELDS:
            text = localized(record, key, lang)
        elif key not in record.index:
            continue
        else:
            text = display_value(key, record[key], layer_id, tax, lang)
        if text:
            out.append(Field(key, t(f"column.{key}", lang), text))
    return out


def fact_fields(record: pd.Series, layer_id: str, tax: Taxonomy, lang: str, columns: Sequence[str],
                missing: str | None = None) -> list[Field]:
    """Every one of `columns` of a record, labelled; `missing` (default "keine Angabe" / "not stated") where it has
    no value."""
    shown = {item.key: item for item in record_fields(record, layer_id, tax, lang, columns)}
    missing = t("sites.not_stated", lang) if missing is None else missing
    return [shown.get(key) or Field(key, t(f"column.{key}", lang), missing) for key in columns]


def description(record: pd.Series, lang: str) -> str:
    """The record's description in `lang`, falling back to German."""
    for column in (f"description_{lang}", "description_de"):
        if column in record.index and not _missing(record[column]):
            return str(record[column])
    return ""


def is_indicative(record: pd.Series) -> bool:
    """Whether a record's values are indicative (sites without a published offer): its `indicative` column says so
    and no partner has confirmed it (`confirmed_on`); a confirmed record is never indicative."""
    return not is_confirmed(record) and bool(flag(record.get("indicative", False)))


def is_confirmed(record: pd.Series) -> bool:
    """Whether the record's partner confirmed it (`confirmed_on` set)."""
    return not _missing(record.get("confirmed_on"))


def indicative_basis(record: pd.Series, lang: str) -> str:
    """What an indicative record's values rest on, as one sentence in `lang` ('' when not indicative or no note)."""
    note = localized(record, "indicative_note", lang) if is_indicative(record) else ""
    return t("investor.expose.indicative_basis", lang, note=note) if note else ""


def table_frame(records: pd.DataFrame, layer_id: str, tax: Taxonomy, lang: str) -> pd.DataFrame:
    """The records as a table for people: the layer's table columns, translated headers and values, and for a layer
    partners maintain how current each record is (`freshness_cells`)."""
    columns = [c for c in TABLE_COLUMNS if c in records.columns]
    frame = pd.DataFrame(index=records.index)
    for key in columns:
        if key == "area_ha":
            frame[t(f"column.{key}", lang)] = pd.to_numeric(records[key], errors="coerce")
        else:
            frame[t(f"column.{key}", lang)] = [display_value(key, v, layer_id, tax, lang) for v in records[key]]
    freshness = freshness_cells(records, layer_id, lang=lang)
    if freshness is not None:
        frame[t("column.freshness", lang)] = freshness
    return frame


def localised_numbers(frame: pd.DataFrame, lang: str, decimals: Mapping[str, int] | None = None,
                      units: Mapping[str, str] | None = None) -> Styler:
    """`frame` for display with every number column shown in the language's notation (1.234,5 / 1,234.5).

    The cells keep their numbers, so a table sorts by value; `decimals` and `units` (a `[unit]` key such as "km")
    are per column, by default 0 and none. A missing number shows as `MISSING_CELL`.
    """
    decimals = decimals or {}
    units = units or {}

    def formatter(column: str):
        def show(value: object) -> str:
            if _missing(value):
                return MISSING_CELL
            if column in units:
                return format_quantity(value, units[column], lang, decimals.get(column, 0))
            return format_number(value, lang, decimals.get(column, 0))
        return show

    numeric = [c for c in frame.columns
               if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]
    return frame.style.format({c: formatter(c) for c in numeric})
