"""UI texts: complete and consistent locale files, fallback, and locale-aware number formatting."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regionmap import i18n
from regionmap.config import DEFAULT_LANGUAGE, LANGUAGES, PROJECT_ROOT
from regionmap.errors import ConfigError
from regionmap.i18n import (
    UnknownTextKey,
    catalog,
    format_date,
    format_density,
    format_km2,
    format_number,
    format_quantity,
    label_for,
    t,
)
from regionmap.testing import placeholders
from regionmap.data.source_registry import registry

NNBSP = "\u202f"  # narrow no-break space
NBSP = "\u00a0"
# i18n.t("key", ...) anywhere, and t("key", ...) where t is imported from regionmap.i18n; also across line breaks
I18N_T_CALL = re.compile(r"""(?<![\w.])i18n\.t\(\s*(["'])([^"'\n]+)\1""")
T_CALL = re.compile(r"""(?<![\w.])t\(\s*(["'])([^"'\n]+)\1""")
IMPORTS_T = re.compile(r"from regionmap\.i18n import \(?[^)]*?\bt\b", re.S)


def python_sources() -> list[Path]:
    """app.py, pages/*.py and the library: every place that may call i18n.t()."""
    files = [PROJECT_ROOT / "app.py", *sorted((PROJECT_ROOT / "pages").glob("*.py"))]
    files += sorted((PROJECT_ROOT / "src" / "regionmap").rglob("*.py"))
    return [f for f in files if f.is_file()]


def literal_keys(text: str, defines_t: bool = False) -> list[str]:
    """The literal text keys passed to regionmap.i18n.t in a Python source (`defines_t`: the i18n module itself)."""
    keys = [m.group(2) for m in I18N_T_CALL.finditer(text)]
    if defines_t or IMPORTS_T.search(text):
        keys += [m.group(2) for m in T_CALL.finditer(text)]
    return keys


def test_every_language_has_a_locale_file_with_the_same_keys():
    default = catalog(DEFAULT_LANGUAGE)
    assert len(default) > 150
    for lang in LANGUAGES:
        assert set(catalog(lang)) == set(default), f"{lang}.toml differs from {DEFAULT_LANGUAGE}.toml"


def test_every_text_has_the_same_placeholders_in_all_languages():
    default = catalog(DEFAULT_LANGUAGE)
    for lang in LANGUAGES:
        for key, template in catalog(lang).items():
            assert placeholders(template) == placeholders(default[key]), f"{lang}: {key}"


def test_literal_keys_used_in_the_code_exist():
    sources = python_sources()
    assert any(f.name == "i18n.py" for f in sources)
    used = {(f, key) for f in sources for key in literal_keys(f.read_text(encoding="utf-8"), f == Path(i18n.__file__))}
    assert len(used) >= 5  # the scan finds the library's own calls at least
    missing = sorted(f"{f.relative_to(PROJECT_ROOT)}: {key}" for f, key in used if key not in catalog(DEFAULT_LANGUAGE))
    assert not missing, "text keys used in code but missing in de.toml:\n" + "\n".join(missing)


def test_the_key_scan_recognises_calls():
    calls = 't("page.overview", lang)\nst.title(t(\n    "app.title", lang, region=r))\nx = at("no.key")\nfmt(t)\n'
    calls += 'i18n.t("legend.title", lang)\n'
    assert literal_keys("from regionmap.i18n import (\n    format_number,\n    t,\n)\n" + calls) == [
        "legend.title", "page.overview", "app.title"]
    assert literal_keys("from regionmap.i18n import t\n" + calls)[1:] == ["page.overview", "app.title"]
    # a module with its own t() (no import from regionmap.i18n): only the explicit i18n.t call counts
    assert literal_keys("def t(key):\n    return key\n" + calls) == ["legend.title"]


def test_required_texts_exist():
    required = [
        "app.title", "page.overview", "page.research", "page.sites", "page.health", "page.events_mobility",
        "page.municipalities", "page.data", "page.present", "sidebar.layers", "sidebar.sectors", "sidebar.category",
        "sidebar.kreis", "sidebar.gemeinde", "sidebar.search", "sidebar.language", "sidebar.basemap",
        "figures.population", "figures.area", "figures.municipalities", "sites.indicative_notice",
        "store.missing", "url.unknown_value", "download.csv", "download.geojson", "legend.item", "legend.range",
        "indicator.population", "indicator.per_10k", "unit.km2", "unit.density",
    ]
    required += [f"column.{c}" for c in ("name", "category", "sectors", "municipality", "kreis", "address", "website",
                                          "source", "as_of", "area_ha", "availability")]
    assert [k for k in required if k not in catalog(DEFAULT_LANGUAGE)] == []


def test_page_titles_and_basemap_names_in_german():
    assert [t(f"page.{p}") for p in ("overview", "research", "sites", "health", "events_mobility", "municipalities",
                                     "data", "present")] == [
        "Übersicht", "Wissenschaft & Forschung", "Investitionsstandorte", "Gesundheit", "Veranstaltungen & Mobilität",
        "Kommunen", "Daten & Quellen", "Präsentation"]
    basemaps = registry()  # basemap names come with the basemaps, from data/sources.toml
    assert basemaps.basemap("osm").label() == "OpenStreetMap"
    assert basemaps.basemap("none").label("de") == "ohne Hintergrundkarte"
    assert basemaps.basemap("none").label("en") == "no basemap"
    assert basemaps.basemap("none").label("fr") == "sans fond de carte"


def test_parameters_are_filled_and_not_interpreted():
    hostile = "<img src=x onerror=alert(1)> {0} {value}"
    text = t("url.unknown_value", "de", value=hostile, param="lang")
    assert text == f"Unbekannter Wert „{hostile}“ in Parameter „lang“ ignoriert."
    assert t("legend.item", "fr", label="Santé", count=3) == "Santé (3)"
    with pytest.raises(KeyError):
        t("legend.item", "de", label="x")  # a missing parameter is a programming error


def test_missing_key_falls_back_to_german_and_unknown_key_raises(monkeypatch):
    english = dict(catalog("en"))
    del english["page.overview"]
    monkeypatch.setattr(i18n, "catalog", lambda lang: english if lang == "en" else catalog(lang))
    assert t("page.overview", "en") == "Übersicht"
    with pytest.raises(UnknownTextKey):
        t("page.no_such_page", "en")


def test_language_may_be_given_by_keyword():
    assert t("page.overview", lang="fr") == "Vue d'ensemble"
    assert t("legend.item", lang="en", label="Health", count=2) == "Health (2)"


def test_unsupported_language_uses_the_default():
    assert t("page.overview", "xx") == "Übersicht"
    assert i18n.normalise_lang("xx") == "de"
    assert i18n.normalise_lang("fr") == "fr"


def test_locale_file_errors_name_file_and_key(tmp_path):
    bad = tmp_path / "de.toml"
    bad.write_text('[page]\noverview = ""\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"de\.toml: key 'page\.overview'"):
        i18n.load_catalog(bad)
    bad.write_text("[page\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid TOML"):
        i18n.load_catalog(bad)
    with pytest.raises(ConfigError, match="not found"):
        i18n.load_catalog(tmp_path / "xx.toml")


def test_format_number_uses_each_languages_separators():
    assert format_number(3900490, "de") == "3.900.490"
    assert format_number(3900490, "en") == "3,900,490"
    assert format_number(3900490, "fr") == f"3{NNBSP}900{NNBSP}490"
    assert format_number(1234.567, "de", 2) == "1.234,57"
    assert format_number(1234.567, "en", 1) == "1,234.6"
    assert format_number(1234.567, "fr", 1) == f"1{NNBSP}234,6"
    assert format_number(-1500, "de") == "-1.500"
    assert format_number(-0.2, "de") == "0"
    assert format_number(np.int64(12), "en") == "12"


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, "abc"])
def test_missing_numbers_are_shown_as_unknown(missing):
    assert format_number(missing, "de") == "k. A."
    assert format_number(missing, "en") == "n/a"
    assert format_km2(missing, "fr") == "n.d."


def test_units():
    assert format_km2(18584.13, "de") == f"18.584,1{NBSP}km²"
    assert format_km2(18584.13, "fr") == f"18{NNBSP}584,1{NBSP}km²"
    assert format_density(209.87, "de") == f"210{NBSP}Einw./km²"
    assert format_density(209.87, "en") == f"210{NBSP}inhabitants/km²"
    assert format_quantity(12.345, "km", "en", 1) == f"12.3{NBSP}km"
    assert format_quantity(4, "none", "de") == "4"


def test_dates_follow_the_babel_locale():
    assert format_date("2023-12-31", "de") == "31.12.2023"
    assert format_date("2023-12-31", "en") == "31 Dec 2023"
    assert format_date("2023-12-31", "fr") == "31 déc. 2023"
    assert format_date("2024-03", "de") == "März 2024"
    assert format_date("2024-03", "en") == "Mar 2024"
    assert format_date("2024-03", "fr") == "mars 2024"
    assert format_date("Sommer 2024", "de") == "Sommer 2024"
    assert format_date("2024-02-30", "de") == "2024-02-30"  # not a real day: shown as written
    assert format_date(None, "en") == "n/a"


def test_data_values_are_translated_where_known():
    assert label_for("kind", "gemeindefreies Gebiet", "en") == "Unincorporated area"
    assert label_for("kind", "Stadt", "fr") == "Ville"
    assert label_for("traffic", "FV", "en") == "Long-distance services"
    assert label_for("kind", "Markt", "en") == "Markt"


def test_language_names_are_in_their_own_language():
    for lang in LANGUAGES:
        assert [t(f"language.{code}", lang) for code in LANGUAGES] == ["Deutsch", "English", "Français"]


def test_feature_files_are_merged_and_may_not_redefine_keys(tmp_path):
    (tmp_path / "de.toml").write_text('[page]\noverview = "Übersicht"\n', encoding="utf-8")
    (tmp_path / "tour.de.toml").write_text('[tour]\nnext = "Weiter"\n', encoding="utf-8")
    (tmp_path / "tour.en.toml").write_text('[tour]\nnext = "Next"\n', encoding="utf-8")
    files = i18n.locale_files("de", tmp_path)
    assert [f.name for f in files] == ["de.toml", "tour.de.toml"]
    assert i18n.merge_catalogs(files) == {"page.overview": "Übersicht", "tour.next": "Weiter"}
    (tmp_path / "more.de.toml").write_text('[page]\noverview = "Start"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"more\.de\.toml: key 'page\.overview' is already defined in .*de\.toml"):
        i18n.merge_catalogs(i18n.locale_files("de", tmp_path))


def test_a_label_before_its_value_follows_each_languages_punctuation():
    assert [t("detail.label", lang, label="Source") for lang in LANGUAGES] == ["Source:", "Source:", "Source\u00a0:"]
