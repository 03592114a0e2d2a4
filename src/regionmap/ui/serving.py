"""How the app's pages are served: deep links that find the server at once, and unknown paths.

Streamlit's frontend guesses the server's base URL from the address: on `/sites` it first asks
`/sites/_stcore/health` and `/sites/_stcore/host-config` (two 404s), then `/`. `DeepLinkMiddleware` answers a page
request with Streamlit's HTML plus a line that names the base URL (`window.__streamlit.BACKEND_BASE_URL`, read by the
frontend before it connects), so the first health check is the right one. A path that is no page of the app
(`/doesnotexist`) is redirected to the not-found page, with the path and the rest of the query. A page asked for
with `embed=1` is redirected to `embed=true`, the value Streamlit's frontend embeds on (`embed_location`).

Streamlit's sign-in callback (`/oauth2callback`, also the end of a sign-out at the provider) always sends the browser
to the app's root. `SignInReturnMiddleware` remembers the page a sign-in or sign-out started from (the Referer of
`/auth/login` or `/auth/logout`, when it is a page of the app on the same host) in a short-lived cookie and sends
the callback's redirect back to that page.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from regionmap.ui.navigation import NOT_FOUND_PAGE, PAGES
from regionmap.dashboard.urlstate import EMBED_PARAM, EMBED_VALUE, FLAG_VALUES, NOT_FOUND_PARAM

if TYPE_CHECKING:
    from starlette.middleware import Middleware

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The page's path without the base (`sites`, or "" for the root) -> the base URL the frontend connects to.
_BASE_SCRIPT = (
    "<script>(function(){{var page={page};var path=location.pathname.replace(/\\/+$/,'');"
    "if(page&&path.slice(-page.length-1)!=='/'+page)return;"
    "var base=page?path.slice(0,path.length-page.length-1):path;"
    "window.__streamlit=Object.assign({{}},window.__streamlit,{{BACKEND_BASE_URL:location.origin+base+'/'}});}})();"
    "</script>"
)


def base_url_script(page: str) -> bytes:
    """The inline script for a page at `page` (its URL path below the base); safe for any text of `page`."""
    literal = json.dumps(page).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _BASE_SCRIPT.format(page=literal).encode("utf-8")


def inject(html: bytes, script: bytes) -> bytes:
    """`html` with `script` as the first element of its head (before Streamlit's own module script)."""
    marker = b"<head>"
    at = html.find(marker)
    if at < 0:
        return script + html
    at += len(marker)
    return html[:at] + script + html[at:]


def not_found_location(page: str, query: str, not_found_path: str) -> str:
    """A relative redirect from the unknown path `page` to the not-found page, keeping the query."""
    up = "../" * page.count("/")
    extra = urlencode({NOT_FOUND_PARAM: unquote(page)})
    joined = f"{query}&{extra}" if query else extra
    return f"{up or './'}{quote(not_found_path)}?{joined}"


def embed_location(page: str, query: str) -> str | None:
    """Where a page request asking for embed mode in another spelling (`embed=1`) goes: the same page and query with
    `embed=true`, which Streamlit's frontend reads (`st.context.is_embedded`); None when nothing is to change."""
    pairs = parse_qsl(query, keep_blank_values=True)
    values = [value for name, value in pairs if name == EMBED_PARAM]
    if not values or values == [EMBED_VALUE] or not FLAG_VALUES.get(values[-1].strip().lower(), False):
        return None
    kept = [(name, value) for name, value in pairs if name != EMBED_PARAM]
    return f"./{quote(page.rsplit('/', 1)[-1])}?{urlencode([*kept, (EMBED_PARAM, EMBED_VALUE)], safe=',:')}"


class DeepLinkMiddleware:
    """ASGI middleware: names the base URL in the HTML of every page, redirects paths that are no page.

    `pages` are the app's URL paths ("" for the root); `not_found` is the path of the not-found page; `base_url_path`
    defaults to Streamlit's `server.baseUrlPath` and `index_html` to Streamlit's page (`static/index.html`). Only
    browser navigations (GET asking for HTML) answered with that page are touched: a component's own HTML passes.
    """

    def __init__(self, app: ASGIApp, pages: Iterable[str], not_found: str, base_url_path: str | None = None,
                 index_html: bytes | None = None) -> None:
        if base_url_path is None:
            from streamlit import config  # read when the server builds its middleware: the options are loaded then

            base_url_path = str(config.get_option("server.baseUrlPath") or "")
        if index_html is None:
            import streamlit

            index_html = (Path(streamlit.__file__).parent / "static" / "index.html").read_bytes()
        self.index_html = index_html
        self.app = app
        self.pages = frozenset(p.strip("/") for p in pages) | {""}
        self.not_found = not_found.strip("/")
        self.base = base_url_path.strip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or not _wants_html(scope):
            await self.app(scope, receive, send)
            return
        page = _request_page(scope, self.base)
        if page is None:
            await self.app(scope, receive, send)
            return
        embed = embed_location(page, scope.get("query_string", b"").decode("latin-1")) if page in self.pages else None
        if embed is not None:
            await _redirect(send, embed)
            return
        # The body is rewritten: ask the inner app for it uncompressed.
        scope = dict(scope)
        scope["headers"] = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept-encoding"]
        start: Message = {}
        chunks: list[bytes] = []
        passing = False

        async def capture(message: Message) -> None:
            nonlocal passing
            if message["type"] == "http.response.start":
                headers = dict((k.lower(), v) for k, v in message.get("headers", []))
                passing = message.get("status") != 200 or not headers.get(b"content-type", b"").startswith(b"text/html")
                if passing:
                    await send(message)
                else:
                    start.update(message)
                return
            if passing or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._respond(scope, page, start, b"".join(chunks), send)

        await self.app(scope, receive, capture)

    async def _respond(self, scope: Scope, page: str, start: Message, html: bytes, send: Send) -> None:
        if html != self.index_html:
            await send(start)
            await send({"type": "http.response.body", "body": html})
            return
        if page in self.pages:
            body = inject(html, base_url_script(page))
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-length", b"etag")]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        query = scope.get("query_string", b"").decode("latin-1")
        await _redirect(send, not_found_location(page, query, self.not_found))


async def _redirect(send: Send, location: str) -> None:
    """A temporary redirect to the relative `location`."""
    await send({"type": "http.response.start", "status": 307,
                "headers": [(b"location", location.encode("latin-1")), (b"content-length", b"0"),
                            (b"cache-control", b"no-cache")]})
    await send({"type": "http.response.body", "body": b""})


def below_base(path: str, base: str) -> str | None:
    """`path` (no query) below the base URL path `base`, without slashes at either end; None when outside the base."""
    path = path.strip("/")
    if not base:
        return path
    if path == base:
        return ""
    return path[len(base) + 1:] if path.startswith(base + "/") else None


def _request_page(scope: Scope, base: str) -> str | None:
    """The request's path below the base, or None when it lies outside the base."""
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else str(scope.get("path", ""))
    return below_base(path.split("?", 1)[0], base)


RETURN_COOKIE = "rm_signin_return"
RETURN_MAX_AGE = 600  # seconds: a sign-in at the provider takes a minute, not ten
_AUTH_START = ("auth/login", "auth/logout")  # Streamlit's routes (streamlit.web.server.starlette.starlette_auth_routes)
_AUTH_CALLBACK = "oauth2callback"


def _app_page(page: str | None, query: str, pages: Iterable[str]) -> str | None:
    """`page` with `query` (re-encoded) when it is one of `pages`, else None."""
    if page is None or page not in {p.strip("/") for p in pages} | {""}:
        return None
    query = urlencode(parse_qsl(query, keep_blank_values=True))
    return f"{page}?{query}" if query else page


def return_page(referer: str, host: str, pages: Iterable[str], base: str = "") -> str | None:
    """The page (below the base, with its query) a sign-in or sign-out started from: `referer` when it is a page of
    `pages` on `host`; None otherwise (another site, a path that is no page, no referer)."""
    try:
        parts = urlsplit(referer)
    except ValueError:
        return None
    if not host or parts.netloc != host:
        return None
    return _app_page(below_base(unquote(parts.path), base.strip("/")), parts.query, pages)


def return_location(cookie_value: str, pages: Iterable[str], base: str = "") -> str | None:
    """The absolute path the callback sends the browser to, from the cookie's value (a `return_page`), checked again:
    the cookie can name no other place than a page of the app."""
    page, _, query = unquote(cookie_value).partition("?")
    checked = _app_page(page, query, pages) if cookie_value else None
    if checked is None:
        return None
    base = base.strip("/")
    return (f"/{base}/" if base else "/") + quote(checked, safe="/?&=%")


class SignInReturnMiddleware:
    """ASGI middleware: after Streamlit's sign-in (or sign-out) callback, back to the page it started from.

    On `/auth/login` and `/auth/logout` it sets the cookie RETURN_COOKIE to that page (`return_page` of the Referer);
    on `/oauth2callback` it replaces Streamlit's redirect to the root with the remembered page and deletes the cookie.
    """

    def __init__(self, app: ASGIApp, pages: Iterable[str], base_url_path: str | None = None) -> None:
        if base_url_path is None:
            from streamlit import config

            base_url_path = str(config.get_option("server.baseUrlPath") or "")
        self.app = app
        self.pages = frozenset(p.strip("/") for p in pages) | {""}
        self.base = base_url_path.strip("/")
        self.cookie_path = f"/{self.base}" if self.base else "/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = _request_page(scope, self.base) if scope["type"] == "http" and scope.get("method") == "GET" else None
        if route in _AUTH_START:
            headers = _headers(scope)
            page = return_page(headers.get("referer", ""), headers.get("host", ""), self.pages, self.base)
            cookie = (f"{RETURN_COOKIE}={quote(page, safe='')}; Max-Age={RETURN_MAX_AGE}" if page is not None
                      else f"{RETURN_COOKIE}=; Max-Age=0")
            await self.app(scope, receive, _with_cookie(send, f"{cookie}; Path={self.cookie_path}; HttpOnly; "
                                                                "SameSite=Lax"))
            return
        if route == _AUTH_CALLBACK:
            location = return_location(_cookie(scope, RETURN_COOKIE), self.pages, self.base)
            if location is not None:
                await self.app(scope, receive, self._redirected(send, location))
                return
        await self.app(scope, receive, send)

    def _redirected(self, send: Send, location: str) -> Send:
        root = (f"/{self.base}/" if self.base else "/").encode()
        forget = f"{RETURN_COOKIE}=; Max-Age=0; Path={self.cookie_path}; HttpOnly; SameSite=Lax"

        async def redirected(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") in (302, 303, 307):
                headers = list(message.get("headers", []))
                if {k.lower(): v for k, v in headers}.get(b"location") == root:
                    headers = [(k, location.encode("latin-1") if k.lower() == b"location" else v) for k, v in headers]
                    message = {**message, "headers": [*headers, (b"set-cookie", forget.encode("latin-1"))]}
            await send(message)

        return redirected


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookie(scope: Scope, name: str) -> str:
    """The value of the request's cookie `name`, "" when absent or unreadable."""
    try:
        morsel = SimpleCookie(_headers(scope).get("cookie", "")).get(name)
    except CookieError:
        return ""
    return morsel.value if morsel is not None else ""


def _with_cookie(send: Send, cookie: str) -> Send:
    """`send` that adds the Set-Cookie header `cookie` to the response."""
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode("latin-1"))]}
        await send(message)

    return sending


def middleware() -> list[Middleware]:
    """The app's middleware for `st.App`: deep links and unknown paths for the pages of `regionmap.ui.navigation`,
    and the way back to the page after a sign-in or sign-out."""
    from starlette.middleware import Middleware

    pages = [spec.url_path for spec in PAGES]
    return [Middleware(SignInReturnMiddleware, pages=pages),
            Middleware(DeepLinkMiddleware, pages=pages, not_found=NOT_FOUND_PAGE)]


def _wants_html(scope: Scope) -> bool:
    """A browser navigation: the request accepts HTML (the frontend's own fetches ask for `*/*`)."""
    for key, value in scope.get("headers", []):
        if key.lower() == b"accept":
            return b"text/html" in value
    return False
