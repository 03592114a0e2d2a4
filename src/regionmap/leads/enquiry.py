"""An enquiry's fields checked before it is stored: lengths, a valid e-mail address, the language, the consent.

Text is kept as the visitor typed it (markup stays text: every page shows it escaped); only control characters other
than line breaks and tabs are removed (PostgreSQL cannot store NUL), and the one-line fields' spaces are collapsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regionmap.auth.identity import EMAIL_PATTERN
from regionmap.config import LANGUAGES
from regionmap.errors import RegionmapError
from regionmap.leads.settings import LeadSettings

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class LeadError(RegionmapError):
    """An enquiry that cannot be taken: `field` names the field (or "sites", "consent"), `reason` is a stable code
    (`required`, `too_long`, `invalid`, `no_sites`, `changed`), `limit` the field's length limit for `too_long`."""

    def __init__(self, field: str, reason: str, message: str, limit: int = 0) -> None:
        self.field, self.reason, self.limit = field, reason, limit
        super().__init__(f"{field}: {message}")


class Throttled(LeadError):
    """Too many enquiries from one session: `minutes` until the next one is taken."""

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        super().__init__("session", "throttled", f"too many enquiries; try again in {minutes} minutes")


@dataclass(frozen=True)
class Enquiry:
    """The checked fields of an enquiry (`email` in lower case)."""

    name: str
    company: str
    email: str
    message: str
    language: str


def _clean(value: object, *, one_line: bool) -> str:
    text = _CONTROL.sub("", str(value or ""))
    return " ".join(text.split()) if one_line else text.strip()


def _sized(field: str, text: str, settings: LeadSettings, *, required: bool) -> str:
    if required and not text:
        raise LeadError(field, "required", "must not be empty")
    limit = settings.limit(field)
    if len(text) > limit:
        raise LeadError(field, "too_long", f"at most {limit} characters, got {len(text)}", limit)
    return text


def check_enquiry(settings: LeadSettings, *, name: object, company: object, email: object, message: object,
                  language: object) -> Enquiry:
    """The enquiry's fields, checked in the form's order; LeadError names the first wrong field."""
    checked_name = _sized("name", _clean(name, one_line=True), settings, required=True)
    checked_company = _sized("company", _clean(company, one_line=True), settings, required=False)
    address = _sized("email", _clean(email, one_line=True), settings, required=True).lower()
    if not EMAIL_PATTERN.match(address):
        raise LeadError("email", "invalid", "not a valid e-mail address")
    checked_message = _sized("message", _clean(message, one_line=False), settings, required=False)
    if language not in LANGUAGES:
        raise LeadError("language", "invalid", f"must be one of {', '.join(LANGUAGES)}")
    return Enquiry(checked_name, checked_company, address, checked_message, str(language))
