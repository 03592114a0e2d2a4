"""The published collections of the OGC API: the layers, their filters, texts, licences and extents.

This module is the one place that decides what the API shows (`published_layers`). Today every thematic layer of
`data/layers.toml` that the store holds is published, with the municipalities and Kreise; when drafts and change sets
exist (issue 15), they stay out of the store's published layers and out of this list.
"""

from __future__ import annotations

from dataclasses import dataclass

from regionmap import config
from regionmap.data.source_registry import Registry, registry
from regionmap.data.store import feature_key
from regionmap.i18n import t
from regionmap.taxonomy import Taxonomy, taxonomy

BOUNDARY_LAYERS = ("gemeinden", "kreise")
"""The boundary layers published besides the thematic ones (the region, states and postcodes are not)."""

THEMATIC_FILTERS = ("category", "sectors", "ags", "kreis_ags")
"""The property filters of a thematic layer; `sectors` matches a record carrying the sector among its sectors."""

BOUNDARY_FILTERS = {"gemeinden": ("ags", "kreis_ags"), "kreise": ("ags",)}
CODE_DIGITS = {"ags": 8, "kreis_ags": 5}
"""Digits of the codes a filter takes; on the `kreise` layer `ags` is the Kreis's 5-digit code."""


@dataclass(frozen=True)
class Link:
    """A link of a collection: its licence or the source it rests on."""

    href: str
    title: str
    rel: str


@dataclass(frozen=True)
class Collection:
    """One published store layer as an API collection."""

    id: str
    id_field: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    filters: tuple[str, ...]
    links: tuple[Link, ...]
    licence: str
    attribution: str
    choices: dict[str, tuple[str, ...]]
    """The values `category` and `sectors` may take (the codes are checked by their digits)."""

    def digits(self, name: str) -> int | None:
        """The digits a code filter of this collection takes (None for `category` and `sectors`)."""
        if name == "ags" and self.id == "kreise":
            return 5
        return CODE_DIGITS.get(name)


def published_layers(tax: Taxonomy, store_layers: list[str]) -> tuple[str, ...]:
    """The store layers the API publishes, in order: the boundaries, then the registry's thematic layers."""
    wanted = (*BOUNDARY_LAYERS, *tax.layer_ids)
    return tuple(name for name in wanted if name in store_layers)


def _source_links(roles: tuple[str, ...], reg: Registry) -> tuple[tuple[Link, ...], str, str]:
    sources = [reg.by_role(role) for role in roles]
    links = tuple(link for s in sources for link in (
        Link(href=s.licence_url, title=f"{s.title}: {s.licence}", rel="license"),
        Link(href=s.url, title=s.attribution, rel="describedby"),
    ))
    return links, "; ".join(s.licence for s in sources), "; ".join(s.attribution for s in sources)


def _texts(key: str, **params: str) -> dict[str, str]:
    return {lang: t(key, lang, **params) for lang in config.LANGUAGES}


def collection(layer: str, tax: Taxonomy | None = None, reg: Registry | None = None) -> Collection:
    """The collection of a published store layer, its texts in every language from the locale files."""
    tax = tax or taxonomy()
    reg = reg or registry()
    if layer in BOUNDARY_LAYERS:
        links, licence, attribution = _source_links(("municipalities",), reg)
        return Collection(id=layer, id_field=feature_key(layer), titles=_texts(f"api.{layer}_title"),
                          descriptions=_texts(f"api.{layer}_description"), filters=BOUNDARY_FILTERS[layer],
                          links=links, licence=licence, attribution=attribution, choices={})
    entry = tax.layer(layer)
    links, licence, attribution = _source_links(entry.source_roles, reg)
    if entry.curated is not None:
        curated = {lang: t("api.curated_licence", lang) for lang in config.LANGUAGES}
        licence = "; ".join(filter(None, (licence, curated[config.DEFAULT_LANGUAGE])))
        attribution = "; ".join(filter(None, (attribution, "regionmap")))
    return Collection(id=layer, id_field=feature_key(layer), titles=dict(entry.labels),
                      descriptions={lang: t("api.layer_description", lang, layer=entry.label(lang))
                                    for lang in config.LANGUAGES},
                      filters=THEMATIC_FILTERS, links=links, licence=licence, attribution=attribution,
                      choices={"category": entry.category_ids, "sectors": tax.sector_ids})
