"""Who is signed in: the identity from an OpenID Connect sign-in (Streamlit's `st.login`), without Streamlit."""
