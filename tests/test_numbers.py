"""Locale numbers with Babel: formatting, strict parsing of typed numbers, plural forms of count texts."""

from __future__ import annotations

import re

import pytest

from regionmap.config import LANGUAGES
from regionmap.i18n import catalog, format_number, parse_number, t, tn
from regionmap.testing import placeholders
from regionmap.numbers import NumberParseError, format_fixed, parse_number as parse_in_locale, plural_form

NNBSP = "\u202f"


@pytest.mark.parametrize(("lang", "text", "value"), [
    ("de", "0,5", 0.5), ("de", "5", 5.0), ("de", "1.234,5", 1234.5), ("de", "1.234", 1234.0), ("de", "-0,5", -0.5),
    ("de", "  12,25 ", 12.25), ("de", "\u22122,5", -2.5), ("de", "1234,5", 1234.5),
    ("en", "0.5", 0.5), ("en", "1,234.5", 1234.5), ("en", "-3", -3.0), ("en", "1234.5", 1234.5),
    ("fr", "0,5", 0.5), ("fr", "1 234,5", 1234.5), ("fr", "1\u00a0234,5", 1234.5), ("fr", f"1{NNBSP}234,5", 1234.5),
    ("fr", "-0,25", -0.25),
])
def test_typed_numbers_are_read_in_the_languages_notation(lang, text, value):
    assert parse_number(text, lang) == value


@pytest.mark.parametrize(("lang", "text"), [
    ("de", "0.5"), ("de", "1.2345"), ("de", "abc"), ("de", "1e3"), ("de", "NaN"), ("de", "Infinity"), ("de", "0,5 km"),
    ("de", "1,2,3"), ("de", "--1"), ("en", "0,5"), ("en", "1,2345"), ("en", "12abc"), ("fr", "0.5"), ("fr", "1.234,5"),
])
def test_text_that_is_not_a_number_in_the_language_is_refused(lang, text):
    with pytest.raises(NumberParseError) as info:
        parse_number(text, lang)
    assert info.value.text == text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("empty", ["", "   ", None])
def test_empty_input_means_no_value(lang, empty):
    assert parse_number(empty, lang) is None


@pytest.mark.parametrize(("lang", "expected"), [
    ("de", ["0", "1", "2", "1.234", "-1.234,5", "0,5", "5,4"]),
    ("en", ["0", "1", "2", "1,234", "-1,234.5", "0.5", "5.4"]),
    ("fr", ["0", "1", "2", f"1{NNBSP}234", f"-1{NNBSP}234,5", "0,5", "5,4"]),
])
def test_numbers_are_formatted_with_the_languages_separators(lang, expected):
    shown = [format_number(0, lang), format_number(1, lang), format_number(2, lang), format_number(1234, lang),
             format_number(-1234.5, lang, 1), format_number(0.5, lang, 1), format_number(5.4321, lang, 1)]
    assert shown == expected


def test_trimmed_numbers_drop_trailing_zeros_and_minus_zero():
    assert format_number(0.5, "de", 2, trim=True) == "0,5"
    assert format_number(2.0, "de", 2, trim=True) == "2"
    assert format_number(-0.001, "en", 2) == "0.00"
    assert format_fixed(1234.5, "de_DE", 2) == "1.234,50"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("value", [0.5, 1234.5, -0.25, 1234567.0, 3.0])
def test_formatted_numbers_parse_back(lang, value):
    assert parse_number(format_number(value, lang, 2, trim=True), lang) == value


def test_plural_forms_follow_cldr():
    assert [plural_form(n, "de_DE") for n in (0, 1, 2, 1234)] == ["other", "one", "other", "other"]
    assert [plural_form(n, "en_GB") for n in (0, 1, 2, 1234)] == ["other", "one", "other", "other"]
    assert [plural_form(n, "fr_FR") for n in (0, 1, 2, 1234)] == ["one", "one", "other", "other"]


