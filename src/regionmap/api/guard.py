"""The request checks in front of pygeoapi: read-only, known paths, collections and parameters, bounded paging.

pygeoapi answers a too large `limit`, a negative `offset` and a malformed `bbox` with 400 itself, but it ignores
unknown query parameters and passes filter values on unchecked. `check_request` refuses every request that is not a
plain read of a published collection with a 4xx status and a message naming the parameter; the ASGI wrapper
`Guard` answers it in pygeoapi's exception format, so a client sees one kind of error, and the server keeps serving.
"""

from __future__ import annotations

import json
import math
import re
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from regionmap.api.collections import Collection

MAX_QUERY_BYTES = 2048
MAX_OFFSET = 10_000_000
READ_METHODS = ("GET", "HEAD")
PREFLIGHT = "OPTIONS"
CRS_CHOICES = ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", "https://www.opengis.net/def/crs/OGC/1.3/CRS84")
BBOX_CRS_CHOICES = (*CRS_CHOICES, "http://www.opengis.net/def/crs/EPSG/0/4326",
                    "https://www.opengis.net/def/crs/EPSG/0/4326")
FORMATS = ("json", "html", "jsonld")
FEATURE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
NAMES = re.compile(r"^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$")
SORT_KEYS = re.compile(r"^[+-]?[A-Za-z0-9_]+(,[+-]?[A-Za-z0-9_]+)*$")
LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
PAGE_PARAMS = ("f", "lang")
ITEMS_PARAMS = (*PAGE_PARAMS, "limit", "offset", "bbox", "bbox-crs", "crs", "properties", "skipGeometry", "sortby",
                "resulttype")
ITEM_PARAMS = (*PAGE_PARAMS, "crs")
TOP_PATHS = ("", "openapi", "conformance", "collections")
COLLECTION_PAGES = ("queryables", "schema")


@dataclass(frozen=True)
class Rejection:
    """A refused request: the HTTP status, pygeoapi's exception code and a message for the client."""

    status: int
    code: str
    message: str

    def body(self) -> bytes:
        return json.dumps({"code": self.code, "description": self.message}, ensure_ascii=False).encode()


def _bad(message: str) -> Rejection:
    return Rejection(400, "InvalidParameterValue", message)


def _whole(name: str, text: str, low: int, high: int) -> Rejection | None:
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(high)) and low <= int(text) <= high):
        return _bad(f"{name}={text!r}: expected a whole number from {low} to {high}")
    return None


def _bbox(text: str) -> Rejection | None:
    parts = text.split(",")
    message = _bad(f"bbox={text!r}: expected four numbers west,south,east,north in degrees")
    if len(parts) != 4:
        return message
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        return message
    values = (west, south, east, north)
    if not all(math.isfinite(v) and -180 <= v <= 180 for v in values) or west > east or south > north:
        return _bad(f"bbox={text!r}: expected west <= east and south <= north, within -180..180 degrees")
    return None


def _choice(name: str, text: str, choices: tuple[str, ...]) -> Rejection | None:
    if text not in choices:
        return _bad(f"{name}={text!r}: expected one of {', '.join(choices)}")
    return None


def _filter(item: Collection, name: str, text: str) -> Rejection | None:
    digits = item.digits(name)
    if digits is not None:
        if not (len(text) == digits and text.isascii() and text.isdigit()):
            return _bad(f"{name}={text!r}: expected a code of {digits} digits")
        return None
    return _choice(name, text, item.choices.get(name, ()))


def _pattern(name: str, text: str, pattern: re.Pattern[str], expected: str) -> Rejection | None:
    if not pattern.match(text):
        return _bad(f"{name}={text!r}: expected {expected}")
    return None


VALUE_CHECKS: dict[str, Callable[[str], Rejection | None]] = {
    "f": lambda text: _choice("f", text, FORMATS),
    "lang": lambda text: _pattern("lang", text, LANG, "a language code such as de or en"),
    "offset": lambda text: _whole("offset", text, 0, MAX_OFFSET),
    "bbox": _bbox,
    "bbox-crs": lambda text: _choice("bbox-crs", text, BBOX_CRS_CHOICES),
    "crs": lambda text: _choice("crs", text, CRS_CHOICES),
    "properties": lambda text: _pattern("properties", text, NAMES, "comma-separated property names"),
    "sortby": lambda text: _pattern("sortby", text, SORT_KEYS, "comma-separated property names, each with + or -"),
    "skipGeometry": lambda text: _choice("skipGeometry", text, ("true", "false")),
    "resulttype": lambda text: _choice("resulttype", text, ("results", "hits")),
}


