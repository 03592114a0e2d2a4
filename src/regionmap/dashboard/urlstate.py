"""The dashboard's view state and its URL query parameters, both ways.

`parse_query_params` never raises on user input: unknown or malformed values are dropped and reported as `Notice`s,
whose `key` and `params` are a text of `regionmap.i18n` (`url.*`). `PARAM_NAMES` lists every parameter: the sidebar's
`layers`, `sectors`, `category`, `kreis`, `gemeinde`, `q`, `site`, `lang`, `basemap`, and the pages' own (`PAGE_PARAMS`):
the map's `colour` and `detail` (the record in the detail card), the Kommunen page's `indicator`, `scheme`, `classes`,
and the site finder's `size` (`5-20`, hectares, either end may be left out), `availability`, `planning_status`
and `land_use` (codes of data/layers.toml), `serviced=1` and `rail_siding=1` (only the sites stating so), `dist`
(`motorway:0.5,airport:30`: the largest distance in km per location factor), `broadband` (the least Mbit/s), `op24=1`
(24-hour operation), `w` (`motorway:3,area_ha:0`: the matching weights, `regionmap.investor.matching`), `as_of`
(`2026-06-30`: the stock of sites as it was then), `sort` and `compare` (site ids), `shortlist` (the
visitor's site ids, at most data/shortlist.toml's `max_sites`), and `embed=1` on any page: only the map with its legend and attribution, for an `<iframe>`
(`regionmap.dashboard.embed`). Numbers are written with a decimal point, whatever the language. Other parameters
(such as Streamlit's `embed_options`) are left alone.
The ids a URL may name come from the data (`Vocab`, see `regionmap.data.store.Store.url_vocab`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from regionmap.config import DEFAULT_LANGUAGE, LANGUAGES
from regionmap.i18n import t, tn
from regionmap.investor.shortlist import shortlist_config
from regionmap.data.source_registry import registry
from regionmap.taxonomy import taxonomy

MAX_QUERY_LENGTH = 100
MAX_SHOWN_VALUE = 40  # longer rejected values are shortened in notices

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
NUMBER_PATTERN = re.compile(r"^[0-9]{1,15}(\.[0-9]{1,6})?$")  # machine format: a dot, no sign, no exponent
LIST_PARAMS = {"layers": "layers", "sectors": "sectors", "category": "categories"}
NOT_FOUND_PARAM = "path"  # on the not-found page: the path that is no page


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
    # The pages' own controls; None (or empty) is the page's default.
    colour: str | None = None
    detail: str | None = None
    indicator: str | None = None
    scheme: str | None = None
    classes: int | None = None
    min_ha: float | None = None
    max_ha: float | None = None
    availability: tuple[str, ...] = ()
    planning_status: tuple[str, ...] = ()
    land_use: tuple[str, ...] = ()
    serviced: bool = False
    rail_siding: bool = False
    max_km: tuple[tuple[str, float], ...] = ()  # (location factor id, km), in the order given
    min_broadband: float | None = None  # Mbit/s
    operation_24h: bool = False
    weights: tuple[tuple[str, int], ...] = ()  # (criterion, weight) the user chose, regionmap.investor.matching
    as_of: str | None = None  # the site finder's historical view: an ISO day
    sort: str | None = None
    compare: tuple[str, ...] = ()
    shortlist: tuple[str, ...] = ()  # the visitor's shortlist of site ids (`?shortlist=`)
    embed: bool = False  # only the map, legend and attribution: for an <iframe> on a partner's website


@dataclass(frozen=True)
class Vocab:
    """The ids a URL may name: thematic layers, sectors, categories, Kreise (5-digit AGS), municipalities (8-digit AGS),
    sites, basemaps (by default those of data/sources.toml), every thematic record (`records`), and the pages' choices: colourings, indicators, classification schemes,
    location factors, availability, planning status and land use codes, sort keys; `classes` is the allowed range of
    class counts and
    `max_compared` the most sites a comparison takes."""

    layers: frozenset[str] = field(default_factory=frozenset)
    sectors: frozenset[str] = field(default_factory=frozenset)
    categories: frozenset[str] = field(default_factory=frozenset)
    kreise: frozenset[str] = field(default_factory=frozenset)
    gemeinden: frozenset[str] = field(default_factory=frozenset)
    sites: frozenset[str] = field(default_factory=frozenset)
    basemaps: frozenset[str] = field(default_factory=lambda: frozenset(basemap_ids()))
    records: frozenset[str] = field(default_factory=frozenset)
    colours: frozenset[str] = field(default_factory=frozenset)
    indicators: frozenset[str] = field(default_factory=frozenset)
    schemes: frozenset[str] = field(default_factory=frozenset)
    factors: frozenset[str] = field(default_factory=frozenset)
    availability: frozenset[str] = field(default_factory=frozenset)
    planning_status: frozenset[str] = field(default_factory=frozenset)
    land_use: frozenset[str] = field(default_factory=frozenset)
    sort_keys: frozenset[str] = field(default_factory=frozenset)
    criteria: frozenset[str] = field(default_factory=frozenset)
    classes: tuple[int, int] = (1, 0)
    max_compared: int = 0
    max_weight: int = 0
    first_day: str = "2000-01-01"  # the earliest day an `as_of` may name
    max_shortlist: int = field(default_factory=lambda: shortlist_config().max_sites)  # data/shortlist.toml

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name not in ("classes", "max_compared", "max_weight", "first_day", "max_shortlist"):
                object.__setattr__(self, f.name, frozenset(str(v) for v in getattr(self, f.name)))


@dataclass(frozen=True)
class Notice:
    """A query parameter value that was ignored or changed: `key`/`params` form the translatable message."""

    param: str
    value: str
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    count: int | None = None  # a notice about several values: `key` is then a plural text (`regionmap.i18n.tn`)

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The notice as plain text in `lang` (not Markdown: display it escaped)."""
        if self.count is not None:
            return tn(self.key, self.count, lang, param=self.param, value=_shown(self.value), **self.params)
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


