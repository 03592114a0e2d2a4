"""AppTest tests of the OGC API notes and the embed snippet on the data page, and of embed mode (`embed=1`)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from regionmap.dashboard.embed import dashboard_base, iframe_snippet, view_url
from regionmap.dashboard.urlstate import ViewState
from regionmap.i18n import t
from test_app_pages import APP, LANGS, SPECS, _harness, assert_clean, open_page


def open_embedded(url_path: str, **params: str):
    """The page as the browser opens it with `embed=true` (what the server redirects `embed=1` to): Streamlit hides
    the parameter from `st.query_params` and tells the script through `st.context.is_embedded`."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_harness, args=(APP, SPECS[url_path].path), default_timeout=60)
    at.query_params.update(params)
    at.context = {"is_embedded": True}
    return at.run()


@pytest.fixture
def store_env(built_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REGIONMAP_STORE", str(built_store))
    monkeypatch.setenv("REGIONMAP_API_URL", "https://api.partner.example/ogc")
    monkeypatch.delenv("REGIONMAP_PUBLIC_URL", raising=False)
    return built_store


@pytest.mark.parametrize("lang", LANGS)
def test_the_data_page_shows_the_api_qgis_howto_and_the_snippet_of_the_view(store_env, lang: str) -> None:
    at = open_page("data", lang=lang, kreis="03159", basemap="none")
    assert_clean(at)
    assert t("api.heading", lang) in [h.value for h in at.subheader]
    assert any("`https://api.partner.example/ogc`" in m.value for m in at.markdown)
    assert any(m.value.strip() == t("api.qgis_steps", lang).strip() for m in at.markdown)
    snippet = next(c.value for c in at.code if c.value.startswith("<iframe"))
    src = html.unescape(re.search(r'src="([^"]+)"', snippet).group(1))
    assert src.endswith("/?kreis=03159&lang=" + lang + "&basemap=none&embed=1") or \
        src.endswith("/?kreis=03159&basemap=none&embed=1")
    assert "Göttingen" in html.unescape(re.search(r'title="([^"]+)"', snippet).group(1))


def test_embed_mode_shows_only_the_map_and_a_full_view_link(store_env) -> None:
    at = open_embedded("research", kreis="03159", basemap="none", lang="en")
    assert_clean(at)
    assert len(at.sidebar) == 0  # no filters, no page menu
    assert not at.title and not at.dataframe  # no page title, no tables
    link = next(m.value for m in at.markdown if t("api.full_view", "en") in m.value)
    target = re.search(r"\]\(([^)]+)\)", link).group(1)
    assert target.endswith("/research?kreis=03159&lang=en&basemap=none") and "embed" not in target


def test_embed_one_is_redirected_to_streamlits_embed_value() -> None:
    from regionmap.ui.serving import embed_location

    assert embed_location("research", "kreis=03159&embed=1") == "./research?kreis=03159&embed=true"
    assert embed_location("", "embed=1&lang=en") == "./?lang=en&embed=true"
    assert embed_location("research", "kreis=03159&embed=true") is None
    assert embed_location("research", "kreis=03159&embed=0") is None
    assert embed_location("research", "kreis=03159") is None


def test_an_embed_value_in_the_url_state() -> None:
    from regionmap.dashboard.urlstate import Vocab, parse_query_params, to_query_params

    for text, expected in (("1", True), ("true", True), ("0", False), ("", False)):
        state, notices = parse_query_params({"embed": text}, Vocab())
        assert (state.embed, notices) == (expected, [])
        assert ("embed" in to_query_params(state)) is expected
    state, notices = parse_query_params({"embed": "yes"}, Vocab())
    assert not state.embed and [n.param for n in notices] == ["embed"]


def test_snippet_addresses() -> None:
    state = ViewState(kreis="03159", lang="en")
    assert dashboard_base("https://karte.example.org/", "http://127.0.0.1:8501/data?x=1") == "https://karte.example.org"
    assert dashboard_base(None, "http://127.0.0.1:8501/data?x=1") == "http://127.0.0.1:8501"
    assert view_url("https://k.example", "", state, embed=True) == "https://k.example/?kreis=03159&lang=en&embed=1"
    assert view_url("", "research", state, embed=False) == "/research?kreis=03159&lang=en"
    snippet = iframe_snippet('https://k.example/?a=1&b="2"', "Karte: <Göttingen>")
    assert 'src="https://k.example/?a=1&amp;b=&quot;2&quot;"' in snippet and "&lt;Göttingen&gt;" in snippet


def test_the_embedded_municipalities_page_shows_its_choropleth(store_env) -> None:
    at = open_embedded("municipalities", indicator="density", basemap="none")
    assert_clean(at)
    assert len(at.sidebar) == 0 and not at.title and not at.selectbox  # no indicator controls either
    assert any(t("api.full_view", "de") in m.value and "indicator=density" in m.value for m in at.markdown)
