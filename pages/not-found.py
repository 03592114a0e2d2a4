"""Page: a path that is no page of the app (the server redirects it here), with the link to the overview."""

from regionmap.ui.layout import not_found_page

not_found_page()
