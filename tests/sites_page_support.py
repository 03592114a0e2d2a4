"""AppTest of the Investitionsstandorte page: the app opened with URL parameters, then switched to the page (AppTest
needs a first run before switching pages)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
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


@pytest.fixture(scope="module")
def sites(built_store: Path) -> gpd.GeoDataFrame:
    """The built store's investment sites."""
    return gpd.read_file(built_store, layer="sites")


@pytest.fixture()
def open_sites(built_store: Path, monkeypatch: pytest.MonkeyPatch):
    """`open_sites_page` on the built store, without a public URL (the test's address is loopback: no link)."""
    monkeypatch.setenv("REGIONMAP_STORE", str(built_store))
    monkeypatch.delenv("REGIONMAP_PUBLIC_URL", raising=False)
    return lambda **params: open_sites_page(timeout=90, **params)
