"""The OGC API server: pygeoapi's Starlette app on a generated configuration, behind `regionmap.api.guard`.

pygeoapi reads its configuration and OpenAPI document from the files named by `PYGEOAPI_CONFIG` and
`PYGEOAPI_OPENAPI` when its app module is imported; `app()` writes both, generated, into a private temporary
directory, imports the app and removes the directory (a PostGIS password may be in it). Nothing is edited by hand.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from regionmap import config
from regionmap.api.collections import collection
from regionmap.api.guard import Guard
from regionmap.api.pygeoapi_config import MAX_ITEMS, POSTGIS_PROVIDER, build_config, openapi_document
from regionmap.data.store import store_at


def base_url(host: str, port: int) -> str:
    """The address the API's links carry: `$REGIONMAP_API_URL` when set, else the address it is served on."""
    if os.environ.get(config.API_URL_ENV, "").strip():
        return config.api_url()
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    return f"http://{shown}:{port}"


def write_config(directory: Path, url: str, location: str | None = None) -> tuple[Path, Path, dict[str, Any]]:
    """Write pygeoapi's configuration and OpenAPI document into `directory`; returns both paths and the config."""
    settings = build_config(url, location)
    config_file = directory / "pygeoapi-config.yml"
    config_file.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    openapi_file = directory / "pygeoapi-openapi.json"
    openapi_file.write_text(json.dumps(openapi_document(settings), ensure_ascii=False, default=str),
                            encoding="utf-8")
    return config_file, openapi_file, settings


def app(url: str, location: str | None = None) -> Guard:
    """The ASGI app serving the store at `location` (default `$REGIONMAP_STORE`) with links to `url`."""
    with tempfile.TemporaryDirectory(prefix="regionmap-api-") as directory:
        config_file, openapi_file, settings = write_config(Path(directory), url, location)
        os.environ["PYGEOAPI_CONFIG"] = str(config_file)
        os.environ["PYGEOAPI_OPENAPI"] = str(openapi_file)
        if "pygeoapi.starlette_app" in sys.modules:  # a second app in one process reads its own files
            starlette_app = importlib.reload(sys.modules["pygeoapi.starlette_app"])
        else:
            starlette_app = importlib.import_module("pygeoapi.starlette_app")
    collections = {name: collection(name) for name in settings["resources"]}
    in_postgis = [name for name, resource in settings["resources"].items()
                  if resource["providers"][0]["name"] == POSTGIS_PROVIDER]
    return Guard(starlette_app.APP, collections, MAX_ITEMS, sectors_filter=in_postgis)


def serve(host: str = config.API_HOST, port: int = config.API_PORT) -> None:
    """Serve the API with uvicorn until interrupted."""
    import uvicorn

    url = base_url(host, port)
    served = app(url)
    print(f"regionmap OGC API on {url} (store: {store_at(config.store_location()).location})", flush=True)
    uvicorn.run(served, host=host, port=port, log_level="warning")
