"""Page: all layers on one map, with the key figures of the region and of the current filter."""

from regionmap.ui.layout import thematic_page

thematic_page("overview", with_figures=True)
