"""The focus keeper (`ui/focus.js`) never takes the focus back after a pointer press: a click beside the buttons
leaves the focus on the document, as the browser put it. (The keyboard journeys in `test_keyboard.py` check that it
does put the focus back after a download and an upload.)"""

from __future__ import annotations

from browser_support import wait_until_idle
from test_keyboard import focused, in_widget, tab_to


def test_a_click_elsewhere_keeps_the_focus_where_the_browser_put_it(app_server, watched) -> None:
    page = watched.page
    page.goto(f"{app_server.url}/data?lang=en")
    page.locator(".st-key-dl_csv_research button").wait_for(timeout=30_000)
    wait_until_idle(page)
    tab_to(page, in_widget("dl_csv_research", "BUTTON"), "the research CSV download", limit=320)
    title = page.locator("[data-testid=stMain] h1").first.bounding_box()
    page.mouse.click(title["x"] + title["width"] - 5, title["y"] + title["height"] / 2)  # beside the heading's text
    page.wait_for_timeout(1_500)
    assert focused(page)["tag"] == "BODY", focused(page)
    watched.assert_clean()
