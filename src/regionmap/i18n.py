"""UI texts in de (default), en and fr from `locales/*.toml`, and locale-aware number and date formatting.

Each language has a main file `locales/<lang>.toml` and may have feature files `locales/<feature>.<lang>.toml`; they
are merged into one catalog. Keys are dotted paths (`page.overview` is `overview` in the `[page]` table). A key missing
in a language falls back to German; a key missing in German is a programming error and raises `UnknownTextKey`.
Labels of sectors, layers and categories are not here: they live in `data/sectors.toml` and `data/layers.toml`.
"""

from __future__ import annotations

import math
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

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


def format_number(value: Any, lang: str = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """`value` with the language's thousands and decimal separators (3.900.490 / 3,900,490 / 3 900 490).

    Missing values (None, NaN, pd.NA) give the language's "unknown" text.
    """
    if _is_missing(value):
        return t("number.unknown", lang)
    text = f"{float(value):,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    separators = str.maketrans({",": t("number.thousands", lang), ".": t("number.decimal", lang)})
    return text.translate(separators)


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
    """An ISO date `YYYY-MM-DD` or month `YYYY-MM` in the language's style; other text is returned unchanged."""
    if not value:
        return t("number.unknown", lang)
    parts = str(value).strip().split("-")
    if not all(p.isdigit() for p in parts) or [len(p) for p in parts] not in ([4, 2, 2], [4, 2]):
        return str(value)
    fields = dict(zip(("year", "month", "day"), parts))
    return t("date.day" if "day" in fields else "date.month", lang, **fields)
