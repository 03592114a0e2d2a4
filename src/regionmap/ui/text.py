"""Text from data shown in Streamlit elements that read Markdown: made inert."""

from __future__ import annotations

_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>~$&:"})


def plain(text: object) -> str:
    """Text from data made inert for st.markdown: every Markdown and HTML character is escaped."""
    return str(text).translate(_MARKDOWN_SPECIAL)
