"""Text on the page: data made inert for Streamlit elements that read Markdown, and the document's language."""

from __future__ import annotations

import json

import streamlit as st

_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>~$&:"})


def plain(text: object) -> str:
    """Text from data made inert for st.markdown: every Markdown and HTML character is escaped."""
    return str(text).translate(_MARKDOWN_SPECIAL)


def document_language(lang: str) -> None:
    """Set the page's `<html lang>` to the session's language (screen readers pick their voice by it); Streamlit's
    own page says "en" whatever the app shows. Takes no space on the page."""
    st.html(f"<script>document.documentElement.lang = {json.dumps(lang)};</script>", unsafe_allow_javascript=True)
