"""The app's pages: file, title, icon, URL path and the thematic layers each one shows."""

from __future__ import annotations

from dataclasses import dataclass

from regionmap.taxonomy import taxonomy


@dataclass(frozen=True)
class PageSpec:
    """A page. A page with `own_layers` shows the layers whose `page` in data/layers.toml is its URL path; the others
    (overview, municipalities, data) offer every layer."""

    path: str
    title_key: str
    icon: str
    url_path: str
    own_layers: bool = False
    default: bool = False
    sidebar: bool = True
    hidden: bool = False

    @property
    def layers(self) -> tuple[str, ...]:
        tax = taxonomy()
        return tax.layers_on(self.url_path) if self.own_layers else tax.layer_ids


PAGES = (
    PageSpec("pages/overview.py", "page.overview", ":material/map:", "overview", default=True),
    PageSpec("pages/research.py", "page.research", ":material/school:", "research", own_layers=True),
    PageSpec("pages/sites.py", "page.sites", ":material/factory:", "sites", own_layers=True),
    PageSpec("pages/health.py", "page.health", ":material/local_hospital:", "health", own_layers=True),
    PageSpec("pages/events_mobility.py", "page.events_mobility", ":material/train:", "events-mobility",
             own_layers=True),
    PageSpec("pages/municipalities.py", "page.municipalities", ":material/location_city:", "municipalities"),
    PageSpec("pages/data_sources.py", "page.data", ":material/description:", "data"),
    PageSpec("pages/present.py", "page.present", ":material/slideshow:", "present", sidebar=False, hidden=True),
)


def page_spec(url_path: str) -> PageSpec:
    """The page with this URL path; the default page for the root path ("")."""
    for spec in PAGES:
        if spec.url_path == url_path or (spec.default and url_path == ""):
            return spec
    raise KeyError(url_path)
