"""The presenter mode without Streamlit: tour files, playback state, what a stop shows, QR codes."""
