"""Keyboard aids in the page's document (`focus.js`): the focus survives Streamlit's redraws (it goes back to the
widget it fell from: a download button while its file is made, the file uploader once a file was chosen), and each
interactive table is described by its keyboard hint (`tables.row_choice`). The focus ring is `focus.css`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from regionmap.ui.tables import ROW_HINT
from regionmap.ui.text import page_script

FOCUS_JS = Path(__file__).with_name("focus.js")
_KEY = "rm_focus_keeper"


@cache
def _script() -> str:
    return FOCUS_JS.read_text(encoding="utf-8").replace("ROW_HINT", json.dumps(ROW_HINT))


def keep_focus() -> None:
    """Add the keyboard aids to the page (call once per run, on every page; takes no space)."""
    page_script(_KEY, _script())
