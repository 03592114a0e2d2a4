"""The dashboard without Streamlit: map composition, filters, URL state, cards, indicators."""
