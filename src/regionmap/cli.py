"""The `regionmap` console command."""

from __future__ import annotations

import argparse
import sys

from regionmap import replicas
from regionmap.editing import commands as editing_commands
from regionmap.freshness import commands as freshness_commands
from regionmap.leads import commands as leads_commands
from regionmap.config import API_HOST, API_PORT, resolve_path
from regionmap.errors import RegionmapError


def _build_data(args: argparse.Namespace) -> int:
    from regionmap.data.pipeline import build_store

    result = build_store(source_dir=args.source_dir, boundaries=args.boundaries, out=args.out,
                         tolerance_m=args.tolerance, strict=args.strict, reference_date=args.reference_date)
    print(result.summary())
    return 0


def _validate(args: argparse.Namespace) -> int:
    from regionmap.data.validation import run_validation

    report = run_validation(args.paths, store=args.store, strict=args.strict, tolerance_m=args.tolerance,
                            layer=args.layer)
    print(report.format())
    return 0 if report.ok else 1


def _serve_api(args: argparse.Namespace) -> int:
    from regionmap.api.server import serve

    serve(host=args.host, port=args.port)
    return 0


def _placement_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tolerance", type=float, metavar="METRES",
                        help="how far a curated point may lie outside its municipality with only a warning "
                             "(default: 0.2 mm at the boundary product's scale, 50 m for 1:250,000)")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors (for CI on the shipped data)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="regionmap", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = sub.add_parser("build-data", help="build the region data store (GeoPackage + manifest) from the sources")
    build.add_argument("--source-dir", type=resolve_path,
                       help="directory with the source datasets (default: $REGIONMAP_SOURCE_DIR)")
    build.add_argument("--boundaries", type=resolve_path,
                       help="municipality polygons in a BKG layout of any vintage or scale, instead of the registry's")
    build.add_argument("--out", help="store to write: a GeoPackage path (default: $REGIONMAP_STORE or "
                       "data/geo/regionmap.gpkg)")
    _placement_arguments(build)
    build.add_argument("--reference-date", metavar="YYYY-MM-DD",
                       help="reference date of the boundaries and population when their files state none")
    build.set_defaults(func=_build_data)

    validate = sub.add_parser("validate", help="check curated layer files and the built store")
    validate.add_argument("paths", nargs="*", type=resolve_path,
                          help="files to check (default: data/geo/curated/*.csv and the store)")
    validate.add_argument("--store", help="store to check against: a GeoPackage path (default: $REGIONMAP_STORE or "
                          "data/geo/regionmap.gpkg)")
    _placement_arguments(validate)
    validate.add_argument("--layer", help="check the files against this layer's schema (any upload format: CSV, "
                          "XLSX, GeoJSON, GeoPackage, zipped shapefile, KML)")
    validate.set_defaults(func=_validate)

    api = sub.add_parser("serve-api", help="serve the store's published layers as OGC API - Features (pygeoapi)")
    api.add_argument("--host", default=API_HOST, help=f"address to listen on (default {API_HOST})")
    api.add_argument("--port", type=int, default=API_PORT, help=f"port (default {API_PORT})")
    api.set_defaults(func=_serve_api)
    replicas.add_parser(sub)
    editing_commands.add_parsers(sub)
    freshness_commands.add_parsers(sub)
    leads_commands.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except RegionmapError as exc:
        print(f"regionmap {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
