"""Page: the research layer on its own map, with filters, detail card and table."""

from regionmap.ui.layout import thematic_page

thematic_page("research")
