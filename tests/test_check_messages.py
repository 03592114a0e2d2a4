"""The record checks speak every language: the English text is the message itself (the command line prints it), a
page shows it in its reader's language, numbers in the language's notation, and every key exists in every
language with the same placeholders."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from regionmap.config import LANGUAGES
from regionmap.data.check_messages import CheckMessage, message_text
from regionmap.data.curated import email_problem, parse_float, phone_problem

LOCALES = Path(__file__).resolve().parents[1] / "src" / "regionmap" / "locales"


def test_every_language_has_every_check_with_the_same_placeholders() -> None:
    texts = {lang: tomllib.loads((LOCALES / f"check.{lang}.toml").read_text("utf-8"))["check"] for lang in LANGUAGES}
    assert {lang: sorted(t) for lang, t in texts.items()} == {lang: sorted(texts["en"]) for lang in LANGUAGES}
    for code, english in texts["en"].items():
        fields = set(re.findall(r"\{(\w+)\}", english))
        assert all(set(re.findall(r"\{(\w+)\}", texts[lang][code])) == fields for lang in LANGUAGES), code


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "'x@' is not an e-mail address (name@example.org)"),
    ("de", "„x@“ ist keine E-Mail-Adresse (name@example.org)"),
    ("fr", "«\u00a0x@\u00a0» n’est pas une adresse électronique (nom@example.org)"),
])
def test_a_message_is_english_as_a_string_and_translated_on_a_page(lang: str, expected: str) -> None:
    message = email_problem("x@")
    assert message == "'x@' is not an e-mail address (name@example.org)"  # what validate prints
    assert message_text(message, lang) == expected
    assert message_text("a plain message", lang) == "a plain message"


def test_raised_messages_and_numbers_keep_their_language() -> None:
    with pytest.raises(ValueError) as raised:
        parse_float("1,5")
    assert message_text(raised.value.args[0], "de") == "„1,5“ ist keine Zahl (mit Dezimalpunkt statt Komma schreiben)"
    assert message_text(phone_problem("+49 " + "1" * 30), "de").endswith("hat 32 Ziffern: eine Telefonnummer hat 6 bis 20")
    message = CheckMessage("outside_ags", place="A", distance=1234.4, named="B", tolerance=1000.0)
    assert "1,234 m outside B" in message and "1.234 m außerhalb von B" in message.text("de")
    assert "1\u202f234" in message.text("fr") or "1\u00a0234" in message.text("fr")


def test_reading_problems_and_placement_warnings_speak_every_language(tmp_path: Path) -> None:
    """A file's reading problems (a missing column, a row of the wrong length, semicolons) are shown in the page's
    language too, like the value checks."""
    from regionmap.data.curated import read_curated

    semicolons = tmp_path / "research.csv"
    semicolons.write_text("id;name\nresearch-a;A\n", encoding="utf-8")
    (problem,) = read_curated(semicolons).problems
    assert problem.message == "separated by ';': save the file comma-separated"
    assert message_text(problem.message, "de") == "mit ';' getrennt: bitte die Datei mit Kommas getrennt speichern"
    short = tmp_path / "sites.csv"
    short.write_text("id,name\nsites-a\n", encoding="utf-8")
    messages = {message_text(p.message, "fr") for p in read_curated(short).problems}
    assert "nombre de champs : 1 dans la ligne, 2 dans l'en-tête" in messages
    assert "la colonne manque dans l'en-tête" in messages
    message = CheckMessage("near_region", lon="10.1", lat="52.2", distance=1234, tolerance=2000, place="Goslar")
    assert "1.234 m außerhalb der Grenzen der Region" in message.text("de") and "1,234 m outside" in message
