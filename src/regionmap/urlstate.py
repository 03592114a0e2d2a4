"""The dashboard's view state and its URL query parameters, both ways.

`parse_query_params` never raises on user input: unknown or malformed values are dropped and reported as `Notice`s,
whose `key` and `params` are a text of `regionmap.i18n` (`url.*`). Parameter names: `layers`, `sectors`, `category`,
`kreis`, `gemeinde`, `q`, `site`, `lang`, `basemap`; other parameters (such as Streamlit's `embed`) are left alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from regionmap.config import DEFAULT_LANGUAGE, LANGUAGES
from regionmap.i18n import t
from regionmap.sources_registry import registry
from regionmap.taxonomy import taxonomy

MAX_QUERY_LENGTH = 100
MAX_SHOWN_VALUE = 40  # longer rejected values are shortened in notices

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
LIST_PARAMS = {"layers": "layers", "sectors": "sectors", "category": "categories"}


def default_layers() -> tuple[str, ...]:
    """Every thematic layer of data/layers.toml: what the dashboard shows when the URL names none."""
    return taxonomy().layer_ids


def basemap_ids() -> tuple[str, ...]:
    """The basemaps of data/sources.toml."""
    return registry().basemap_ids


def default_basemap() -> str:
    """The dashboard's default basemap (data/sources.toml)."""
    return registry().default_basemap


@dataclass(frozen=True)
class ViewState:
    """What the dashboard shows; the defaults are the unfiltered region with all layers."""

    layers: tuple[str, ...] = field(default_factory=default_layers)
    sectors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    kreis: str | None = None
    gemeinde: str | None = None
    q: str = ""
    site: str | None = None
    lang: str = DEFAULT_LANGUAGE
    basemap: str = field(default_factory=default_basemap)


@dataclass(frozen=True)
class Vocab:
    """The ids a URL may name: thematic layers, sectors, categories, Kreise (5-digit AGS), municipalities (8-digit AGS),
    sites, basemaps (by default those of data/sources.toml)."""

    layers: frozenset[str] = field(default_factory=frozenset)
    sectors: frozenset[str] = field(default_factory=frozenset)
    categories: frozenset[str] = field(default_factory=frozenset)
    kreise: frozenset[str] = field(default_factory=frozenset)
    gemeinden: frozenset[str] = field(default_factory=frozenset)
    sites: frozenset[str] = field(default_factory=frozenset)
    basemaps: frozenset[str] = field(default_factory=lambda: frozenset(basemap_ids()))

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, frozenset(str(v) for v in getattr(self, f.name)))


