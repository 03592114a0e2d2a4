"""Page: the health layer on its own map, with filters, detail card and table."""

from regionmap.ui.layout import thematic_page

thematic_page("health")
