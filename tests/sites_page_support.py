"""AppTest of the Investitionsstandorte page: the app opened with URL parameters, then switched to the page (AppTest
needs a first run before switching pages)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"


def open_sites_page(timeout: float = 60, **params: str) -> AppTest:
    """The sites page of the store in $REGIONMAP_STORE with `params` (the offline basemap unless given)."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    for name, value in {"basemap": "none", **params}.items():
        at.query_params[name] = value
    at.run()
    at.switch_page("pages/sites.py").run()
    assert not at.exception, at.exception
    return at
