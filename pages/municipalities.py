"""Page: the municipalities as a choropleth of a chosen indicator, and the profile of the selected one."""

from regionmap.ui import data, view
from regionmap.ui.layout import header
from regionmap.ui.municipalities_page import choropleth_map, indicator_controls, profile

state = view.current()
store = data.store(state.lang)
header("page.municipalities", state)
indicator_id, scheme, k = indicator_controls(state)
choropleth_map(store, state, indicator_id, scheme, k)
profile(store, state, indicator_id)
