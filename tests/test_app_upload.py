"""AppTest of "Eigene Daten": a file dropped on the sidebar is placed (or waits for the user's columns), styled,
counted on the Kommunen page, listed in a municipality's profile, kept across reruns and removed; bad files get their
message and the page keeps working. Run through the real app.py (see test_app_pages)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from test_app_pages import assert_clean, open_page, rerun

from regionmap.dashboard.indicators import rank_in_region
from regionmap.data.store import open_store
from regionmap.i18n import format_number, t, tn
from regionmap.uploads.analysis import upload_indicators, with_counts
from regionmap.ui.text import plain

CSV = ("Name;Lon;Lat;Typ\n<b>Alpha</b>;9,7320;52,3759;A\nBeta;9,7400;52,3700;B\nGamma;10,5268;52,2689;A\n"
       ).encode("cp1252")
NO_COORDINATES = b"Firma,Ort,Wert\nA,Hannover,1\nB,Celle,2\n"


@pytest.fixture(autouse=True)
def store_env(built_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REGIONMAP_STORE", str(built_store))
    return built_store


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.sidebar.file_uploader(key="upload_file").upload(name, data, "application/octet-stream")
    return rerun(at)


def successes(at: AppTest) -> list[str]:
    return [s.value for s in at.sidebar.success]


@pytest.mark.parametrize("lang", ["de", "en", "fr"])
def test_csv_is_placed_at_once_and_kept_across_reruns(lang: str) -> None:
    at = upload(open_page("overview", basemap="none", lang=lang), "firmen.csv", CSV)
    assert_clean(at)
    assert successes(at) == [plain(tn("upload.panel.loaded", 3, lang, name="firmen.csv"))]
    session = at.session_state["upload"]
    assert len(session.upload.frame) == 3
    at.sidebar.selectbox(key="w_kreis").select("03241")
    assert_clean(rerun(at))
    assert at.session_state["upload"] is session and successes(at)  # the same upload, not read again


def test_style_column_and_removal() -> None:
    at = upload(open_page("research", basemap="none"), "firmen.csv", CSV)
    at.sidebar.selectbox(key="upload_style").select("Typ")
    assert_clean(rerun(at))
    _, layers = at.session_state["upload"].shown("Typ", "de")
    assert {i.label: i.count for i in layers.entry.items} == {"A": 2, "B": 1}
    at.sidebar.button(key="upload_remove").click()
    assert_clean(rerun(at))
    assert "upload" not in at.session_state and not successes(at)


def test_table_without_coordinates_waits_for_the_users_columns() -> None:
    at = upload(open_page("overview", basemap="none", lang="en"), "liste.csv", NO_COORDINATES)
    assert_clean(at)
    assert "upload" not in at.session_state  # nothing placed until the user says where the points are
    assert [i.value for i in at.sidebar.info] == [t("upload.panel.choose_hint", "en")]
    at.sidebar.radio(key=next(w.key for w in at.sidebar.radio if w.key.startswith("upload_kind_"))).set_value("lonlat")
    show = next(b for b in at.sidebar.button if b.key.startswith("upload_show_"))
    show.click()
    at = rerun(at)
    # "Firma" and "Ort" hold no numbers: the message names the file, the row and the column
    errors = [e.value for e in at.sidebar.error]
    assert errors[0] == plain(f"liste.csv: {t('upload.problem.nothing_placed', 'en')}")
    assert plain("liste.csv, row 2, column “Firma”") in errors[1]
    assert "upload" not in at.session_state
    assert not at.exception


@pytest.mark.parametrize(("name", "data", "code"), [
    ("leer.csv", b"", "empty"),
    ("kopf.csv", b"lon;lat\n", "only_header"),
    ("karte.geojson", b"lon;lat\n9.7;52.3\n", "content_mismatch"),
    ("bild.png", b"\x89PNG\r\n", "unknown_suffix"),
])
def test_bad_files_get_their_message_and_the_page_keeps_working(name, data, code) -> None:
    at = upload(open_page("overview", basemap="none"), name, data)
    assert not at.exception
    errors = [e.value for e in at.sidebar.error]
    assert len(errors) == 1 and errors[0].startswith(plain(name))
    expected = t(f"upload.problem.{code}", "de", suffix="", accepted="", content="", size="", limit="")
    assert plain(expected.split("„")[0].split("{")[0].strip()) in errors[0]
    assert at.title[0].value == t("page.overview", "de")  # the page is still drawn


def test_kommunen_count_the_upload_and_list_it_in_the_profile(built_store: Path) -> None:
    at = upload(open_page("municipalities", basemap="none", kreis="03241", gemeinde="03241001"), "firmen.csv", CSV)
    at.selectbox(key="choropleth_indicator").select("upload_per_10k")
    at = rerun(at)
    assert_clean(at)
    assert "indicator" not in at.query_params  # the session's upload stays out of shared links
    headings = [m.value for m in at.markdown]
    assert f"#### {plain(t('upload.profile.heading', 'de', name='Hannover'))}" in headings
    table = at.dataframe[-1].value
    assert table["Name"].tolist() == ["<b>Alpha</b>", "Beta"]  # the two records in Hannover, as text
    # Per 10,000 inhabitants Braunschweig (1 record) ranks before Hannover (2); places without inhabitants have no rank
    session = at.session_state["upload"]
    counted = with_counts(open_store().gemeinden, session.joined(open_store().gemeinden))
    expected = rank_in_region(counted, "03241001", upload_indicators("")[1])
    assert expected.rank == 2
    metric = next(m for m in at.metric if m.label.startswith(t("column.rank", "de")))
    assert metric.value == t("profile.rank", "de", rank=format_number(expected.rank, "de"),
                             total=format_number(expected.total, "de"))


@pytest.mark.parametrize("url_path", ["sites", "health", "events-mobility"])
def test_every_map_page_offers_the_upload(url_path: str) -> None:
    at = upload(open_page(url_path, basemap="none", lang="en"), "firmen.csv", CSV)
    assert_clean(at)
    assert successes(at) == [plain(tn("upload.panel.loaded", 3, "en", name="firmen.csv"))]


def test_the_data_page_has_no_upload() -> None:
    at = open_page("data", basemap="none")
    assert_clean(at)
    assert not at.sidebar.file_uploader
