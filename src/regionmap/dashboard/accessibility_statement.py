"""The accessibility statement (BITV 2.0 § 7) as data/accessibility.toml declares it, checked, without Streamlit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from regionmap.auth.identity import IdentityError, normalise_email
from regionmap.config import LANGUAGES, data_dir, load_toml
from regionmap.errors import ConfigError
from regionmap.i18n import catalog

STATUSES = ("full", "partial", "none")


@dataclass(frozen=True)
class Statement:
    status: str
    prepared_on: str
    reviewed_on: str
    method: str
    gaps: tuple[str, ...]
    organisation: str
    email: str


def _date(raw: dict, key: str, path: Path) -> str:
    value = str(raw.get(key, ""))
    try:
        dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"{path}: '{key}' must be a date YYYY-MM-DD, got {value!r}") from exc
    return value


def load_statement(path: Path | None = None) -> Statement:
    """The statement, every text it names present in de, en and fr; ConfigError names the key that is wrong."""
    path = path or data_dir() / "accessibility.toml"
    raw = load_toml(path)
    status = raw.get("status")
    if status not in STATUSES:
        raise ConfigError(f"{path}: 'status' must be one of {', '.join(STATUSES)}, got {status!r}")
    contact = raw.get("contact", {})
    try:
        email = normalise_email(contact.get("email"))
    except IdentityError as exc:
        raise ConfigError(f"{path}: contact.email: {exc}") from exc
    statement = Statement(status, _date(raw, "prepared_on", path), _date(raw, "reviewed_on", path),
                          str(raw.get("method", "")), tuple(str(g) for g in raw.get("gaps", [])),
                          str(contact.get("organisation", "")).strip(), email)
    if not statement.organisation:
        raise ConfigError(f"{path}: contact.organisation is empty")
    keys = [f"accessibility.methods.{statement.method}", *(f"accessibility.gaps.{g}" for g in statement.gaps)]
    for key in keys:
        for lang in LANGUAGES:
            if key not in catalog(lang):
                raise ConfigError(f"{path}: no {lang} text for '{key}' in locales/accessibility.{lang}.toml")
    return statement