def _route(segments: list[str], collections: Mapping[str, Collection]) -> tuple[tuple[str, ...], Collection | None] | Rejection:
    """The query parameters a path takes, and its collection; a Rejection for a path the API does not serve."""
    if len(segments) == 1 and segments[0] in TOP_PATHS:
        return PAGE_PARAMS, None
    if segments[0] != "collections":
        return Rejection(404, "NotFound", f"/{'/'.join(segments)}: not a resource of this API (see /collections)")
    name = segments[1]
    item = collections.get(name)
    if item is None:
        shown = name if FEATURE_ID.match(name) else "?"
        return Rejection(404, "NotFound", f"collection {shown!r} does not exist; this API has: "
                         f"{', '.join(collections)}")
    rest = segments[2:]
    if not rest:
        return PAGE_PARAMS, item
    if rest == ["items"]:
        return (*ITEMS_PARAMS, *item.filters), item
    if len(rest) == 2 and rest[0] == "items":
        if not FEATURE_ID.match(rest[1]):
            return _bad(f"feature id {rest[1][:40]!r}: expected letters, digits, '-' and '_'")
        return ITEM_PARAMS, item
    if len(rest) == 1 and rest[0] in COLLECTION_PAGES:
        return PAGE_PARAMS, item
    return Rejection(404, "NotFound", f"/{'/'.join(segments)}: not a resource of this API")


def check_request(method: str, raw_path: str, query: str, collections: Mapping[str, Collection],
                  max_limit: int) -> Rejection | None:
    """Why a request is refused, or None when it is a read of this API that pygeoapi may answer.

    `raw_path` is the path as sent (percent-encoded), `query` the query string, `collections` the published ones,
    `max_limit` the largest page size.
    """
    if method not in (*READ_METHODS, PREFLIGHT):
        return Rejection(405, "InvalidRequest", f"{method} is not allowed: this API is read-only (GET)")
    if len(query.encode()) > MAX_QUERY_BYTES:
        return Rejection(414, "InvalidRequest", f"the query is longer than {MAX_QUERY_BYTES} bytes")
    path = urllib.parse.unquote(raw_path)
    segments = path.strip("/").split("/")
    if "\\" in path or "\x00" in path or any(part in ("..", ".") for part in segments) or "//" in path.strip("/"):
        return _bad("the path may not contain '.', '..', '//' or backslashes")
    if segments[0] == "static" and len(segments) > 1:
        return None  # pygeoapi's own stylesheets and scripts of its HTML pages
    route = _route(segments, collections)
    if isinstance(route, Rejection):
        return route
    allowed, item = route
    try:
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return _bad("the query string is not valid UTF-8")
    seen: set[str] = set()
    for name, value in pairs:
        if name in seen:
            return _bad(f"{name} is given more than once")
        seen.add(name)
        if name not in allowed:
            shown = name if NAMES.match(name) else repr(name[:40])
            return _bad(f"unknown query parameter {shown}; this resource takes: {', '.join(allowed)}")
        if item is not None and name in item.filters:
            rejection = _filter(item, name, value)
        elif name == "limit":
            rejection = _whole("limit", value, 1, max_limit)
        else:
            rejection = VALUE_CHECKS[name](value)
        if rejection is not None:
            return rejection
    return None


ASGIApp = Callable[[dict[str, Any], Callable[[], Awaitable[dict[str, Any]]], Callable[[dict[str, Any]], Awaitable[None]]],
                   Awaitable[None]]


def sectors_as_filter(query: str) -> str:
    """The query with a (checked) `sectors=<id>` turned into a CQL2 text `filter` matching the id among the record's
    comma-separated sectors: pygeoapi's PostgreSQL provider compares property filters for equality only. No
    `filter-lang`: text is pygeoapi's default, and pygeoapi 0.21 refuses the standard's name `cql2-text`."""
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    sector = dict(pairs).get("sectors")
    if sector is None:
        return query
    cql = " OR ".join(f"sectors LIKE '{pattern}'" for pattern in (sector, f"{sector},%", f"%,{sector}",
                                                                      f"%,{sector},%"))
    kept = [(name, value) for name, value in pairs if name != "sectors"]
    return urllib.parse.urlencode([*kept, ("filter", cql)])


class Guard:
    """ASGI middleware: answers a refused request itself (JSON, CORS-readable), passes the others to `app`.
    For the collections in `sectors_filter` (those pygeoapi's PostgreSQL provider serves) a `sectors` filter reaches
    pygeoapi as CQL2 (`sectors_as_filter`)."""

    def __init__(self, app: ASGIApp, collections: Mapping[str, Collection], max_limit: int,
                 sectors_filter: Iterable[str] = ()) -> None:
        self.app = app
        self.collections = dict(collections)
        self.max_limit = max_limit
        self.sectors_filter = frozenset(sectors_filter)

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict[str, Any]]],
                       send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path", b"").decode("latin-1") or scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        rejection = check_request(scope["method"], raw_path.split("?", 1)[0], query, self.collections,
                                  self.max_limit)
        if rejection is None:
            segments = urllib.parse.unquote(raw_path).strip("/").split("/")
            if len(segments) > 1 and segments[0] == "collections" and segments[1] in self.sectors_filter:
                scope = {**scope, "query_string": sectors_as_filter(query).encode("latin-1")}
            await self.app(scope, receive, send)
            return
        body = rejection.body()
        headers = [(b"content-type", b"application/json; charset=utf-8"),
                   (b"content-length", str(len(body)).encode()), (b"access-control-allow-origin", b"*")]
        if rejection.status == 405:
            headers.append((b"allow", b"GET, HEAD, OPTIONS"))
        await send({"type": "http.response.start", "status": rejection.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
