"""The deep-link middleware: the base URL named in a page's HTML, unknown paths redirected with their query."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json

import pytest

from regionmap.ui.navigation import NOT_FOUND_PAGE, PAGES
from regionmap.ui.serving import (RETURN_COOKIE, DeepLinkMiddleware, SignInReturnMiddleware, base_url_script,
                                  not_found_location, return_location, return_page)
from regionmap.dashboard.urlstate import missing_path

HTML = b"<!DOCTYPE html><html><head><title>x</title><script type=module src=./static/js/i.js></script></head></html>"
BROWSER = [(b"accept", b"text/html,application/xhtml+xml,*/*;q=0.8"), (b"accept-encoding", b"gzip, br")]


def inner(content_type: bytes = b"text/html; charset=utf-8", status: int = 200, body: bytes = HTML):
    """An ASGI app like Streamlit's static handler; it records the request headers it saw."""
    seen: list[dict] = []

    async def app(scope, receive, send):
        seen.append(dict(scope["headers"]))
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                                (b"etag", b'"abc"')]})
        await send({"type": "http.response.body", "body": body[:10], "more_body": True})
        await send({"type": "http.response.body", "body": body[10:]})

    return app, seen


def call(app, path: str, query: bytes = b"", headers=BROWSER, method: str = "GET") -> tuple[int, dict, bytes]:
    messages: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        messages.append(message)

    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": query,
             "headers": list(headers)}
    # In a thread of its own: after the browser tests, Playwright's sync API keeps an event loop running here.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


def middleware(app, base: str = "") -> DeepLinkMiddleware:
    return DeepLinkMiddleware(app, pages=[spec.url_path for spec in PAGES], not_found=NOT_FOUND_PAGE,
                              base_url_path=base, index_html=HTML)


@pytest.mark.parametrize("path", ["/", *(f"/{spec.url_path}" for spec in PAGES)])
def test_every_page_names_the_base_url_before_streamlits_script(path):
    app, seen = inner()
    status, headers, body = call(middleware(app), path)
    assert status == 200
    script = base_url_script(path.strip("/"))
    assert body.index(script) < body.index(b"<script type=module")
    assert int(headers["content-length"]) == len(body)
    assert "etag" not in headers  # the body differs from the file's
    assert b"accept-encoding" not in seen[0]  # asked uncompressed, so the HTML can be rewritten


def test_the_script_names_the_page_as_a_json_string_even_when_hostile():
    script = base_url_script("</script><script>alert(1)</script>").decode()
    assert "</script><script>alert" not in script
    literal = script.split("var page=", 1)[1].split(";", 1)[0]
    assert json.loads(literal) == "</script><script>alert(1)</script>"


@pytest.mark.parametrize(
    ("path", "query", "location"),
    [
        ("/doesnotexist", b"lang=en&kreis=03101", "./not-found?lang=en&kreis=03101&path=doesnotexist"),
        ("/doesnotexist", b"", "./not-found?path=doesnotexist"),
        ("/sites/extra", b"site=x", "../not-found?site=x&path=sites%2Fextra"),
    ],
)
def test_a_path_that_is_no_page_is_redirected_to_the_not_found_page_with_its_query(path, query, location):
    app, _ = inner()
    status, headers, body = call(middleware(app), path, query)
    assert (status, headers["location"], body) == (307, location, b"")


def test_the_redirect_names_the_path_for_the_not_found_page():
    query = not_found_location("caf%C3%A9", "lang=fr", NOT_FOUND_PAGE).split("?", 1)[1]
    from urllib.parse import parse_qs

    assert missing_path(parse_qs(query)) == "café"
    assert missing_path({}) == ""


@pytest.mark.parametrize(
    ("path", "headers", "content_type", "status"),
    [
        ("/_stcore/health", [(b"accept", b"*/*")], b"text/plain", 200),  # the frontend's own fetches
        ("/static/js/i.js", [(b"accept", b"*/*")], b"application/javascript", 200),
        ("/app/static/leaflet.js", BROWSER, b"application/javascript", 200),  # HTML accepted, but no HTML answered
        ("/doesnotexist", BROWSER, b"text/html", 404),
    ],
)
def test_other_requests_pass_unchanged(path, headers, content_type, status):
    app, seen = inner(content_type=content_type, status=status, body=b"payload")
    got_status, got_headers, body = call(middleware(app), path, headers=headers)
    assert (got_status, body, got_headers["etag"]) == (status, b"payload", '"abc"')


def test_other_html_such_as_a_components_page_passes_unchanged():
    """The map component's iframe loads /component/<name>/index.html: HTML, but not Streamlit's page."""
    component = b"<html><head></head><body>component</body></html>"
    app, _ = inner(body=component)
    status, headers, body = call(middleware(app), "/component/streamlit_folium.st_folium/index.html")
    assert (status, body, headers["etag"]) == (200, component, '"abc"')


def test_streamlits_own_page_is_the_default_index():
    import streamlit
    from pathlib import Path

    index = (Path(streamlit.__file__).parent / "static" / "index.html").read_bytes()
    app, _ = inner(body=index)
    plain = DeepLinkMiddleware(app, pages=[spec.url_path for spec in PAGES], not_found=NOT_FOUND_PAGE,
                               base_url_path="")
    status, _, body = call(plain, "/sites")
    assert status == 200 and base_url_script("sites") in body


def test_posts_are_not_touched():
    app, seen = inner()
    status, _, body = call(middleware(app), "/doesnotexist", method="POST")
    assert (status, body) == (200, HTML)
    assert b"accept-encoding" in seen[0]


