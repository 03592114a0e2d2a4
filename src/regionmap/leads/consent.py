"""The consent text of an enquiry in the visitor's language: who receives the data (the organisations holding the
shortlisted sites and the region's office), for what (answering the enquiry about these sites) and for how long (the
configured retention). Each lead keeps the text's version and a hash of the exact text agreed to."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from babel.lists import format_list

from regionmap import i18n
from regionmap.leads.settings import LeadSettings


def recipients(organisations: Iterable[str], settings: LeadSettings) -> list[str]:
    """The organisations holding the sites, in name order, then the region's office (once)."""
    holders = sorted({o for o in organisations if o and o != settings.region_office})
    return [*holders, settings.region_office]


def consent_text(lang: str, organisations: Iterable[str], settings: LeadSettings) -> str:
    """The consent checkbox's text in `lang` for an enquiry routed to `organisations`."""
    lang = i18n.normalise_lang(lang)
    names = format_list(recipients(organisations, settings), locale=i18n.number_locale(lang))
    retention = i18n.tn("leads.retention", settings.retention_months, lang)
    return i18n.t("leads.consent.text", lang, recipients=names, retention=retention,
                  office=settings.region_office)


def consent_hash(text: str) -> str:
    """The SHA-256 of the consent text as shown (hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
