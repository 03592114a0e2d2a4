"""The site exposé: an A4 PDF per site with a static location map, built offline."""

from regionmap.investor.expose.map_image import render_site_map
from regionmap.investor.expose.pdf import ExposeContext, expose_filename, render_expose, source_attributions

__all__ = [
    "ExposeContext",
    "expose_filename",
    "render_expose",
    "render_site_map",
    "source_attributions",
]
