"""The editing side's subcommands of `regionmap`: `roles` (grant, revoke, list), `history` and `export-curated`."""

from __future__ import annotations

import argparse

from regionmap import config
from regionmap.editing.roles import ROLES
from regionmap.errors import RegionmapError


def _edits(args: argparse.Namespace):
    from regionmap.data.store import store_at

    return store_at(args.store).edits()


def _roles(args: argparse.Namespace) -> int:
    edits = _edits(args)
    try:
        if args.action == "grant":
            grant = edits.set_grant(None, args.email, args.role, args.organisation or "", kreise=args.kreis,
                                    municipalities=args.ags, layers=args.layers)
            print(f"{grant.email}: {grant.role}, {grant.organisation}, area {','.join(grant.kreise + grant.municipalities) or 'whole region'}, "
                  f"layers {','.join(grant.layers) or 'all editable'}")
        elif args.action == "revoke":
            edits.revoke_grant(None, args.email)
            print(f"{args.email}: no role")
        else:
            for grant in edits.grants(None):
                print(f"{grant.email}\t{grant.role}\t{grant.organisation}\t"
                      f"{','.join(grant.kreise + grant.municipalities) or '*'}\t{','.join(grant.layers) or '*'}")
    except ValueError as exc:
        raise RegionmapError(str(exc)) from exc
    return 0


def _history(args: argparse.Namespace) -> int:
    from regionmap.data.exports import table_csv_bytes

    frame = _edits(args).history(None, since=args.since, until=args.until)
    data = table_csv_bytes(frame, "en")
    if args.out:
        config.resolve_path(args.out).write_bytes(data)
        print(f"{len(frame)} history rows written to {args.out}")
    else:
        print(data.decode("utf-8-sig"), end="")
    return 0


def _export_curated(args: argparse.Namespace) -> int:
    from regionmap.editing.curated_export import export_curated

    out = config.resolve_path(args.out) if args.out else None
    for exported in export_curated(_edits(args), config.curated_dir(), out):
        print(f"{exported.path}: {exported.replaced} replaced, {exported.added} added, {exported.withdrawn} withdrawn")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    store_help = "the store: a GeoPackage path or a postgresql:// URL (default: $REGIONMAP_STORE)"
    roles = sub.add_parser("roles", help="partners' roles in the store: grant, revoke, list")
    roles.add_argument("action", choices=("grant", "revoke", "list"))
    roles.add_argument("email", nargs="?", default="")
    roles.add_argument("--role", choices=ROLES, default="editor")
    roles.add_argument("--organisation", help="the partner organisation the person acts for")
    roles.add_argument("--kreis", nargs="+", default=[], metavar="AGS", help="Kreise of the area (5 digits each)")
    roles.add_argument("--ags", nargs="+", default=[], metavar="AGS", help="municipalities of the area (8 digits each)")
    roles.add_argument("--layers", nargs="+", default=[], metavar="LAYER", help="editable layers (default: all)")
    roles.add_argument("--store", help=store_help)
    roles.set_defaults(func=_roles)

    history = sub.add_parser("history", help="the editing history (every change, review, sign-in, refusal) as CSV")
    history.add_argument("--since", metavar="YYYY-MM-DD")
    history.add_argument("--until", metavar="YYYY-MM-DD")
    history.add_argument("--out", help="file to write (default: standard output)")
    history.add_argument("--store", help=store_help)
    history.set_defaults(func=_history)

    export = sub.add_parser("export-curated", help="write the partners' published records into the curated CSVs")
    export.add_argument("--out", help="folder to write to (default: data/geo/curated, in place)")
    export.add_argument("--store", help=store_help)
    export.set_defaults(func=_export_curated)
