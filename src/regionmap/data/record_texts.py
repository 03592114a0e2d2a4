"""The translated free texts of the curated records (`source`, `indicative_note`), declared once.

A curated file names such a text by its id in the vocabulary `data/record_texts.toml` (one table per field, one
entry per text with `de`, `en` and `fr`); the build writes the text of every language into the store columns
`<field>_de`, `<field>_en` and `<field>_fr`, and every view shows the column of its language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from regionmap import config
from regionmap.config import LANGUAGES

TRANSLATED_FIELDS = ("source", "indicative_note")
"""The record fields whose curated value is a vocabulary id and whose store value is a text per language."""


def text_columns(field: str) -> tuple[str, ...]:
    """The store columns of a translated field, one per language: `source_de`, `source_en`, `source_fr`."""
    return tuple(f"{field}_{lang}" for lang in LANGUAGES)


def vocabulary_path() -> Path:
    """The vocabulary file: `record_texts.toml` in the data directory."""
    return config.data_dir() / "record_texts.toml"


def localized(record: Mapping[str, object] | pd.Series, field: str, lang: str) -> str:
    """A translated field of a store record in `lang` ('' when the record has none). Never another language."""
    value = record.get(f"{field}_{lang}")
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


@dataclass(frozen=True)
class Gap:
    """An entry of the vocabulary that cannot be used: `line` in the file (None: the whole file), entry, language."""

    line: int | None
    entry: str
    lang: str
    message: str


@dataclass(frozen=True)
class RecordTexts:
    """The vocabulary: field -> text id -> language -> text, the gaps found while reading it, and the line of each
    entry (`field.id`) in the file."""

    path: Path
    texts: Mapping[str, Mapping[str, Mapping[str, str]]]
    gaps: tuple[Gap, ...] = ()
    lines: Mapping[str, int | None] = field(default_factory=dict)

    def ids(self, field: str) -> tuple[str, ...]:
        """The text ids declared for a field."""
        return tuple(self.texts.get(field, {}))

    def expand(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`frame` with each translated field's id column replaced by its text columns (ids checked before)."""
        out = frame.copy()
        for name in TRANSLATED_FIELDS:
            if name not in out.columns:
                continue
            ids = list(out.pop(name))
            for lang, column in zip(LANGUAGES, text_columns(name)):
                out[column] = pd.Series(self.values(name, ids, lang), index=out.index, dtype=object)
        return out

    def values(self, field: str, ids: Sequence[object], lang: str) -> list[str | None]:
        """The texts in `lang` of the ids (None for empty ids)."""
        entries = self.texts.get(field, {})
        return [entries[str(i)][lang] if isinstance(i, str) and i else None for i in ids]


def _line_of(source: str, name: str, entry: str) -> int | None:
    """The line of the table header `[name.entry]` in the file's text."""
    pattern = re.compile(rf"^\s*\[\s*{re.escape(name)}\s*\.\s*\"?{re.escape(entry)}\"?\s*\]", re.MULTILINE)
    match = pattern.search(source)
    return source.count("\n", 0, match.start()) + 1 if match else None


def load_record_texts(path: Path | None = None) -> RecordTexts:
    """Read the vocabulary. An unreadable file raises ConfigError; missing or empty translations, unknown fields
    and bad ids are returned as `gaps` (the curated checks report them with file, line, entry and language)."""
    path = path or vocabulary_path()
    raw = config.load_toml(path)
    source = path.read_text(encoding="utf-8")
    texts: dict[str, dict[str, dict[str, str]]] = {name: {} for name in TRANSLATED_FIELDS}
    gaps: list[Gap] = []
    lines: dict[str, int | None] = {}
    for name, entries in raw.items():
        if name not in TRANSLATED_FIELDS or not isinstance(entries, dict):
            gaps.append(Gap(None, name, "-", f"unknown table [{name}] (known: {', '.join(TRANSLATED_FIELDS)})"))
            continue
        for entry, translations in entries.items():
            key = f"{name}.{entry}"
            line = lines[key] = _line_of(source, name, entry)
            if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", entry) or not isinstance(translations, dict):
                gaps.append(Gap(line, key, "-", "an entry is a table with a lower-case id"))
                continue
            complete = True
            for lang in LANGUAGES:
                value = translations.get(lang)
                if not isinstance(value, str) or not value.strip():
                    gaps.append(Gap(line, key, lang, f"translation missing for '{lang}'"))
                    complete = False
            for lang in sorted(set(translations) - set(LANGUAGES)):
                gaps.append(Gap(line, key, lang, f"unknown language '{lang}' (known: {', '.join(LANGUAGES)})"))
            if complete:
                texts[name][entry] = {lang: " ".join(translations[lang].split()) for lang in LANGUAGES}
    return RecordTexts(path, texts, tuple(gaps), lines)

