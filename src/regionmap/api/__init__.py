"""The region's layers for GIS clients: OGC API – Features served by pygeoapi (`regionmap serve-api`).

- `collections`: which store layers are published, with their filters, titles, licences and extents (the one place
  that decides what the API shows);
- `pygeoapi_config`: pygeoapi's configuration and OpenAPI document, generated from the registries and the store;
- `provider`: the pygeoapi feature provider that reads a layer through `regionmap.data.store.Store`;
- `postgis_provider`: pygeoapi's PostgreSQL provider for a PostGIS store, answering as `provider` does;
- `guard`: the request checks in front of pygeoapi (read-only, known collections and parameters, bounded paging);
- `server`: the ASGI app and `serve()`.
"""
