"""Text on the page: data made inert for Streamlit elements that read Markdown, and the document's language."""

from __future__ import annotations

import json

import streamlit as st

_LANGUAGE_KEY = "rm_document_language"
_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>~$&:"})


def plain(text: object) -> str:
    """Text from data made inert for st.markdown: every Markdown and HTML character is escaped."""
    return str(text).translate(_MARKDOWN_SPECIAL)


def document_language(lang: str) -> None:
    """Set the page's `<html lang>` to the session's language (screen readers pick their voice by it); Streamlit's
    own page says "en" whatever the app shows. Takes no space on the page."""
    with st.container(key=_LANGUAGE_KEY):  # hidden by its own style: no element, no gap in the page's layout
        st.html(f"<style>[data-testid='stLayoutWrapper']:has(> .st-key-{_LANGUAGE_KEY}) {{ display: none; }}</style>"
                f"<script>document.documentElement.lang = {json.dumps(lang)};</script>", unsafe_allow_javascript=True)