@pytest.mark.parametrize(("lang", "expected"), [
    ("de", ["0 Standorte gefunden", "1 Standort gefunden", "2 Standorte gefunden", "1.234 Standorte gefunden"]),
    ("en", ["0 sites found", "1 site found", "2 sites found", "1,234 sites found"]),
    ("fr", ["0 site trouvé", "1 site trouvé", "2 sites trouvés", f"1{NNBSP}234 sites trouvés"]),
])
def test_found_sites_text_agrees_with_the_count(lang, expected):
    assert [tn("investor.finder.result", n, lang) for n in (0, 1, 2, 1234)] == expected


@pytest.mark.parametrize(("lang", "expected"), [
    ("de", ["0 von 0 Einträgen", "1 von 1 Eintrag", "2 von 2 Einträgen", "1.234 von 1.234 Einträgen"]),
    ("en", ["0 of 0 records", "1 of 1 record", "2 of 2 records", "1,234 of 1,234 records"]),
    ("fr", ["0 sur 0 entrée", "1 sur 1 entrée", "2 sur 2 entrées", f"1{NNBSP}234 sur 1{NNBSP}234 entrées"]),
])
def test_shown_records_text_agrees_with_the_total(lang, expected):
    assert [tn("table.shown", n, lang, shown=format_number(n, lang)) for n in (0, 1, 2, 1234)] == expected


@pytest.mark.parametrize(("lang", "one", "other"), [
    ("de", "ohne 1 Gemeinde mit", "ohne 2 Gemeinden mit"),
    ("en", "excluding 1 municipality with", "excluding 2 municipalities with"),
    ("fr", "hors 1 commune dont", "hors 2 communes dont"),
])
def test_other_count_texts_have_plural_forms(lang, one, other):
    assert tn("figures.population_incomplete", 1, lang).startswith(one)
    assert tn("figures.population_incomplete", 2, lang).startswith(other)
    assert tn("investor.download.list", 1, lang).endswith(("(1 Standort)", "(1 site)"))
    assert tn("investor.download.list", 1234, lang).endswith(("Standorte)", "sites)"))


def test_every_plural_text_has_an_other_form_and_only_cldr_forms():
    for lang in LANGUAGES:
        plural = {k.rsplit(".", 1)[0] for k in catalog(lang) if re.search(r"\.(zero|one|two|few|many)$", k)}
        assert plural, lang
        for key in plural:
            assert f"{key}.other" in catalog(lang), f"{lang}: {key}"
            assert "count" in placeholders(catalog(lang)[f"{key}.other"]), f"{lang}: {key}"


def test_plural_texts_used_in_the_code_exist():
    from test_i18n import python_sources

    calls = re.compile(r"""(?<![\w.])tn\(\s*(["'])([^"'\n]+)\1""")
    used = {m.group(2) for f in python_sources() for m in calls.finditer(f.read_text(encoding="utf-8"))}
    assert {"investor.finder.result", "table.shown", "figures.population_incomplete"} <= used
    assert [key for key in used if f"{key}.other" not in catalog("de")] == []


def test_input_notice_names_the_field_and_the_value():
    text = t("input.bad_number", "de", field="Autobahnanschluss: höchstens … km", value="abc", example="0,5")
    assert "Autobahnanschluss" in text and "„abc“" in text and "0,5" in text


def test_locale_module_strict_parsing_in_a_babel_locale():
    assert parse_in_locale("1.234,5", "de_DE") == 1234.5
    with pytest.raises(NumberParseError):
        parse_in_locale("1.234,5", "en_GB")


def test_tables_show_locale_numbers_and_keep_the_values():
    import pandas as pd

    from regionmap.dashboard.details import localised_numbers

    frame = pd.DataFrame({"Name": ["a", "b"], "Autobahn (km)": [5.4321, float("nan")], "Anzahl": [1234, 2],
                          "vorläufig": [True, False]})
    styled = localised_numbers(frame, "de", decimals={"Autobahn (km)": 1}, units={"Autobahn (km)": "km"})
    assert styled.data is frame  # the cells keep their numbers: the table sorts by value
    html = styled.to_html()
    assert "5,4\u00a0km" in html and "1.234" in html and "5.4" not in html
    assert "True" in html  # booleans stay check boxes, not numbers
    assert ">–<" in html  # a missing distance
    assert f"1{NNBSP}234" in localised_numbers(frame, "fr").to_html()
    assert "1,234" in localised_numbers(frame, "en").to_html()
