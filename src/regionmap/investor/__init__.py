"""The investor view without Streamlit: site finder, location factors, comparison, site sheet, exposé."""
