"""The shortlist on the sites page (AppTest): opened from a link in de/fr, a notice for unavailable sites, one tap to
add and remove a site, and the link held in the URL."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from regionmap.i18n import t
from regionmap.ui.text import plain

pytest_plugins = ["sites_page_support"]  # the fixtures sites, open_sites


def _markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_a_shortlist_link_opens_its_sites_with_a_notice_for_the_missing(open_sites, sites, lang: str) -> None:
    ids = [str(i) for i in sites["id"].iloc[[2, 0, 4]]]
    at = open_sites(lang=lang, shortlist=",".join([ids[0], "sites-gone-away", ids[1], "sites-withdrawn", ids[2]]))
    warnings = [w.value for w in at.warning]
    expected = {"de": "2 Standorte aus dem Link sind nicht mehr verfügbar.",
                "fr": "2 sites du lien ne sont plus disponibles."}[lang]
    assert plain(expected) in warnings
    heading = f"{t('investor.shortlist.heading', lang)} ({t('investor.shortlist.count.other', lang, count=3)})"
    assert heading in [s.value for s in at.subheader]
    names = [plain(n) for n in sites.set_index("id").loc[ids, "name"].astype(str)]
    shown = _markdown(at)
    assert [n for n in shown if n in names] == names  # in the link's order
    side_by_side = [table.value for table in at.table if all(name in table.value.columns for name in names)]
    assert len(side_by_side) == 1  # the comparison of all three
    assert t("investor.shortlist.no_public_url", lang) in [c.value for c in at.caption]  # loopback: no link
    assert at.query_params["shortlist"] == ",".join(ids)  # the missing ones are gone from the URL too


def test_the_sheets_button_says_whether_the_site_is_listed_and_a_full_list_takes_no_more(open_sites, sites) -> None:
    """(The tap itself is tested in the browser: AppTest does not deliver clicks after `switch_page`.)"""
    listed, other = (str(i) for i in sites["id"].iloc[[1, 2]])
    at = open_sites(site=listed, shortlist=listed)
    assert at.button(key="shortlist_toggle_sheet").label == "✓ " + t("investor.shortlist.remove", "de")
    full = ",".join(str(i) for i in sites["id"].iloc[3:13])  # data/shortlist.toml: max_sites = 10
    at = open_sites(site=other, shortlist=full)
    button = at.button(key="shortlist_toggle_sheet")
    assert button.label == "+ " + t("investor.shortlist.add", "de") and button.disabled
