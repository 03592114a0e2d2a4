"""Guided tours for the presenter mode: the tour file model (`data/tours/*.toml`), its validation, and the mapping
of a stop onto the dashboard's shareable URL state.

Validation needs to know which layers, sectors, categories, AGS and point ids exist. That knowledge comes in as a
`TourVocab`, so this module never reads the store itself; `vocab_from_store` builds one from the store's frames.
The file format is described in `data/tours/README.md`.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from regionmap.config import DEFAULT_LANGUAGE, LANGUAGES, data_dir
from regionmap.errors import ConfigError, RegionmapError
from regionmap.dashboard.urlstate import ID_PATTERN, MAX_QUERY_LENGTH, ViewState, clean_query, to_query_params
from regionmap.data.source_registry import registry

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from regionmap.taxonomy import Taxonomy

KREIS_PATTERN = re.compile(r"^[0-9]{5}$")
GEMEINDE_PATTERN = re.compile(r"^[0-9]{8}$")
MAX_LISTED = 30  # an error lists the allowed values when there are at most this many

TOUR_KEYS = frozenset({"id", "title", "interval", "unconfirmed", "stops"})
MARK, SKIP = "mark", "skip"
UNCONFIRMED_RULES = (MARK, SKIP)  # records past their layer's maximum age: drawn marked, or left out of the tour
VIEW_KEYS = ("bounds", "kreis", "gemeinde", "region")
STOP_KEYS = frozenset(
    {"id", *VIEW_KEYS, "layers", "sectors", "categories", "q", "title", "text", "highlight", "duration"}
)


class TourError(RegionmapError):
    """A tour file is unreadable or invalid; the message names the file, the stop (index and id) and the field."""

    def __init__(
        self,
        path: Path | str,
        problem: str,
        *,
        stop_index: int | None = None,
        stop_id: str | None = None,
        field: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.problem = problem
        self.stop_index = stop_index
        self.stop_id = stop_id
        self.field = field
        parts = [str(self.path)]
        if stop_index is not None:
            parts.append(f"stops[{stop_index}]" + (f" (id '{stop_id}')" if stop_id else ""))
        if field is not None:
            parts.append(f"field '{field}'")
        super().__init__(": ".join([*parts, problem]))


@dataclass(frozen=True)
class TourVocab:
    """What a tour may refer to: thematic layers, sectors, categories per layer, AGS, point ids, region extent."""

    layers: frozenset[str]
    sectors: frozenset[str]
    categories: Mapping[str, frozenset[str]]
    kreise: frozenset[str]
    gemeinden: frozenset[str]
    points: Mapping[str, str]
    region_bounds: tuple[float, float, float, float]


@dataclass(frozen=True)
class View:
    """The map view of a stop: the whole region, a bounding box (w, s, e, n in degrees), a Kreis or a Gemeinde."""

    kind: str
    bounds: tuple[float, float, float, float] | None = None
    ags: str | None = None


@dataclass(frozen=True)
class Stop:
    """One stop of a tour. `view` None means the dashboard's initial view (the whole region)."""

    id: str
    view: View | None
    layers: tuple[str, ...]
    sectors: tuple[str, ...]
    categories: tuple[str, ...]
    q: str
    title: Mapping[str, str]
    text: Mapping[str, str]
    highlight: tuple[str, ...]
    duration: float | None

    def title_in(self, lang: str) -> str:
        """The stop's title in `lang` (German for an unsupported language)."""
        return self.title.get(lang) or self.title[DEFAULT_LANGUAGE]

    def text_in(self, lang: str) -> str:
        """The stop's text in `lang` (German for an unsupported language; empty when the stop has no text)."""
        return self.text.get(lang) or self.text.get(DEFAULT_LANGUAGE, "")


@dataclass(frozen=True)
class Tour:
    """A validated tour: id, titles, default seconds per stop, at least one stop, and what its maps do with records
    past their layer's maximum age (`unconfirmed`: `mark` them as every map does, or `skip` them)."""

    id: str
    path: Path
    title: Mapping[str, str]
    interval: float
    stops: tuple[Stop, ...]
    unconfirmed: str = MARK

    def title_in(self, lang: str) -> str:
        """The tour's title in `lang` (German for an unsupported language)."""
        return self.title.get(lang) or self.title[DEFAULT_LANGUAGE]

    def stop_interval(self, index: int, override: float | None = None) -> float:
        """Seconds to show stop `index`: `override` (the presenter's `?autoplay=` choice) when given, else the
        stop's own `duration`, else the tour's interval."""
        if override is not None:
            return override
        duration = self.stops[index % len(self.stops)].duration
        return duration if duration is not None else self.interval