@dataclass(frozen=True)
class Notice:
    """A query parameter value that was ignored or changed: `key`/`params` form the translatable message."""

    param: str
    value: str
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The notice as plain text in `lang` (not Markdown: display it escaped)."""
        return t(self.key, lang, param=self.param, value=_shown(self.value), **self.params)


def _shown(value: str) -> str:
    """A rejected value made safe to quote in a message: control characters replaced, long values shortened."""
    text = "".join("\ufffd" if _is_control(c) else c for c in value)
    return text if len(text) <= MAX_SHOWN_VALUE else text[: MAX_SHOWN_VALUE - 1] + "…"


def _is_control(char: str) -> bool:
    """Control, format (bidi overrides, zero-width), surrogate and private-use characters."""
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co")


def _single(name: str, raw: str | Iterable[str], notices: list[Notice]) -> str | None:
    """One value of a parameter; when given several times, the last one wins (as in `st.query_params[name]`)."""
    values = [raw] if isinstance(raw, str) else [str(v) for v in raw]
    if not values:
        return None
    if len(values) > 1:
        notices.append(Notice(name, values[-1], "url.duplicate_param"))
    return values[-1]


def _ids(name: str, text: str, allowed: frozenset[str], notices: list[Notice]) -> tuple[str, ...]:
    """A comma-separated id list: known ids in the given order, without repeats; empty items are skipped quietly."""
    kept: list[str] = []
    for item in text.split(","):
        value = item.strip().lower()
        if not value:
            continue
        if not ID_PATTERN.match(value):
            notices.append(Notice(name, item, "url.malformed_id"))
        elif value not in allowed:
            notices.append(Notice(name, item, "url.unknown_value"))
        elif value in kept:
            notices.append(Notice(name, item, "url.duplicate_value"))
        else:
            kept.append(value)
    return tuple(kept)


def _ags(name: str, text: str, digits: int, notices: list[Notice]) -> str | None:
    value = text.strip()
    if not value:
        return None
    if len(value) != digits or not value.isascii() or not value.isdigit():
        notices.append(Notice(name, text, "url.malformed_ags", {"digits": digits}))
        return None
    return value


def _choice(name: str, text: str, allowed: tuple[str, ...], default: str, notices: list[Notice]) -> str:
    value = text.strip().lower()
    if not value:
        return default
    if value not in allowed:
        notices.append(Notice(name, text, "url.unknown_value"))
        return default
    return value


def clean_query(text: str, param: str = "q", notices: list[Notice] | None = None) -> str:
    """Free search text: NFC, control characters removed, whitespace collapsed, at most MAX_QUERY_LENGTH characters.

    Markup is kept as plain text: the query is only ever used as a substring to search for.
    """
    notices = notices if notices is not None else []
    text = unicodedata.normalize("NFC", text)
    if any(_is_control(c) for c in text):
        notices.append(Notice(param, text, "url.control_chars"))
    # C0/C1 controls (tab, newline, ...) separate words; format, surrogate and private-use characters are dropped
    cleaned = "".join(" " if unicodedata.category(c) == "Cc" else "" if _is_control(c) else c for c in text)
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > MAX_QUERY_LENGTH:
        notices.append(Notice(param, cleaned, "url.truncated", {"max": MAX_QUERY_LENGTH}))
        cleaned = cleaned[:MAX_QUERY_LENGTH].rstrip()
    return cleaned


def parse_query_params(params: Mapping[str, str | list[str]], vocab: Vocab) -> tuple[ViewState, list[Notice]]:
    """The view state a URL asks for, and a notice for every value that was ignored or changed."""
    notices: list[Notice] = []
    singles = {name: _single(name, value, notices) for name, value in params.items()}
    raw = {name: value for name, value in singles.items() if value is not None}
    values: dict[str, Any] = {}
    allowed = {"layers": vocab.layers, "sectors": vocab.sectors, "category": vocab.categories}
    for name, attribute in LIST_PARAMS.items():
        if name in raw:
            values[attribute] = _ids(name, raw[name], allowed[name], notices)

    kreis = _ags("kreis", raw.get("kreis", ""), 5, notices)
    if kreis is not None and kreis not in vocab.kreise:
        notices.append(Notice("kreis", kreis, "url.not_in_region"))
        kreis = None
    gemeinde = _ags("gemeinde", raw.get("gemeinde", ""), 8, notices)
    if gemeinde is not None and gemeinde not in vocab.gemeinden:
        notices.append(Notice("gemeinde", gemeinde, "url.not_in_store"))
        gemeinde = None
    if gemeinde is not None and kreis is not None and not gemeinde.startswith(kreis):
        notices.append(Notice("gemeinde", gemeinde, "url.not_in_kreis", {"kreis": kreis}))
        gemeinde = None

    site = raw.get("site", "").strip().lower() or None
    if site is not None and not ID_PATTERN.match(site):
        notices.append(Notice("site", raw["site"], "url.malformed_id"))
        site = None
    elif site is not None and site not in vocab.sites:
        notices.append(Notice("site", raw["site"], "url.unknown_value"))
        site = None

    state = ViewState(
        **values,
        kreis=kreis,
        gemeinde=gemeinde,
        q=clean_query(raw.get("q", ""), "q", notices),
        site=site,
        lang=_choice("lang", raw.get("lang", ""), LANGUAGES, DEFAULT_LANGUAGE, notices),
        basemap=_choice("basemap", raw.get("basemap", ""), tuple(vocab.basemaps), default_basemap(), notices),
    )
    return state, notices


def to_query_params(state: ViewState) -> dict[str, str]:
    """The query parameters of a state, in a fixed order, leaving out values equal to the defaults.

    An empty layer selection is kept as `layers=` (no layers), which differs from the default (all layers).
    """
    default = ViewState()
    out: dict[str, str] = {}
    for name, attribute in LIST_PARAMS.items():
        value = getattr(state, attribute)
        if value != getattr(default, attribute):
            out[name] = ",".join(value)
    for name in ("kreis", "gemeinde", "q", "site", "lang", "basemap"):
        value = getattr(state, name)
        if value != getattr(default, name):
            out[name] = value
    return out
