"""Streamlit glue shared by the pages: cached data, the view state (URL + sidebar), map, detail card and tables.

Everything here calls Streamlit; the logic it uses lives in the pure modules of `regionmap`.
"""
