"""UI texts in de (default), en and fr from `locales/*.toml`, and locale-aware numbers, dates and plurals.

Each language has a main file `locales/<lang>.toml` and may have feature files `locales/<feature>.<lang>.toml`; they
are merged into one catalog. Keys are dotted paths (`page.overview` is `overview` in the `[page]` table). A key missing
in a language falls back to German; a key missing in German is a programming error and raises `UnknownTextKey`.
Labels of sectors, layers and categories are not here: they live in `data/sectors.toml` and `data/layers.toml`.

A text that depends on a count is a table of CLDR plural forms (`one`, `other`; `other` is required) read with
`tn()`. Numbers and dates are formatted and parsed by Babel (`regionmap.numbers`) in the language's locale, the
`number.locale` text (`de_DE`, `en_GB`, `fr_FR`).
"""

from __future__ import annotations

import math
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from regionmap import numbers
from regionmap.config import DEFAULT_LANGUAGE, LANGUAGES
from regionmap.errors import ConfigError

LOCALES_DIR = Path(__file__).resolve().parent / "locales"


class UnknownTextKey(KeyError):
    """A text key that exists in no locale file."""


def locale_files(lang: str, directory: Path = LOCALES_DIR) -> list[Path]:
    """The locale files of a language: the main file, then the feature files in name order."""
    return [directory / f"{lang}.toml", *sorted(directory.glob(f"*.{lang}.toml"))]


def _flatten(table: dict[str, Any], prefix: str, path: Path, out: dict[str, str]) -> None:
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            _flatten(value, f"{key}.", path, out)
        elif isinstance(value, str) and value:
            out[key] = value
        else:
            raise ConfigError(f"{path}: key '{key}' must be a non-empty string")


def load_catalog(path: Path) -> dict[str, str]:
    """All texts of one locale file as a flat `{dotted.key: template}` dict."""
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: locale file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    out: dict[str, str] = {}
    _flatten(raw, "", path, out)
    return out


def merge_catalogs(paths: list[Path]) -> dict[str, str]:
    """The texts of several locale files; a key defined in two files is an error."""
    merged: dict[str, str] = {}
    origin: dict[str, Path] = {}
    for path in paths:
        for key, template in load_catalog(path).items():
            if key in merged:
                raise ConfigError(f"{path}: key '{key}' is already defined in {origin[key]}")
            merged[key] = template
            origin[key] = path
    return merged


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """The texts of a supported language (cached); unsupported languages get the default language's texts."""
    return merge_catalogs(locale_files(normalise_lang(lang)))


def normalise_lang(lang: str | None) -> str:
    """`lang` if it is a supported language, else the default language."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def has_text(key: str) -> bool:
    """Whether `key` exists in the default language."""
    return key in catalog(DEFAULT_LANGUAGE)


def t(key: str, /, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The text `key` in `lang` (falling back to German), with `{name}` fields filled from `params`."""
    template = catalog(lang).get(key) or catalog(DEFAULT_LANGUAGE).get(key)
    if template is None:
        raise UnknownTextKey(key)
    return template.format(**params)


def label_for(group: str, value: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The translation of a data value (`group.value`, e.g. `kind.Stadt`), or the value itself when none exists."""
    key = f"{group}.{value}"
    return t(key, lang) if has_text(key) else value


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def number_locale(lang: str = DEFAULT_LANGUAGE) -> str:
    """The Babel locale of a language (`number.locale`: de_DE, en_GB, fr_FR)."""
    return t("number.locale", lang)


def format_number(value: Any, lang: str = DEFAULT_LANGUAGE, decimals: int = 0, trim: bool = False) -> str:
    """`value` with the language's thousands and decimal separators (3.900.490 / 3,900,490 / 3 900 490), by Babel;
    `trim` drops trailing decimal zeros (0,5 rather than 0,50).

    Missing values (None, NaN, pd.NA) give the language's "unknown" text.
    """
    if _is_missing(value):
        return t("number.unknown", lang)
    return numbers.format_fixed(float(value), number_locale(lang), decimals, trim)


def parse_number(text: str | None, lang: str = DEFAULT_LANGUAGE) -> float | None:
    """A number typed in the language's notation (`0,5` and `1.234,5` in de, `0.5` in en); None for empty text.

    Raises `numbers.NumberParseError` for text that is not such a number (`0.5` in de, `abc`, `1e3`, `NaN`).
    """
    return numbers.parse_number(text or "", number_locale(lang))


def tn(key: str, count: float, /, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The plural form of text `key` for `count` in `lang` (`key.one`, `key.other`, ...), with `{count}` filled with
    the formatted count and the other `{name}` fields from `params`."""
    form = numbers.plural_form(count, number_locale(lang))
    variant = f"{key}.{form}" if has_text(f"{key}.{form}") else f"{key}.other"
    return t(variant, lang, count=format_number(count, lang), **params)


def format_quantity(value: Any, unit: str, lang: str = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """A number with a unit from the `[unit]` table (`unit.km2` is "{value} km²"); unknown values have no unit."""
    if _is_missing(value):
        return t("number.unknown", lang)
    return t(f"unit.{unit}", lang, value=format_number(value, lang, decimals))


def format_km2(value: Any, lang: str = DEFAULT_LANGUAGE, decimals: int = 1) -> str:
    """An area in km²."""
    return format_quantity(value, "km2", lang, decimals)


def format_density(value: Any, lang: str = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """A population density in inhabitants per km²."""
    return format_quantity(value, "density", lang, decimals)


def format_date(value: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """An ISO date `YYYY-MM-DD` or month `YYYY-MM` in the language's style (31.12.2023, 31 Dec 2023, 31 déc. 2023);
    other text is returned unchanged, a missing value gives the "unknown" text."""
    if not value:
        return t("number.unknown", lang)
    return numbers.format_iso_date(str(value), number_locale(lang)) or str(value)
