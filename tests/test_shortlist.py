"""The visitor's shortlist: its URL parameter, link, size limit and the combined PDF (cover + every exposé)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pypdf import PdfReader

from regionmap.dashboard.urlstate import ViewState, Vocab, parse_query_params, to_query_params
from regionmap.data.store import open_store
from regionmap.errors import ConfigError
from regionmap.i18n import t
from regionmap.investor.expose.bundle import render_shortlist, shortlist_filename
from regionmap.investor.shortlist import load_config, shortlist_config, shortlist_url, toggle
from regionmap.ui.shortlist_panel import expose_context

VOCAB = Vocab(sites=["site-a", "site-b", "site-c"], max_shortlist=3)


def test_the_url_round_trip_keeps_the_order() -> None:
    state = ViewState(shortlist=("site-c", "site-a"))
    params = to_query_params(state, ["shortlist"])
    assert params == {"shortlist": "site-c,site-a"}
    parsed, notices = parse_query_params(params, VOCAB)
    assert parsed.shortlist == ("site-c", "site-a") and notices == []


@pytest.mark.parametrize(("lang", "expected"), [
    ("de", "2 Standorte aus dem Link sind nicht mehr verfügbar."),
    ("en", "2 sites from the link are no longer available."),
    ("fr", "2 sites du lien ne sont plus disponibles."),
])
def test_unknown_and_malformed_ids_are_dropped_with_one_counting_notice(lang: str, expected: str) -> None:
    state, notices = parse_query_params({"shortlist": "site-a,gone-site,SITE-B,site-a,<b>x</b>"}, VOCAB)
    assert state.shortlist == ("site-a", "site-b")
    assert [n.message(lang) for n in notices] == [expected]


def test_a_single_missing_site_is_named_in_the_singular() -> None:
    _, notices = parse_query_params({"shortlist": "site-a,gone"}, VOCAB)
    assert notices[0].message("de") == "1 Standort aus dem Link ist nicht mehr verfügbar."


def test_a_shortlist_longer_than_the_limit_keeps_the_first() -> None:
    state, notices = parse_query_params({"shortlist": "site-a,site-b,site-c"}, Vocab(sites=VOCAB.sites, max_shortlist=2))
    assert state.shortlist == ("site-a", "site-b")
    assert [n.key for n in notices] == ["url.shortlist_too_many"]


def test_the_limit_comes_from_data_shortlist_toml(tmp_path: Path) -> None:
    assert Vocab().max_shortlist == shortlist_config().max_sites == 10
    bad = tmp_path / "shortlist.toml"
    bad.write_text("[shortlist]\nmax_sites = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"shortlist\.toml: shortlist\.max_sites"):
        load_config(bad)
    bad.write_text("[shortlist]\nmax_sites = 5\ncolour = 'red'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown field"):
        load_config(bad)


def test_toggle_adds_removes_and_respects_the_limit() -> None:
    assert toggle((), "a", 2) == ("a",)
    assert toggle(("a",), "b", 2) == ("a", "b")
    assert toggle(("a", "b"), "c", 2) == ("a", "b")
    assert toggle(("a", "b"), "a", 2) == ("b",)


def test_the_link_names_only_sites_language_and_page() -> None:
    url = shortlist_url("https://dashboard.example.org/regionmap", ("site-b", "site-a"), "fr")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "dashboard.example.org", "/regionmap/sites")
    assert parse_qs(parts.query) == {"shortlist": ["site-b,site-a"], "lang": ["fr"]}
    parsed, notices = parse_query_params({k: v[0] for k, v in parse_qs(parts.query).items()},
                                         Vocab(sites=["site-a", "site-b"]))
    assert parsed.shortlist == ("site-b", "site-a") and parsed.lang == "fr" and notices == []
    with pytest.raises(ConfigError):
        shortlist_url("dashboard.example.org", ("site-a",), "de")


@pytest.fixture(scope="module")
def store(built_store: Path):
    return open_store(built_store)


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_the_combined_pdf_has_a_cover_and_every_expose(store, lang: str) -> None:
    from regionmap.investor.expose import render_expose

    sites = store["sites"]
    rows = [sites.iloc[i] for i in (0, 3, 5)]
    context = expose_context(store)
    link = shortlist_url("https://dashboard.example.org", tuple(str(r["id"]) for r in rows), lang)
    pdf = render_shortlist(rows, context, lang, link)
    reader = PdfReader(io.BytesIO(pdf))
    lengths = [len(PdfReader(io.BytesIO(render_expose(r, context, lang))).pages) for r in rows]
    assert len(reader.pages) == 1 + sum(lengths)
    cover = reader.pages[0].extract_text()
    assert t("investor.shortlist.title", lang) in cover
    assert "dashboard.example.org/sites?shortlist=" in cover.replace("\n", "")
    first = 2
    for row, length in zip(rows, lengths):
        name = str(row["name"])
        assert name.split()[0] in cover
        assert name.split()[0] in reader.pages[first - 1].extract_text()  # the exposé starts on the cover's page
        first += length
    assert t("investor.expose.key_data", lang) in reader.pages[1].extract_text()
    assert reader.root_object["/Lang"] == lang
    # A bookmark for the cover and each site, and under each site its exposé's sections.
    outline = reader.outline
    assert [item.title for item in outline if not isinstance(item, list)][1:] == [str(r["name"]) for r in rows]
    sections = [item for item in outline if isinstance(item, list)]
    assert len(sections) == 1 + len(rows)  # the cover's headings, then each exposé's
    assert all(t("investor.expose.key_data", lang) == part[0].title for part in sections[1:])


def test_without_a_public_url_the_cover_says_so(store) -> None:
    sites = store["sites"]
    pdf = render_shortlist([sites.iloc[0]], expose_context(store), "en", None)
    cover = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\n", " ")
    assert "REGIONMAP_PUBLIC_URL" in cover and "http" not in cover


def test_the_file_name_is_localised() -> None:
    day = dt.date(2026, 10, 5)
    assert [shortlist_filename(lang, day) for lang in ("de", "en", "fr")] == [
        "merkliste-2026-10-05.pdf", "shortlist-2026-10-05.pdf", "selection-2026-10-05.pdf"]
