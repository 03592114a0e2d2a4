"""The `regionmap` console command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from regionmap.errors import RegionmapError


def _build_data(args: argparse.Namespace) -> int:
    from regionmap.data.pipeline import build_store

    result = build_store(source_dir=args.source_dir, boundaries=args.boundaries, out=args.out)
    print(result.summary())
    return 0


def _validate(args: argparse.Namespace) -> int:
    from regionmap.data.validation import run_validation

    report = run_validation(args.paths, store=args.store, layer=args.layer)
    print(report.format())
    return 0 if report.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="regionmap", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = sub.add_parser("build-data", help="build the region data store (GeoPackage + manifest) from the sources")
    build.add_argument("--source-dir", type=Path, help="directory with the source datasets (default: $REGIONMAP_SOURCE_DIR)")
    build.add_argument("--boundaries", type=Path, help="municipality polygons in a BKG layout, instead of the registry's")
    build.add_argument("--out", type=Path, help="GeoPackage to write (default: data/geo/regionmap.gpkg)")
    build.set_defaults(func=_build_data)

    validate = sub.add_parser("validate", help="check curated layer files and the built store")
    validate.add_argument("paths", nargs="*", type=Path, help="files to check (default: data/geo/curated/*.csv and the store)")
    validate.add_argument("--store", type=Path, help="store to check against (default: $REGIONMAP_STORE or data/geo/regionmap.gpkg)")
    validate.add_argument("--layer", help="check the files against this layer's schema (any upload format: CSV, "
                          "XLSX, GeoJSON, GeoPackage, zipped shapefile, KML)")
    validate.set_defaults(func=_validate)
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
