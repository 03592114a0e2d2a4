"""The record form without Streamlit: widgets per schema field, values shown in the page's language, and typed input
back to curated values (numbers parsed by Babel in the UI language)."""

from __future__ import annotations

import datetime as dt

import pytest

from regionmap.data.curated import Field
from regionmap.editing import form
from regionmap.editing.form import form_values, option_label
from regionmap.editing.records import form_fields, schema_of
from regionmap.i18n import t
from regionmap.taxonomy import taxonomy

HOSTILE = "<img src=x onerror=alert(1)>"


def specs_by_name(layer: str = "sites") -> dict[str, form.FieldSpec]:
    return {spec.name: spec for spec in form.form_specs(schema_of(layer))}


def test_every_form_field_and_the_point_get_their_widget() -> None:
    schema = schema_of("sites")
    specs = specs_by_name()
    assert list(specs) == [f.name for f in form_fields(schema)] + ["lon", "lat"]
    assert {n: s.widget for n, s in specs.items() if s.widget != form.TEXT} == {
        "category": form.SELECT, "sectors": form.MULTISELECT, "area_ha": form.NUMBER, "indicative": form.BOOL,
        "indicative_note": form.SELECT, "net_area_ha": form.NUMBER, "price_min_eur_m2": form.NUMBER,
        "price_max_eur_m2": form.NUMBER, "price_on_request": form.SELECT, "planning_status": form.SELECT,
        "land_use": form.SELECT, "serviced": form.SELECT, "available_from": form.DATE, "broadband_mbps": form.NUMBER,
        "operation_24h": form.SELECT, "rail_siding": form.SELECT, "owner": form.SELECT,
        "lon": form.NUMBER, "lat": form.NUMBER}
    # an optional yes/no field is a choice, so that "not stated" stays possible; choices carry their labels
    assert specs["serviced"].options == ("true", "false")
    assert option_label(specs["serviced"], "false", "de") == t("value.no", "de")
    assert option_label(specs["planning_status"], "in_force", "en") == taxonomy().layer("sites").column(
        "planning_status").choice_label("in_force", "en") != "in_force"
    assert form_values([specs["serviced"]], {"serviced": None}, "de")[0] == {"serviced": ""}
    assert specs["category"].options == taxonomy().layer("sites").category_ids
    assert specs["sectors"].options == taxonomy().sector_ids
    assert specs["indicative_note"].options == ("estimated_by_compilers",)
    assert "id" not in specs and "source" not in specs and "confirmed_by" not in specs


def test_a_layer_with_only_part_of_its_categories_offers_only_those() -> None:
    assert specs_by_name("mobility")["category"].options == schema_of("mobility").categories


@pytest.mark.parametrize(("lang", "typed", "stored"), [
    ("de", "0,5", "0.5"), ("de", "1.234,5", "1234.5"), ("en", "0.5", "0.5"), ("en", "1,234.5", "1234.5"),
    ("fr", "0,5", "0.5"), ("fr", "1 234,5", "1234.5"), ("de", " 12 ", "12"), ("de", "", ""),
])
def test_numbers_are_read_in_the_page_language(lang: str, typed: str, stored: str) -> None:
    assert form.curated_value(specs_by_name()["area_ha"], typed, lang) == stored


@pytest.mark.parametrize(("lang", "typed"), [("de", "0.5"), ("en", "0,5"), ("de", "abc"), ("de", "1e3"),
                                             ("en", "NaN"), ("fr", "=1+1")])
def test_a_number_in_the_wrong_notation_names_its_field(lang: str, typed: str) -> None:
    with pytest.raises(form.FormInputError) as caught:
        form.curated_value(specs_by_name()["area_ha"], typed, lang)
    assert caught.value.field == "area_ha"
    assert typed.strip() in str(caught.value)


def test_form_values_collects_every_input_error_and_keeps_the_typed_text() -> None:
    specs = form.form_specs(schema_of("sites"))
    values, errors = form.form_values(specs, {"name": "  Neues Gebiet ", "area_ha": "0.5", "lon": "10,45", "lat": "x",
                                         "sectors": ["logistics", "mobility"], "indicative": False,
                                         "category": "industry"}, "de")
    assert set(errors) == {"area_ha", "lat"}
    assert errors["area_ha"] == t("maintenance.form.not_a_number", "de", value="0.5", example="0,5")
    assert values["area_ha"] == "0.5" and values["lat"] == "x"  # kept for the person to correct
    assert values["name"] == "Neues Gebiet" and values["lon"] == "10.45"
    assert values["sectors"] == "mobility,logistics"  # in taxonomy order
    assert values["indicative"] == "false" and values["category"] == "industry"
    assert values["indicative_note"] == "" and values["address"] == ""


def test_hostile_text_stays_text() -> None:
    values, errors = form.form_values(form.form_specs(schema_of("sites")), {"name": HOSTILE, "address": "=HYPERLINK(1)"},
                                 "en")
    assert not errors
    assert values["name"] == HOSTILE and values["address"] == "=HYPERLINK(1)"


@pytest.mark.parametrize("lang", ["de", "en", "fr"])
def test_a_record_round_trips_through_the_form(lang: str) -> None:
    specs = form.form_specs(schema_of("sites"))
    record = {"name": "Gewerbegebiet Baßgeige", "category": "commercial", "sectors": "production,logistics",
              "area_ha": "1234.5", "indicative": "true", "indicative_note": "estimated_by_compilers",
              "lon": "10.45", "lat": "51.912", "availability": "on_request"}
    shown = form.form_input(specs, record, lang)
    assert shown["area_ha"] == {"de": "1.234,5", "en": "1,234.5", "fr": "1\u202f234,5"}[lang]
    assert shown["indicative"] is True and shown["category"] == "commercial"
    values, errors = form.form_values(specs, shown, lang)
    assert not errors
    assert {k: values[k] for k in record} == record


def test_values_the_widgets_cannot_show_are_left_empty_or_as_they_are() -> None:
    specs = form.form_specs(schema_of("sites"))
    shown = form.form_input(specs, {"category": "no-such", "sectors": "production,unknown", "area_ha": "lots"}, "de")
    assert shown["category"] is None
    assert shown["sectors"] == ["production"]
    assert shown["area_ha"] == "lots"  # for the checks to name
    assert form.form_input(specs, {}, "de")["indicative"] is False


def test_dates_become_iso_days() -> None:
    spec = form.FieldSpec(Field("opened", "date"), form.DATE)
    assert form.curated_value(spec, dt.date(2026, 3, 1), "de") == "2026-03-01"
    assert form.curated_value(spec, None, "de") == ""
    assert form.form_input([spec], {"opened": "2026-03-01"}, "fr")["opened"] == dt.date(2026, 3, 1)
    assert form.form_input([spec], {"opened": "März"}, "fr")["opened"] is None


def test_labels_come_from_the_locales() -> None:
    assert form.field_label("area_ha", "de") == t("column.area_ha", "de")
    assert form.field_label("description_fr", "en") == t("maintenance.field.description_fr", "en")
    specs = specs_by_name()
    sector = taxonomy().sectors[0]
    assert form.option_label(specs["sectors"], sector.id, "fr") == sector.label("fr")
    assert form.option_label(specs["category"], "industry", "en") == taxonomy().layer("sites").categories[0].label("en")
    assert form.option_label(specs["indicative_note"], "estimated_by_compilers", "de").startswith("Größenklasse")
