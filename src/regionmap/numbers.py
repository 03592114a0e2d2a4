"""Numbers, dates and plural forms in a Babel locale (`de_DE`, `en_GB`, `fr_FR`): formatting and strict parsing.

Pure functions without UI texts; `regionmap.i18n` maps the app's languages to Babel locales and adds the texts
("k. A.", units). Parsing is strict: `0.5` in German is refused (it is neither 0,5 nor a grouped 5), never read as 5.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton
from babel.numbers import NumberFormatError, format_decimal, get_decimal_symbol, get_group_symbol, parse_decimal

# Spaces a person may type for the French thousands separator (U+202F): space, no-break space, thin space.
SPACES = " \u00a0\u2009\u202f"
MINUS_SIGNS = "\u2212\u2013"  # the minus sign and the en dash, typed or pasted for "-"
CLI_LOCALE = "en_GB"  # command-line output and messages to data maintainers are in English
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_MONTH = re.compile(r"^\d{4}-\d{2}$")


class NumberParseError(ValueError):
    """Text that is not a number in the locale's notation."""

    def __init__(self, text: str, locale: str):
        super().__init__(f"{text!r} is not a number in locale {locale}")
        self.text = text
        self.locale = locale


@lru_cache(maxsize=None)
def babel_locale(locale: str) -> Locale:
    """The Babel locale of an identifier such as `de_DE` (cached)."""
    return Locale.parse(locale)


def decimal_symbol(locale: str) -> str:
    """The locale's decimal separator: `,` in de and fr, `.` in en."""
    return get_decimal_symbol(babel_locale(locale))


def format_fixed(value: float, locale: str, decimals: int = 0, trim: bool = False) -> str:
    """`value` with `decimals` decimals and the locale's grouping (1.234,5 / 1,234.5 / 1 234,5); with `trim`, at most
    `decimals` decimals and no trailing zeros (0,5 and 2 rather than 0,50 and 2,00).

    A value that rounds to zero has no minus sign.
    """
    rounded = round(float(value), decimals) + 0.0  # -0.0 + 0.0 is 0.0
    pattern = "#,##0" + ("." + ("#" if trim else "0") * decimals if decimals > 0 else "")
    return format_decimal(rounded, format=pattern, locale=babel_locale(locale))


def format_plain(value: float, decimals: int = 6) -> str:
    """`value` in machine notation for names and URLs: a point, no grouping, no trailing zeros (0.5, 1234, -2.25)."""
    rounded = round(float(value), decimals) + 0.0
    return format_decimal(rounded, format="0." + "#" * decimals if decimals > 0 else "0", locale="en")


def parse_number(text: str, locale: str) -> float | None:
    """The number written in `text` in the locale's notation; None for empty text.

    Accepts the locale's decimal separator and correct grouping (`1.234,5` in de, `1 234,5` with any space in fr),
    a leading sign and surrounding spaces. Raises `NumberParseError` for anything else: letters, exponents, NaN,
    a separator the locale does not use as decimal (`0.5` in de, `0,5` in en), or misplaced grouping.
    """
    stripped = text.strip()
    if not stripped:
        return None
    loc = babel_locale(locale)
    group = get_group_symbol(loc)
    normalised = stripped.translate({ord(c): "-" for c in MINUS_SIGNS})
    if group in SPACES:
        normalised = re.sub(f"[{SPACES}]", group, normalised)
    allowed = set("0123456789+-") | {group, get_decimal_symbol(loc)}
    if not set(normalised) <= allowed:
        raise NumberParseError(text, locale)
    try:
        value: Decimal = parse_decimal(normalised, locale=loc, strict=True)
    except (NumberFormatError, ValueError, ArithmeticError) as exc:
        raise NumberParseError(text, locale) from exc
    number = float(value)
    if not math.isfinite(number):
        raise NumberParseError(text, locale)
    return number + 0.0


def plural_form(count: float, locale: str) -> str:
    """The CLDR plural category of `count` in the locale: `one`, `other` (and in some languages `many`, ...)."""
    return babel_locale(locale).plural_form(abs(count))


def format_iso_date(value: str, locale: str) -> str | None:
    """An ISO day `YYYY-MM-DD` in the locale's medium style (31.12.2023 / 31 Dec 2023 / 31 déc. 2023) or an ISO
    month `YYYY-MM` as month and year (Dez. 2023); None when `value` is neither or not a real date."""
    text = value.strip()
    try:
        if ISO_DAY.match(text):
            return babel_format_date(dt.date.fromisoformat(text), format="medium", locale=babel_locale(locale))
        if ISO_MONTH.match(text):
            day = dt.date.fromisoformat(f"{text}-01")
            return format_skeleton("yMMM", day, locale=babel_locale(locale))
    except ValueError:
        return None
    return None
