"""Page: partners maintain their records (Pflege); it asks for a sign-in, every other page does not."""

from regionmap.ui import view
from regionmap.ui.layout import header
from regionmap.ui.maintenance_page import log_sign_in, render
from regionmap.ui.signin import require_sign_in

state = view.current()
header("page.maintenance", state)
if identity := require_sign_in(state.lang, on_event=log_sign_in):
    render(identity, state)