def _number(name: str, text: str, notices: list[Notice]) -> float | None:
    """A non-negative number written with a decimal point (`0.5`, `12`); None with a notice otherwise."""
    value = text.strip()
    if not NUMBER_PATTERN.match(value):
        notices.append(Notice(name, text, "url.malformed_number"))
        return None
    return float(value)


def format_number(value: float) -> str:
    """A number in the URL's machine format: a decimal point, no exponent, no trailing zeros (`0.5`, `12`)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def _word(name: str, text: str, allowed: frozenset[str], notices: list[Notice]) -> str | None:
    """One id out of `allowed`; None (the page's default) when empty, unknown or malformed."""
    value = text.strip().lower()
    if not value:
        return None
    if not ID_PATTERN.match(value):
        notices.append(Notice(name, text, "url.malformed_id"))
    elif value not in allowed:
        notices.append(Notice(name, text, "url.unknown_value"))
    else:
        return value
    return None


def _classes(name: str, text: str, vocab: Vocab, notices: list[Notice]) -> dict[str, Any]:
    value = text.strip()
    low, high = vocab.classes
    if not value:
        return {}
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        notices.append(Notice(name, text, "url.out_of_range", {"low": low, "high": high}))
        return {}
    return {"classes": int(value)}


def _size(name: str, text: str, vocab: Vocab, notices: list[Notice]) -> dict[str, Any]:
    """`low-high` in hectares; either end may be left out (`5-`, `-20`)."""
    value = text.strip()
    if not value:
        return {}
    low_text, sep, high_text = value.partition("-")
    if not sep:
        notices.append(Notice(name, text, "url.malformed_range"))
        return {}
    ends: list[float | None] = []
    for part in (low_text, high_text):
        number = _number(name, part, notices) if part.strip() else None
        if part.strip() and number is None:
            return {}
        ends.append(number)
    low, high = ends
    if low is not None and high is not None and low > high:
        notices.append(Notice(name, text, "url.malformed_range"))
        return {}
    return {"min_ha": low, "max_ha": high}


def _distances(name: str, text: str, vocab: Vocab, notices: list[Notice]) -> dict[str, Any]:
    """`factor:km` pairs, comma-separated; a factor given twice keeps its first distance."""
    kept: dict[str, float] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        factor_text, sep, km_text = item.partition(":")
        if not sep:
            notices.append(Notice(name, item, "url.malformed_distance"))
            continue
        factor = _word(name, factor_text, vocab.factors, notices)
        km = _number(name, km_text, notices) if factor is not None else None
        if factor is None or km is None:
            continue
        if factor in kept:
            notices.append(Notice(name, item, "url.duplicate_value"))
            continue
        kept[factor] = km
    return {"max_km": tuple(kept.items())}


def _broadband(name: str, text: str, vocab: Vocab, notices: list[Notice]) -> dict[str, Any]:
    number = _number(name, text, notices) if text.strip() else None
    return {"min_broadband": number} if number is not None else {}


def _weights(name: str, text: str, vocab: Vocab, notices: list[Notice]) -> dict[str, Any]:
    """`criterion:weight` pairs (whole numbers 0..max_weight), comma-separated; the first of a criterion counts."""
    kept: dict[str, int] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        criterion_text, sep, weight_text = item.partition(":")
        criterion = _word(name, criterion_text, vocab.criteria, notices) if sep else None
        if not sep:
            notices.append(Notice(name, item, "url.malformed_weight", {"max": vocab.max_weight}))
        if criterion is None:
            continue
        value = weight_text.strip()
        if not (value.isascii() and value.isdigit()) or int(value) > vocab.max_weight:
            notices.append(Notice(name, item, "url.malformed_weight", {"max": vocab.max_weight}))
        elif criterion in kept:
            notices.append(Notice(name, item, "url.duplicate_value"))
        else:
            kept[criterion] = int(value)
    return {"weights": tuple(kept.items())}


def _format_weights(state: ViewState) -> str | None:
    return ",".join(f"{criterion}:{weight}" for criterion, weight in state.weights) or None


def _as_of(name: str, text: str, vocab: Vocab, notices: list[Notice]) -> dict[str, Any]:
    """An ISO day from `vocab.first_day` to today."""
    value = text.strip()
    if not value:
        return {}
    try:
        day = dt.date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
    except ValueError:
        day = None
    if day is None or not vocab.first_day <= day.isoformat() <= dt.date.today().isoformat():
        notices.append(Notice(name, text, "url.malformed_day", {"first": vocab.first_day}))
        return {}
    return {"as_of": day.isoformat()}


def _compare(name: str, text: str, vocab: Vocab, notices: list[Notice]) -> dict[str, Any]:
    ids = _ids(name, text, vocab.sites, notices)
    if len(ids) > vocab.max_compared:
        notices.append(Notice(name, text, "url.too_many", {"max": vocab.max_compared}))
        ids = ids[: vocab.max_compared]
    return {"compare": ids}


def _shortlist(name: str, text: str, vocab: Vocab, notices: list[Notice]) -> dict[str, Any]:
    """Site ids of the visitor's shortlist: unknown (or withdrawn) and malformed ids are dropped with one notice
    counting them, repeats quietly; at most `vocab.max_shortlist` are kept."""
    kept: list[str] = []
    missing = 0
    for item in text.split(","):
        value = item.strip().lower()
        if not value or value in kept:
            continue
        if ID_PATTERN.match(value) and value in vocab.sites:
            kept.append(value)
        else:
            missing += 1
    if missing:
        notices.append(Notice(name, text, "url.shortlist_missing", count=missing))
    if len(kept) > vocab.max_shortlist:
        notices.append(Notice(name, text, "url.shortlist_too_many", {"max": vocab.max_shortlist}))
        kept = kept[: vocab.max_shortlist]
    return {"shortlist": tuple(kept)}


def _single_word(attribute: str, allowed: str) -> Callable[[str, str, Vocab, list[Notice]], dict[str, Any]]:
    def parse(name: str, text: str, vocab: Vocab, notices: list[Notice]) -> dict[str, Any]:
        value = _word(name, text, getattr(vocab, allowed), notices)
        return {attribute: value} if value is not None else {}
    return parse


def _word_list(attribute: str, allowed: str) -> Callable[[str, str, Vocab, list[Notice]], dict[str, Any]]:
    def parse(name: str, text: str, vocab: Vocab, notices: list[Notice]) -> dict[str, Any]:
        return {attribute: _ids(name, text, getattr(vocab, allowed), notices)}
    return parse


def _code_list(attribute: str, allowed: str) -> Callable[[str, str, Vocab, list[Notice]], dict[str, Any]]:
    """A list of codes matched without regard to case (`land_use=gi,GE`), kept as the data spells them."""
    def parse(name: str, text: str, vocab: Vocab, notices: list[Notice]) -> dict[str, Any]:
        codes = {code.lower(): code for code in getattr(vocab, allowed)}
        return {attribute: tuple(codes[i] for i in _ids(name, text, frozenset(codes), notices))}
    return parse


def _flag(attribute: str) -> Callable[[str, str, Vocab, list[Notice]], dict[str, Any]]:
    def parse(name: str, text: str, vocab: Vocab, notices: list[Notice]) -> dict[str, Any]:
        value = text.strip().lower()
        if value not in FLAG_VALUES:
            notices.append(Notice(name, text, "url.unknown_value"))
            return {}
        return {attribute: FLAG_VALUES[value]}
    return parse


def _format_flag(attribute: str) -> Callable[[ViewState], str | None]:
    def format_value(state: ViewState) -> str | None:
        return "1" if getattr(state, attribute) else None
    return format_value


def _format_size(state: ViewState) -> str | None:
    if state.min_ha is None and state.max_ha is None:
        return None
    return "-".join("" if v is None else format_number(v) for v in (state.min_ha, state.max_ha))


def _format_distances(state: ViewState) -> str | None:
    return ",".join(f"{factor}:{format_number(km)}" for factor, km in state.max_km) or None


def _attribute(attribute: str) -> Callable[[ViewState], str | None]:
    def format_value(state: ViewState) -> str | None:
        value = getattr(state, attribute)
        if isinstance(value, tuple):
            return ",".join(value) or None
        return None if value is None else str(value)
    return format_value


@dataclass(frozen=True)
class PageParam:
    """A page's own URL parameter: how its text becomes state attributes (with notices), and how it is written
    (None: left out, the default)."""

    name: str
    parse: Callable[[str, str, Vocab, list[Notice]], dict[str, Any]]
    format: Callable[[ViewState], str | None]


PAGE_PARAMS: tuple[PageParam, ...] = (
    PageParam("colour", _single_word("colour", "colours"), _attribute("colour")),
    PageParam("detail", _single_word("detail", "records"), _attribute("detail")),
    PageParam("indicator", _single_word("indicator", "indicators"), _attribute("indicator")),
    PageParam("scheme", _single_word("scheme", "schemes"), _attribute("scheme")),
    PageParam("classes", _classes, _attribute("classes")),
    PageParam("size", _size, _format_size),
    PageParam("availability", _word_list("availability", "availability"), _attribute("availability")),
    PageParam("planning_status", _code_list("planning_status", "planning_status"), _attribute("planning_status")),
    PageParam("land_use", _code_list("land_use", "land_use"), _attribute("land_use")),
    PageParam("serviced", _flag("serviced"), _format_flag("serviced")),
    PageParam("rail_siding", _flag("rail_siding"), _format_flag("rail_siding")),
    PageParam("dist", _distances, _format_distances),
    PageParam("broadband", _broadband, lambda state: None if state.min_broadband is None
              else format_number(state.min_broadband)),
    PageParam("op24", _flag("operation_24h"), _format_flag("operation_24h")),
    PageParam("w", _weights, _format_weights),
    PageParam("as_of", _as_of, _attribute("as_of")),
    PageParam("sort", _single_word("sort", "sort_keys"), _attribute("sort")),
    PageParam("compare", _compare, _attribute("compare")),
    PageParam("shortlist", _shortlist, _attribute("shortlist")),
)
SIDEBAR_PARAMS: tuple[str, ...] = ("layers", "sectors", "category", "kreis", "gemeinde", "q", "site", "lang", "basemap")
EMBED_PARAM = "embed"
"""Every page's display mode: `embed=1` shows only the map (`ViewState.embed`). Streamlit reserves the parameter
(`st.query_params` hides it) and embeds on `embed=true`: the server redirects `embed=1` there
(`regionmap.ui.serving`) and the app reads it as `st.context.is_embedded`."""
EMBED_VALUE = "true"
FLAG_VALUES = {"1": True, "true": True, "0": False, "false": False, "": False}
PARAM_NAMES: tuple[str, ...] = SIDEBAR_PARAMS + (EMBED_PARAM,) + tuple(p.name for p in PAGE_PARAMS)


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


def missing_path(params: Mapping[str, str | list[str]]) -> str:
    """The path the not-found page names (its `path` parameter), cleaned like search text; "" when absent."""
    notices: list[Notice] = []
    raw = _single(NOT_FOUND_PARAM, params.get(NOT_FOUND_PARAM, []), notices)
    return clean_query(raw or "", NOT_FOUND_PARAM).strip("/")


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

    for param in PAGE_PARAMS:
        if param.name in raw:
            values.update(param.parse(param.name, raw[param.name], vocab, notices))

    embed_text = raw.get(EMBED_PARAM, "").strip().lower()
    if embed_text not in FLAG_VALUES:
        notices.append(Notice(EMBED_PARAM, raw[EMBED_PARAM], "url.unknown_value"))
    state = ViewState(
        **values,
        embed=FLAG_VALUES.get(embed_text, False),
        kreis=kreis,
        gemeinde=gemeinde,
        q=clean_query(raw.get("q", ""), "q", notices),
        site=site,
        lang=_choice("lang", raw.get("lang", ""), LANGUAGES, DEFAULT_LANGUAGE, notices),
        basemap=_choice("basemap", raw.get("basemap", ""), tuple(vocab.basemaps), default_basemap(), notices),
    )
    return state, notices


def to_query_params(state: ViewState, page_params: Iterable[str] | None = None) -> dict[str, str]:
    """The query parameters of a state, in a fixed order, leaving out values equal to the defaults.

    `page_params` names the pages' own parameters to write (those of the page shown or linked to; default: all).
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
    if state.embed:
        out[EMBED_PARAM] = "1"
    wanted = None if page_params is None else set(page_params)
    for param in PAGE_PARAMS:
        text = param.format(state) if wanted is None or param.name in wanted else None
        if text is not None:
            out[param.name] = text
    return out
