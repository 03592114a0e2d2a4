"""Embed mode without Streamlit: the addresses of an embedded map and of its full view, and the `<iframe>` snippet.

`embed=1` (`regionmap.dashboard.urlstate.EMBED_PARAM`) on any dashboard URL shows only the map with its legend and
attribution. The data page gives partners the snippet for the view they are looking at; the embedded map links to
the full dashboard at the same view.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import urlencode, urlsplit

from regionmap.dashboard.urlstate import ViewState, to_query_params

IFRAME_HEIGHT = 600  # px: the map with its legend; partners may change it in the snippet


def dashboard_base(configured: str | None, browser_url: str | None) -> str:
    """Where the dashboard is reached: `$REGIONMAP_PUBLIC_URL` when set, else the scheme and host of the address the
    browser used ("" when unknown: the links stay relative)."""
    if configured and configured.strip():
        return configured.strip().rstrip("/")
    if not browser_url:
        return ""
    parts = urlsplit(browser_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def view_url(base: str, page_path: str, state: ViewState, page_params: Iterable[str] = (), *,
             embed: bool) -> str:
    """The address of a page showing `state`: embedded (`embed=1`) or the full dashboard."""
    params = to_query_params(replace(state, embed=embed), page_params)
    query = urlencode(params, safe=",:")
    path = "/" + page_path.strip("/")
    return f"{base}{path}" + (f"?{query}" if query else "")


def iframe_snippet(url: str, title: str, height: int = IFRAME_HEIGHT) -> str:
    """The HTML a partner pastes into its page: the embedded map, full width, with an accessible title."""
    return (f'<iframe src="{html.escape(url)}" title="{html.escape(title)}" width="100%" height="{height}" '
            'style="border:0" loading="lazy" referrerpolicy="no-referrer-when-downgrade"></iframe>')
