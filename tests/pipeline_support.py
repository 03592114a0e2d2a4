"""Constants shared by the pipeline and source tests and the fixtures in conftest.py."""

from regionmap.taxonomy import taxonomy

SAMPLE_KREISE = ("03101", "03154", "03157")  # Braunschweig, Helmstedt (with gemeindefreie Gebiete), Peine
SAMPLE_TOWNS = {"03154013": "Stadt", "03154019": "Stadt", "03154028": "Stadt", "03157006": "Stadt"}
SAMPLE_BEZ = {"03101000": "Kreisfreie Stadt", **SAMPLE_TOWNS}
HOSTILE = "<img src=x onerror=alert(1)>"
THEMATIC = taxonomy().layer_ids  # the thematic layers of data/layers.toml
