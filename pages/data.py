"""Page: data sources with licences and dates, the curated layers' currency, and downloads of the current selection."""

from regionmap.ui import data, view
from regionmap.ui.layout import header
from regionmap.ui.sources_page import render

state = view.current()
header("page.data", state)
render(data.store(state.lang), state)
