"""AppTest of the keyboard aids (WCAG 2.1.1, 2.4.3): every interactive table (a row opens a record) has its keyboard
hint in a caption right above it, in de/en/fr, and is named after its layer; the script that keeps the focus and
ties the hint to the table is on the page, and page scripts refuse what Streamlit's sanitiser would drop."""

from __future__ import annotations

import pytest
from sites_page_support import open_sites_page
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Dataframe

from test_app_pages import LANGS, assert_clean, open_page, store_env  # noqa: F401 (the fixture)
from regionmap.i18n import t
from regionmap.taxonomy import taxonomy
from regionmap.ui.focus import _KEY as FOCUS_KEY, _script
from regionmap.ui.tables import ROW_HINT
from regionmap.ui.text import page_script

pytestmark = pytest.mark.usefixtures("store_env")  # the built store (test_app_pages)


def interactive_tables(node: object) -> list[tuple[Dataframe, object]]:
    """Every data frame with row selection under `node`, with the element drawn right before it (None if first)."""
    found = []
    children = list(getattr(node, "children", {}).values())
    for n, child in enumerate(children):
        if isinstance(child, Dataframe) and child.proto.selection_mode:
            found.append((child, children[n - 1] if n else None))
        found.extend(interactive_tables(child))
    return found


def assert_hinted(at: AppTest, lang: str, layer_id: str) -> None:
    tables = interactive_tables(at.main)
    assert tables, "no interactive table on the page"
    for table, before in tables:
        assert isinstance(before, Block) and before.key == f"{ROW_HINT}{table.key}", (table.key, before)
        assert [c.value for c in before.caption] == [t("table.choose_row", lang)], table.key
        assert table.proto.alt == taxonomy().layer(layer_id).label(lang), table.key
    assert at.main.children[1].key == FOCUS_KEY  # right after the document's language, before the title


@pytest.mark.parametrize("lang", LANGS)
def test_theme_page_tables_say_how_a_row_is_chosen(lang: str) -> None:
    at = open_page("research", lang=lang, basemap="none")
    assert_clean(at)
    assert_hinted(at, lang, "research")


@pytest.mark.parametrize("lang", LANGS)
def test_site_finder_result_list_says_how_a_row_is_chosen(lang: str) -> None:
    at = open_sites_page(lang=lang)
    assert_clean(at)
    assert_hinted(at, lang, "sites")


def test_the_hints_differ_by_language() -> None:
    hints = {t("table.choose_row", lang) for lang in LANGS}
    assert len(hints) == len(LANGS)


def test_page_scripts_refuse_what_the_sanitiser_drops() -> None:
    script = _script()
    assert "ROW_HINT" not in script and f'"{ROW_HINT}"' in script  # the hint's key prefix is filled in
    with pytest.raises(ValueError, match="rm_test"):
        page_script("rm_test", "if (a <b) run();")