def default_tours_dir() -> Path:
    """The directory of the shipped tours (`data/tours`)."""
    return data_dir() / "tours"


def vocab_from_store(
    gemeinden: gpd.GeoDataFrame,
    points: Iterable[pd.DataFrame],
    taxonomy: Taxonomy | None = None,
) -> TourVocab:
    """A vocabulary from the store's `gemeinden` layer, its thematic point layers and the taxonomy.

    `gemeinden` needs `ags` and `kreis_ags` (store schema); each point frame needs `id` and `layer`.
    The Kreise of the region are those the municipalities belong to; the region's extent is theirs.
    """
    if taxonomy is None:
        from regionmap.taxonomy import taxonomy as configured_taxonomy

        taxonomy = configured_taxonomy()
    point_layers: dict[str, str] = {}
    for frame in points:
        point_layers.update(zip(frame["id"].astype(str), frame["layer"].astype(str), strict=True))
    w, s, e, n = (float(v) for v in gemeinden.total_bounds)
    return TourVocab(
        layers=frozenset(layer.id for layer in taxonomy.layers if layer.tour),
        sectors=frozenset(taxonomy.sector_ids),
        categories={layer.id: frozenset(layer.category_ids) for layer in taxonomy.layers},
        kreise=frozenset(gemeinden["kreis_ags"].astype(str)),
        gemeinden=frozenset(gemeinden["ags"].astype(str)),
        points=point_layers,
        region_bounds=(w, s, e, n),
    )


class _Checker:
    """Reads fields of one table (the tour or one stop) and raises TourErrors that say where."""

    def __init__(self, path: Path, raw: dict[str, Any], stop_index: int | None = None) -> None:
        self.path = path
        self.raw = raw
        self.stop_index = stop_index
        self.stop_id: str | None = None

    def error(self, field: str | None, problem: str) -> TourError:
        return TourError(self.path, problem, stop_index=self.stop_index, stop_id=self.stop_id, field=field)

    def no_unknown_keys(self, allowed: frozenset[str]) -> None:
        for key in self.raw:
            if key not in allowed:
                raise self.error(key, f"unknown field; allowed: {', '.join(sorted(allowed))}")

    def identifier(self, field: str) -> str:
        value = self.raw.get(field)
        if value is None:
            raise self.error(field, "missing")
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            raise self.error(field, f"{value!r} must be a string matching {ID_PATTERN.pattern}")
        return value

    def translations(self, field: str, required: bool) -> dict[str, str]:
        value = self.raw.get(field)
        if value is None and not required:
            return {}
        if value is None:
            raise self.error(field, f"missing: a table with {', '.join(LANGUAGES)}")
        if not isinstance(value, dict):
            raise self.error(field, f"expected a table with {', '.join(LANGUAGES)}")
        for lang in value:
            if lang not in LANGUAGES:
                raise self.error(f"{field}.{lang}", f"unknown language; expected {', '.join(LANGUAGES)}")
        for lang in LANGUAGES:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                raise self.error(f"{field}.{lang}", "missing translation")
        return {lang: value[lang].strip() for lang in LANGUAGES}

    def seconds(self, field: str) -> float | None:
        value = self.raw.get(field)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            raise self.error(field, f"{value!r} must be a positive number of seconds")
        return float(value)

    def id_list(self, field: str, allowed: Iterable[str], what: str) -> tuple[str, ...]:
        value = self.raw.get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(field, "expected a list of strings")
        allowed = set(allowed)
        for item in value:
            if item not in allowed:
                known = f"; expected one of: {', '.join(sorted(allowed))}" if len(allowed) <= MAX_LISTED else ""
                raise self.error(field, f"unknown {what} '{item}'{known}")
        if len(set(value)) != len(value):
            raise self.error(field, "an entry is listed twice")
        return tuple(value)


