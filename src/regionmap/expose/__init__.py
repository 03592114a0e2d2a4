"""The site exposé: an A4 PDF per site with a static location map, built offline."""

from regionmap.expose.map_image import MapTarget, map_targets, render_site_map
from regionmap.expose.pdf import ExposeContext, expose_filename, render_expose, source_attributions

__all__ = [
    "ExposeContext",
    "MapTarget",
    "expose_filename",
    "map_targets",
    "render_expose",
    "render_site_map",
    "source_attributions",
]
