"""The messages of the record checks (`regionmap validate`, the Pflege page's forms and imports) in every language.

A check returns a `CheckMessage`: a `str` holding its English text, which the command line prints and logs keep,
that also knows its text key (`check.<code>` in `locales/check.<lang>.toml`) and parameters, so a page shows it in
the reader's language (`message_text`). A message built otherwise (a plain `str`) is shown as it is.
"""

from __future__ import annotations

from typing import Any

from regionmap.i18n import format_number, t

MESSAGE_LANGUAGE = "en"  # the language of the text a CheckMessage is, as a str


class CheckMessage(str):
    """A check's message: its English text as the string, and the key and parameters to say it in other languages."""

    code: str
    key: str
    params: dict[str, Any]

    def __new__(cls, code: str, /, *, texts: str = "check", **params: Any) -> CheckMessage:
        """The message of text `<texts>.<code>` (by default `check.<code>`) with `params`."""
        key = f"{texts}.{code}"
        message = super().__new__(cls, _say(key, params, MESSAGE_LANGUAGE))
        message.code, message.key, message.params = code, key, params
        return message

    def text(self, lang: str) -> str:
        """The message in `lang`."""
        return _say(self.key, self.params, lang)


def _say(key: str, params: dict[str, Any], lang: str) -> str:
    """The text `key` in `lang`, numbers in the language's notation (1.000 m / 1,000 m), whole."""
    shown = {k: format_number(v, lang) if isinstance(v, int | float) and not isinstance(v, bool) else v
             for k, v in params.items()}
    return t(key, lang, **shown)


def message_text(message: object, lang: str) -> str:
    """A check's message in `lang` (a message that is no `CheckMessage` as it is)."""
    return message.text(lang) if isinstance(message, CheckMessage) else str(message)


def raised_message(exc: ValueError) -> str:
    """The message a check raised (`ValueError(CheckMessage(...))`), keeping its translations."""
    return exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