def _parse_view(check: _Checker, vocab: TourVocab) -> View | None:
    given = [key for key in VIEW_KEYS if key in check.raw]
    if len(given) > 1:
        raise check.error(given[1], f"give only one view: {', '.join(given)} are all set")
    if not given:
        return None
    key, value = given[0], check.raw[given[0]]
    if key == "region":
        if not isinstance(value, bool):
            raise check.error(key, "must be true or false")
        return View("region") if value else None
    if key == "bounds":
        return View("bounds", bounds=_parse_bounds(check, value, vocab))
    pattern, known = (KREIS_PATTERN, vocab.kreise) if key == "kreis" else (GEMEINDE_PATTERN, vocab.gemeinden)
    if not isinstance(value, str) or not pattern.match(value):
        digits = 5 if key == "kreis" else 8
        raise check.error(key, f"{value!r} must be an AGS string of {digits} digits")
    if value not in known:
        where = "a Kreis of the region" if key == "kreis" else "a municipality in the store"
        raise check.error(key, f"AGS '{value}' is not {where}")
    return View(key, ags=value)


def _parse_bounds(check: _Checker, value: Any, vocab: TourVocab) -> tuple[float, float, float, float]:
    if (
        not isinstance(value, list)
        or len(value) != 4
        or not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value)
    ):
        raise check.error("bounds", "expected [west, south, east, north] as four numbers (degrees)")
    w, s, e, n = (float(v) for v in value)
    if not (-180 <= w < e <= 180):
        raise check.error("bounds", f"west {w} must be less than east {e}, both within -180..180")
    if not (-90 <= s < n <= 90):
        raise check.error("bounds", f"south {s} must be less than north {n}, both within -90..90")
    rw, rs, re_, rn = vocab.region_bounds
    cx, cy = (w + e) / 2, (s + n) / 2
    if not (rw <= cx <= re_ and rs <= cy <= rn):
        raise check.error(
            "bounds",
            f"centre ({cx:.4f}, {cy:.4f}) lies outside the region ({rw:.4f}, {rs:.4f}, {re_:.4f}, {rn:.4f})",
        )
    return (w, s, e, n)


