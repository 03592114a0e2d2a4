"""The store backends the parametrised store tests run on (`conftest.real_store` and the tests' own fixtures)."""

BACKENDS = ("gpkg", "postgis")
