"""Number fields that read the language's notation (`0,5` in German) and say so when they cannot read a value."""

from __future__ import annotations

from typing import Any

import streamlit as st

from regionmap.i18n import format_number, parse_number, t
from regionmap.numbers import NumberParseError
from regionmap.ui.text import plain

EXAMPLE = 0.5  # shown in the notice as the language's way of writing a decimal


def number_field(label: str, key: str, lang: str, *, min_value: float | None = None, container: Any = st,
                 **text_input_args: Any) -> float | None:
    """A text field for a number in `lang`'s notation; None when it is empty or unreadable.

    An unreadable value or one below `min_value` is not used, and a warning under the field names the field and the
    value. A number put into the widget's session state (e.g. restored from a link) is shown in the language's notation.
    """
    current = st.session_state.get(key)
    if isinstance(current, (int, float)) and not isinstance(current, bool):
        st.session_state[key] = format_number(current, lang, decimals=6, trim=True)
    text = container.text_input(label, key=key, **text_input_args)
    try:
        value = parse_number(text, lang)
    except NumberParseError:
        container.warning(plain(t("input.bad_number", lang, field=label, value=text.strip(),
                                  example=format_number(EXAMPLE, lang, 1))), icon="⚠️")
        return None
    if value is not None and min_value is not None and value < min_value:
        container.warning(plain(t("input.below_min", lang, field=label, value=format_number(value, lang, 6, trim=True),
                                  min=format_number(min_value, lang, 6, trim=True))), icon="⚠️")
        return None
    return value
