"""regionmap served as an ASGI app: `streamlit run serve.py` runs app.py, the Streamlit script, behind it.

The middleware lets deep links such as `/sites` connect without Streamlit's two 404 probes and sends unknown paths to
the not-found page (see `regionmap.ui.serving`).
"""

import streamlit as st

from regionmap.ui.serving import middleware

app = st.App("app.py", middleware=middleware())
