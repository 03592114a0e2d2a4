"""`regionmap leads`: export, purge and delete leads from the command line.

Like `regionmap roles` and `history`, the command line acts with the store's own credentials (`actor` None): whoever
may open the GeoPackage file or connect with the PostgreSQL URL is the local operator, and may read every lead. Every
run is in the history (as "command line"), with counts only.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import TYPE_CHECKING

import pandas as pd

from regionmap import config

if TYPE_CHECKING:
    from regionmap.leads.repository import Lead

EXPORT_COLUMNS = ("id", "created_at", "name", "company", "email", "message", "language", "site_ids",
                  "organisations", "consent_version", "consent_hash", "consent_at")


def _leads(args: argparse.Namespace):
    from regionmap.data.store import store_at
    from regionmap.leads.repository import leads_of

    return leads_of(store_at(args.store))


def export_frame(leads: list[Lead]) -> pd.DataFrame:
    """One row per lead, its sites and their organisations `;`-separated in the same order."""
    rows = [{**{k: v for k, v in asdict(lead).items() if k != "sites"},
             "site_ids": ";".join(s.site_id for s in lead.sites),
             "organisations": ";".join(s.organisation for s in lead.sites)} for lead in leads]
    return pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))


def export_json(leads: list[Lead]) -> bytes:
    """The leads as a JSON array, each with its `sites` as objects (`site_id`, `organisation`)."""
    return json.dumps([asdict(lead) for lead in leads], ensure_ascii=False, indent=2).encode("utf-8")


def _export(args: argparse.Namespace) -> int:
    from regionmap.data.exports import table_csv_bytes

    leads = _leads(args).leads_for(None)
    data = table_csv_bytes(export_frame(leads), "en") if args.format == "csv" else export_json(leads)
    config.resolve_path(args.out).write_bytes(data)
    print(f"{len(leads)} leads written to {args.out}")
    return 0


def _purge(args: argparse.Namespace) -> int:
    print(f"{_leads(args).purge_expired()} leads past the retention deleted")
    return 0


def _delete(args: argparse.Namespace) -> int:
    print(f"{_leads(args).delete_by_email(None, args.email)} leads deleted")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    leads = sub.add_parser("leads", help="visitors' enquiries (leads): export for the region's store or CRM, purge "
                           "past the retention, delete a visitor's leads on request")
    actions = leads.add_subparsers(dest="action", required=True, metavar="ACTION")
    store_help = "the store: a GeoPackage path or a postgresql:// URL (default: $REGIONMAP_STORE)"
    export = actions.add_parser("export", help="write every lead as CSV or JSON")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--out", required=True, help="file to write")
    purge = actions.add_parser("purge", help="delete the leads past the retention of data/leads.toml")
    delete = actions.add_parser("delete", help="delete every lead of one visitor, by e-mail address")
    delete.add_argument("--email", required=True)
    for parser, func in ((export, _export), (purge, _purge), (delete, _delete)):
        parser.add_argument("--store", help=store_help)
        parser.set_defaults(func=func)
