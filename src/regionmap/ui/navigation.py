"""The app's pages: file, title, icon, URL path and the thematic layers each one shows."""

from __future__ import annotations

from dataclasses import dataclass

from regionmap.taxonomy import taxonomy


@dataclass(frozen=True)
class PageSpec:
    """A page. A page with `own_layers` shows the layers whose `page` in data/layers.toml is its URL path; the others
    (overview, municipalities, data) offer every layer.

    Its file is named after its URL path: a fresh server serves the first request of a deep link from `pages/`
    before app.py's navigation exists, and Streamlit shows "page not found" for a file of another name."""

    path: str
    title_key: str
    icon: str
    url_path: str
    own_layers: bool = False
    default: bool = False
    sidebar: bool = True
    hidden: bool = False
    upload: bool = True  # the sidebar offers "Eigene Daten" (pages with a map)
    params: tuple[str, ...] = ()  # the page's own URL parameters (regionmap.dashboard.urlstate.PAGE_PARAMS)

    @property
    def layers(self) -> tuple[str, ...]:
        tax = taxonomy()
        return tax.layers_on(self.url_path) if self.own_layers else tax.layer_ids


MAP_PARAMS = ("colour", "detail")  # a thematic page's colouring and the record in its detail card

PAGES = (
    PageSpec("pages/overview.py", "page.overview", ":material/map:", "overview", default=True, params=MAP_PARAMS),
    PageSpec("pages/research.py", "page.research", ":material/school:", "research", own_layers=True, params=MAP_PARAMS),
    PageSpec("pages/sites.py", "page.sites", ":material/factory:", "sites", own_layers=True,
             params=("size", "availability", "planning_status", "land_use", "serviced", "rail_siding", "dist",
                     "broadband", "op24", "w", "as_of", "sort", "compare",
                     "shortlist")),
    PageSpec("pages/health.py", "page.health", ":material/local_hospital:", "health", own_layers=True,
             params=MAP_PARAMS),
    PageSpec("pages/events-mobility.py", "page.events_mobility", ":material/train:", "events-mobility",
             own_layers=True, params=MAP_PARAMS),
    PageSpec("pages/municipalities.py", "page.municipalities", ":material/location_city:", "municipalities",
             params=("indicator", "scheme", "classes")),
    PageSpec("pages/data.py", "page.data", ":material/description:", "data", upload=False),
    PageSpec("pages/maintenance.py", "page.maintenance", ":material/edit_note:", "maintenance", upload=False),
    PageSpec("pages/accessibility.py", "page.accessibility", ":material/accessibility:", "accessibility",
             upload=False),
    PageSpec("pages/present.py", "page.present", ":material/slideshow:", "present", sidebar=False, hidden=True,
             upload=False),
    PageSpec("pages/not-found.py", "page.not_found", ":material/help:", "not-found", hidden=True, upload=False),
)
NOT_FOUND_PAGE = "not-found"  # where the server sends a path that is no page (regionmap.ui.serving)


def page_spec(url_path: str) -> PageSpec:
    """The page with this URL path; the default page for the root path ("")."""
    for spec in PAGES:
        if spec.url_path == url_path or (spec.default and url_path == ""):
            return spec
    raise KeyError(url_path)
