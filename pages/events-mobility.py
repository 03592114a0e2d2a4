"""Page: event hotspots and mobility hotspots, with filters, detail card and tables."""

from regionmap.ui.layout import thematic_page

thematic_page("events-mobility")