def test_a_base_url_path_is_left_out_of_the_page_and_paths_outside_it_pass():
    app, _ = inner()
    status, _, body = call(middleware(app, base="/regionmap/"), "/regionmap/sites")
    assert status == 200 and base_url_script("sites") in body
    status, _, body = call(middleware(app, base="regionmap"), "/regionmap")
    assert status == 200 and base_url_script("") in body
    status, _, body = call(middleware(app, base="regionmap"), "/other")
    assert (status, body) == (200, HTML)


# --- back to the page after Streamlit's sign-in callback ------------------------------------------------------------

APP_PAGES = [spec.url_path for spec in PAGES]
HOST = [(b"host", b"127.0.0.1:8501")]


@pytest.mark.parametrize(("referer", "page"), [
    ("http://127.0.0.1:8501/maintenance?lang=en", "maintenance?lang=en"),
    ("http://127.0.0.1:8501/maintenance", "maintenance"),
    ("http://127.0.0.1:8501/", ""),
    ("http://127.0.0.1:8501/sites?size=large&lang=fr", "sites?size=large&lang=fr"),
    ("http://127.0.0.1:8501/maintenance?x=%0d%0aSet-Cookie:%20a=b", "maintenance?x=%0D%0ASet-Cookie%3A+a%3Db"),
    ("http://evil.example/maintenance", None),  # another site
    ("http://127.0.0.1:8502/maintenance", None),  # another port is another app
    ("http://127.0.0.1:8501/doesnotexist", None),  # no page of the app
    ("http://127.0.0.1:8501//evil.example/", None),
    ("", None),
    ("not a url", None),
])
def test_the_return_page_is_a_page_of_the_app_on_the_same_host(referer, page):
    assert return_page(referer, "127.0.0.1:8501", APP_PAGES) == page


def test_the_return_page_lies_below_the_base_url_path():
    assert return_page("http://h/rm/maintenance?lang=de", "h", APP_PAGES, "rm") == "maintenance?lang=de"
    assert return_page("http://h/maintenance", "h", APP_PAGES, "rm") is None
    assert return_location("maintenance%3Flang%3Dde", APP_PAGES, "rm") == "/rm/maintenance?lang=de"


@pytest.mark.parametrize(("cookie", "location"), [
    ("maintenance%3Flang%3Den", "/maintenance?lang=en"),
    ("maintenance", "/maintenance"),
    ("https%3A%2F%2Fevil.example%2F", None),
    ("%2F%2Fevil.example", None),
    ("doesnotexist", None),
    ("", None),
])
def test_the_return_location_names_nothing_but_a_page_of_the_app(cookie, location):
    assert return_location(cookie, APP_PAGES) == location


def redirecting(status: int = 302, location: bytes = b"/"):
    """An ASGI app like Streamlit's auth routes: a redirect (to the root by default)."""
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"location", location), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    return app


def signin_return(app) -> SignInReturnMiddleware:
    return SignInReturnMiddleware(app, pages=APP_PAGES, base_url_path="")


def set_cookies(headers: list[tuple[bytes, bytes]]) -> list[str]:
    return [v.decode() for k, v in headers if k == b"set-cookie"]


def call_raw(app, path: str, headers) -> dict:
    """The response start message of a GET of `path` (all headers, repeated ones kept)."""
    messages: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        messages.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": list(headers)}
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    return messages[0]


@pytest.mark.parametrize("route", ["/auth/login", "/auth/logout"])
def test_a_sign_in_or_sign_out_remembers_the_page_it_started_from(route):
    referer = [(b"referer", b"http://127.0.0.1:8501/maintenance?lang=en")]
    start = call_raw(signin_return(redirecting(location=b"http://provider/authorize")), route, HOST + referer)
    assert start["status"] == 302
    assert set_cookies(start["headers"]) == [
        f"{RETURN_COOKIE}=maintenance%3Flang%3Den; Max-Age=600; Path=/; HttpOnly; SameSite=Lax"]


def test_a_sign_in_from_another_site_forgets_any_remembered_page():
    referer = [(b"referer", b"http://evil.example/maintenance")]
    start = call_raw(signin_return(redirecting()), "/auth/login", HOST + referer)
    assert set_cookies(start["headers"]) == [f"{RETURN_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"]


def test_the_callback_goes_back_to_the_remembered_page_and_forgets_it():
    cookie = [(b"cookie", f"_streamlit_xsrf=x; {RETURN_COOKIE}=maintenance%3Flang%3Den".encode())]
    start = call_raw(signin_return(redirecting()), "/oauth2callback", HOST + cookie)
    assert start["status"] == 302
    assert dict(start["headers"])[b"location"] == b"/maintenance?lang=en"
    assert set_cookies(start["headers"]) == [f"{RETURN_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"]


@pytest.mark.parametrize(("cookie", "app"), [
    (b"", redirecting()),  # nothing remembered
    (f"{RETURN_COOKIE}=https%3A%2F%2Fevil.example".encode(), redirecting()),  # a forged cookie
    (f"{RETURN_COOKIE}=maintenance".encode(), redirecting(location=b"http://elsewhere/")),  # not Streamlit's root
    (f"{RETURN_COOKIE}=maintenance".encode(), inner()[0]),  # no redirect at all
])
def test_the_callback_is_left_alone_when_there_is_nothing_to_return_to(cookie, app):
    start = call_raw(signin_return(app), "/oauth2callback", HOST + [(b"cookie", cookie)])
    expected = call_raw(app, "/oauth2callback", HOST)
    assert start == expected


def test_other_requests_pass_the_sign_in_middleware_unchanged():
    app = redirecting()
    cookie = [(b"cookie", f"{RETURN_COOKIE}=maintenance".encode())]
    assert call_raw(signin_return(app), "/", HOST + cookie) == call_raw(app, "/", HOST)
