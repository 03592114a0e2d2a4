"""Page: the accessibility statement (Erklärung zur Barrierefreiheit, BITV 2.0)."""

from regionmap.ui import view
from regionmap.ui.accessibility_page import render
from regionmap.ui.layout import header

state = view.current()
header("page.accessibility", state)
render(state)
