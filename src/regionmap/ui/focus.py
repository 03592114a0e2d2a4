"""The keyboard focus survives Streamlit's redraws: `focus.js` puts it back on the widget it fell from (a download
button while its file is made, the file uploader once a file was chosen). Its focus ring is `focus.css`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from regionmap.ui.text import page_script

FOCUS_JS = Path(__file__).with_name("focus.js")
_KEY = "rm_focus_keeper"


@cache
def _script() -> str:
    return FOCUS_JS.read_text(encoding="utf-8")


def keep_focus() -> None:
    """Add the script that keeps the keyboard's place on every page (call once per run; takes no space)."""
    page_script(_KEY, _script())
