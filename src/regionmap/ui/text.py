"""Text on the page: data made inert for Streamlit elements that read Markdown, the document's language, and scripts
run in the page's own document."""

from __future__ import annotations

import json
import re

import streamlit as st

_LANGUAGE_KEY = "rm_document_language"
_SANITISED = re.compile(r"<[/\w!]")  # what DOMPurify takes for markup inside a script
_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>~$&:"})


def plain(text: object) -> str:
    """Text from data made inert for st.markdown: every Markdown and HTML character is escaped."""
    return str(text).translate(_MARKDOWN_SPECIAL)


def document_language(lang: str) -> None:
    """Set the page's `<html lang>` to the session's language (screen readers pick their voice by it); Streamlit's
    own page says "en" whatever the app shows. Takes no space on the page."""
    page_script(_LANGUAGE_KEY, f"document.documentElement.lang = {json.dumps(lang)};")


def page_script(key: str, script: str) -> None:
    """Run `script` in the page's own document (not in a component's frame), in a container of widget key `key` that
    its own style hides: no element, no gap in the page's layout. Streamlit runs it again when `script` changes or
    the element is drawn anew. Its sanitiser (DOMPurify) silently drops a script with "<" before a letter, "/" or
    "!" in it, so such a script is refused here."""
    if _SANITISED.search(script):
        raise ValueError(f"page script {key!r}: '<' followed by a letter, '/' or '!' would be removed by Streamlit")
    with st.container(key=key):
        st.html(f"<style>[data-testid='stLayoutWrapper']:has(> .st-key-{key}) {{ display: none; }}</style>"
                f"<script>{script}</script>", unsafe_allow_javascript=True)
