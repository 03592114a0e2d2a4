"""regionmap: an offline-capable geospatial dashboard for the Metropolregion Hannover Braunschweig Göttingen Wolfsburg."""

__version__ = "0.1.0"
