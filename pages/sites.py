"""Page: the investor view of the investment sites (finder, site sheet, comparison, downloads)."""

from regionmap.ui.sites_page import sites_page

sites_page()
