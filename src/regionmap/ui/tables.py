"""Tables and rows of figures that show their whole text: small static tables wrap their cells, figures flow onto
the next line when the row is too narrow. (Wide interactive tables pin their name column instead:
`st.column_config.Column(pinned=True)`.)"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd
import streamlit as st

from regionmap.i18n import t
from regionmap.ui.text import plain


def static_table(frame: pd.DataFrame, links: Iterable[str] = ()) -> None:
    """A small table whose cells wrap (st.table), every cell and header shown as plain text.

    The columns named in `links` hold URLs and are shown as links (http and https only; others as plain text).
    """
    links = set(links)
    shown = pd.DataFrame({
        plain(column): [_link(value) if column in links else _cell(value) for value in frame[column]]
        for column in frame.columns
    })
    st.table(shown, hide_index=True, border="horizontal")


def _cell(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else plain(value)


def _link(value: object) -> str:
    """A URL as a Markdown link showing the URL itself; anything but http(s) stays plain text."""
    url = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()
    if not url.lower().startswith(("http://", "https://")) or any(c in url for c in " <>\"'\\`"):
        return _cell(url)
    target = url.replace("(", "%28").replace(")", "%29")
    return f"[{plain(url)}]({target})"


ROW_HINT = "rm_row_hint_"  # + the table's key: the container of its keyboard hint (focus.js ties the two)


def row_choice(key: str, lang: str) -> None:
    """Say how a row of the interactive table of widget key `key` that follows is chosen by keyboard (the data grid's
    own key, Shift+Space): a caption right above the table, which `focus.js` makes the grid's description
    (aria-describedby) for screen readers."""
    with st.container(key=f"{ROW_HINT}{key}"):
        st.caption(t("table.choose_row", lang))


def metric_row(figures: Sequence[tuple[str, str]], key: str | None = None) -> None:
    """Figures (label, formatted value) side by side, each as wide as its text; they flow onto a new line when the
    row is too narrow, so no label or value is cut off."""
    with st.container(horizontal=True, gap="large", key=key):
        for label, value in figures:
            st.metric(label, value, width="content")



# Streamlit cuts a chosen option's tag in a multiselect at about 130 px with an ellipsis ("Wissenschaft & Fors…"):
# tags as wide as their text, wrapped within the box when longer than it.
WHOLE_TEXT_CSS = """<style>
[data-testid="stMultiSelectTagsContainer"] [data-tag] { max-width: 100%; height: auto; }
[data-testid="stMultiSelectTagsContainer"] [data-tag] > span { max-width: none; white-space: normal; overflow: visible;
                                                              text-overflow: clip; }
</style>"""


def whole_text_css() -> None:
    """Add the page's CSS that keeps Streamlit from cutting off short texts (call once per run)."""
    st.html(WHOLE_TEXT_CSS)