def _parse_stop(path: Path, index: int, raw: Any, vocab: TourVocab) -> Stop:
    if not isinstance(raw, dict):
        raise TourError(path, "expected a table", stop_index=index)
    check = _Checker(path, raw, index)
    check.stop_id = check.identifier("id")
    check.no_unknown_keys(STOP_KEYS)
    view = _parse_view(check, vocab)
    layers = check.id_list("layers", sorted(vocab.layers), "layer")
    sectors = check.id_list("sectors", sorted(vocab.sectors), "sector")
    if ("categories" in raw or "highlight" in raw) and not layers:
        raise check.error("categories" if "categories" in raw else "highlight", "needs the stop's 'layers'")
    shown_categories = {c for layer in layers for c in vocab.categories.get(layer, ())}
    categories = check.id_list("categories", shown_categories, "category for the stop's layers")
    highlight = check.id_list("highlight", vocab.points, "point id")
    for point in highlight:
        if vocab.points[point] not in layers:
            raise check.error("highlight", f"point '{point}' is in layer '{vocab.points[point]}', not shown here")
    q = raw.get("q", "")
    if not isinstance(q, str):
        raise check.error("q", "expected a string")
    if clean_query(q) != q.strip():
        raise check.error("q", f"control characters, repeated spaces or more than {MAX_QUERY_LENGTH} characters")
    title = check.translations("title", required=True)
    text = check.translations("text", required=False)
    if view is None and not layers and not text:
        raise check.error(None, "empty stop: it has no view, no layers and no text")
    return Stop(
        id=check.stop_id,
        view=view,
        layers=layers,
        sectors=sectors,
        categories=categories,
        q=q.strip(),
        title=title,
        text=text,
        highlight=highlight,
        duration=check.seconds("duration"),
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise TourError(path, f"cannot read the file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise TourError(path, f"not UTF-8: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TourError(path, f"invalid TOML: {exc}") from exc


def load_tour(path: Path, vocab: TourVocab) -> Tour:
    """Read and validate one tour file; a TourError names the file, the stop and the field of the first problem."""
    path = Path(path)
    raw = _read_toml(path)
    check = _Checker(path, raw)
    check.no_unknown_keys(TOUR_KEYS)
    tour_id = check.identifier("id")
    title = check.translations("title", required=True)
    interval = check.seconds("interval")
    if interval is None:
        raise check.error("interval", "missing: the default number of seconds per stop")
    unconfirmed = raw.get("unconfirmed", MARK)
    if unconfirmed not in UNCONFIRMED_RULES:
        raise check.error("unconfirmed", f"expected one of {', '.join(map(repr, UNCONFIRMED_RULES))}, got "
                                         f"{str(unconfirmed)[:60]!r}")
    stops_raw = raw.get("stops")
    if not isinstance(stops_raw, list) or not stops_raw:
        raise check.error("stops", "expected at least one [[stops]] table")
    stops = tuple(_parse_stop(path, i, item, vocab) for i, item in enumerate(stops_raw))
    first_index: dict[str, int] = {}
    for i, stop in enumerate(stops):
        if stop.id in first_index:
            problem = f"duplicate stop id (also stops[{first_index[stop.id]}])"
            raise TourError(path, problem, stop_index=i, stop_id=stop.id, field="id")
        first_index[stop.id] = i
    return Tour(id=tour_id, path=path, title=title, interval=interval, stops=stops, unconfirmed=unconfirmed)


def load_tours(directory: Path, vocab: TourVocab) -> dict[str, Tour]:
    """All tours (`*.toml`) of a directory by id, in file-name order. Tour ids must be unique across files."""
    directory = Path(directory)
    if not directory.is_dir():
        raise TourError(directory, "tour directory not found")
    tours: dict[str, Tour] = {}
    for path in sorted(directory.glob("*.toml")):
        tour = load_tour(path, vocab)
        if tour.id in tours:
            raise TourError(path, f"tour id '{tour.id}' is also used by {tours[tour.id].path}", field="id")
        tours[tour.id] = tour
    return tours


def stop_view_state(stop: Stop, lang: str = DEFAULT_LANGUAGE, basemap: str | None = None) -> ViewState:
    """The dashboard view state of a stop; `basemap` is by default the presenter's offline basemap (sources.toml).

    A `bounds` view and `highlight` have no dashboard state: the view is then the region with the stop's layers and
    filters. A stop without `layers` shows no thematic layer.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"language '{lang}' is not one of {', '.join(LANGUAGES)}")
    basemaps = registry()
    basemap = basemap or basemaps.offline_basemap
    if basemap not in basemaps.basemap_ids:
        raise ValueError(f"basemap '{basemap}' is not one of {', '.join(basemaps.basemap_ids)}")
    view = stop.view or View("region")
    return ViewState(
        layers=stop.layers,
        sectors=stop.sectors,
        categories=stop.categories,
        kreis=view.ags if view.kind == "kreis" else None,
        gemeinde=view.ags if view.kind == "gemeinde" else None,
        q=stop.q,
        lang=lang,
        basemap=basemap,
    )


def stop_query_params(stop: Stop, lang: str = DEFAULT_LANGUAGE, basemap: str | None = None) -> dict[str, str]:
    """The dashboard's URL query parameters for a stop (`regionmap.dashboard.urlstate` names; dashboard defaults left out)."""
    return to_query_params(stop_view_state(stop, lang, basemap))


def stop_share_url(base_url: str, page_path: str, stop: Stop, lang: str, basemap: str | None = None) -> str:
    """The link to a stop's view in the dashboard, for the QR code a visitor scans.

    `base_url` is where visitors reach the dashboard: at a fair, the public URL of the hosted dashboard (configured
    by whoever runs the presenter), not the kiosk's localhost. `page_path` is the dashboard page, e.g. "" for the
    start page. The link carries the whole view: `lang` and `basemap` (default: the dashboard's) are always in it,
    even when they are the dashboard's defaults, so that the view does not change when a default does.
    """
    basemap = basemap or registry().default_basemap
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"share base URL {base_url!r} must be an http(s) URL with a host and no query or fragment")
    path = "/".join(p for p in (parts.path.strip("/"), page_path.strip("/")) if p)
    params = stop_query_params(stop, lang, basemap) | {"lang": lang, "basemap": basemap}
    query = urlencode(params, safe=",")
    return f"{parts.scheme}://{parts.netloc}/{path}" + (f"?{query}" if query else "")
